# Our memory compaction, built into Debian's linux-source-6.12 and booted in QEMU.
#
#   make run      build our kernel, boot it, show compaction at work
#   make test     every test suite; ends with "N passed, N failed, N skipped"
#   make shell    boot the same kernel to a busybox prompt (leave: poweroff -f)
#                 (DISK=1: the disk guest, with ext4, xfs, swap, perf, ...)
#   make guest RUN=prog ARGS='...'  run your static program in the guest
#   make bench    ours against upstream, same workloads, interleaved (R=3)
#   make trace    compaction events during a workload: summary and scanner plot
#   make stress   the stress mix for DURATION in a 2-node guest; nothing may be lost
#   make peers    upstream's mm selftests on upstream and on ours, side by side
#   make check    checkpatch --strict, sparse, W=1 and kernel-doc on our files
#   make patch    build/patches: a format-patch series against the pinned base
#   make check-series  build every step of that series (bisectability)
#   make deps | src | kernel | initramfs   the pipeline's steps, one by one
#   make clean    remove build/ (sources, kernels, logs; ccache stays)
#   make help     this list
#
# Variables:
#   BASE=ours|upstream   which compaction (default: ours)
#   DEBUG=0|1            the debug kernel (KASAN, lockdep, DEBUG_VM, ...)
#   RUN=prog ARGS=...    make guest: a static program to run as root
#   MEM=2G CPUS=2        make run/shell/guest: guest size
#   DISK=0|1             make run/shell/guest: 1 boots the disk guest (ext4 root,
#                        xfs, swap with zswap, balloon, stress-ng, fio, perf, trace-cmd)
#   TEST_TIMEOUT=900     make test: seconds per boot (3000 with DEBUG=1)
#   STRESS_SECONDS=120   make test: how long its stress boot runs the workers
#   QUICK=0|1            make bench: 1 is a short run (R=1, 1 GiB guests)
#   R=3                  make bench: repeats of each workload on each kernel
#   SEED=1               make bench: the guest seed of the first repeat
#   SAME_SEED=0|1        make bench: 1 runs every repeat with SEED (spreads must be 0)
#   WORKLOADS="full ... uptime scale"  make bench: which workloads (NAME@8G: in an 8 GiB guest)
#   DURATION=150|90s|10m make stress: how long the workers run
#   STRESS_BOTH=0|1      make stress: ours-debug and upstream-debug, side by side

BASE ?= ours
DEBUG ?= 0
MEM ?= 2G
CPUS ?= 2
QUICK ?= 0
DURATION ?= 150
STRESS_BOTH ?= 0
DISK ?= 0

ifeq ($(filter $(BASE),ours upstream),)
$(error BASE=$(BASE) is not known; accepted: BASE=ours or BASE=upstream)
endif
ifeq ($(filter $(DEBUG),0 1),)
$(error DEBUG=$(DEBUG) is not known; accepted: DEBUG=0 or DEBUG=1)
endif
ifeq ($(filter $(QUICK),0 1),)
$(error QUICK=$(QUICK) is not known; accepted: QUICK=0 (the full benchmark) or QUICK=1 (a short run))
endif
ifeq ($(filter $(DISK),0 1),)
$(error DISK=$(DISK) is not known; accepted: DISK=0 (the initramfs guest) or DISK=1 (the disk guest: ext4 root, xfs, swap, zswap, balloon))
endif
ifeq ($(filter $(STRESS_BOTH),0 1),)
$(error STRESS_BOTH=$(STRESS_BOTH) is not known; accepted: STRESS_BOTH=0 or STRESS_BOTH=1 (ours-debug and upstream-debug))
endif
ifeq ($(shell echo '$(CPUS)' | grep -xE '[1-9][0-9]?'),)
$(error CPUS=$(CPUS) is not accepted; give a number of vCPUs from 1 to 99, e.g. CPUS=2)
endif
ifeq ($(shell echo '$(MEM)' | grep -xE '[1-9][0-9]*[MG]'),)
$(error MEM=$(MEM) is not accepted; give a size in M or G, e.g. MEM=2G or MEM=1536M)
endif
ifneq ($(TEST_TIMEOUT),)
ifeq ($(shell echo '$(TEST_TIMEOUT)' | grep -xE '[1-9][0-9]*'),)
$(error TEST_TIMEOUT=$(TEST_TIMEOUT) is not accepted; give seconds per boot, e.g. TEST_TIMEOUT=900)
endif
endif
ifneq ($(STRESS_SECONDS),)
ifeq ($(shell echo '$(STRESS_SECONDS)' | grep -xE '[1-9][0-9]*'),)
$(error STRESS_SECONDS=$(STRESS_SECONDS) is not accepted; give seconds, e.g. STRESS_SECONDS=120)
endif
endif
VARIANT := $(BASE)$(if $(filter 1,$(DEBUG)),-debug)

export PIPELINE_T0 := $(shell date +%s)
export MEM CPUS
# Only run, shell and guest take DISK; make test and make peers choose the
# guest of each boot themselves.
unexport DISK
S := scripts

# make stress: check DURATION before anything is built.
ifneq ($(filter stress,$(MAKECMDGOALS)),)
ifeq ($(shell $(S)/stress.sh --seconds '$(DURATION)' 2>/dev/null),)
$(error DURATION=$(DURATION) is not accepted; accepted: N or Ns (seconds) or Nm (minutes), e.g. DURATION=150, DURATION=90s or DURATION=10m)
endif
endif
# make bench: check R, SEED, SAME_SEED and WORKLOADS before anything is built.
ifneq ($(filter bench,$(MAKECMDGOALS)),)
BENCH_SETTINGS_ERROR := $(shell QUICK='$(QUICK)' R='$(R)' SEED='$(SEED)' SAME_SEED='$(SAME_SEED)' \
	WORKLOADS='$(WORKLOADS)' $(S)/bench.sh --check 2>&1)
ifneq ($(BENCH_SETTINGS_ERROR),)
$(error $(BENCH_SETTINGS_ERROR))
endif
endif
STRESS_VARIANTS := $(if $(filter 1,$(STRESS_BOTH)),ours-debug upstream-debug,$(VARIANT))

.PHONY: all deps src kernel initramfs run shell guest test bench trace stress peers check patch check-series clean help

all: help

help:
	@sed -n '/^# Variables:/,/^$$/s/^# \{0,1\}//p; 1,/^# Variables:/{/^# Variables:/d; s/^#   \{0,1\}//p}' Makefile

deps:
	@$(S)/deps.sh

src: deps
	@$(S)/src.sh

kernel: src
	@$(S)/kernel.sh $(VARIANT)

initramfs: src
	@$(S)/initramfs.sh

run: kernel initramfs
	@VARIANT=$(VARIANT) DISK=$(DISK) JOB=compact_full ARGS=--demo NAME=run-$(VARIANT) $(S)/guest.sh

shell: kernel initramfs
	@VARIANT=$(VARIANT) DISK=$(DISK) JOB=shell INTERACTIVE=1 $(S)/guest.sh

guest: kernel initramfs
	@test -n "$(RUN)" || { echo "usage: make guest RUN=path/to/static-program [ARGS='...'] [MEM=2G] [CPUS=2] [BASE=ours|upstream]"; exit 2; }
	@VARIANT=$(VARIANT) DISK=$(DISK) RUN="$(RUN)" ARGS="$(ARGS)" NAME=guest-$(VARIANT) $(S)/guest.sh

# make test on ours also boots ours-debug-lean (the debug kernel without
# the disk guest's file systems and the network: KUnit and our kselftest),
# so that CI catches lockdep and KASAN reports in our code.
test: kernel initramfs
	@$(if $(filter ours,$(VARIANT)),$(S)/kernel.sh ours-debug-lean,true)
	@BASE=$(BASE) DEBUG=$(DEBUG) $(S)/test.sh

bench: deps
	@$(S)/src.sh
	@$(S)/kernel.sh ours
	@$(S)/kernel.sh upstream
	@$(S)/initramfs.sh
	@QUICK=$(QUICK) $(S)/bench.sh

trace: kernel initramfs
	@VARIANT=$(VARIANT) $(S)/trace.sh

stress: deps
	@$(S)/src.sh
	@for v in $(STRESS_VARIANTS); do $(S)/kernel.sh $$v || exit 1; done
	@$(S)/initramfs.sh
	@VARIANT=$(VARIANT) DURATION=$(DURATION) STRESS_BOTH=$(STRESS_BOTH) $(S)/stress.sh

peers: deps
	@$(S)/src.sh
	@for v in upstream ours; do $(S)/kernel.sh $$v$(if $(filter 1,$(DEBUG)),-debug) || exit 1; done
	@$(S)/initramfs.sh
	@DEBUG=$(DEBUG) $(S)/peers.sh

check: src
	@$(S)/check.sh

patch: src
	@$(S)/patch.sh

check-series: patch
	@$(S)/check-series.sh

clean:
	rm -rf build
