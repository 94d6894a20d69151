#!/usr/bin/env bash
# Configure and build one kernel variant in its own O= directory with ccache.
#   scripts/kernel.sh VARIANT [TARGET...]
# OUT_NAME=DIR builds in build/DIR instead of build/VARIANT; OVERRIDE=FILE
# adds a last fragment whose options win over the others (the config
# matrix of make check), and then only its options are verified, since
# options that depend on what it turns off fall away with it.
# START_CONFIG=FILE configures from FILE, a finished configuration, instead
# of from tinyconfig; CONFIGURE_ONLY=1 stops once configured.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

variant=${1:?usage: kernel.sh VARIANT [TARGET...]}
check_variant "$variant"
src=$(src_of "$variant")
out=$BUILD/${OUT_NAME:-$variant}
frags=("$TOP/configs/base.config")
case "$variant" in *-debug | *-debug-lean) frags+=("$TOP/configs/debug.config") ;; esac
case "$variant" in ours*) frags+=("$TOP/configs/ours.config") ;; esac
checked=("${frags[@]}")
# -lean turns off whole subsystems that base.config asks for (see
# lean.config), and options that depend on them fall away, so only the
# other fragments' options are verified for it.
case "$variant" in *-lean)
	frags+=("$TOP/configs/lean.config")
	checked=("${frags[@]:1}")
	;;
esac
if [ -n "${OVERRIDE:-}" ]; then
	frags+=("$OVERRIDE")
	checked=("$OVERRIDE")
fi
[ -d "$src" ] || die "$src missing: run 'make src' first"

# Configure only when a fragment or the tree changed.
config_digest() {
	cat "${frags[@]}" ${START_CONFIG:-} $(find "$TOP/linux" -name 'Kconfig*') "$TOP"/patches/*.patch 2>/dev/null |
		sha256sum | cut -d' ' -f1
	echo "$src"
}

# Every option a fragment asks for must survive olddefconfig.
verify_config() {
	local bad=0 line key want got
	while read -r line; do
		key=${line%%=*}
		want=${line#*=}
		got=$(grep -E "^$key=" "$out/.config" | cut -d= -f2- || true)
		[ -n "$got" ] || got=n
		if [ "$got" != "$want" ]; then
			echo "config: $key=$want was asked for, but olddefconfig left $key=$got" >&2
			bad=1
		fi
	done < <(cat "${checked[@]}" | grep -E '^CONFIG_[A-Z0-9_]+=')
	[ $bad -eq 0 ] || die "kernel config for $variant is missing options (see above): check their dependencies"
}

configure() {
	local d
	d=$(config_digest | sha256sum | cut -d' ' -f1)
	[ -f "$out/.config" ] && [ "$(cat "$out/.config-inputs" 2>/dev/null)" = "$d" ] && return 0
	stage "configuring $variant: ${START_CONFIG:-tinyconfig} + ${frags[*]##*/}"
	mkdir -p "$out"
	if [ -n "${START_CONFIG:-}" ]; then
		cp "$START_CONFIG" "$out/.config"
	else
		make -s -C "$src" O="$out" tinyconfig >/dev/null
	fi
	(cd "$src" && ./scripts/kconfig/merge_config.sh -m -O "$out" "$out/.config" "${frags[@]}") >"$out/merge.log"
	make -s -C "$src" O="$out" olddefconfig >/dev/null
	verify_config
	echo "$d" >"$out/.config-inputs"
}

need_disk 3 "$BUILD"
configure
[ "${CONFIGURE_ONLY:-0}" = 0 ] || exit 0
# ccache keeps its default home, and paths are taken relative to the
# checkout, so that a fresh clone (and CI) reuses what earlier builds did.
export CCACHE_BASEDIR=$TOP CCACHE_NOHASHDIR=1
if [ $# -gt 1 ]; then
	# kernel.sh VARIANT TARGET...: build only these targets (e.g. mm/compaction.o).
	shift
	make -s -C "$src" O="$out" -j"$(nproc)" CC="ccache gcc" ${KBUILD_EXTRA:-} "$@"
	exit
fi
stage "building $variant kernel in build/$variant (make -j$(nproc), ccache)"
make -C "$src" O="$out" -j"$(nproc)" CC="ccache gcc" ${KBUILD_EXTRA:-} bzImage ||
	die "kernel build of $variant failed (output above)"
echo "kernel: $out/arch/x86/boot/bzImage"
