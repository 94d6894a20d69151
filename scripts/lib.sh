# Shared helpers for the host-side scripts. Source it; do not run it.
# shellcheck shell=bash

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=$TOP/build
LOGS=$BUILD/logs
# shellcheck source=/dev/null
. "$TOP/linux-source.version"

die() {
	echo "error: $*" >&2
	exit 1
}

# stage NAME: print a header with the time since the top-level make started.
stage() {
	local now elapsed
	now=$(date +%s)
	elapsed=$((now - ${PIPELINE_T0:-$now}))
	printf '\n=== [%02d:%02d] %s ===\n' $((elapsed / 60)) $((elapsed % 60)) "$*"
}

# kill_tree PID: PID and every process below it (SIGTERM).  A process
# that has already ended is no failure: under set -e, one that exits
# between ps and kill must not stop the walk before its parents.
kill_tree() {
	local child
	for child in $(ps -o pid= --ppid "$1" 2>/dev/null); do
		kill_tree "$child"
	done
	kill "$1" 2>/dev/null || true
}

# kvm_probe KERNEL INITRD: can this host boot a guest with KVM?  The
# answer ("yes" or "no") is kept in build/kvm-works, written whole, since
# guests booted side by side read it.
kvm_probe() {
	local verdict=no tmp
	if [ -w /dev/kvm ] && timeout 15 qemu-system-x86_64 -accel kvm -cpu host -m 512M \
		-kernel "$1" -initrd "$2" -append "console=ttyS0 panic=-1" \
		-nographic -no-reboot -nodefaults -serial stdio </dev/null 2>&1 |
		grep -q GUEST-EXIT; then
		verdict=yes
	fi
	tmp=$(mktemp "$BUILD/.kvm-works.XXXXXX")
	echo "$verdict" >"$tmp"
	mv -f "$tmp" "$BUILD/kvm-works"
	echo "guest: KVM probe boot: $verdict (cached in build/kvm-works)"
}

# check_variant NAME: the kernel variants we know how to build.
check_variant() {
	case "$1" in
	ours | upstream | ours-debug | upstream-debug | ours-debug-lean) ;;
	*) die "unknown variant '$1'; accepted: ours, upstream, ours-debug, upstream-debug, ours-debug-lean" ;;
	esac
}

# src_of VARIANT: the source tree a variant is built from.
src_of() {
	case "$1" in
	ours*) echo "$BUILD/src/ours" ;;
	upstream*) echo "$BUILD/src/base" ;;
	esac
}

# need_disk GIB DIR: fail early, before anything is half-written.
need_disk() {
	local want=$1 dir=$2 avail
	mkdir -p "$dir"
	avail=$(df -Pk "$dir" | awk 'NR == 2 { print int($4 / 1048576) }')
	[ "$avail" -ge "$want" ] ||
		die "only ${avail} GiB free under $dir, need ${want} GiB: free some space (make clean removes build/) and retry"
}

# What in a serial log counts as a kernel report (guest.sh fails a run on
# these too): panic, oops, BUG, WARNING, lockdep, RCU, KASAN, UBSAN, hung
# task, soft lockup, and any stack dump.
KERNEL_REPORT_RE='Kernel panic|Oops|BUG:|WARNING:|general protection fault|possible circular locking|possible recursive locking|inconsistent lock state|suspicious RCU usage|KASAN:|UBSAN:|kernel BUG|Call Trace:|hung_task|soft lockup'

# kernel_reports LOG: print the lines of LOG that report a kernel problem,
# with line numbers; status 0 when there is at least one.
kernel_reports() {
	grep -nE "$KERNEL_REPORT_RE" "$1"
}

# qemu_monitor SOCKET CMD...: send human monitor commands to the QEMU
# monitor at SOCKET (guest.sh MONITOR=1), print QEMU's answers.
qemu_monitor() {
	python3 - "$@" <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.settimeout(10)

def until_prompt():
    out = b''
    while not out.endswith(b'(qemu) '):
        chunk = s.recv(4096)
        if not chunk:
            break
        out += chunk
    return out.decode(errors='replace')

until_prompt()
for cmd in sys.argv[2:]:
    s.sendall(cmd.encode() + b'\n')
    # Drop the monitor's echo of the command (terminal escapes and all).
    answer = [l for l in until_prompt().replace('(qemu) ', '').splitlines()
              if l.strip() and '\x1b' not in l]
    print('monitor: (qemu) ' + cmd + ''.join('\n  ' + l for l in answer))
PY
}
