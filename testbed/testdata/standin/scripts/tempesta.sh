#!/bin/bash
#
# STAND-IN for Tempesta FW's scripts/tempesta.sh, for tfw-bench's tests only.
# It loads no module and serves nothing: it honours the script's interface
# (--start, --stop, --reload; TFW_CFG_PATH, TFW_CFG_TMPL, TFW_DEV) so that
# tfw-bench's Target can be tested over real SSH where real Tempesta cannot run.
# See ../README.md. Nothing tested with it claims real Tempesta was tested.
#
# Layout (this script's directory is scripts/, ROOT is its parent):
#   ROOT/perfstat.sample   a recorded perfstat, copied to ROOT/run/perfstat on start
#   ROOT/run/state         "start" or "stop", as net.tempesta.state (absent: not loaded)
#   ROOT/run/perfstat      what /proc/tempesta/perfstat would show
# A config holding the line "standin_fail;" makes --start/--reload fail like the real
# script's error(); "standin_no_ready;" starts without logging the ready line.
set -u

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
RUN="$ROOT/run"
cfg="${TFW_CFG_PATH:-$ROOT/etc/tempesta_fw.conf}"
tmpl="${TFW_CFG_TMPL:-$ROOT/etc/tempesta_tmp.conf}"

log() { echo "$1"; }
# Like tempesta.sh's error(): the message on stdout, exit 1.
error() { log "ERROR: $1"; exit 1; }
# Kernel-log lines worded as Tempesta's (lib/log.h banner "[tempesta fw] ").
klog() { printf '%s\n' "[tempesta fw] $1" > /dev/kmsg; }

check_config() {
	[ -f "$cfg" ] || error "Configuration file $cfg does not exist. Please create a configuration file before starting Tempesta FW."
	grep -q '^standin_fail;' "$cfg" && error "cannot start Tempesta FW (sysctl message: Invalid argument, please check dmesg)"
	cp "$cfg" "$tmpl" 2>/dev/null || true
}

ready() {
	grep -q '^standin_no_ready;' "$cfg" || klog "Tempesta FW is ready"
}

start() {
	log "Starting Tempesta..."
	check_config
	mkdir -p "$RUN"
	[ -n "${TFW_DEV:-}" ] && log "Using only networking devices from TFW_DEV: '$TFW_DEV'"
	klog "Initializing Tempesta FW kernel module... (stand-in)"
	echo start > "$RUN/state"
	cp "$ROOT/perfstat.sample" "$RUN/perfstat"
	ready
	log "done"
}

stop() {
	log "Stopping Tempesta..."
	klog "modules are stopped"
	rm -f "$RUN/state" "$RUN/perfstat"
	log "done"
}

reload() {
	check_config
	[ "$(cat "$RUN/state" 2>/dev/null)" = start ] || error "Tempesta FW is not running"
	log "Running live reconfiguration of Tempesta..."
	klog "Live reconfiguration of Tempesta."
	ready
	log "done"
}

case "${1:-}" in
	--start) start ;;
	--stop) stop ;;
	--reload) reload ;;
	*) error "Bad command line argument: ${1:-}, check '--help' for details." ;;
esac
