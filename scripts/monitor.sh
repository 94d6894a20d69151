#!/usr/bin/env bash
# Boot a guest through scripts/guest.sh (same environment) with a QEMU
# monitor, and carry out the monitor commands the guest asks for: a line
# "HOST-MONITOR CMD" in the serial log runs the human monitor command CMD
# once (e.g. "balloon 1024"). The guest polls for the effect itself.
# Exit: guest.sh's.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

NAME=${NAME:-${VARIANT:-ours}-${JOB:-none}}
log=$LOGS/$NAME.log
mon=$LOGS/$NAME.mon
mkdir -p "$LOGS"
rm -f "$log" "$mon"

MONITOR=1 NAME=$NAME "$TOP/scripts/guest.sh" &
guest=$!

done_lines=0
while kill -0 $guest 2>/dev/null; do
	sleep 1
	[ -S "$mon" ] || continue
	mapfile -t asks < <(grep -o 'HOST-MONITOR .*' "$log" 2>/dev/null | tr -d '\r')
	while [ "$done_lines" -lt "${#asks[@]}" ]; do
		qemu_monitor "$mon" "${asks[$done_lines]#HOST-MONITOR }"
		done_lines=$((done_lines + 1))
	done
done
wait $guest
