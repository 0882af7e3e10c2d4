#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# cordond_snmp.sh BUILD_DIR SOURCE_DIR
# cordond against a real SNMP-managed lab switch (private snmpd + Cordon's
# AgentX subagent over bridge-per-VLAN namespaces): a detection with the
# host's MAC moves its port to the quarantine VLAN (production unreachable,
# remediation reachable), cordonctl shows port and VLANs, release restores
# the VLAN; the same with SNMPv3 authPriv and the Cisco personality; the
# community and v3 keys never reach the logs or the control socket. The
# host's port is also in VLAN 20 (tagged; Cisco: its voice VLAN): cordonctl
# shows it recorded, it is taken away while isolated, and put back by a
# release after a cordond restart (the location read from the state database).
set -uo pipefail
# shellcheck source=../lib.sh
source "$(dirname "$0")/../lib.sh"
B=$1
SRC=$2
TMP=$(mktemp -d /tmp/cordon-ctl-snmp.XXXXXX)
P=cordon-cs$$
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

# switch with VLAN 10 (production), 20 (voice: swp1's tagged VLAN) and 999 (quarantine);
# two hosts and a remediation server
build_switch() {  # build_switch PERSONALITY
  lsw_noc_create "$NOC" || return 1
  lsw_switch_create "$SW" "$NOC" 7 10,20,999 || return 1
  if [[ $1 == standard ]]; then lsw_port_tag "$SW" 1 20; else lsw_port_voice "$SW" 1 20; fi
  lsw_port_add "$SW" 1 10 "$P-h1" 10.10.0.11/24 || return 1
  lsw_port_add "$SW" 2 10 "$P-h2" 10.10.0.12/24 || return 1
  lsw_port_add "$SW" 3 999 "$P-rem" 10.10.0.99/24 || return 1
  lsw_switch_start "$SW" "$1" || return 1
}
destroy_all() { for ns in "$P-h1" "$P-h2" "$P-rem" "$SW" "$NOC"; do lsw_ns_destroy "$ns"; done; rm -rf "${LSW_STATE:?}/$SW"; }

reach() { ip netns exec "$P-h1" ping -c1 -W1 "$1" >/dev/null 2>&1; }
# after a port move the first ping may go to ARP: a few tries, bounded
reach_soon() { local i; for i in 1 2 3 4 5; do reach "$1" && return 0; done; return 1; }
ctl() { "$B/cordonctl" -s "$TMP/ctl.sock" -r "$TMP/ro.sock" "$@"; }
# swp1's membership of VLAN 20: "tagged" or "none" (standard: dot1qVlanStaticEgressPorts.20's first
# bit; cisco: vmVoiceVlanId of swp1's ifIndex, 20 or 4096)
voice_state() {
  local v
  if [[ $1 == standard ]]; then
    v=$(ip netns exec "$NOC" snmpget -v2c -c "$LSW_RW_COMMUNITY" -t 2 -r 2 -Ox -Oqv \
        "$(lsw_switch_addr "$SW")" 1.3.6.1.2.1.17.7.1.4.3.1.2.20 | tr -d ' "\n')
    (( (0x${v:0:2} & 0x80) != 0 )) && echo tagged || echo none
  else
    local ifx
    ifx=$(lsw_snmp snmpget "$NOC" "$SW" 1.3.6.1.2.1.17.1.4.1.2.1 | awk '{print $2}')
    v=$(lsw_snmp snmpget "$NOC" "$SW" "1.3.6.1.4.1.9.9.68.1.5.1.1.1.$ifx" | awk '{print $2}')
    case $v in 20) echo tagged ;; 4096) echo none ;; *) echo "unexpected $v" ;; esac
  fi
}
show_has() { ctl show "$1" | grep -q -- "$2"; }
start_daemon() {
  ip netns exec "$NOC" "$B/cordond" -d -f "$TMP/c.conf" >>"$TMP/daemon.log" 2>&1 &
  DPID=$!
  wait_socket "$TMP/ctl.sock"
}
state() { ctl --json show "$1" 2>/dev/null | jq -r '.host.state'; }
wait_state() { for _ in $(seq "${3:-80}"); do [[ "$(state "$1")" == "$2" ]] && return 0; sleep 0.1; done
  echo "  $1 is '$(state "$1")', expected '$2'"; return 1; }

run_case() {  # run_case LABEL KIND PERSONALITY CREDENTIALS
  local label=$1 kind=$2 pers=$3 creds=$4 mac addr
  rm -f "$TMP"/state.db* "$TMP/daemon.log"
  build_switch "$pers" || { bad "$label: lab switch"; destroy_all; return; }
  addr=$(lsw_switch_addr "$SW")
  cat > "$TMP/c.conf" <<EOF
daemon = { state = "$TMP/state.db"; control = "$TMP/ctl.sock"; control_ro = "$TMP/ro.sock"; http = "127.0.0.1:8477"; };
sensors = { listen = [ "unix:$TMP/sensor.sock" ]; };
policy = { probation = 60; };
enforcement = ( { name = "access-1"; kind = "$kind"; prefixes = [ "10.10.0.0/24" ];
                  address = "$addr"; $creds quarantine_vlan = 999; timeout_ms = 500; retries = 1; } );
EOF
  start_daemon
  check "$label: swp1 is in VLAN 20 before (tagged)" test "$(voice_state "$pers")" = tagged
  # traffic teaches the bridge where h1 is
  reach 10.10.0.12
  check "$label: production reachable before" reach 10.10.0.12
  check "$label: remediation unreachable before (other VLAN)" bash -c "! ip netns exec $P-h1 ping -c1 -W1 10.10.0.99 >/dev/null 2>&1"
  mac=$(lsw_host_mac "$P-h1")
  printf '{"src":"10.10.0.11","mac":"%s","engine":"fanout","proto":"tcp","dport":445,"evidence":{"probes":12,"failures":12,"distinct_dsts":12}}\n' "$mac" |
    socat -u - UNIX-CONNECT:"$TMP/sensor.sock"
  check "$label: a detection isolates the host" wait_state 10.10.0.11 quarantined
  ctl --json show 10.10.0.11 | jq -e '.host.location | .port == "swp1" and .orig_vlan == 10 and .quarantine_vlan == 999' >/dev/null
  check "$label: cordonctl shows port swp1, VLAN 10 -> 999" test $? -eq 0
  check "$label: ... and the tagged VLAN 20 recorded" show_has 10.10.0.11 '^vlan  *10 (tagged 20) -> 999$'
  check "$label: ... also in the JSON" test "$(ctl --json show 10.10.0.11 | jq -r '.host.location.orig_tagged')" = 20
  check "$label: swp1 is out of VLAN 20 while isolated" test "$(voice_state "$pers")" = none
  check "$label: the port is in the quarantine bridge" bash -c "ip -n $SW -o link show swp1 | grep -q 'master br999'"
  check "$label: production unreachable once isolated" bash -c "! ip netns exec $P-h1 ping -c1 -W1 10.10.0.12 >/dev/null 2>&1"
  check "$label: remediation reachable once isolated" reach_soon 10.10.0.99
  # the release after a restart: the location, tagged VLAN included, comes from the state database
  kill "$DPID"; wait "$DPID" 2>/dev/null; DPID=""
  rm -f "$TMP/ctl.sock" "$TMP/ro.sock"
  start_daemon
  ctl release 10.10.0.11 --patched >/dev/null
  check "$label: release --patched (after a cordond restart)" test "$(state 10.10.0.11)" = probation
  check "$label: the port is back in VLAN 10" bash -c "ip -n $SW -o link show swp1 | grep -q 'master br10'"
  check "$label: ... and tagged in VLAN 20 again" test "$(voice_state "$pers")" = tagged
  check "$label: production reachable after release" reach_soon 10.10.0.12
  out=$(ctl quarantine 10.10.0.11 --reason "manual" --mac "$mac" 2>&1); rc=$?
  check "$label: manual quarantine with --mac says where" test $rc -eq 0 -a -n "$(grep -E 'swp1' <<<"$out")"
  # secrets: the community and the v3 passphrases appear nowhere the operator looks
  leak=0
  for s in "$LSW_RW_COMMUNITY" "$LSW_V3_AUTH" "$LSW_V3_PRIV"; do
    grep -qF -- "$s" "$TMP/daemon.log" && leak=1
    ctl --json switches | grep -qF -- "$s" && leak=1
    ctl --json status | grep -qF -- "$s" && leak=1
    ctl --json show 10.10.0.11 | grep -qF -- "$s" && leak=1
    for path in /metrics /api/v1/hosts /api/v1/events /api/v1/hosts/10.10.0.11; do
      ip netns exec "$NOC" curl -s "http://127.0.0.1:8477$path" | grep -qF -- "$s" && leak=1
    done
  done
  # (whole, then searched: grep -q ending the pipe early would fail curl under pipefail)
  ip netns exec "$NOC" curl -s http://127.0.0.1:8477/metrics >"$TMP/metrics.txt"
  check "$label: the HTTP API answered (and was scanned)" grep -q 'cordon_isolations_ok_total' "$TMP/metrics.txt"
  check "$label: no secret in the log, on the control socket or in the HTTP API" test $leak -eq 0
  kill "$DPID"; wait "$DPID" 2>/dev/null; DPID=""
  destroy_all
}

run_case "v2c/qbridge" snmp-qbridge standard "community = \"$LSW_RW_COMMUNITY\";"
run_case "v3/qbridge" snmp-qbridge standard "version = \"3\"; v3_user = \"$LSW_V3_USER\"; v3_auth_pass = \"$LSW_V3_AUTH\"; v3_priv_pass = \"$LSW_V3_PRIV\";"
run_case "v2c/cisco" snmp-cisco cisco "community = \"$LSW_RW_COMMUNITY\";"

results
