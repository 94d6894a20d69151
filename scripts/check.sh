#!/usr/bin/env bash
# make check: the kernel's own checkers on our files. Non-zero on any finding.
# (The patch series itself is checked by make patch, on format-patch output.)
#   checkpatch --strict, sparse (C=2) and W=1 on mm/compaction.o,
#   kernel-doc -none -Wall.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

tree=$BUILD/src/ours
findings=0
mapfile -t files < <(cd "$TOP/linux" && find . -name '*.[ch]' | sed 's|^\./||' | sort)

stage "checkpatch --strict"
for f in "${files[@]}"; do
	# Run inside the tree, so that checkpatch knows the kernel's own
	# CamelCase names (__SetPageMovable, ...) from its headers.
	out=$(cd "$tree" && perl scripts/checkpatch.pl --strict --quiet --show-types -f "$f" 2>&1)
	n=$(echo "$out" | grep -cE '^(ERROR|WARNING|CHECK)')
	echo "  $f: $n findings"
	[ "$n" -eq 0 ] || { echo "$out" | sed 's/^/    /'; findings=$((findings + n)); }
done

stage "kernel-doc -none -Wall"
for f in "${files[@]}"; do
	case "$f" in tools/*) continue ;; esac
	out=$(perl "$tree/scripts/kernel-doc" -none -Wall "$tree/$f" 2>&1)
	n=$(echo -n "$out" | grep -c .)
	echo "  $f: $n findings"
	[ "$n" -eq 0 ] || { echo "$out" | sed 's/^/    /'; findings=$((findings + n)); }
done

stage "sparse (C=2) and W=1 on mm/compaction.o"
out=$(OUT_NAME=ours-check KBUILD_EXTRA="C=2 W=1" "$TOP/scripts/kernel.sh" ours mm/compaction.o 2>&1)
rc=$?
n=$(echo "$out" | grep -cE 'warning:|error:')
echo "  mm/compaction.o: $n findings (build rc $rc)"
[ "$n" -eq 0 ] && [ $rc -eq 0 ] || { echo "$out" | grep -v '^  ' | sed 's/^/    /'; findings=$((findings + n + (rc != 0))); }

echo
echo "make check: $findings findings"
[ "$findings" -eq 0 ]
