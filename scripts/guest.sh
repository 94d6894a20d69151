#!/usr/bin/env bash
# Boot a kernel variant in QEMU with our initramfs, run one job, keep the
# serial log under build/logs/ and judge it.
#
# Environment (all optional):
#   VARIANT=ours|upstream|ours-debug|upstream-debug|ours-debug-lean   JOB=name   ARGS="..."
#   MEM=2G  CPUS=2  TIMEOUT=seconds  NAME=log-name  KCMD="extra cmdline"
#   NODES="1000M,1048M"  (NUMA node sizes; 0 for a memoryless node)
#   MAXMEM=8G (hotplug slots)
#   MONITOR=1 (QEMU monitor socket in build/logs/NAME.mon)
#   RUN=static-program (added to the initramfs as /bin/NAME)
#   INTERACTIVE=1 (serial on this terminal, no timeout)   QUIET=1
#   ICOUNT=1 (a deterministic guest: see below)  SEED=1 (with ICOUNT=1)
#   DISK=1 (the disk guest: an ext4 root, xfs, swap with zswap, a balloon;
#     images from scripts/disk.sh, opened with snapshot=on so that no boot
#     changes them and every boot starts from the same state)
# Exit: the job's exit code when it ran and the serial log is clean;
#   124 no result (hung, crashed or timed out), 125 a kernel report in the
#   log, 126 a harness error (a bad setting, a missing kernel: no boot).
# The outcome is also written to build/logs/NAME.outcome, which the judge
# (scripts/judge.sh) reads: "rc N", "no-result", "kernel-report".  The
# log and the outcome of an earlier run of NAME are removed first, so that
# neither can be taken for this run's.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

die() {
	echo "error: $*" >&2
	exit 126
}

VARIANT=${VARIANT:-ours}
JOB=${JOB:-none}
NAME=${NAME:-$VARIANT-$JOB}
mkdir -p "$LOGS"
log=$LOGS/$NAME.log
outcome=$LOGS/$NAME.outcome
rm -f "$log" "$outcome"
check_variant "$VARIANT"
MEM=${MEM:-2G}
CPUS=${CPUS:-2}
TIMEOUT=${TIMEOUT:-600}
kernel=$BUILD/$VARIANT/arch/x86/boot/bzImage
case "$VARIANT" in
*-lean) build_cmd="scripts/kernel.sh $VARIANT" ;;
*-debug) build_cmd="make kernel BASE=${VARIANT%-debug} DEBUG=1" ;;
*) build_cmd="make kernel BASE=$VARIANT" ;;
esac
[ -f "$kernel" ] || die "$kernel missing: build it with '$build_cmd'"
case "$MEM" in [0-9]*[MG]) ;; *) die "MEM=$MEM: give a size such as 1024M or 2G" ;; esac
case "$CPUS" in [1-9] | [1-9][0-9]) ;; *) die "CPUS=$CPUS: give a number from 1 to 99" ;; esac
DISK=${DISK:-0}
case "$DISK" in 0 | 1) ;; *) die "DISK=$DISK is not known; accepted: DISK=0 (the initramfs guest) or DISK=1 (the disk guest)" ;; esac

initrd=$BUILD/guest/initramfs.cpio.gz
[ -f "$initrd" ] || die "$initrd missing: build it with 'make initramfs'"
prog=""
if [ -n "${RUN:-}" ]; then
	# The user's program goes in as /user/NAME and runs by that path, so
	# that no job script or busybox applet of the same name shadows it.
	# Per NAME, so that guests started at once with RUN= keep apart;
	# removed when this script ends (QEMU has read them by then).
	trap 'rm -f "$BUILD/guest/extra-$NAME.cpio.gz" "$BUILD/guest/run-$NAME.cpio.gz"' EXIT
	"$TOP/scripts/initramfs.sh" "$RUN" "$BUILD/guest/extra-$NAME.cpio.gz" ||
		die "could not add RUN=$RUN to the initramfs (see above)"
	cat "$initrd" "$BUILD/guest/extra-$NAME.cpio.gz" >"$BUILD/guest/run-$NAME.cpio.gz"
	initrd=$BUILD/guest/run-$NAME.cpio.gz
	JOB=$(basename "$RUN")
	prog=" guest.prog=/user/$JOB"
fi

hexargs=$(printf '%s' "${ARGS:-}" | od -An -tx1 | tr -d ' \n')
cmdline="console=ttyS0 panic=-1 guest.run=$JOB$prog guest.args=$hexargs ${KCMD:-}"
# no5lvl on the KASAN kernels: TCG's "max" CPU has LA57, and 6.12's
# identify_cpu() clears boot_cpu_data's feature words before reading them
# again.  An interrupt in that window sees pgtable_l5_enabled() false,
# KASAN then places every direct-map address (ff11...) outside its shadow
# and reports a wild-memory-access in the interrupt's spinlock: an
# upstream race at boot, seen once in make test's boot 6.  With 4-level
# paging the answer is the same on both sides of the window.
case "$VARIANT" in *-debug | *-debug-lean) cmdline="$cmdline page_owner=on no5lvl" ;; esac

# The disk guest: the initramfs's /init mounts the ext4 root and hands
# over to it (guest/init). Writes go to a throwaway overlay (snapshot=on);
# cache=unsafe since nothing written is kept.
disks=()
if [ "$DISK" = 1 ]; then
	for img in root xfs ext4-1k swap; do
		[ -f "$BUILD/disk/$img.img" ] || die "$BUILD/disk/$img.img missing: build it with 'make initramfs'"
		disks+=(-drive "file=$BUILD/disk/$img.img,if=virtio,format=raw,snapshot=on,cache=unsafe")
	done
	disks+=(-device virtio-balloon-pci,id=balloon0)
	cmdline="$cmdline guest.disk=1"
fi

# KVM only when a probe boot proved it works here; the verdict is cached.
# (On these machines /dev/kvm exists but guests hang or abort under it.)
[ -f "$BUILD/kvm-works" ] || [ "${NO_KVM_PROBE:-0}" = 1 ] || kvm_probe "$kernel" "$initrd"

accel=(-accel tcg -cpu max)
# -icount needs TCG: deterministic guests never use KVM.
if [ "$(cat "$BUILD/kvm-works" 2>/dev/null)" = yes ] && [ "${ICOUNT:-0}" != 1 ]; then
	accel=(-accel kvm -cpu host)
fi

mem=(-m "$MEM")
[ -n "${MAXMEM:-}" ] && mem=(-m "$MEM,slots=4,maxmem=$MAXMEM")
numa=()
if [ -n "${NODES:-}" ]; then
	i=0
	for size in ${NODES//,/ }; do
		# All vCPUs on node 0, rather than QEMU's deprecated guess.
		node="node,nodeid=$i"
		[ $i = 0 ] && node="$node,cpus=0-$((CPUS - 1))"
		if [ "$size" = 0 ]; then
			# A memoryless node, for memory hotplug into it.
			numa+=(-numa "$node")
		else
			numa+=(-object "memory-backend-ram,id=mem$i,size=$size" -numa "$node,memdev=mem$i")
		fi
		i=$((i + 1))
	done
fi
# ICOUNT=1: a guest that runs the same way every time. Guest time counts
# instructions (-icount shift=0) and skips ahead while every vCPU idles
# (sleep=off) instead of waiting for the host; the random numbers QEMU
# gives the guest (RDRAND) come from SEED, and the clock starts at a fixed
# date and runs on guest time, so the kernel's entropy is the same too.
# Under TCG's one-thread round robin of vCPUs, a run with the same kernel,
# job and SEED then repeats exactly; another SEED is another sample.
icount=()
if [ "${ICOUNT:-0}" = 1 ]; then
	SEED=${SEED:-1}
	case "$SEED" in [0-9] | [1-9][0-9]*) ;; *) die "SEED=$SEED: give a number such as 1" ;; esac
	icount=(-icount shift=0,sleep=off -seed "$SEED" -rtc base=2026-01-01T00:00:00,clock=vm)
fi
mon=()
[ "${MONITOR:-0}" = 1 ] && mon=(-monitor "unix:$LOGS/$NAME.mon,server,nowait")

qemu=(qemu-system-x86_64 "${accel[@]}" "${mem[@]}" "${numa[@]}" "${icount[@]}" -smp "$CPUS"
	-kernel "$kernel" -initrd "$initrd" -append "$cmdline" "${disks[@]}"
	-nographic -no-reboot -nodefaults -serial stdio "${mon[@]}")

if [ "${INTERACTIVE:-0}" = 1 ]; then
	exec "${qemu[@]}"
fi

start=$(date +%s)
set +e
if [ "${QUIET:-0}" = 1 ]; then
	timeout --foreground "$TIMEOUT" "${qemu[@]}" </dev/null >"$log" 2>&1
else
	timeout --foreground "$TIMEOUT" "${qemu[@]}" </dev/null 2>&1 | tee "$log" |
		sed -u -n "s/^\[$JOB\] //p"
fi
set -e
secs=$(($(date +%s) - start))

# A kernel report anywhere in the log fails the run.
[ -f "$log" ] || die "QEMU wrote no serial log $log"
bad=$(kernel_reports "$log" | head -5 || true)
if [ -n "$bad" ]; then
	echo "guest: kernel report in $log:" >&2
	echo "$bad" >&2
	echo kernel-report >"$outcome"
	exit 125
fi
rc=$(sed -n 's/^GUEST-EXIT rc=\([0-9]*\).*/\1/p' "$log" | tail -n 1)
if [ -z "$rc" ]; then
	echo "guest: no result after ${secs}s (hung, crashed or timed out at ${TIMEOUT}s): see $log" >&2
	echo no-result >"$outcome"
	exit 124
fi
echo "rc $rc" >"$outcome"
[ "${QUIET:-0}" = 1 ] || echo "guest: $VARIANT job $JOB exited $rc after ${secs}s; log $log"
exit "$rc"
