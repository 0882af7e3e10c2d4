#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# cordond_faults.sh BUILD_DIR SOURCE_DIR
# Switch faults, with the real daemon and two real lab switches: one switch
# stops answering (its snmpd frozen), answers slowly (its management link
# throttled), or refuses writes (a read-only community). Each time: retries
# with backoff, a failure state with an alert, no effect on the other switch,
# and recovery when the switch comes back.
set -uo pipefail
# shellcheck source=../lib.sh
source "$(dirname "$0")/../lib.sh"
B=$1
SRC=$2
TMP=$(mktemp -d /tmp/cordon-ctl-faults.XXXXXX)
P=cordon-cf$$
NOC=$P-noc
SW1=$P-s1
SW2=$P-s2
DPID=""
pass=0 fail=0

# shellcheck source=../../lab/switch/labswitch.sh
source "$SRC/lab/switch/labswitch.sh"

cleanup() {
  [[ -n "$DPID" ]] && kill -9 "$DPID" 2>/dev/null
  for sw in "$SW1" "$SW2"; do
    pid=$(lsw_snmpd_pid "$sw" 2>/dev/null); [[ -n "$pid" ]] && kill -CONT "$pid" 2>/dev/null
  done
  lsw_cleanup
  rm -rf "$TMP"
}
on_exit cleanup

fail_unless_root
LSW_STATE=$TMP/lsw
lsw_init "$B/cordon-labswitch-agent" || exit 1
lsw_noc_create "$NOC" || exit 1
lsw_switch_create "$SW1" "$NOC" 11 10,999 && lsw_port_add "$SW1" 1 10 "$P-a" 10.10.0.11/24 &&
  lsw_port_add "$SW1" 2 10 "$P-b" 10.10.0.12/24 && lsw_switch_start "$SW1" standard || exit 1
lsw_switch_create "$SW2" "$NOC" 12 10,999 && lsw_port_add "$SW2" 1 10 "$P-c" 10.11.0.11/24 &&
  lsw_port_add "$SW2" 2 10 "$P-d" 10.11.0.12/24 && lsw_switch_start "$SW2" standard || exit 1

ctl() { "$B/cordonctl" -s "$TMP/ctl.sock" -r "$TMP/ro.sock" "$@"; }
state() { ctl --json show "$1" 2>/dev/null | jq -r '.host.state'; }
wait_state() { for _ in $(seq "${3:-100}"); do [[ "$(state "$1")" == "$2" ]] && return 0; sleep 0.1; done
  echo "  $1 is '$(state "$1")', expected '$2'"; return 1; }
attempts() { ctl --json show "$1" | jq '.host.attempts'; }
attempts_at_least() { [[ "$(attempts "$1")" -ge "$2" ]]; }  # attempts_at_least HOST N
det() {  # det IP MAC
  printf '{"src":"%s","mac":"%s","engine":"fanout","proto":"tcp","dport":445,"evidence":{"probes":12,"failures":12,"distinct_dsts":12}}\n' "$1" "$2" |
    socat -u - UNIX-CONNECT:"$TMP/sensor.sock"
}
start() {  # start COMMUNITY_OF_SW1
  rm -f "$TMP"/state.db*
  cat > "$TMP/c.conf" <<EOF
daemon = { state = "$TMP/state.db"; control = "$TMP/ctl.sock"; control_ro = "$TMP/ro.sock"; http = ""; };
sensors = { listen = [ "unix:$TMP/sensor.sock" ]; };
policy = { retry_initial = 1; retry_max = 2; };
enforcement = (
  { name = "sw1"; kind = "snmp-qbridge"; prefixes = [ "10.10.0.0/24" ]; address = "$(lsw_switch_addr "$SW1")";
    community = "$1"; quarantine_vlan = 999; timeout_ms = 400; retries = 1; },
  { name = "sw2"; kind = "snmp-qbridge"; prefixes = [ "10.11.0.0/24" ]; address = "$(lsw_switch_addr "$SW2")";
    community = "$LSW_RW_COMMUNITY"; quarantine_vlan = 999; timeout_ms = 400; retries = 1; } );
EOF
  ip netns exec "$NOC" "$B/cordond" -d -f "$TMP/c.conf" >"$TMP/daemon.log" 2>&1 &
  DPID=$!
  wait_socket "$TMP/ctl.sock"
}
stop() { kill "$DPID" 2>/dev/null; wait "$DPID" 2>/dev/null; DPID=""; }
release_all() { for ip in 10.10.0.11 10.11.0.11; do ctl release "$ip" --patched >/dev/null 2>&1; done; }
teach() { ip netns exec "$P-a" ping -c1 -W1 10.10.0.12 >/dev/null 2>&1; ip netns exec "$P-c" ping -c1 -W1 10.11.0.12 >/dev/null 2>&1; }
MAC_A=$(lsw_host_mac "$P-a")
MAC_C=$(lsw_host_mac "$P-c")
SNMPD1=$(lsw_snmpd_pid "$SW1")

# --- a switch that stops answering ------------------------------------------------
start "$LSW_RW_COMMUNITY"
teach
kill -STOP "$SNMPD1"
t=$(date +%s.%N)
det 10.10.0.11 "$MAC_A"
det 10.11.0.11 "$MAC_C"
check "stopped switch: the other switch isolates its host at once" wait_state 10.11.0.11 quarantined 20
el=$(awk -v a="$t" -v b="$(date +%s.%N)" 'BEGIN {printf "%.2f", b - a}')
check "  within 2 s ($el s)" awk -v e="$el" 'BEGIN {exit !(e < 2)}'
check "  the stopped switch's host goes to failed" wait_state 10.10.0.11 failed 50
ctl --json show 10.10.0.11 | jq -e '.host.last_error | test("timeout"; "i")' >/dev/null
check "  with the timeout as its error" test $? -eq 0
grep -q "ALERT: isolate of 10.10.0.11 failed" "$TMP/daemon.log"
check "  and an alert in the log" test $? -eq 0
# the first retry comes after the backoff (1 s here): wait for it, 10 s at most
wait_until 100 attempts_at_least 10.10.0.11 2
n=$(attempts 10.10.0.11)
check "  retried with backoff ($n attempts)" test "$n" -ge 2
kill -CONT "$SNMPD1"
check "  and isolated once the switch answers again" wait_state 10.10.0.11 quarantined 100
check "  the port really moved" bash -c "ip -n $SW1 -o link show swp1 | grep -q 'master br999'"
release_all
stop

# --- a switch that answers slowly -------------------------------------------------
ip netns exec "$SW1" tc qdisc add dev mgmt0 root tbf rate 24kbit burst 1600 latency 5s
start "$LSW_RW_COMMUNITY"
teach
t=$(date +%s.%N)
det 10.10.0.11 "$MAC_A"
det 10.11.0.11 "$MAC_C"
check "slow switch: the other switch is not delayed" wait_state 10.11.0.11 quarantined 20
el=$(awk -v a="$t" -v b="$(date +%s.%N)" 'BEGIN {printf "%.2f", b - a}')
check "  ($el s)" awk -v e="$el" 'BEGIN {exit !(e < 2)}'
check "  the slow switch's host is isolated all the same" wait_state 10.10.0.11 quarantined 200
lat=$(ctl --json switches | jq '.points[] | select(.name == "sw1") | .last_latency_ms')
check "  slowly ($lat ms for the last operation)" awk -v l="$lat" 'BEGIN {exit !(l > 50)}'
release_all
stop
ip netns exec "$SW1" tc qdisc del dev mgmt0 root

# --- a switch that refuses the write --------------------------------------------------
start "$LSW_RO_COMMUNITY"
check "read-only community: the write probe reports it at start" wait_for "$TMP/daemon.log" "ALERT: switch sw1: write probe failed" 1 10
teach
det 10.10.0.11 "$MAC_A"
det 10.11.0.11 "$MAC_C"
check "  the other switch works" wait_state 10.11.0.11 quarantined 20
check "  the refused isolation fails" wait_state 10.10.0.11 failed 50
ctl --json show 10.10.0.11 | jq -e '.host.last_error | test("denied|read-only|notWritable|noAccess|authorization"; "i")' >/dev/null
check "  saying the write was refused" test $? -eq 0
check "  and the port did not move" bash -c "ip -n $SW1 -o link show swp1 | grep -q 'master br10'"
leak=0
grep -qF -- "$LSW_RO_COMMUNITY" "$TMP/daemon.log" && leak=1
grep -qF -- "$LSW_RW_COMMUNITY" "$TMP/daemon.log" && leak=1
check "  and no community string in the log" test $leak -eq 0
stop

# --- stopping with an operation in flight: a clean exit, and the step resumes later ----
start "$LSW_RW_COMMUNITY"
teach
kill -STOP "$SNMPD1"
det 10.10.0.11 "$MAC_A"
# the isolation has begun and waits on the stopped switch (0.8 s until its
# timeout): stop the daemon then
wait_for "$TMP/daemon.log" "isolating 10.10.0.11 via sw1" 1 5
kill -TERM "$DPID"; wait "$DPID"; rc=$?; DPID=""
check "stopping with an SNMP operation in flight exits cleanly (exit $rc)" test $rc -eq 0
check "  the host is still recorded as quarantining" test "$(sqlite3 "$TMP/state.db" "SELECT state FROM hosts WHERE ip = '10.10.0.11'")" = quarantining
kill -CONT "$SNMPD1"
ip netns exec "$NOC" "$B/cordond" -d -f "$TMP/c.conf" >>"$TMP/daemon.log" 2>&1 &
DPID=$!
wait_socket "$TMP/ctl.sock"
check "  and the next start finishes the isolation" wait_state 10.10.0.11 quarantined 100
stop

results
