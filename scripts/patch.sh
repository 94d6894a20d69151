#!/usr/bin/env bash
# make patch: build/src/ours as a git format-patch series against the
# pinned base in build/patches: a cover letter and one patch per logical
# change.  Every patch must pass checkpatch --strict, and git am of the
# series onto the pristine base must give build/src/ours byte for byte;
# a series that fails either is left in build/patches.new.
#
# The split is declared in plan below: which files of build/src/ours each
# patch carries.  mm/compaction.c and mm/Kconfig.compaction come twice:
# first without their KUnit part, then whole in the KUnit patch.
# MAINTAINERS comes from build/src/ours too (patches/0004), each patch
# listing in our section only the files the series holds by then.
#
# The cover letter reports the last 'make test' and 'make bench' from
# their summaries, build/summary/test-ours.json and build/bench/summary.json,
# and says so plainly when there is none.
#
#   build/patchwork/base.git  the pristine base as a git repository, made
#                             once per pinned version (about a minute)
#   build/patchwork/verify    its worktree, where the series is git am'd
set -euo pipefail
. "$(dirname "$0")/lib.sh"

base=$BUILD/src/base
ours=$BUILD/src/ours
work=$BUILD/patchwork
out=$BUILD/patches
repo=$work/base.git
verify=$work/verify
tmp=$work/tmp
idx=$tmp/index
team='Compaction Team <compaction-team@example.org>'
section='MEMORY MANAGEMENT - COMPACTION'

# The commits carry the date of the last commit of this repository that
# touched linux/ or patches/, so that the series only changes with them.
series_date=$(git -C "$TOP" log -1 --format=%cI -- linux patches 2>/dev/null || true)
[ -n "$series_date" ] || die "cannot read a commit date of linux/ or patches/ from the git history of $TOP"

# Nothing from the user's or the system's git configuration may change
# the output.
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null LC_ALL=C
export GIT_AUTHOR_NAME=${team% <*} GIT_AUTHOR_EMAIL=compaction-team@example.org
export GIT_COMMITTER_NAME=$GIT_AUTHOR_NAME GIT_COMMITTER_EMAIL=$GIT_AUTHOR_EMAIL
export GIT_AUTHOR_DATE=$series_date GIT_COMMITTER_DATE=$series_date

g() { git --git-dir="$repo" "$@"; }

# make_base_repo: the pristine base as commit refs/heads/base, made once
# per pinned version; the series is committed on top of it.
make_base_repo() {
	local new=$repo.new tree stamp commit
	[ "$(cat "$repo/pinned-version" 2>/dev/null)" = "$LINUX_SOURCE_VERSION" ] && return 0
	need_disk 4 "$work"
	stage "git repository of the pristine base $LINUX_SOURCE_VERSION (once per version)"
	rm -rf "$new" "$repo" "$verify"
	git init -q --bare "$new"
	git --git-dir="$new" config core.autocrlf false
	git --git-dir="$new" config gc.auto 0
	# diff=cpp hunk headers, as in a kernel checkout.
	cp "$base/.gitattributes" "$new/info/attributes"
	# -f: the tarball holds files that its own .gitignore names.
	GIT_INDEX_FILE=$new/index git --git-dir="$new" --work-tree="$base" \
		add -A -f -- . ':(exclude).unpacked-*'
	tree=$(GIT_INDEX_FILE=$new/index git --git-dir="$new" write-tree)
	rm "$new/index"
	# Dated like the tarball, so that every run makes the same commit.
	stamp=$(stat -c %Y "$base/Makefile")
	commit=$(GIT_AUTHOR_DATE="@$stamp +0000" GIT_COMMITTER_DATE="@$stamp +0000" \
		git --git-dir="$new" commit-tree "$tree" -m "Linux $LINUX_SOURCE_VERSION (Debian linux-source-6.12)")
	git --git-dir="$new" update-ref refs/heads/base "$commit"
	echo "$LINUX_SOURCE_VERSION" >"$new/pinned-version"
	mv "$new" "$repo"
}

# === The series ===

declare -A held=() # the paths the series has carried so far
parent=            # the commit the next patch goes on

# without_kunit PATH DST: PATH of build/src/ours without its KUnit part,
# for the patches before the KUnit suite.  The part must be the end of the
# file, from the first line that names COMPACTION_KUNIT_TEST (after a blank
# line): #ifdef, #include, #endif in mm/compaction.c, the config entry in
# mm/Kconfig.compaction.  Anything else there, or a KUnit mention before
# it, would put the cut in the wrong place: stop instead.
without_kunit() {
	local src=$ours/$1 n
	local part='.*(COMPACTION_KUNIT_TEST|compaction_kunit).*|#endif|([[:space:]].*)?'
	n=$(grep -n -m1 COMPACTION_KUNIT_TEST "$src" | cut -d: -f1) || true
	if [ "${n:-1}" = 1 ] || [ -n "$(sed -n "$((n - 1))p" "$src")" ]; then
		die "$1 has no KUnit part after a blank line: update without_kunit in scripts/patch.sh"
	fi
	! tail -n +"$n" "$src" | grep -vxE "$part" >"$tmp/stray" ||
		die "$1: its KUnit part at the end also holds: $(cat "$tmp/stray")"
	head -n $((n - 2)) "$src" >"$2"
	! grep -qi kunit "$2" ||
		die "$1 names KUnit before its KUnit part at the end: update without_kunit in scripts/patch.sh"
}

# put PATH SRC: the bytes of SRC are PATH in the next commit.
put() {
	local mode=100644 blob
	[ -x "$ours/$1" ] && mode=100755
	blob=$(g hash-object -w --no-filters --stdin <"$2")
	GIT_INDEX_FILE=$idx g update-index --add --cacheinfo "$mode,$blob,$1"
}

# maintainers DST: build/src/ours' MAINTAINERS with our section listing
# only the files the series holds by now: a patch must not name a file
# that only a later patch brings.
maintainers() {
	awk -v title="$section" -v held="${!held[*]}" '
		BEGIN { n = split(held, f, " "); for (i = 1; i <= n; i++) ok[f[i]] = 1 }
		/^$/ { sec = ""; print; next }
		sec == "" { sec = $0 }
		sec == title && /^F:\t/ && !(substr($0, 4) in ok) { next }
		{ print }' "$ours/MAINTAINERS" >"$1"
}

# add_patch SUBJECT FILE...: commit FILE... as they are in build/src/ours (as
# FILE:no-kunit without their KUnit part) and MAINTAINERS as far as they
# go; the body of the message comes on stdin.
add_patch() {
	local subject=$1 f path tree
	shift
	for f in "$@"; do
		path=${f%:no-kunit}
		[ -f "$ours/$path" ] || die "build/src/ours/$path is missing: update plan in scripts/patch.sh"
		if [ "$f" = "$path" ]; then
			put "$path" "$ours/$path"
		else
			without_kunit "$path" "$tmp/cut"
			put "$path" "$tmp/cut"
		fi
		held[$path]=1
	done
	maintainers "$tmp/MAINTAINERS"
	put MAINTAINERS "$tmp/MAINTAINERS"
	tree=$(GIT_INDEX_FILE=$idx g write-tree)
	[ "$tree" != "$(g rev-parse "$parent^{tree}")" ] ||
		die "patch '$subject' would be empty: build/src/ours no longer changes its files"
	{ printf '%s\n\n' "$subject"; cat; printf '\nSigned-off-by: %s\n' "$team"; } >"$tmp/msg"
	parent=$(g commit-tree "$tree" -p "$parent" -F "$tmp/msg")
}

plan() {
	add_patch "mm: move compaction's Kconfig entries into mm/Kconfig.compaction" \
		mm/Kconfig mm/Kconfig.compaction:no-kunit <<'EOF'
The compaction options sit in the middle of mm/Kconfig, between the
balloon and the free page reporting entries. Move COMPACTION and
COMPACT_UNEVICTABLE_DEFAULT into mm/Kconfig.compaction, sourced from
the same place, so that compaction's options, their help texts and the
test option added later in this series are kept together in one file.

Names, types, defaults and dependencies are unchanged, so existing
configurations keep their values. The help texts are rewritten:
COMPACTION now says what it enables (reliable high-order allocations,
the compaction sysctls, kcompactd) and what saying N costs, and
COMPACT_UNEVICTABLE_DEFAULT explains why PREEMPT_RT defaults to 0.

Add a MAINTAINERS section for compaction, starting with the new file.
EOF

	add_patch "mm/compaction: replace the engine with a new implementation" \
		mm/internal.h include/linux/compaction.h include/trace/events/compaction.h \
		mm/compaction.c:no-kunit <<'EOF'
Replace mm/compaction.c with an implementation written from scratch.
Its callers are untouched: the page allocator, reclaim, memory hotplug,
alloc_contig_range() and the node sysfs code use the same functions,
and the sysctls, vmstat counters and tracepoints keep their names,
ranges and output formats, so existing tools keep working.

The design is the familiar one, restructured for clarity: a migration
scanner and a free scanner walk each zone from opposite ends and feed
migrate_pages(); direct compaction captures the page it frees, and
kcompactd compacts on demand and proactively. The migration scanner
always finishes a pageblock it starts, and the free scanner never
splits a free page that is already as large as the block being built.

struct compact_control in mm/internal.h follows the new engine and says
who sets each field. include/linux/compaction.h keeps its declarations
and include/trace/events/compaction.h its events and formats; both are
rewritten along with the file they serve.
EOF

	add_patch "mm/compaction: add a KUnit suite" \
		mm/tests/compaction_kunit.c mm/Kconfig.compaction mm/compaction.c <<'EOF'
Add KUnit cases for the parts of the engine that can be checked on
their own: deferral and its back-off, the fragmentation score and the
proactive watermarks, the suitability checks, the scanner bounds and
cached positions, skip bits, and the isolation of free pages and of
migration sources, including a migration that must keep page contents.

The cases need the engine's static helpers, so mm/tests/compaction_kunit.c
is #included at the end of mm/compaction.c, as DAMON does with its
tests, and COMPACTION_KUNIT_TEST can only be built in. The cases run at
boot on the live machine and only assert what concurrent activity
cannot break.
EOF

	add_patch "selftests/mm: rewrite compaction_test" \
		tools/testing/selftests/mm/compaction_test.c <<'EOF'
The current compaction_test checks one thing: that a quarter of memory
can still become hugetlb pages while mlocked memory is around. Replace
it with a kselftest_harness program that covers compaction as user
space sees it.

The first group checks the control files: every vm.* compaction sysctl
takes each value of its range and refuses anything else with EINVAL,
keeping its value, and vm.compact_memory and the per-node compact file
behave as documented. The second group fragments anonymous memory on
purpose and has compaction rebuild huge page sized blocks in each way
the kernel runs it: by hand, with mlocked pages, for hugetlb pool
growth, on a THP fault with defrag=always and proactively. Each
resident page carries a pattern that must come through unchanged.
EOF

	add_patch "docs: admin-guide/mm: document memory compaction" \
		Documentation/admin-guide/mm/compaction.rst Documentation/admin-guide/mm/index.rst <<'EOF'
Compaction has no page of its own in the admin guide; what there is
lives in the descriptions of the vm sysctls and of transparent huge
pages. Add Documentation/admin-guide/mm/compaction.rst and link it from
the index.

It explains what external fragmentation is and which pages compaction
can move, the six situations in which it runs, how to check
fragmentation, compact by hand and tune background compaction, and
how to observe it. A reference part lists the sysctls, the per-node
sysfs file, the build options, the vmstat counters, the tracepoints,
the debugfs fragmentation indexes and the fragmentation score, and a
troubleshooting part covers the common complaints.
EOF
}

# make_series: the commits of plan on refs/heads/series.  Our section of
# MAINTAINERS must be complete by the last patch, or a file it names is in
# no patch.
make_series() {
	rm -rf "$tmp"
	mkdir -p "$tmp"
	parent=$(g rev-parse refs/heads/base)
	GIT_INDEX_FILE=$idx g read-tree "$parent"
	plan
	cmp -s "$tmp/MAINTAINERS" "$ours/MAINTAINERS" ||
		die "MAINTAINERS: the section '$section' names a file that no patch of plan in scripts/patch.sh carries"
	g update-ref refs/heads/series "$parent"
}

# === The cover letter ===

# summary FILE FORMAT [LIST]: FORMAT (Python str.format) filled in from the
# JSON object in FILE; with LIST, once per element of its list LIST.
summary() {
	python3 - "$@" <<'PY'
import json, sys
path, fmt, key = (sys.argv[1:] + [None])[:3]
try:
    d = json.load(open(path))
    for e in (d[key] if key else [d]):
        print(fmt.format(**e))
except (ValueError, KeyError, TypeError) as e:
    sys.exit('error: %s is not the summary make patch expects (%s: %s)'
             % (path, type(e).__name__, e))
PY
}

# older_than_tree FILE: a summary written before build/src/ours was last
# made is of another state of the tree; the letter must say so.
older_than_tree() {
	if [ "$1" -ot "$ours/.inputs" ]; then
		echo "warning: ${1#"$TOP"/} predates build/src/ours: the cover letter says so" >&2
		echo "The tree has changed since that run."
	fi
}

# test_text: the Testing paragraph, from the summary of 'make test'.
test_text() {
	local s=$BUILD/summary/test-ours.json
	cat <<'EOF'
Tested with the project's `make test`, which boots the kernel in QEMU
(x86_64) and runs the KUnit suite of patch 3, the kselftest of patch 4
and upstream's mm selftests, CMA and gigantic page allocations, NUMA
and memory hotplug cases and a stress mix, and fails a boot on any
kernel report in its serial log.
EOF
	if [ ! -f "$s" ]; then
		echo "warning: no ${s#"$TOP"/}: the cover letter has no test counts" >&2
		echo "There is no make test run on this tree yet, so there are no counts here."
		return 0
	fi
	summary "$s" $'The run of {date} at commit {commit}\ncounted {passed} passed, {failed} failed, {skipped} skipped.'
	older_than_tree "$s"
	echo
	summary "$s" '  {name:<24} {outcome:<8} {passed:3} passed, {failed} failed, {skipped} skipped' boots
}

# bench_text: the Benchmark paragraph and table, from the summary of
# 'make bench', with the repeats and guest size that run really had.
bench_text() {
	local s=$BUILD/bench/summary.json vals repeats quick seeds table mem=2 runs spread
	if [ ! -f "$s" ]; then
		echo "warning: no ${s#"$TOP"/}: the cover letter has no benchmark" >&2
		printf '%s\n' "Benchmark: there is no make bench run on this tree yet, so there are" "no figures here."
		return 0
	fi
	vals=$(summary "$s" $'{repeats}\t{quick}\t{seeds}\t{table_md}')
	IFS=$'\t' read -r repeats quick seeds table <<<"$vals"
	case "$table" in /*) ;; *) table=$TOP/$table ;; esac
	[ -f "$table" ] || die "${s#"$TOP"/} names the table $table, which is missing"
	# A quick run has 1 GiB guests (scripts/bench.sh).
	case "$quick" in True | 1) mem=1 ;; esac
	runs="$repeats times" spread="Medians, the spread over the seeds (max - min over median)"
	# Since the disk workloads: "workload:repeats ..." per workload.
	case "$repeats" in *:*) runs="as often as each name says (${repeats//:/ x})" ;; esac
	if [ "$repeats" = 1 ] || ! printf '%s\n' $repeats | grep -qv ':1$'; then
		runs=once spread="The figures of that one run"
	fi
	cat <<EOF
Benchmark: both kernels built from the same configuration, each workload
run $runs on both, interleaved, in identical $mem GiB QEMU guests that
run deterministically (-icount shift=0,sleep=off: guest time counts
instructions; QEMU's randomness seeded, seeds $seeds, the same on both
kernels; a run repeats exactly with its seed, except in the disk guest,
whose virtio I/O completes in host time). "full" touches 70% of
free memory as 4 KiB pages with THP off, keeps 1 page in 4 and runs one
vm.compact_memory; "highalloc" does the same fragmentation, then grows
the hugetlb pool one 2 MiB page at a time through direct compaction.
EOF
	if [ "$mem" = 1 ]; then
		echo "This was a quick run (make bench QUICK=1), not the full benchmark."
	fi
	summary "$s" "$spread and"$'\n''ours/upstream, from make bench of {date} at commit {commit}.'
	older_than_tree "$s"
	echo
	cat "$table"
}

# blurb: the text of the cover letter.
blurb() {
	cat <<EOF
This series replaces mm/compaction.c with a new implementation of memory
compaction, written from scratch against the interfaces of upstream's.
The page allocator, reclaim, memory hotplug, alloc_contig_range() and
the node sysfs code call it unchanged, and the sysctls, vmstat counters
and tracepoints keep their names, ranges and formats. It applies to
Debian's linux-source-6.12 $LINUX_SOURCE_VERSION (Linux $(kernel_version)).

  1/5 moves the compaction Kconfig entries into mm/Kconfig.compaction
      and starts a MAINTAINERS section for compaction.
  2/5 is the new implementation: mm/compaction.c, struct compact_control
      in mm/internal.h, include/linux/compaction.h and the tracepoints in
      include/trace/events/compaction.h. They are one patch because the
      engine, kcompactd and the tracepoints are in one file that replaces
      upstream's, and the new compact_control does not build with
      upstream's compaction.c.
  3/5 adds a KUnit suite, #included into mm/compaction.c so that it can
      reach the static helpers.
  4/5 replaces the compaction kselftest with one that covers the sysctls,
      the manual triggers and compaction in each way the kernel runs it.
  5/5 documents compaction in Documentation/admin-guide/mm/.

EOF
	test_text
	echo
	bench_text
}

# cover_letter FILE: fill in the subject and blurb of format-patch's letter.
# The blurb goes through a file, not $(...), so that a die in it stops
# make patch; its trailing newlines are trimmed to one.
cover_letter() {
	local mark
	for mark in SUBJECT BLURB; do
		[ "$(grep -c "\*\*\* $mark HERE \*\*\*$" "$1")" = 1 ] ||
			die "$1: expected one '*** $mark HERE ***' from git format-patch"
	done
	blurb >"$tmp/blurb"
	printf '%s\n' "$(cat "$tmp/blurb")" >"$tmp/blurb.trimmed"
	sed -i -e 's/\*\*\* SUBJECT HERE \*\*\*$/mm\/compaction: a new implementation of memory compaction/' \
		-e "/^\*\*\* BLURB HERE \*\*\*\$/{r $tmp/blurb.trimmed" -e 'd;}' "$1"
}

# kernel_version: the Linux release of the base, from its Makefile.
kernel_version() {
	awk -F' *= *' '$1 == "VERSION" { v = $2 } $1 == "PATCHLEVEL" { p = $2 }
		$1 == "SUBLEVEL" { print v "." p "." $2; exit }' "$base/Makefile"
}

# === Checks ===

# checkpatch_series: checkpatch --strict on every patch, printing the
# findings; fails when there are any.  It is the base's checkpatch, run in
# a directory of ours because it leaves a cache (.checkpatch-camelcase.*)
# in the current one.
checkpatch_series() {
	local p res bad=0
	mkdir -p "$work/checkpatch"
	for p in "${patches[@]}"; do
		# EMBEDDED_FILENAME fires on any added line of mm/Kconfig that
		# names "mm/Kconfig.<x>", which the source line must do.
		res=$(cd "$work/checkpatch" && perl "$base/scripts/checkpatch.pl" --strict \
			--show-types --ignore EMBEDDED_FILENAME "$p" 2>&1) || true
		echo "  ${p##*/}: $(echo "$res" | sed -n 's/^total: \(.*\), [0-9]* lines checked$/\1/p')"
		if ! echo "$res" | grep -q '^total: 0 errors, 0 warnings, 0 checks,'; then
			echo "$res" | sed '/^total: /,$d; s/^/      /'
			bad=1
		fi
	done
	return $bad
}

# verify_series: git am the series onto the pristine base in a worktree of
# base.git; the result must be build/src/ours, but for the files that are
# no part of the tree (.inputs of src.sh, checkpatch's cache of make check).
verify_series() {
	if [ -e "$verify/.git" ]; then
		git -C "$verify" am --abort >/dev/null 2>&1 || true
		git -C "$verify" checkout -q -f --detach refs/heads/base
		git -C "$verify" clean -q -f -d -x
	else
		need_disk 3 "$work"
		rm -rf "$verify"
		g worktree prune
		g worktree add -q --detach "$verify" refs/heads/base
	fi
	git -C "$verify" am -q "${patches[@]}" ||
		die "git am of the series onto the pristine base failed (its state is left in build/patchwork/verify)"
	echo "  git am: ${#patches[@]} patches applied to the pristine base"
	if ! diff -rq --no-dereference -x .git -x .inputs -x '.checkpatch-camelcase.*' \
		"$verify" "$ours" >"$tmp/diff.txt" 2>&1; then
		head -20 "$tmp/diff.txt" | sed 's/^/  /'
		die "the series applied to the pristine base differs from build/src/ours (above): is a file missing from plan in scripts/patch.sh?"
	fi
	echo "  diff -r: the result is byte-identical to build/src/ours"
}

# === Main ===

command -v git >/dev/null || die "git is missing: apt-get install git"
[ -f "$base/.unpacked-$LINUX_SOURCE_VERSION" ] ||
	die "build/src/base is not linux-source $LINUX_SOURCE_VERSION: run 'make src'"
[ -f "$ours/.inputs" ] || die "build/src/ours is missing: run 'make src'"
# src.sh must not remake build/src/ours while the series is cut from it
# and compared with it; and one make patch at a time.
exec 9>>"$BUILD/src/.lock"
flock -s 9
mkdir -p "$work"
exec 8>>"$work/.lock"
flock -n 8 || { echo "waiting for another 'make patch' to finish" >&2; flock 8; }

stage "make patch: build/src/ours as a series against $LINUX_SOURCE_VERSION"
make_base_repo
make_series
# build/patches is only ever a checked series of the current tree.
rm -rf "$out" "$out.new"
# Files we replace wholesale (at least 80% new) are shown as a deletion
# and a new file, which is how they should be read; the others as edits.
g format-patch -q -o "$out.new" --cover-letter --numbered --subject-prefix=PATCH \
	--break-rewrites=50%/80% --no-thread refs/heads/base..refs/heads/series
cover_letter "$out.new/0000-cover-letter.patch"
(cd "$out.new" && ls)
patches=()
for p in "$out.new"/[0-9][0-9][0-9][0-9]-*.patch; do
	[ "${p##*/}" = 0000-cover-letter.patch ] || patches+=("$p")
done

stage "checkpatch --strict"
cp_ok=1
checkpatch_series || cp_ok=0
stage "git am onto the pristine base, diff -r against build/src/ours"
verify_series
[ "$cp_ok" = 1 ] || die "checkpatch --strict has findings (above); the series is in build/patches.new"
mv "$out.new" "$out"
echo
echo "build/patches: ${#patches[@]} patches and a cover letter against $LINUX_SOURCE_VERSION;"
echo "checkpatch --strict clean, and git am onto the base gives build/src/ours."
