// SPDX-License-Identifier: GPL-2.0
/*
 * Fill memory with movable anonymous pages that carry a known pattern, so
 * that contiguous-range allocations (CMA, gigantic hugetlb pages) must
 * migrate them. Then wait for /tmp/contig.done and check every byte.
 *
 *   contig_fill PCT [KEEP]   touch PCT% of MemFree and keep one page in
 *                            KEEP (default 1: all); prints "filled" when ready
 * Exit code 0 when every byte survived.
 */
#include "fragment.h"

int main(int argc, char **argv)
{
	unsigned int pct = argc > 1 ? atoi(argv[1]) : 60;
	unsigned long keep = argc > 2 ? strtoul(argv[2], NULL, 0) : 1;
	unsigned long bad;
	struct frag fr;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (pct < 1 || pct > 95 || keep < 1 || keep > 512) {
		fprintf(stderr, "usage: contig_fill PCT (1..95) [KEEP (1..512)]\n");
		return 2;
	}
	if (fragment(&fr, pct, keep)) {
		perror("contig_fill");
		return 1;
	}
	printf("filled %lu MiB\n", fr.pages * PG >> 20);
	while (access("/tmp/contig.done", F_OK))
		usleep(100000);
	bad = verify(&fr);
	printf("verified: %lu bad words\n", bad);
	return bad != 0;
}
