#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# cordond_follow.sh BUILD_DIR SOURCE_DIR
# A quarantined host that moves to another port of the lab switch stays
# isolated: cordond isolates the port it lands on, restores the old one
# exactly (its VLAN 10 and its tagged VLAN 20) and records the new location.
# Cases: the switch's MAC-change notifications as v2c Traps, as v3 authPriv
# Informs (follow.interval = 0: notifications alone); polling alone
# (follow.interval = 2 s, no listener), where the host first lands on a port
# configured as an uplink (refused: it stays recorded on the old port, which
# stays isolated, and the failure is counted) and then on an access port, and
# a release asked while a re-check hangs on a frozen switch waits for it
# rather than being refused; and cordond killed right after isolating the new
# port (failpoint follow-isolated): restarted, it finds the move it noted, the
# new port isolated, and finishes it. The host moves as a cable does: its old
# link goes down, a link with its MAC and address comes up on another port,
# and it sends traffic. Prints each follow-up time (from the first frame on
# the new port, or the restart, to both ports as they should be; targets:
# <= 5 s with notifications, <= interval + 10 s by polling). Namespaces only;
# everything removed afterwards.
set -uo pipefail
# shellcheck source=../lib.sh
source "$(dirname "$0")/../lib.sh"
B=$1
SRC=$2
TMP=$(mktemp -d /tmp/cordon-follow.XXXXXX)
P=cordon-fw$$
NOC=$P-noc
SW=$P-sw
H1=$P-h1
DPID="" PINGPID=""
pass=0 fail=0

# shellcheck source=../../lab/switch/labswitch.sh
source "$SRC/lab/switch/labswitch.sh"

cleanup() {
  [[ -n "$PINGPID" ]] && kill -9 "$PINGPID" 2>/dev/null
  [[ -n "$DPID" ]] && kill -9 "$DPID" 2>/dev/null
  lsw_cleanup
  rm -rf "$TMP"
}
on_exit cleanup

fail_unless_root
skip_without jq socat curl sqlite3 snmptrap snmpget
LSW_STATE=$TMP/lsw
lsw_init "$B/cordon-labswitch-agent" || exit 1

IDX=7
NOC_ADDR=10.200.$IDX.2
NOTIFY_PORT=1162

# build_switch: the switch, not started (lsw_switch_start): with notifications
# cordond listens first, or snmpd waits for the v3 Informs' engine ID discovery.
# VLAN 10 (production), 20 (swp1's tagged VLAN) and 999 (quarantine);
# h1 on swp1, h2 on swp2, the remediation server on swp3; swp4 and swp5 (the
# point's uplink) empty ports in VLAN 10 that h1 moves to
build_switch() {  # build_switch NOTIFY(none|v2c|v3)
  lsw_noc_create "$NOC" || return 1
  lsw_switch_create "$SW" "$NOC" "$IDX" 10,20,999 || return 1
  lsw_port_tag "$SW" 1 20
  lsw_port_add "$SW" 1 10 "$H1" 10.10.0.11/24 || return 1
  lsw_port_add "$SW" 2 10 "$P-h2" 10.10.0.12/24 || return 1
  lsw_port_add "$SW" 3 999 "$P-rem" 10.10.0.99/24 || return 1
  # the empty ports exist before the switch starts (as a real switch's do): their
  # cables' other ends wait in the switch namespace, down, until plugged into h1
  local n
  for n in 4 5; do
    ip -n "$SW" link add "swp$n" type veth peer name "plug$n" || return 1
    ip -n "$SW" link set "swp$n" master br10 || return 1
    ip -n "$SW" link set "swp$n" up
  done
  if [[ $1 != none ]]; then lsw_switch_notify "$SW" "$NOC_ADDR:$NOTIFY_PORT" "$1" || return 1; fi
  CUR=eth0
}
destroy_all() { for ns in "$H1" "$P-h2" "$P-rem" "$SW" "$NOC"; do lsw_ns_destroy "$ns"; done; rm -rf "${LSW_STATE:?}/$SW"; }

ctl() { "$B/cordonctl" -s "$TMP/ctl.sock" -r "$TMP/ro.sock" "$@"; }
state() { ctl --json show "$1" 2>/dev/null | jq -r '.host.state'; }
is_state() { [[ "$(state "$1")" == "$2" ]]; }
recorded_on() { [[ "$(port_of "$1")" == "$2" ]]; }
port_of() { ctl --json show "$1" 2>/dev/null | jq -r '.host.location.port'; }
in_bridge() { ip -n "$SW" -o link show "$1" 2>/dev/null | grep -q "master $2 "; }
# swp1's membership of VLAN 20: dot1qVlanStaticEgressPorts.20's first bit
swp1_tagged_20() {
  local v
  v=$(lsw_snmp snmpget "$NOC" "$SW" -Ox 1.3.6.1.2.1.17.7.1.4.3.1.2.20 | cut -d' ' -f2- | tr -d ' "\n')
  (( (0x${v:0:2} & 0x80) != 0 ))
}
metric() { ip netns exec "$NOC" curl -s http://127.0.0.1:8477/metrics | awk -v m="$1" '$1 == m {print $2}'; }
metric_at_least() { local v; v=$(metric "$1"); [[ -n "$v" ]] && (( ${v%.*} >= $2 )); }
reach() { ip netns exec "$H1" ping -c1 -W1 "$1" >/dev/null 2>&1; }
reach_soon() { local i; for i in 1 2 3 4 5; do reach "$1" && return 0; done; return 1; }
start_daemon() {  # start_daemon [VAR=VALUE...]: the environment, e.g. CORDON_FAILPOINT=STEP
  ip netns exec "$NOC" env "$@" "$B/cordond" -d -f "$TMP/c.conf" >>"$TMP/daemon.log" 2>&1 &
  DPID=$!
  wait_socket "$TMP/ctl.sock"
}
stop_daemon() { [[ -n "$DPID" ]] && { kill "$DPID"; wait "$DPID" 2>/dev/null; }; DPID=""; rm -f "$TMP/ctl.sock" "$TMP/ro.sock"; }

# move_host N: h1's cable goes from its port to swpN: its old link down, a new
# link on swpN with the same MAC and address, up; then it talks (a ping every
# 0.2 s in the background, as a host does), which teaches the bridge where it is.
move_host() {
  local n=$1 mac
  mac=$(ip -n "$H1" -o link show "$CUR" | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')
  if [[ -n "$PINGPID" ]]; then kill "$PINGPID" 2>/dev/null; wait "$PINGPID" 2>/dev/null; PINGPID=""; fi
  ip -n "$SW" link set "plug$n" netns "$H1" || return 1
  ip -n "$H1" link set "plug$n" name "eth$n" || return 1
  ip -n "$H1" link set "eth$n" address "$mac" || return 1
  ip -n "$H1" link set "$CUR" down
  ip -n "$H1" addr flush dev "$CUR"
  ip -n "$H1" addr add 10.10.0.11/24 dev "eth$n"
  ip -n "$H1" link set "eth$n" up
  CUR=eth$n
  MOVED_AT=$(date +%s.%N)
  ip netns exec "$H1" ping -i 0.2 -w 120 -q 10.10.0.12 >/dev/null 2>&1 &
  PINGPID=$!
}
# followed_to N: isolated on swpN, swp1 back in VLAN 10, the record names swpN
followed_to() {
  in_bridge "swp$1" br999 && in_bridge swp1 br10 && [[ "$(port_of 10.10.0.11)" == "swp$1" ]]
}
elapsed() { awk -v a="$MOVED_AT" -v b="$(date +%s.%N)" 'BEGIN {printf "%.2f", b - a}'; }

run_case() {  # run_case LABEL NOTIFY(none|v2c|v3) INTERVAL TARGET_S [FAILPOINT]
  local label=$1 notify=$2 interval=$3 target=$4 failpoint=${5:-} mac listen="" t tries
  rm -f "$TMP"/state.db* "$TMP/daemon.log"
  # polling: the switch is frozen for a while (see below): its requests wait 3 s, once
  local timing="timeout_ms = 500; retries = 1;"
  [[ $notify == none ]] && timing="timeout_ms = 3000; retries = 0;"
  build_switch "$notify" || { bad "$label: lab switch"; destroy_all; return; }
  case $notify in
    v2c) listen="listen = \"$NOC_ADDR:$NOTIFY_PORT\"; community = \"$LSW_RW_COMMUNITY\";" ;;
    v3) listen="listen = \"$NOC_ADDR:$NOTIFY_PORT\"; v3_user = \"$LSW_V3_USER\"; v3_auth_pass = \"$LSW_V3_AUTH\"; v3_priv_pass = \"$LSW_V3_PRIV\";" ;;
  esac
  cat > "$TMP/c.conf" <<EOF
daemon = { state = "$TMP/state.db"; control = "$TMP/ctl.sock"; control_ro = "$TMP/ro.sock"; http = "127.0.0.1:8477"; };
sensors = { listen = [ "unix:$TMP/sensor.sock" ]; };
policy = { probation = 60; retry_initial = 1; retry_max = 2; };   # unsettled moves tried again after 1, 2, 2 s
enforcement = ( { name = "access-1"; kind = "snmp-qbridge"; prefixes = [ "10.10.0.0/24" ];
                  address = "$(lsw_switch_addr "$SW")"; community = "$LSW_RW_COMMUNITY";
                  quarantine_vlan = 999; $timing uplinks = [ "swp5" ]; } );
follow = { interval = $interval; $listen };
EOF
  check "$label: cordond -n accepts the follow section" "$B/cordond" -n -f "$TMP/c.conf"
  if [[ $notify == none ]]; then
    lsw_switch_start "$SW" standard && start_daemon || { bad "$label: lab switch and cordond"; stop_daemon; destroy_all; return; }
  else
    start_daemon ${failpoint:+CORDON_FAILPOINT=$failpoint} && lsw_switch_start "$SW" standard ||
      { bad "$label: cordond and lab switch"; stop_daemon; destroy_all; return; }
  fi
  reach 10.10.0.12
  mac=$(lsw_host_mac "$H1")
  printf '{"src":"10.10.0.11","mac":"%s","engine":"fanout","proto":"tcp","dport":445,"evidence":{"probes":12,"failures":12,"distinct_dsts":12}}\n' "$mac" |
    socat -u - UNIX-CONNECT:"$TMP/sensor.sock"
  check "$label: a detection isolates h1 on swp1" wait_until 100 is_state 10.10.0.11 quarantined
  check "$label: swp1 in the quarantine VLAN" in_bridge swp1 br999
  check "$label: ... and out of VLAN 20" eval '! swp1_tagged_20'

  if [[ $notify == none ]]; then
    # first onto the uplink: refused, h1 stays recorded on swp1, which stays isolated
    move_host 5
    check "$label: a host on an uplink port is not followed (counted as a failed check)" \
      wait_until $(( (interval + 10) * 10 )) metric_at_least 'cordon_follow_verdicts_total{verdict="unknown"}' 1
    check "$label: ... it stays recorded on swp1" recorded_on 10.10.0.11 swp1
    check "$label: ... swp1 stays isolated" in_bridge swp1 br999
    check "$label: ... swp5 untouched" in_bridge swp5 br10
  fi

  move_host 4
  if [[ -n "$failpoint" ]]; then
    # cordond dies right after isolating swp4: both ports isolated, the record
    # still on swp1 with the move noted; the restarted daemon settles it
    check "$label: cordond stops at the failpoint $failpoint" wait_until 300 eval '! kill -0 $DPID 2>/dev/null'
    wait "$DPID" 2>/dev/null; DPID=""
    rm -f "$TMP/ctl.sock" "$TMP/ro.sock"
    check "$label: ... swp4 already isolated" in_bridge swp4 br999
    check "$label: ... swp1 still isolated" in_bridge swp1 br999
    check "$label: ... the record still on swp1, the move to swp4 noted (state database)" test \
      "$(sqlite3 "$TMP/state.db" "SELECT loc_port || ' ' || has_move || ' ' || move_port || ' ' || move_orig_vlan FROM hosts WHERE ip = '10.10.0.11'")" = "swp1 1 swp4 10"
    # The restart's own settling fails (the switch frozen), and nothing else
    # would settle it (follow.interval = 0, h1 learnt on swp4 already): a
    # release is refused, saying so, and starts the check that settles it.
    local snmpd_pid rel rel_rc
    snmpd_pid=$(lsw_snmpd_pid "$SW")
    kill -STOP "$snmpd_pid"
    start_daemon
    check "$label: ... the restart cannot settle the move while the switch is frozen" \
      wait_for "$TMP/daemon.log" "follow: 10.10.0.11: cannot read .* to settle its move" 1 20
    rel=$(ctl release 10.10.0.11 --patched 2>&1); rel_rc=$?
    echo "  $rel"
    check "$label: ... a release meanwhile is refused" test "$rel_rc" -ne 0
    check "$label: ... saying the move is not settled and a check has started" \
      grep -q "not settled yet.*a check to settle it has started" <<<"$rel"
    check "$label: ... and that check ran (it too cannot read the frozen switch)" \
      wait_for "$TMP/daemon.log" "follow: 10.10.0.11: cannot read .* to settle its move" 2 20
    kill -CONT "$snmpd_pid"
    MOVED_AT=$(date +%s.%N)   # from here: settled once the switch answers
  fi
  if [[ $notify == none ]]; then tries=$(( (interval + 20) * 10 )); else tries=300; fi
  if wait_until "$tries" followed_to 4; then
    t=$(elapsed)
    ok "$label: h1 moved to swp4 is isolated there, swp1 restored and the record updated"
    echo "follow-up time ($label): $t s (target <= $target s)"
    check "$label: follow-up time $t s <= $target s" awk -v t="$t" -v g="$target" 'BEGIN {exit !(t <= g)}'
  else
    bad "$label: h1 moved to swp4 is isolated there, swp1 restored and the record updated (swp4: $(ip -n "$SW" -o link show swp4 | grep -o 'master [a-z0-9]*'), swp1: $(ip -n "$SW" -o link show swp1 | grep -o 'master [a-z0-9]*'), record: $(port_of 10.10.0.11))"
    tail -n 30 "$TMP/daemon.log"
  fi
  check "$label: swp1 is tagged in VLAN 20 again (restored exactly)" swp1_tagged_20
  ctl --json show 10.10.0.11 | jq -e '.host.state == "quarantined" and .host.location.port == "swp4" and .host.location.orig_vlan == 10 and .host.location.quarantine_vlan == 999' >/dev/null
  check "$label: cordonctl shows h1 quarantined on swp4, VLAN 10 -> 999" test $? -eq 0
  check "$label: production unreachable from the new port" eval '! reach 10.10.0.12'
  check "$label: remediation reachable from the new port" reach_soon 10.10.0.99
  ctl --json events --host 10.10.0.11 >"$TMP/events.json"
  check "$label: audit: the new port's isolation and the old port's restoration, by follow" \
    jq -se '[.[] | .. | objects | select(.actor? == "follow")] as $f
           | ($f | map(select(.action == "isolate" and (.result | startswith("ok")))) | length) == 1
           and ($f | map(select(.action == "release" and (.result | startswith("ok")))) | length) == 1' "$TMP/events.json"
  if [[ -n "$failpoint" ]]; then
    check "$label: audit: the restarted daemon found the new port isolated and settled the move" \
      jq -se '[.[] | .. | objects | select(.actor? == "follow" and .action? == "isolate"
               and (.result | startswith("found applied")))] | length == 1' "$TMP/events.json"
  fi
  check "$label: an ALERT line names the MAC, the IP, the old and the new port" \
    grep -Eq "ALERT: quarantined host 10\.10\.0\.11 \(MAC $mac\) moved from access-1 swp1 .* to access-1 swp4 " "$TMP/daemon.log"
  check "$label: /metrics counts the move" test "$(metric cordon_follow_moves_total)" = 1
  # (after a restart mid-move, the restart's resume settles it: no notification needed)
  if [[ $notify != none && -z "$failpoint" ]]; then
    check "$label: /metrics counts the notifications" metric_at_least cordon_follow_notifications_total 1
    check "$label: ... and nothing rejected" test "$(metric cordon_follow_notifications_rejected_total)" = 0
  fi
  if [[ $notify == v2c && -z "$failpoint" ]]; then
    # a linkDown with the wrong community, and one with the right community from
    # an address that is no point's (the NOC's own): both refused and counted
    ip netns exec "$NOC" snmptrap -v2c -c not-the-community "$NOC_ADDR:$NOTIFY_PORT" '' \
      1.3.6.1.6.3.1.1.5.3 1.3.6.1.2.1.2.2.1.1.4 i 4 >/dev/null 2>&1
    ip netns exec "$NOC" snmptrap -v2c -c "$LSW_RW_COMMUNITY" "$NOC_ADDR:$NOTIFY_PORT" '' \
      1.3.6.1.6.3.1.1.5.3 1.3.6.1.2.1.2.2.1.1.4 i 4 >/dev/null 2>&1
    check "$label: a wrong community and an unknown sender are refused and counted" \
      wait_until 50 metric_at_least cordon_follow_notifications_rejected_total 2
    check "$label: ... the unknown sender logged" \
      grep -q "follow: a notification from $NOC_ADDR, which is no enforcement point's address" "$TMP/daemon.log"
    check "$label: ... and h1 still recorded on swp4" recorded_on 10.10.0.11 swp4
  fi
  for m in cordon_follow_queue_depth cordon_follow_queue_max_depth cordon_follow_queued_total \
           cordon_follow_merged_total cordon_follow_dropped_total cordon_follow_check_failures_total; do
    [[ -n "$(metric $m)" ]] || bad "$label: /metrics lacks $m"
  done
  if [[ $notify == none ]]; then
    # a release asked while a re-check of the host runs waits for it instead of
    # being refused: the switch's snmpd frozen, a periodic re-check starts and
    # hangs, the release is asked, waits, and is done once the switch answers
    local n snmpd rpid rc deferred
    n=$(metric cordon_follow_checks_total)
    snmpd=$(lsw_snmpd_pid "$SW")
    kill -STOP "$snmpd"
    check "$label: a re-check starts while the switch is frozen" \
      wait_until $(( (interval + 10) * 10 )) metric_at_least cordon_follow_checks_total $((n + 1))
    ctl release 10.10.0.11 --patched >"$TMP/release.out" 2>&1 &
    rpid=$!
    wait_until 50 grep -q "releasing 10.10.0.11 once the check of it that runs now ends" "$TMP/daemon.log"
    deferred=$?
    kill -CONT "$snmpd"
    wait "$rpid"; rc=$?
    check "$label: ... a release asked meanwhile waits for it" test "$deferred" -eq 0
    check "$label: ... and is done once it ended (cordonctl exit 0)" test "$rc" -eq 0
    check "$label: ... the host on probation" is_state 10.10.0.11 probation
  else
    # the release restores the new port (the record's location) after a restart
    stop_daemon
    start_daemon
    ctl release 10.10.0.11 --patched >/dev/null
    check "$label: release --patched after a restart" is_state 10.10.0.11 probation
  fi
  check "$label: swp4 back in VLAN 10" in_bridge swp4 br10
  check "$label: production reachable after release" reach_soon 10.10.0.12
  leak=0
  for s in "$LSW_RW_COMMUNITY" "$LSW_V3_AUTH" "$LSW_V3_PRIV"; do
    grep -qF -- "$s" "$TMP/daemon.log" && leak=1
    ip netns exec "$NOC" curl -s http://127.0.0.1:8477/metrics | grep -qF -- "$s" && leak=1
  done
  check "$label: no secret in the log or /metrics" test $leak -eq 0
  [[ -n "$PINGPID" ]] && { kill "$PINGPID" 2>/dev/null; wait "$PINGPID" 2>/dev/null; PINGPID=""; }
  stop_daemon
  # (an ASan build's reports land in the daemon's log, at exit for leaks)
  if grep -q "ERROR: AddressSanitizer\|LeakSanitizer\|runtime error:" "$TMP/daemon.log"; then
    bad "$label: sanitizer reports in the daemon's log:"
    grep -A5 "Sanitizer\|runtime error" "$TMP/daemon.log" | head -30
  fi
  destroy_all
}

# bad follow settings are refused with the file, the line and the value (never a secret's)
cat >"$TMP/bad.conf" <<EOF
follow = {
  interval = 2;
  listen = "10.0.0.1";
  community = "s3cret-value";
};
EOF
out=$("$B/cordond" -n -f "$TMP/bad.conf" 2>&1)
check "config: a listener without a port is refused with file:line and the value" \
  grep -qF "$TMP/bad.conf:3: follow.listen: '10.0.0.1' must be ADDRESS:PORT" <<<"$out"
printf 'follow = { interval = -1; };\n' >"$TMP/bad.conf"
out=$("$B/cordond" -n -f "$TMP/bad.conf" 2>&1)
check "config: a negative interval is refused" grep -qF "$TMP/bad.conf:1: follow.interval: -1 is out of range" <<<"$out"
printf 'follow = {\n listen = "127.0.0.1:1162";\n v3_user = "u";\n v3_auth_pass = "short";\n v3_priv_pass = "longenough";\n};\n' >"$TMP/bad.conf"
out=$("$B/cordond" -n -f "$TMP/bad.conf" 2>&1)
check "config: a short v3 pass phrase is refused without showing it" \
  bash -c "grep -qF '$TMP/bad.conf:4: follow.v3_auth_pass: must be 8 to' <<<'$out' && ! grep -q short <<<'$out'"

run_case "notify-v2c" v2c 0 5
run_case "notify-v3" v3 0 5
run_case "poll" none 2 12
run_case "notify-v2c, cordond killed mid-move" v2c 0 5 follow-isolated

results
