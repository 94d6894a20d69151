#!/usr/bin/env bash
# Quick compile check of our engine without a full kernel build: refresh
# build/src/ours, then build only the objects named (default: mm/compaction.o
# and mm/page_alloc.o) with W=1 in a scratch O= directory.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
"$TOP/scripts/src.sh" >/dev/null
objs=("$@")
[ ${#objs[@]} -gt 0 ] || objs=(mm/compaction.o mm/page_alloc.o)
OUT_NAME=ours-check KBUILD_EXTRA="W=1" "$TOP/scripts/kernel.sh" ours "${objs[@]}"
echo "compile-one: ${objs[*]} built"
