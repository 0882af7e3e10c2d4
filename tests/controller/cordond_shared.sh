#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# cordond_shared.sh BUILD_DIR SOURCE_DIR
# A shared switch port: a PC and an IP phone behind swp1 of a real
# SNMP-managed lab switch (the phone's voice VLAN 20 tagged on swp1).
# A detection of the PC waits for approval (the port carries two MACs);
# approved, the port is isolated and the phone recorded as affected; the
# phone quarantined too records the port's original VLAN from the PC's
# record, not the quarantine VLAN; the port is restored, voice VLAN
# included, only when the last of them is released, in either order. A
# release that keeps failing stops after policy.max_attempts, says why, and
# `cordonctl resolve` records what the operator made true (audited).
set -uo pipefail
# shellcheck source=../lib.sh
source "$(dirname "$0")/../lib.sh"
B=$1
SRC=$2
TMP=$(mktemp -d /tmp/cordon-ctl-shared.XXXXXX)
P=cordon-sh$$
NOC=$P-noc
SW=$P-sw
PC=$P-pc
PHONE=$P-ph
DPID=""
pass=0 fail=0

# shellcheck source=../../lab/switch/labswitch.sh
source "$SRC/lab/switch/labswitch.sh"

cleanup() {
  [[ -n "$DPID" ]] && kill -9 "$DPID" 2>/dev/null
  lsw_cleanup
  rm -rf "$TMP"
}
on_exit cleanup

fail_unless_root
LSW_STATE=$TMP/lsw
lsw_init "$B/cordon-labswitch-agent" || exit 1

# VLAN 10 production, 20 voice (tagged on swp1), 999 quarantine; the PC and
# the phone behind swp1.
lsw_noc_create "$NOC" || exit 1
lsw_switch_create "$SW" "$NOC" 9 10,20,999 || exit 1
lsw_port_tag "$SW" 1 20
# The phone is a macvlan on the PC's link: its frames leave through the PC's
# veth with its own MAC, as through the switch built into an IP phone.
lsw_port_add "$SW" 1 10 "$PC" 10.10.0.21/24 || exit 1
lsw_ns_create "$PHONE" || exit 1
ip -n "$PC" link add link eth0 name ph0 type macvlan mode bridge || exit 1
ip -n "$PC" link set ph0 netns "$PHONE"
ip -n "$PHONE" link set ph0 name eth0
ip -n "$PHONE" addr add 10.10.0.22/24 dev eth0
ip -n "$PHONE" link set eth0 up
lsw_port_add "$SW" 2 10 "$P-h2" 10.10.0.12/24 || exit 1
lsw_port_add "$SW" 3 999 "$P-rem" 10.10.0.99/24 || exit 1
lsw_switch_start "$SW" standard || exit 1
ADDR=$(lsw_switch_addr "$SW")

cat > "$TMP/c.conf" <<EOF
daemon = { state = "$TMP/state.db"; control = "$TMP/ctl.sock"; control_ro = "$TMP/ro.sock"; http = ""; };
sensors = { listen = [ "unix:$TMP/sensor.sock" ]; };
policy = { probation = 60; retry_initial = 1; retry_max = 1; max_attempts = 2; };
enforcement = ( { name = "access-1"; kind = "snmp-qbridge"; prefixes = [ "10.10.0.0/24" ];
                  address = "$ADDR"; community = "$LSW_RW_COMMUNITY"; quarantine_vlan = 999;
                  timeout_ms = 300; retries = 0; } );
EOF
ip netns exec "$NOC" "$B/cordond" -d -f "$TMP/c.conf" >>"$TMP/daemon.log" 2>&1 &
DPID=$!
wait_socket "$TMP/ctl.sock" || { echo "FAIL - cordond did not start"; tail -5 "$TMP/daemon.log"; exit 1; }

ctl() { "$B/cordonctl" -s "$TMP/ctl.sock" -r "$TMP/ro.sock" "$@"; }
hstate() { ctl --json show "$1" 2>/dev/null | jq -r '.host.state + (if .host.hold != "" then "/" + .host.hold else "" end)'; }
wait_state() { for _ in $(seq "${3:-80}"); do [[ "$(hstate "$1")" == "$2" ]] && return 0; sleep 0.1; done
  echo "  $1 is '$(hstate "$1")', expected '$2'"; return 1; }
reach() { ip netns exec "$1" ping -c1 -W1 "$2" >/dev/null 2>&1; }
reach_soon() { local i; for i in 1 2 3 4 5; do reach "$1" "$2" && return 0; done; return 1; }
on_bridge() { ip -n "$SW" -o link show swp1 | grep -q "master br$1"; }
# swp1's membership of VLAN 20 (dot1qVlanStaticEgressPorts.20's first bit)
voice_tagged() {
  local v
  v=$(ip netns exec "$NOC" snmpget -v2c -c "$LSW_RW_COMMUNITY" -t 2 -r 2 -Ox -Oqv \
      "$ADDR" 1.3.6.1.2.1.17.7.1.4.3.1.2.20 | tr -d ' "\n')
  [[ $v =~ ^[0-9A-Fa-f]{2} ]] && (( (0x${v:0:2} & 0x80) != 0 ))
}
detect() {
  printf '{"src":"%s","mac":"%s","engine":"fanout","proto":"tcp","dport":445,"evidence":{"probes":12,"failures":12,"distinct_dsts":12}}\n' "$1" "$2" |
    socat -u - UNIX-CONNECT:"$TMP/sensor.sock"
}
PC_MAC=$(lsw_host_mac "$PC")
PHONE_MAC=$(lsw_host_mac "$PHONE")
# traffic teaches the lab switch both MACs on swp1
reach "$PC" 10.10.0.12
reach "$PHONE" 10.10.0.12
both_reach() { reach_soon "$PC" 10.10.0.12 && reach_soon "$PHONE" 10.10.0.12; }
neither_reaches() { ! reach "$PC" 10.10.0.12 && ! reach "$PHONE" 10.10.0.12; }
show_has() { ctl show "$1" | grep -q -- "$2"; }
not_voice_tagged() { ! voice_tagged; }
check "both hosts reach production through the shared port" both_reach
check "swp1 is tagged in the voice VLAN 20 before" voice_tagged

# --- policy waits for an operator on a shared port ---------------------------
detect 10.10.0.21 "$PC_MAC"
check "a detection of the PC behind a shared port waits for approval" wait_state 10.10.0.21 suspected/approval
check "  saying the port carries 2 MACs" show_has 10.10.0.21 'port swp1 of access-1 carries 2 MACs'
check "  with nothing changed on the switch" on_bridge 10
check "  and the hold audited" test -n "$(ctl --json events --limit 100 | jq -c 'select(.event.host == "10.10.0.21" and .event.result == "awaiting approval: shared port")')"
ctl approve 10.10.0.21 >/dev/null; rc=$?
check "approved, the port is isolated" test $rc -eq 0 -a "$(hstate 10.10.0.21)" = quarantined
check "  swp1 is in the quarantine bridge" on_bridge 999
check "  and out of the voice VLAN" not_voice_tagged
check "  the phone is recorded as affected" test "$(ctl --json show 10.10.0.21 | jq -c '.host.location.affected')" = "[\"$PHONE_MAC\"]"
check "  and cordonctl show lists it" show_has 10.10.0.21 "^affected  *1 other MAC behind the port: $PHONE_MAC$"
check "  both are cut off from production" neither_reaches
check "  the PC reaches remediation" reach_soon "$PC" 10.10.0.99

# --- a second host on the port: the original VLAN from the first record -----
out=$(ctl quarantine 10.10.0.22 --reason "phone: same port" --mac "$PHONE_MAC" 2>&1); rc=$?
check "the phone quarantined by an operator goes ahead ($rc)" test $rc -eq 0 -a "$(hstate 10.10.0.22)" = quarantined
check "  and records swp1's original VLAN 10 and tagged 20, not the quarantine VLAN" \
  test "$(ctl --json show 10.10.0.22 | jq -c '.host.location | [.port, .orig_vlan, .orig_tagged, .quarantine_vlan]')" = '["swp1",10,"20",999]'

# --- release in one order: phone, then PC -------------------------------------
out=$(ctl release 10.10.0.22 --patched 2>&1); rc=$?
check "releasing the phone first leaves the port isolated ($out)" test $rc -eq 0 -a -n "$(grep -F 'swp1 stays isolated: 1 other host is quarantined behind it (10.10.0.21)' <<<"$out")"
check "  the phone is on probation" test "$(hstate 10.10.0.22)" = probation
check "  swp1 is still in the quarantine bridge" on_bridge 999
out=$(ctl release 10.10.0.21 --patched 2>&1); rc=$?
check "releasing the PC, the last, restores the port" test $rc -eq 0 -a "$(hstate 10.10.0.21)" = probation
check "  swp1 is back in VLAN 10" on_bridge 10
check "  and tagged in VLAN 20 again" voice_tagged
check "  both reach production again" both_reach

# --- the other order: PC, then phone -------------------------------------------
# (a host is located by its traffic: moving a port between bridges forgets
# what was learned on it, so each host speaks before it is quarantined)
reach "$PC" 10.10.0.12
ctl quarantine 10.10.0.21 --reason "again" --mac "$PC_MAC" >/dev/null 2>&1
reach "$PHONE" 10.10.0.99
ctl quarantine 10.10.0.22 --reason "again" --mac "$PHONE_MAC" >/dev/null 2>&1
check "both quarantined again by operators" test "$(hstate 10.10.0.21) $(hstate 10.10.0.22)" = "quarantined quarantined"
ctl release 10.10.0.21 --patched >/dev/null 2>&1
check "releasing the PC first leaves the port isolated" on_bridge 999
ctl release 10.10.0.22 --patched >/dev/null 2>&1
check "releasing the phone, the last, restores VLAN 10" on_bridge 10
check "  the phone is on probation" test "$(hstate 10.10.0.22)" = probation
check "  tagged 20 again" voice_tagged

# --- a release that cannot complete: bounded, then resolved by an operator -----
reach "$PC" 10.10.0.12
ctl quarantine 10.10.0.21 --reason "again" --mac "$PC_MAC" >/dev/null 2>&1
check "the PC quarantined once more" test "$(hstate 10.10.0.21)" = quarantined
SNMPD=$(lsw_snmpd_pid "$SW")
kill "$SNMPD"
stopped() { ! kill -0 "$SNMPD" 2>/dev/null; }
wait_until 100 stopped
ctl release 10.10.0.21 --patched >/dev/null 2>&1; rc=$?
check "with the switch's agent gone the release fails (exit $rc)" test $rc -eq 3
gave_up() { ctl --json show 10.10.0.21 | jq -e '.host.state == "failed" and .host.attempts == 2 and .host.next_retry == 0' >/dev/null; }
check "  is retried once, then left to an operator (policy.max_attempts 2)" wait_until 100 gave_up
check "  with an ALERT naming cordonctl resolve" grep -q "ALERT: release of 10.10.0.21 failed (attempt 2 of policy.max_attempts 2).*no more retries; the host stays isolated.*cordonctl resolve 10.10.0.21" "$TMP/daemon.log"
check "  and the switch left as it was: swp1 isolated" on_bridge 999
ctl resolve 10.10.0.21 --as released >/dev/null 2>&1; rc=$?
check "cordonctl resolve without a reason is a usage error" test $rc -eq 1
"$B/cordonctl" -s "$TMP/ro.sock" resolve 10.10.0.21 --as released --reason x >/dev/null 2>&1; rc=$?
check "  and the read-only socket refuses it (exit 5)" test $rc -eq 5
ctl resolve 10.10.0.22 --as released --reason x >/dev/null 2>&1; rc=$?
check "  a host that has not failed is not resolved (exit 3)" test $rc -eq 3
# the operator puts the port back by hand, then says so
ip -n "$SW" link set swp1 master br10
out=$(ctl resolve 10.10.0.21 --as released --reason "swp1 put back by hand, switch agent down" 2>&1); rc=$?
check "cordonctl resolve --as released records it ($out)" test $rc -eq 0 -a "$(hstate 10.10.0.21)" = clear
check "  audited with the caller and the reason" test -n "$(ctl --json events --limit 200 |
  jq -c 'select(.event.action == "resolve" and .event.actor == "uid:0" and .event.reason == "swp1 put back by hand, switch agent down")')"
check "  and no retry follows: the record stays clear" test "$(ctl --json show 10.10.0.21 | jq -r '.host.state + " " + (.host.attempts|tostring)')" = "clear 0"

kill "$DPID"; wait "$DPID" 2>/dev/null; DPID=""
results
