#!/usr/bin/env bash
# make check-series: prove that the series in build/patches bisects.  The
# patches are applied one at a time, as mailed, onto a copy of the pinned
# base, and every step must build a bootable kernel (bzImage) with the
# configuration of our kernel; a step that carries compaction_test.c must
# also compile it.
#
#   build/series/src    the base plus the patches applied so far
#                       (hard-linked to build/src/base; patched files
#                       are unlinked first, so the base is never touched)
#   build/series/obj    one O= directory for all steps, so that each step
#                       only rebuilds what its patch changed
#   build/logs/check-series-N.log   the build output of step N
set -euo pipefail
. "$(dirname "$0")/lib.sh"

base=$BUILD/src/base
patches=$BUILD/patches
top=$BUILD/series
src=$top/src
obj=$top/obj
frags=("$TOP/configs/base.config" "$TOP/configs/ours.config")
st=tools/testing/selftests/mm

command -v patch >/dev/null || die "patch is missing: apt-get install patch"
[ -f "$base/.unpacked-$LINUX_SOURCE_VERSION" ] ||
	die "build/src/base is not linux-source $LINUX_SOURCE_VERSION: run 'make src'"
mapfile -t series < <(find "$patches" -maxdepth 1 -name '[0-9][0-9][0-9][0-9]-*.patch' \
	! -name '0000-*' 2>/dev/null | sort)
[ ${#series[@]} -gt 0 ] || die "build/patches holds no series: run 'make patch'"

need_disk 4 "$BUILD"
mkdir -p "$LOGS"
exec 9>>"$BUILD/src/.lock"
flock -s 9

stage "copying the base to build/series/src (hard links)"
rm -rf "$src"
mkdir -p "$top"
cp -al "$base" "$src"
rm -f "$src"/.unpacked-*

# files_of PATCH: the paths a mailed patch writes (its "+++ b/" lines).
files_of() {
	sed -n 's|^+++ b/||p' "$1" | sed 's/\t.*//'
}

# unlink_files PATCH: give every file the patch changes its own inode, so
# that patching it cannot write through a hard link into the base.
unlink_files() {
	local f
	while read -r f; do
		[ -f "$src/$f" ] || continue
		cp -p "$src/$f" "$src/$f.unlink"
		mv -f "$src/$f.unlink" "$src/$f"
	done < <(files_of "$1")
}

# configure: tinyconfig plus our fragments, taken as far as this step's
# Kconfig allows (options added by a later patch are simply absent).
configure() {
	make -s -C "$src" O="$obj" tinyconfig >/dev/null
	(cd "$src" && ./scripts/kconfig/merge_config.sh -m -O "$obj" "$obj/.config" "${frags[@]}") \
		>"$obj/merge.log"
	make -s -C "$src" O="$obj" olddefconfig >/dev/null
	grep -q '^CONFIG_COMPACTION=y' "$obj/.config" ||
		die "step $step: CONFIG_COMPACTION=y did not survive olddefconfig"
}

export CCACHE_BASEDIR=$TOP CCACHE_NOHASHDIR=1
mkdir -p "$obj"
step=0
for p in "${series[@]}"; do
	step=$((step + 1))
	log=$LOGS/check-series-$step.log
	stage "step $step/${#series[@]}: $(basename "$p")"
	unlink_files "$p"
	patch -d "$src" -p1 -s --no-backup-if-mismatch --batch <"$p" >"$log" 2>&1 ||
		die "step $step: $(basename "$p") does not apply (see ${log#"$TOP"/})"
	configure
	if ! make -C "$src" O="$obj" -j"$(nproc)" CC="ccache gcc" bzImage >>"$log" 2>&1; then
		tail -n 30 "$log" >&2
		die "step $step: the kernel does not build with $(basename "$p") applied (see ${log#"$TOP"/})"
	fi
	if grep -qx "$st/compaction_test.c" < <(files_of "$p"); then
		gcc -O2 -Wall -static -I"$src/tools/testing/selftests" -I"$src/$st" \
			-o "$obj/compaction_test" "$src/$st/compaction_test.c" >>"$log" 2>&1 ||
			die "step $step: compaction_test.c does not compile (see ${log#"$TOP"/})"
	fi
	kunit=$(grep -c '^CONFIG_COMPACTION_KUNIT_TEST=y' "$obj/.config" || true)
	echo "step $step builds (bzImage$([ "$kunit" = 1 ] && echo ', with the KUnit suite'))"
done

# The last step must be our kernel, file for file.
stage "comparing the last step with build/src/ours"
if ! diff -rq -x '.unpacked-*' -x '.inputs' -x '.checkpatch-camelcase.*' \
	"$BUILD/src/ours" "$src" >"$LOGS/check-series-diff.log" 2>&1; then
	head -n 20 "$LOGS/check-series-diff.log" >&2
	die "the series applied in full is not build/src/ours (see build/logs/check-series-diff.log)"
fi
echo "check-series: all ${#series[@]} steps build; the last one is build/src/ours"
