#!/usr/bin/env bash
# Install the Debian packages the pipeline needs, saying what and why.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

pkgs=(linux-source-6.12="$LINUX_SOURCE_VERSION" gcc make bc bison flex libelf-dev
	libssl-dev cpio ccache qemu-system-x86 busybox-static python3 sparse
	libnuma-dev xz-utils patch perl python3-matplotlib python3-sphinx
	e2fsprogs xfsprogs util-linux coreutils procps bash stress-ng fio linux-perf trace-cmd)

missing=()
for p in "${pkgs[@]}"; do
	name=${p%%=*}
	want=${p#*=}
	have=$(dpkg-query -W -f='${Status} ${Version}' "$name" 2>/dev/null || true)
	case "$have" in
	"install ok installed $want") continue ;;
	"install ok installed "*) [ "$name" = "$p" ] && continue ;;
	esac
	missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null || die "not root and no sudo: install as root: apt-get install ${missing[*]}"
	sudo=sudo
fi
need_disk 2 /var/cache/apt
echo "Installing missing packages: ${missing[*]}"
if ! $sudo apt-get update -q >/dev/null; then
	die "apt-get update failed: is the Debian archive reachable? Check /etc/apt/sources.list and the network"
fi
if ! $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"; then
	if ! apt-cache madison linux-source-6.12 | grep -qF "$LINUX_SOURCE_VERSION"; then
		echo "available linux-source-6.12 versions:" >&2
		apt-cache madison linux-source-6.12 >&2 || true
		die "linux-source-6.12 $LINUX_SOURCE_VERSION is gone from the archive: put one of the versions above in linux-source.version"
	fi
	die "apt-get install ${missing[*]} failed (see above)"
fi
