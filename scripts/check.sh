#!/usr/bin/env bash
# make check: the kernel's own checkers on our files. Non-zero on any finding.
# (The patch series itself is checked by make patch, on format-patch output.)
#   checkpatch --strict, sparse (C=2) and W=1 on mm/compaction.o,
#   kernel-doc -none -Wall, sphinx -W on our admin guide page, and the
#   config matrix (scripts/config-matrix.sh): our files and compaction's
#   callers compile with COMPACTION, CMA, NUMA, THP, HUGETLBFS,
#   MEMORY_HOTPLUG, SYSFS and DEBUG_FS turned off; and the judge's own test
#   (scripts/test-judge.sh).
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

stage "sphinx -W on Documentation/admin-guide/mm/compaction.rst"
# The file alone, with the tree's kernel-doc extension, so that the DOC:
# overview it pulls from mm/compaction.c is checked too.  (The full
# htmldocs build takes far longer and reports on the whole tree.)
doc=$(mktemp -d)
cp "$tree/Documentation/admin-guide/mm/compaction.rst" "$doc/index.rst"
cat >"$doc/conf.py" <<EOF
import sys
sys.path.insert(0, '$tree/Documentation/sphinx')
extensions = ['kerneldoc', 'rstFlatTable', 'kernel_include']
kerneldoc_bin = '$tree/scripts/kernel-doc'
kerneldoc_srctree = '$tree'
project = 'compaction'
master_doc = 'index'
EOF
# Debian's python3, which has python3-sphinx (not some other python3 on PATH).
py=/usr/bin/python3
[ -x "$py" ] || py=python3
if ! "$py" -c 'import sphinx' 2>/dev/null; then
	echo "  python3-sphinx is missing: run 'make deps' (or apt-get install python3-sphinx)"
	findings=$((findings + 1))
else
	out=$("$py" -m sphinx -b html -W --keep-going -q "$doc" "$doc/html" 2>&1)
	n=$(echo -n "$out" | grep -c 'WARNING\|ERROR')
	echo "  compaction.rst: $n findings"
	[ "$n" -eq 0 ] || { echo "$out" | sed 's/^/    /'; findings=$((findings + n)); }
fi
rm -rf "$doc"

stage "sparse (C=2) and W=1 on mm/compaction.o"
out=$(OUT_NAME=ours-check KBUILD_EXTRA="C=2 W=1" "$TOP/scripts/kernel.sh" ours mm/compaction.o 2>&1)
rc=$?
n=$(echo "$out" | grep -cE 'warning:|error:')
echo "  mm/compaction.o: $n findings (build rc $rc)"
[ "$n" -eq 0 ] && [ $rc -eq 0 ] || { echo "$out" | grep -v '^  ' | sed 's/^/    /'; findings=$((findings + n + (rc != 0))); }

stage "the judge's own test: planted failures must fail (scripts/test-judge.sh)"
"$TOP/scripts/test-judge.sh" || findings=$((findings + 1))

stage "config matrix: compaction's objects with options turned off"
"$TOP/scripts/config-matrix.sh" || findings=$((findings + 1))

echo
echo "make check: $findings findings"
[ "$findings" -eq 0 ]
