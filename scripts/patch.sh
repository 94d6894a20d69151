#!/usr/bin/env bash
# make patch: build/src/ours as a git format-patch series against the
# pinned base, one logical change per patch.
#
#   build/patches/      0000-cover-letter.patch, 0001-...patch, ...
#   build/patchwork/    base.git: the pristine base as a git repository,
#                       made once per pinned version (about a minute);
#                       verify/: where the series is applied with git am;
#                       maintainers.diff: the MAINTAINERS section of the
#                       series as a patches/ diff
#
# Every patch must pass checkpatch --strict, and the series applied with
# git am onto the pristine base must give build/src/ours byte for byte.
# The series is written to build/patches only when both hold.
#
# The commits are made with git plumbing, from the bytes of build/src/ours;
# nothing is ever written into build/src/base or build/src/ours.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

base=$BUILD/src/base
ours=$BUILD/src/ours
work=$BUILD/patchwork
out=$BUILD/patches
repo=$work/base.git
verify=$work/verify
tmp=$work/tmp

team_name='Compaction Team'
team_email='compaction-team@example.org'
section_title='MEMORY MANAGEMENT - COMPACTION'

self=$TOP/scripts/patch.sh

# Fixed dates keep the output reproducible: the commits of the series carry
# the date of the last commit of this repository that touched linux/ or
# patches/; the base commit carries the mtime of the base's Makefile.
series_date=$(git -C "$TOP" log -1 --format=%cI -- linux patches 2>/dev/null || true)
[ -n "$series_date" ] || series_date=$(git -C "$TOP" log -1 --format=%cI 2>/dev/null || true)
[ -n "$series_date" ] || die "cannot read a commit date from the git history of $TOP"

# Nothing from the user's or the system's git configuration may change
# the output.
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
export GIT_AUTHOR_NAME=$team_name GIT_AUTHOR_EMAIL=$team_email
export GIT_COMMITTER_NAME=$team_name GIT_COMMITTER_EMAIL=$team_email
export GIT_AUTHOR_DATE=$series_date GIT_COMMITTER_DATE=$series_date
export LC_ALL=C

g() { git --git-dir="$repo" "$@"; }

command -v git >/dev/null || die "git is missing: apt-get install git"
[ -f "$base/.unpacked-$LINUX_SOURCE_VERSION" ] ||
	die "build/src/base is not linux-source $LINUX_SOURCE_VERSION: run 'make src'"
[ -f "$ours/.inputs" ] || die "build/src/ours is missing: run 'make src'"

# Hold the tree lock of src.sh shared: build/src/ours must not be remade
# while the series is cut from it and compared with it.
exec 9>>"$BUILD/src/.lock"
flock -s 9
mkdir -p "$work"
exec 8>>"$work/.lock"
flock -n 8 || { echo "waiting for another 'make patch' to finish" >&2; flock 8; }

# === The pristine base as a git repository (once per pinned version) ===

make_base_repo() {
	local new=$repo.new tree commit stamp
	if [ "$(cat "$repo/pinned-version" 2>/dev/null)" = "$LINUX_SOURCE_VERSION" ] &&
		g rev-parse -q --verify refs/heads/base >/dev/null; then
		return 0
	fi
	need_disk 4 "$work"
	stage "git repository of the pristine base $LINUX_SOURCE_VERSION (once per version)"
	rm -rf "$new" "$repo" "$verify"
	git init -q --bare "$new"
	git --git-dir="$new" config core.autocrlf false
	git --git-dir="$new" config gc.auto 0
	# diff=cpp hunk headers, as in a kernel checkout.
	cp "$base/.gitattributes" "$new/info/attributes"
	# -f: the tarball may hold files its own .gitignore names; all of them
	# are part of the tree.  git only reads the work tree here.
	GIT_INDEX_FILE=$new/base.index git --git-dir="$new" --work-tree="$base" \
		add -A -f -- . ':(exclude).unpacked-*'
	tree=$(GIT_INDEX_FILE=$new/base.index git --git-dir="$new" write-tree)
	rm -f "$new/base.index"
	stamp=$(stat -c %Y "$base/Makefile")
	commit=$(GIT_AUTHOR_DATE="@$stamp +0000" GIT_COMMITTER_DATE="@$stamp +0000" \
		git --git-dir="$new" commit-tree "$tree" \
		-m "Linux $LINUX_SOURCE_VERSION (Debian linux-source-6.12)")
	git --git-dir="$new" update-ref refs/heads/base "$commit"
	echo "$LINUX_SOURCE_VERSION" >"$new/pinned-version"
	mv "$new" "$repo"
}

# === Cutting the series ===

# cut_c SRC DST: mm/compaction.c without the block that #includes the
# KUnit suite; that block belongs to the KUnit patch.
cut_c() {
	python3 - "$1" "$2" <<'PY'
import sys
src, dst = sys.argv[1:]
block = (b'\n#ifdef CONFIG_COMPACTION_KUNIT_TEST\n'
         b'#include "tests/compaction_kunit.c"\n'
         b'#endif\n')
text = open(src, 'rb').read()
n = text.count(block)
if n != 1:
    sys.exit('error: mm/compaction.c holds the KUnit #include block %d times, '
             'make patch needs it exactly once:\n%s'
             'Update cut_c in scripts/patch.sh if it changed on purpose.'
             % (n, block.decode()))
text = text.replace(block, b'')
for word in (b'COMPACTION_KUNIT_TEST', b'compaction_kunit'):
    if word in text:
        sys.exit('error: mm/compaction.c mentions %s outside the KUnit #include '
                 'block, so the engine patch would not stand without the KUnit '
                 'patch; update cut_c in scripts/patch.sh' % word.decode())
open(dst, 'wb').write(text)
PY
}

# cut_kconfig SRC DST: mm/Kconfig.compaction without the entry of
# COMPACTION_KUNIT_TEST (its "config" line and the indented or blank lines
# after it, and the blank line that separates it from the entry before).
cut_kconfig() {
	python3 - "$1" "$2" <<'PY'
import sys
src, dst = sys.argv[1:]
lines = open(src, 'rb').read().split(b'\n')
head = [i for i, l in enumerate(lines) if l.rstrip() == b'config COMPACTION_KUNIT_TEST']
if len(head) != 1:
    sys.exit('error: mm/Kconfig.compaction has %d "config COMPACTION_KUNIT_TEST" '
             'entries, make patch needs exactly one' % len(head))
s = head[0]
e = s + 1
while e < len(lines) and (lines[e].strip() == b'' or lines[e][:1] in (b' ', b'\t')):
    e += 1
while e > s + 1 and lines[e - 1].strip() == b'':
    e -= 1
if s == 0 or lines[s - 1].strip() != b'':
    sys.exit('error: mm/Kconfig.compaction: the COMPACTION_KUNIT_TEST entry is not '
             'preceded by a blank line; update cut_kconfig in scripts/patch.sh')
s -= 1
rest = lines[:s] + lines[e:]
text = b'\n'.join(rest)
if b'KUNIT' in text.upper():
    sys.exit('error: mm/Kconfig.compaction mentions KUnit outside the '
             'COMPACTION_KUNIT_TEST entry; update cut_kconfig in scripts/patch.sh')
open(dst, 'wb').write(text)
PY
}

# maintainers DST FILE...: the base's MAINTAINERS with our section listing
# FILE..., placed in order after "MEMORY MANAGEMENT".
maintainers() {
	local dst=$1
	shift
	python3 - "$base/MAINTAINERS" "$dst" "$section_title" \
		"$team_name <$team_email>" "$@" <<'PY'
import sys
src, dst, title, who = sys.argv[1:5]
files = sorted(sys.argv[5:])
title = title.encode()
lines = open(src, 'rb').read().split(b'\n')
heads = [i for i in range(1, len(lines) - 1)
         if lines[i - 1] == b'' and lines[i] and lines[i][1:2] != b':'
         and lines[i + 1][:1].isupper() and lines[i + 1][1:3] == b':\t']
mm = [i for i in heads if lines[i] == b'MEMORY MANAGEMENT']
if len(mm) != 1:
    sys.exit('error: MAINTAINERS of the base has %d "MEMORY MANAGEMENT" sections, '
             'expected one; update maintainers in scripts/patch.sh' % len(mm))
k = heads.index(mm[0]) + 1
while k < len(heads) and lines[heads[k]] < title:
    k += 1
if k == len(heads) or lines[heads[k]] == title:
    sys.exit('error: MAINTAINERS of the base already has a "%s" section (or no '
             'section after it); update maintainers in scripts/patch.sh'
             % title.decode())
section = [title, b'M:\t' + who.encode(), b'L:\tlinux-mm@kvack.org',
           b'S:\tMaintained'] + [b'F:\t' + f.encode() for f in files] + [b'']
at = heads[k]
open(dst, 'wb').write(b'\n'.join(lines[:at] + section + lines[at:]))
PY
}

declare -A planned=()
idx=$tmp/series.index
parent=
n_commits=0

# put PATH SRC: the bytes of SRC become PATH in the next commit.
put() {
	local path=$1 src=$2 mode=100644 blob
	[ -x "$src" ] && mode=100755
	blob=$(g hash-object -w --no-filters --stdin <"$src")
	GIT_INDEX_FILE=$idx g update-index --add --cacheinfo "$mode,$blob,$path"
}

# take PATH...: files exactly as they are in build/src/ours.
take() {
	local f
	for f in "$@"; do
		[ -f "$ours/$f" ] || die "build/src/ours/$f is missing, but the series carries it: update the plan in scripts/patch.sh"
		put "$f" "$ours/$f"
		planned[$f]=1
	done
}

# commit SUBJECT: commit the index with the message on stdin (the body).
commit() {
	local subject=$1 tree msg=$tmp/msg
	{
		printf '%s\n\n' "$subject"
		cat
		printf '\nSigned-off-by: %s <%s>\n' "$team_name" "$team_email"
	} >"$msg"
	tree=$(GIT_INDEX_FILE=$idx g write-tree)
	[ "$tree" != "$(g rev-parse "$parent^{tree}")" ] ||
		die "patch '$subject' would be empty: build/src/ours no longer changes its files"
	parent=$(g commit-tree "$tree" -p "$parent" -F "$msg")
	n_commits=$((n_commits + 1))
}

make_series() {
	local f mfiles=()
	rm -rf "$tmp"
	mkdir -p "$tmp"
	parent=$(g rev-parse refs/heads/base)
	GIT_INDEX_FILE=$idx g read-tree "$parent"

	# --- 1: the Kconfig move, without the KUnit option ---
	cut_kconfig "$ours/mm/Kconfig.compaction" "$tmp/Kconfig.compaction"
	take mm/Kconfig
	put mm/Kconfig.compaction "$tmp/Kconfig.compaction"
	mfiles+=(mm/Kconfig.compaction)
	maintainers "$tmp/MAINTAINERS" "${mfiles[@]}"
	put MAINTAINERS "$tmp/MAINTAINERS"
	commit "mm: move compaction's Kconfig entries into mm/Kconfig.compaction" <<'EOF'
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

	# --- 2: the engine, its header, compact_control and the tracepoints ---
	cut_c "$ours/mm/compaction.c" "$tmp/compaction.c"
	take mm/internal.h include/linux/compaction.h include/trace/events/compaction.h
	put mm/compaction.c "$tmp/compaction.c"
	mfiles+=(include/linux/compaction.h include/trace/events/compaction.h mm/compaction.c)
	maintainers "$tmp/MAINTAINERS" "${mfiles[@]}"
	put MAINTAINERS "$tmp/MAINTAINERS"
	commit "mm/compaction: replace the engine with a new implementation" <<'EOF'
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

	# --- 3: the KUnit suite ---
	take mm/tests/compaction_kunit.c mm/Kconfig.compaction mm/compaction.c
	mfiles+=(mm/tests/compaction_kunit.c)
	maintainers "$tmp/MAINTAINERS" "${mfiles[@]}"
	put MAINTAINERS "$tmp/MAINTAINERS"
	commit "mm/compaction: add a KUnit suite" <<'EOF'
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

	# --- 4: the kselftest ---
	take tools/testing/selftests/mm/compaction_test.c
	mfiles+=(tools/testing/selftests/mm/compaction_test.c)
	maintainers "$tmp/MAINTAINERS" "${mfiles[@]}"
	put MAINTAINERS "$tmp/MAINTAINERS"
	commit "selftests/mm: rewrite compaction_test" <<'EOF'
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

	# --- 5: the documentation ---
	take Documentation/admin-guide/mm/compaction.rst Documentation/admin-guide/mm/index.rst
	mfiles+=(Documentation/admin-guide/mm/compaction.rst)
	maintainers "$tmp/MAINTAINERS" "${mfiles[@]}"
	put MAINTAINERS "$tmp/MAINTAINERS"
	commit "docs: admin-guide/mm: document memory compaction" <<'EOF'
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

	g update-ref refs/heads/series "$parent"
	cp "$tmp/MAINTAINERS" "$work/MAINTAINERS.series"
}

# Every file in which build/src/ours differs from the base must be in the
# plan above, and the other way round.  (git am and the final comparison
# would catch it too; this names the file.)
check_plan() {
	local f changed=() missing=()
	# ours is a hard-linked copy of base: changed files have one link.
	mapfile -t changed < <(cd "$ours" && find . -type f -links 1 ! -path ./.inputs \
		! -path './.checkpatch-camelcase.*' |
		sed 's|^\./||' | sort)
	for f in "${changed[@]}"; do
		[ "$f" = MAINTAINERS ] && continue
		[ -f "$base/$f" ] && cmp -s "$base/$f" "$ours/$f" && continue
		[ -n "${planned[$f]:-}" ] || missing+=("$f")
	done
	[ ${#missing[@]} -eq 0 ] ||
		die "build/src/ours changes $(printf '%s ' "${missing[@]}")but no patch of the series carries it: add it to make_series in scripts/patch.sh"
	for f in "${!planned[@]}"; do
		! { [ -f "$base/$f" ] && cmp -s "$base/$f" "$ours/$f"; } ||
			die "$f is the same in build/src/ours as in the base; the series would carry nothing for it: update make_series in scripts/patch.sh"
	done
}

# === The cover letter ===

kernel_version() {
	awk -F' *= *' '$1 == "VERSION" { v = $2 } $1 == "PATCHLEVEL" { p = $2 }
		$1 == "SUBLEVEL" { s = $2; print v "." p "." s; exit }' "$base/Makefile"
}

# test_report: the output of the last 'make test' (BASE=ours), as test.sh
# printed it.  From a saved copy under build/ if there is one (a file whose
# last line is the summary line), else rebuilt from the serial logs the
# way test.sh counts them.  Prints "SOURCE<tab>text" first.
test_report() {
	local f saved="" log=$LOGS/test-ours.log contig=$LOGS/test-contig-ours.log kunit_py=""
	for f in "$BUILD"/*.txt "$BUILD"/*.log "$LOGS"/*.txt "$LOGS"/*.out; do
		[ -f "$f" ] || continue
		tail -n 1 "$f" | grep -qE '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' || continue
		[ -z "$saved" ] || [ "$f" -nt "$saved" ] && saved=$f
	done
	if [ -n "$saved" ]; then
		printf 'SOURCE\t%s, saved output of make test\n' "${saved#"$TOP"/}"
		cat "$saved"
		return 0
	fi
	[ -f "$log" ] && [ -f "$contig" ] || return 0
	# Both boots of one finished run: test.sh boots test-ours first.
	if [ "$contig" -ot "$log" ] || ! grep -q '^GUEST-EXIT rc=' "$log" ||
		! grep -q '^GUEST-EXIT rc=' "$contig"; then
		echo "warning: build/logs/test-ours.log and test-contig-ours.log are not one finished make test (is one running?): no counts in the cover letter" >&2
		return 0
	fi
	printf 'SOURCE\tthe serial logs of the last make test, %s\n' \
		"$(date -u -r "$log" '+%Y-%m-%d %H:%M UTC')"
	# results.py writes its KUnit JSON next to the log: give it a copy.
	cp "$log" "$tmp/test-ours.log"
	cp "$contig" "$tmp/test-contig-ours.log"
	if grep -q '^CONFIG_COMPACTION_KUNIT_TEST=y' "$BUILD/ours/.config" 2>/dev/null; then
		kunit_py=$base/tools/testing/kunit/kunit.py
	fi
	boot_report test-ours selftests "$kunit_py"
	[ -n "$kunit_py" ] || echo "SKIP kunit: suite 'compaction' is not in this kernel"
	boot_report test-contig-ours contig
}

# boot_report NAME JOB [KUNIT_PY]: one boot's lines, as scripts/test.sh
# prints them: the same parser, the same serial log check.
boot_report() {
	python3 "$TOP/scripts/results.py" "$tmp/$1.log" "$2" ${3:+"$3"} | grep -v '^counts ' || true
	if kernel_reports "$tmp/$1.log" >/dev/null; then
		echo "FAIL $1: kernel report in the serial log"
	else
		echo "PASS $1: serial log free of oops, BUG, WARNING, lockdep and KASAN reports"
	fi
}

# testing_text: the "Testing" paragraph of the cover letter.
testing_text() {
	local report src
	report=$(test_report)
	if [ -z "$report" ]; then
		cat <<'EOF'
Tested with the project's `make test`, which boots the kernel in QEMU
(x86_64) and runs the KUnit suite, the kselftest of patch 4 and
upstream's compaction_test, a full compaction of a fragmented 2 GiB
guest, a comparison of the tracepoint formats with upstream's, and
CMA and gigantic page allocations through alloc_contig_range() in a
4 GiB guest. It ends with "N passed, N failed, N skipped"; there were
no results of a finished run under build/ when this letter was written.
EOF
		echo "warning: no make test results under build/: the cover letter says where the counts come from" >&2
		return 0
	fi
	src=$(echo "$report" | sed -n 's/^SOURCE\t//p')
	# shellcheck disable=SC2016 # a Python program, not shell
	echo "$report" | python3 -c '
import re, sys
src = sys.argv[1]
what = {
    "kunit": "KUnit suite compaction (patch 3)",
    "compaction_test": "kselftest compaction_test (patch 4)",
    "compaction_test_upstream": "upstream compaction_test, unchanged",
    "compact_full": "full compaction of a fragmented 2 GiB guest",
    "trace_formats": "tracepoint formats equal to upstream",
    "contig": "CMA and gigantic pages (alloc_contig_range)",
}
suites, total = {}, [0, 0, 0]
for line in sys.stdin:
    m = re.match(r"(PASS|FAIL|SKIP) ([^:]+): ", line)
    if not m:
        continue
    i = "PASS FAIL SKIP".split().index(m.group(1))
    name = m.group(2)
    if name.startswith("test-"):
        name = "serial log checks (no oops, BUG, WARNING, KASAN)"
    else:
        name = what.get(name, name)
    suites.setdefault(name, [0, 0, 0])[i] += 1
    total[i] += 1
print("Tested with the project\x27s `make test`, which boots the kernel in QEMU")
print("(x86_64; 2 GiB guest, and 4 GiB with cma=256M for the contiguous")
print("range cases): %d passed, %d failed, %d skipped." % tuple(total))
print("Counts from %s:" % src)
print()
for name, (p, f, s) in suites.items():
    print("  %-50s %3d passed, %d failed, %d skipped" % (name, p, f, s))
' "$src"
	if [ -z "$(echo "$report" | sed -n 's/^SOURCE\t.*saved output.*/x/p')" ] &&
		[ "$LOGS/test-ours.log" -ot "$ours/.inputs" ]; then
		echo "warning: the make test logs predate build/src/ours: the counts in the cover letter are from an older tree (run make test)" >&2
	fi
}

# bench_text: the benchmark table, from the last make bench or README.md.
bench_text() {
	local table=$BUILD/bench/table.md from
	if [ -s "$table" ]; then
		from="make bench of $(date -u -r "$table" '+%Y-%m-%d') (build/bench/table.md)"
	else
		table=$tmp/readme-table.md
		awk '/^## / { on = ($0 == "## Benchmark") } on && /^\|/' "$TOP/README.md" >"$table"
		[ -s "$table" ] || die "no benchmark table: neither build/bench/table.md nor a table in README.md's Benchmark section"
		from="the Benchmark section of the project's README.md"
	fi
	cat <<EOF
Benchmark: both kernels built from the same configuration, each workload
run R=3 times on both, interleaved, in identical 2 GiB QEMU guests that
run deterministically (-icount shift=0,sleep=off: guest time counts
instructions; QEMU's randomness seeded, seeds 1-3, the same on both
kernels; a run repeats exactly with its seed). "full" touches 70% of
free memory as 4 KiB pages with THP off, keeps 1 page in 4 and runs one
vm.compact_memory; "highalloc" does the same fragmentation, then grows
the hugetlb pool one 2 MiB page at a time through direct compaction.
Medians, the spread over the seeds (max - min over median) and
ours/upstream, from
$from:

EOF
	cat "$table"
}

cover_letter() {
	local letter=$1 blurb=$tmp/blurb
	{
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
		testing_text
		echo
		bench_text
	} >"$blurb"
	python3 - "$letter" "$blurb" <<'PY'
import sys
letter, blurb = sys.argv[1:]
text = open(letter, encoding='utf-8').read()
for mark in ('*** SUBJECT HERE ***', '*** BLURB HERE ***'):
    if text.count(mark) != 1:
        sys.exit('error: %s: expected "%s" once from git format-patch' % (letter, mark))
text = text.replace('*** SUBJECT HERE ***', 'mm/compaction: a new implementation of memory compaction')
text = text.replace('*** BLURB HERE ***', open(blurb, encoding='utf-8').read().rstrip('\n'))
open(letter, 'w', encoding='utf-8').write(text)
PY
}

# === Checks ===

# checkpatch_series DIR: checkpatch --strict on every patch (not the cover
# letter).  It is the base's checkpatch, so it knows the kernel's own names
# from the base's headers; it runs in a directory of ours because it leaves
# its cache of those names (.checkpatch-camelcase.*) in the current one.
checkpatch_series() {
	local dir=$1 p res bad=0
	mkdir -p "$work/checkpatch"
	for p in "$dir"/[0-9][0-9][0-9][0-9]-*.patch; do
		case "$p" in */0000-cover-letter.patch) continue ;; esac
		# EMBEDDED_FILENAME is ignored: it fires on any added line of
		# mm/Kconfig that names "mm/Kconfig.<x>", which the line
		# sourcing mm/Kconfig.compaction must do.
		res=$(cd "$work/checkpatch" && perl "$base/scripts/checkpatch.pl" --strict --show-types \
			--ignore EMBEDDED_FILENAME "$p" 2>&1) || true
		printf '  %s: %s\n' "$(basename "$p")" \
			"$(echo "$res" | sed -n 's/^total: \(.*\), [0-9]* lines checked$/\1/p')"
		if echo "$res" | grep -qE '^(ERROR|WARNING|CHECK):' ||
			! echo "$res" | grep -q '^total: 0 errors, 0 warnings, 0 checks,'; then
			# The findings, without checkpatch's closing notes.
			echo "$res" | sed '/^total: /,$d' | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}' |
				sed 's/^/      /'
			bad=$((bad + 1))
		fi
	done
	[ "$bad" -eq 0 ]
}

# verify_series DIR: git am the series onto the pristine base in a
# worktree of base.git and compare that tree with build/src/ours.
verify_series() {
	local dir=$1 patches=() allowed=$tmp/allowed p
	for p in "$dir"/[0-9][0-9][0-9][0-9]-*.patch; do
		case "$p" in */0000-cover-letter.patch) ;; *) patches+=("$p") ;; esac
	done
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
	[ "$(git -C "$verify" rev-parse 'HEAD^{tree}')" = "$(g rev-parse 'refs/heads/series^{tree}')" ] ||
		die "git am of the series gave another tree than the commits it was made from"

	{
		echo "Only in $verify: .git"
		echo "Only in $ours: .inputs"
		# make check runs checkpatch in build/src/ours, which leaves its
		# cache there: not part of the tree.
		for p in "$ours"/.checkpatch-camelcase.*; do
			if [ -e "$p" ]; then echo "Only in $ours: ${p##*/}"; fi
		done
	} >"$allowed"
	if cmp -s "$ours/MAINTAINERS" "$work/MAINTAINERS.series"; then
		:
	elif cmp -s "$ours/MAINTAINERS" "$base/MAINTAINERS"; then
		# The MAINTAINERS section is in the series only, until
		# build/patchwork/maintainers.diff is in patches/series.  This is
		# the one file the comparison may skip, and only in this state.
		echo "Files $verify/MAINTAINERS and $ours/MAINTAINERS differ" >>"$allowed"
		echo "  MAINTAINERS not compared: patches/ lacks the section of the series"
	else
		die "build/src/ours/MAINTAINERS is neither the base's nor the series' (see build/patchwork/maintainers.diff)"
	fi
	diff -rq --no-dereference "$verify" "$ours" >"$tmp/diff.txt" 2>&1 || true
	if grep -vxF -f "$allowed" "$tmp/diff.txt" >"$tmp/diff.bad"; then
		head -20 "$tmp/diff.bad" | sed 's/^/  /'
		die "the series applied to the pristine base differs from build/src/ours (above)"
	fi
	echo "  diff -r: the result is byte-identical to build/src/ours"
}

# === Main ===

stage "make patch: build/src/ours as a series against $LINUX_SOURCE_VERSION"
make_base_repo
make_series
check_plan
diff -u --label a/MAINTAINERS --label b/MAINTAINERS "$base/MAINTAINERS" \
	"$work/MAINTAINERS.series" >"$work/maintainers.diff" || [ $? -eq 1 ]

rm -rf "$out.new"
# Files we replace wholesale (at least 80% new) are shown as a deletion and
# a new file, which is how they should be read; the others as edits.
g format-patch -q -o "$out.new" --cover-letter --numbered --subject-prefix=PATCH \
	--break-rewrites=50%/80% --no-thread refs/heads/base..refs/heads/series >/dev/null
cover_letter "$out.new/0000-cover-letter.patch"
(cd "$out.new" && ls)

# The checks depend on nothing but the series, build/src/ours, the base
# and this script: when none of them changed, the last results still hold.
results=$work/results
digest=$( (cd "$out.new" && sha256sum -- *; cat "$ours/.inputs" "$self"; echo "$LINUX_SOURCE_VERSION") |
	sha256sum | cut -d' ' -f1)
if [ "$(cat "$results/digest" 2>/dev/null)" = "$digest" ] && [ -f "$results/status" ]; then
	stage "checkpatch --strict (series unchanged: results of the last run)"
	cat "$results/checkpatch.txt"
	stage "git am onto the pristine base, diff -r against build/src/ours (series unchanged: last run)"
	cat "$results/verify.txt"
	read -r cp_ok am_ok <"$results/status"
else
	rm -rf "$results" "$results.new"
	mkdir -p "$results.new"
	stage "checkpatch --strict"
	cp_ok=1
	checkpatch_series "$out.new" >"$results.new/checkpatch.txt" || cp_ok=0
	cat "$results.new/checkpatch.txt"
	stage "git am onto the pristine base, diff -r against build/src/ours"
	# Not "|| am_ok=0": that would switch off set -e inside verify_series.
	set +e
	(
		set -e
		verify_series "$out.new"
	) >"$results.new/verify.txt" 2>&1
	am_ok=$((! $?))
	set -e
	cat "$results.new/verify.txt"
	echo "$cp_ok $am_ok" >"$results.new/status"
	echo "$digest" >"$results.new/digest"
	mv "$results.new" "$results"
fi

cmp -s "$ours/MAINTAINERS" "$work/MAINTAINERS.series" ||
	echo "note: patches/ lacks the MAINTAINERS section of the series: add build/patchwork/maintainers.diff to patches/series"

# build/patches, when it exists, is the checked and verified series of the
# current build/src/ours; a failing series stays in build/patches.new.
if [ "$cp_ok" = 1 ] && [ "$am_ok" = 1 ]; then
	if [ -d "$out" ] && diff -rq "$out.new" "$out" >/dev/null; then
		rm -rf "$out.new"
	else
		rm -rf "$out"
		mv "$out.new" "$out"
	fi
	echo
	echo "build/patches: $n_commits patches and a cover letter against $LINUX_SOURCE_VERSION;"
	echo "checkpatch --strict clean, and git am onto the base gives build/src/ours."
else
	rm -rf "$out"
	echo
	[ "$cp_ok" = 1 ] || echo "checkpatch --strict has findings (above)." >&2
	[ "$am_ok" = 1 ] || echo "The series does not reproduce build/src/ours (above)." >&2
	die "the series is not ready; it is in build/patches.new for inspection"
fi
