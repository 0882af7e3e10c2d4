#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# cordond_ident.sh BUILD_DIR SOURCE_DIR
# A host's identity from its router (networks): the lab switch also routes
# VLAN 10 (10.10.0.254, the hosts' gateway) and its snmpd serves the kernel's
# neighbour table (IP-MIB), so it is both the enforcement point and the
# network's router. A sensor behind the router ("core-1") reports the
# router's MAC; "edge-10" is on the hosts' segment.
#  - a detection from core-1 (router's MAC) is located through the router's
#    table and isolates the host's own port; the router's MAC is never
#    recorded for a host, nor does it replace a MAC from edge-10;
#  - cordonctl quarantine IP without --mac does the same;
#  - an address the router does not know is refused, naming it and the
#    router, and nothing is recorded; a detection of one is held (no-mac);
#  - DHCP moves: a MAC on record seen at a new address (edge-10's report, or
#    the router's answer) takes its record along, audited; a quarantined
#    MAC stays quarantined at its new address.
# Namespaces only; everything removed afterwards, also on failure.
set -uo pipefail
# shellcheck source=../lib.sh
source "$(dirname "$0")/../lib.sh"
B=$1
SRC=$2
TMP=$(mktemp -d /tmp/cordon-ident.XXXXXX)
P=cordon-id$$
NOC=$P-noc
SW=$P-sw
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

ctl() { "$B/cordonctl" -s "$TMP/ctl.sock" -r "$TMP/ro.sock" "$@"; }
field() { ctl --json show "$1" 2>/dev/null | jq -r ".host.$2"; }
is() { [[ "$(field "$1" "$2")" == "$3" ]]; }
absent() { ! ctl --json show "$1" >/dev/null 2>&1; }
send() { socat -u - UNIX-CONNECT:"$TMP/sensor.sock"; }
detect() {  # detect IP MAC SENSOR
  printf '{"src":"%s","mac":"%s","sensor":"%s","engine":"fanout","proto":"tcp","dport":445,"evidence":{"probes":12,"failures":12,"distinct_dsts":12}}\n' "$1" "$2" "$3" | send
}
seen_line() { printf '{"type":"seen","src":"%s","mac":%s,"sensor":"%s","first_seen":"2026-01-01T00:00:00Z","last_seen":"2026-01-01T00:00:01Z"}\n' "$1" "$2" "$3"; }
# seen IP MAC SENSOR: the asset report, then a marker host (no MAC) on the same
# connection; reports are stored in order at the daemon's tick, so once the
# marker is on record, so is the report.
MARK=0
seen() {
  MARK=$((MARK + 1))
  { seen_line "$1" "\"$2\"" "$3"; seen_line "10.10.0.$((150 + MARK))" null "$3"; } | send
  wait_until 50 is "10.10.0.$((150 + MARK))" state observed
}
gateway() { ip netns exec "$1" ping -c1 -W1 -q 10.10.0.254 >/dev/null 2>&1; }
port_in() { ip -n "$SW" -o link show "$1" | grep -q "master $2"; }
audited() { ctl --json events --host "$1" 2>/dev/null | jq -s -e --arg a "$2" '[.[].event? | objects | select(.action == $a)] | length > 0' >/dev/null; }

lsw_noc_create "$NOC" || exit 1
lsw_switch_create "$SW" "$NOC" 5 10,999 || exit 1
lsw_port_add "$SW" 1 10 "$P-h1" 10.10.0.11/24 || exit 1
lsw_port_add "$SW" 2 10 "$P-h2" 10.10.0.12/24 || exit 1
lsw_port_add "$SW" 3 10 "$P-h3" 10.10.0.13/24 || exit 1
lsw_port_add "$SW" 4 999 "$P-rem" 10.10.0.99/24 || exit 1
ip -n "$SW" addr add 10.10.0.254/24 dev br10 || exit 1
lsw_switch_start "$SW" standard || exit 1
ADDR=$(lsw_switch_addr "$SW")
RMAC=$(ip -n "$SW" -o link show br10 | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')
M1=$(lsw_host_mac "$P-h1") M2=$(lsw_host_mac "$P-h2") M3=$(lsw_host_mac "$P-h3")
# the hosts talk to their gateway: its neighbour table and the bridge learn them
for h in h1 h2 h3; do gateway "$P-$h"; done

cat > "$TMP/c.conf" <<CONF
daemon = { state = "$TMP/state.db"; control = "$TMP/ctl.sock"; control_ro = "$TMP/ro.sock"; http = ""; };
sensors = { listen = [ "unix:$TMP/sensor.sock" ]; };
enforcement = ( { name = "access-1"; kind = "snmp-qbridge"; prefixes = [ "10.10.0.0/24" ];
                  address = "$ADDR"; community = "$LSW_RW_COMMUNITY"; quarantine_vlan = 999;
                  timeout_ms = 500; retries = 1; } );
networks = ( { name = "lab10"; prefixes = [ "10.10.0.0/24" ];
               router = { address = "$ADDR"; community = "$LSW_RO_COMMUNITY"; timeout_ms = 500; retries = 1; };
               segment_sensors = [ "edge-10" ]; } );
CONF
check "cordond -n accepts the networks section" "$B/cordond" -n -f "$TMP/c.conf"
ip netns exec "$NOC" "$B/cordond" -d -f "$TMP/c.conf" >>"$TMP/daemon.log" 2>&1 &
DPID=$!
wait_socket "$TMP/ctl.sock"

# 1. a detection from behind the router, with the router's MAC
detect 10.10.0.11 "$RMAC" core-1
check "a routed sensor's detection isolates the host" wait_until 100 is 10.10.0.11 state quarantined
check "... on the host's own port (swp1)" is 10.10.0.11 location.port swp1
check "... with the MAC the router names for it" is 10.10.0.11 mac "$M1"
check "... recorded as the router's answer" is 10.10.0.11 mac_source router
check "the host's port is in the quarantine VLAN" port_in swp1 br999
check "the other hosts' ports are untouched (swp2, swp3 in VLAN 10)" port_in swp2 br10
check "... swp3" port_in swp3 br10
detect 10.10.0.11 "$RMAC" core-1
check "a later routed detection is recorded" wait_until 50 is 10.10.0.11 detections 2
check "... and the router's MAC does not replace the host's" is 10.10.0.11 mac "$M1"
check "a routed asset report is recorded" seen 10.10.0.11 "$RMAC" core-1
check "... and does not replace the host's MAC either" is 10.10.0.11 mac "$M1"

# 2. the segment's MAC stays the host's
seen 10.10.0.12 "$M2" edge-10
check "a segment sensor's report gives h2 its MAC" is 10.10.0.12 mac "$M2"
check "... from its segment" is 10.10.0.12 mac_source segment
seen 10.10.0.12 "$RMAC" core-1
detect 10.10.0.12 "$RMAC" core-1
check "h2 is isolated on its own port after a routed detection" wait_until 100 is 10.10.0.12 state quarantined
check "... swp2" is 10.10.0.12 location.port swp2
check "the router's MAC did not replace h2's segment MAC" is 10.10.0.12 mac "$M2"
check "... still from its segment" is 10.10.0.12 mac_source segment

# 3. cordonctl quarantine without --mac
out=$(ctl quarantine 10.10.0.13 --reason "manual, no mac" 2>&1); rc=$?
echo "  $out"
check "cordonctl quarantine IP (no --mac) succeeds" test "$rc" -eq 0
check "... on h3's port (swp3)" is 10.10.0.13 location.port swp3
check "... with h3's MAC from the router" is 10.10.0.13 mac "$M3"
check "swp3 is in the quarantine VLAN" port_in swp3 br999

# 4. an address the router does not know
out=$(ctl quarantine 10.10.0.77 --reason "unknown" 2>&1); rc=$?
echo "  $out"
check "an address the router does not know is refused" test "$rc" -ne 0
check "... naming the address and the router" bash -c "grep -q '10.10.0.77' <<<\"\$0\" && grep -q 'lab10 ($ADDR)' <<<\"\$0\" && grep -q 'no neighbour entry' <<<\"\$0\"" "$out"
check "... and nothing is recorded for it" absent 10.10.0.77
detect 10.10.0.78 "$RMAC" core-1
check "a routed detection of an address the router does not know is held (no-mac)" \
  wait_until 50 is 10.10.0.78 hold no-mac
check "... the reason names the router" bash -c "grep -q 'router lab10 ($ADDR) has no neighbour entry for 10.10.0.78' <<<\"\$0\"" "$(field 10.10.0.78 reason)"
check "... without the router's MAC" is 10.10.0.78 mac null
check "... and the refusal is audited" audited 10.10.0.78 isolate

# 5. DHCP moves
# h1 (quarantined) shows up at 10.10.0.21 on its segment
seen 10.10.0.21 "$M1" edge-10
check "a quarantined MAC seen at a new address: the record follows" is 10.10.0.21 mac "$M1"
check "... still quarantined" is 10.10.0.21 state quarantined
check "... at its port" is 10.10.0.21 location.port swp1
check "... the old address is gone from the record" absent 10.10.0.11
check "... audited as a move" audited 10.10.0.21 move
check "... and the port stays in the quarantine VLAN" port_in swp1 br999
# h3 (released first) takes a new lease; the router's answer tells
ctl release 10.10.0.13 --patched >/dev/null
check "h3 released" wait_until 50 is 10.10.0.13 state probation
ip -n "$P-h3" addr flush dev eth0
ip -n "$P-h3" addr add 10.10.0.33/24 dev eth0
check "h3 reaches its gateway from its new address" wait_until 20 gateway "$P-h3"
out=$(ctl quarantine 10.10.0.33 --reason "new lease" 2>&1); rc=$?
echo "  $out"
check "quarantine of the new address through the router" test "$rc" -eq 0
check "... the record followed the MAC (router's table)" is 10.10.0.33 mac "$M3"
check "... the old address is gone from the record" absent 10.10.0.13
check "... audited as a move" audited 10.10.0.33 move
check "... isolated on swp3" is 10.10.0.33 location.port swp3
check "the router's community is not in the log" bash -c "! grep -qF -- '$LSW_RO_COMMUNITY' '$TMP/daemon.log'"

kill "$DPID"; wait "$DPID" 2>/dev/null; rc=$?; DPID=""
check "cordond stops cleanly (exit 0, no sanitizer report)" \
  bash -c "[[ $rc -eq 0 ]] && ! grep -q Sanitizer '$TMP/daemon.log'"
[[ $fail -eq 0 ]] || { echo "--- daemon log"; cat "$TMP/daemon.log"; }
results
