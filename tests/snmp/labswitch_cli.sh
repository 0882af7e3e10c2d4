#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# labswitch_cli.sh AGENT LABSWITCH_LIB
# The lab switch on its own, driven with net-snmp's command-line tools from a
# NOC namespace: the subagent serves the forwarding tables the bridges really
# have, a SET of dot1qPvid / the membership bitmaps / vmVlan really moves the
# port (pings prove it), a VLAN the switch does not have is refused, a
# read-only community cannot write, ifAdminStatus takes the port down, SNMPv3
# authPriv works, ports in the quarantine VLAN reach the remediation server but
# not each other, and everything is removed afterwards.
set -uo pipefail
AGENT=$1
LIB=$2
PREFIX=cordon-snmp-$$
# shellcheck source=../../lab/switch/labswitch.sh
source "$LIB"
pass=0 fail=0

cleanup() { lsw_cleanup; }
trap cleanup EXIT
trap 'exit 130' INT TERM

ok() { echo "ok   - $1"; pass=$((pass + 1)); }
bad() { echo "FAIL - $1"; fail=$((fail + 1)); }
check() { local desc=$1; shift; if "$@" >/dev/null 2>&1; then ok "$desc"; else bad "$desc"; fi; }
check_not() { local desc=$1; shift; if "$@" >/dev/null 2>&1; then bad "$desc"; else ok "$desc"; fi; }

NOC=$PREFIX-noc SW=$PREFIX-sw CS=$PREFIX-csw
H1=$PREFIX-h1 H2=$PREFIX-h2 REM=$PREFIX-rem C1=$PREFIX-c1 C2=$PREFIX-c2

PVID=1.3.6.1.2.1.17.7.1.4.5.1.1
EGRESS=1.3.6.1.2.1.17.7.1.4.3.1.2
UNTAGGED=1.3.6.1.2.1.17.7.1.4.3.1.4
QFDB=1.3.6.1.2.1.17.7.1.2.2.1.2
DFDB=1.3.6.1.2.1.17.4.3.1.2
BASEPORT_IFINDEX=1.3.6.1.2.1.17.1.4.1.2
IFADMIN=1.3.6.1.2.1.2.2.1.7
VMVLAN=1.3.6.1.4.1.9.9.68.1.2.2.1.2
VTPSTATE=1.3.6.1.4.1.9.9.46.1.3.1.1.2.1

reach() { ip netns exec "$1" ping -c1 -W1 -q "$2"; }
# What must answer gets a few tries (bounded): a busy machine may lose the
# first echo to a neighbour lookup or a port that just came up. What must
# not answer is asked once: a lost echo cannot make it pass wrongly.
reach_soon() { local i; for i in 1 2 3 4 5; do reach "$1" "$2" && return 0; done; return 1; }
# mac_oid MAC: "aa:bb:.." -> "170.187...."
mac_oid() { local IFS=:; local out=() b; for b in $1; do out+=($((16#$b))); done; (IFS=.; echo "${out[*]}"); }
val() { lsw_snmp snmpget "$NOC" "$1" "$2" | awk '{ $1=""; sub(/^ /, ""); print }'; }

lsw_init "$AGENT" || exit 1
lsw_noc_create "$NOC" || exit 1
lsw_switch_create "$SW" "$NOC" 1 10,20,999 || exit 1
lsw_port_add "$SW" 1 10 "$H1" 10.77.0.1/24 || exit 1
lsw_port_add "$SW" 2 10 "$H2" 10.77.0.2/24 || exit 1
lsw_port_add "$SW" 3 999 "$REM" 10.77.0.99/24 || exit 1
lsw_switch_quarantine "$SW" 999 3
lsw_port_tag "$SW" 2 20
lsw_switch_start "$SW" standard || exit 1

# --- standard personality: forwarding tables ---
check "h1 reaches h2 in VLAN 10" reach_soon "$H1" 10.77.0.2
check_not "h1 does not reach the remediation server in VLAN 999" reach "$H1" 10.77.0.99
reach "$REM" 10.77.0.99 >/dev/null   # the server's MAC is learned too
M1=$(lsw_host_mac "$H1")
check "dot1qTpFdbPort: h1's MAC on port 1 in FDB 10" \
  test "$(val "$SW" "$QFDB.10.$(mac_oid "$M1")")" = 1
check "dot1dTpFdbPort: h1's MAC on port 1" test "$(val "$SW" "$DFDB.$(mac_oid "$M1")")" = 1
IFX1=$(val "$SW" "$BASEPORT_IFINDEX.1")
check "dot1dBasePortIfIndex.1 is swp1's ifIndex ($IFX1)" \
  test "$IFX1" = "$(ip -n "$SW" -o link show swp1 | cut -d: -f1)"
check "ifName of that ifIndex is swp1" test "$(val "$SW" "1.3.6.1.2.1.31.1.1.1.1.$IFX1")" = '"swp1"'
check "walk of dot1qTpFdbPort lists the three hosts" \
  test "$(lsw_snmp snmpwalk "$NOC" "$SW" "$QFDB" | grep -c .)" -ge 3

# --- moves ---
check "SET dot1qPvid.1 = 999" lsw_snmp snmpset "$NOC" "$SW" "$PVID.1" u 999
check "after the move swp1 is in br999" bash -c "ip -n $SW link show swp1 | grep -q 'master br999'"
check "h1 reaches the remediation server" reach_soon "$H1" 10.77.0.99
check_not "h1 no longer reaches h2" reach "$H1" 10.77.0.2
isolated() { ip -n "$SW" -d link show "$1" | grep -q 'isolated on'; }
check "swp1 in the quarantine VLAN is an isolated bridge port" isolated swp1
check_not "the remediation server's port is not isolated" isolated swp3
check "SET dot1qPvid.2 = 999 (a second quarantined host)" lsw_snmp snmpset "$NOC" "$SW" "$PVID.2" u 999
check "h2 reaches the remediation server" reach_soon "$H2" 10.77.0.99
check_not "quarantined h2 does not reach quarantined h1" reach "$H2" 10.77.0.1
check_not "quarantined h1 does not reach quarantined h2" reach "$H1" 10.77.0.2
check "SET dot1qPvid.2 = 10 releases h2" lsw_snmp snmpset "$NOC" "$SW" "$PVID.2" u 10
check_not "swp2 back in VLAN 10 is not isolated" isolated swp2
check "egress ports of VLAN 999 are ports 1 and 3 (A0)" \
  bash -c "[[ '$(lsw_snmp snmpget "$NOC" "$SW" "$EGRESS.999")' == *'A0'* ]]"
check "untagged ports of VLAN 10 are port 2 only (40)" \
  bash -c "[[ '$(lsw_snmp snmpget "$NOC" "$SW" "$UNTAGGED.10")' == *'\"@\"'* || '$(lsw_snmp snmpget "$NOC" "$SW" "$UNTAGGED.10")' == *'40'* ]]"
out=$(lsw_snmp snmpset "$NOC" "$SW" "$PVID.1" u 77 2>&1)
check "SET of a VLAN the switch does not have fails (inconsistentValue)" grep -q inconsistentValue <<<"$out"
check "... and changes nothing" test "$(val "$SW" "$PVID.1")" = 999
out=$(lsw_snmp snmpset "$NOC" "$SW" "$EGRESS.999" x 20 2>&1)
check "removing a port from its VLAN without a new one is refused" grep -q inconsistentValue <<<"$out"
check "one SET with PVID and both VLANs' bitmaps moves swp1 back" \
  lsw_snmp snmpset "$NOC" "$SW" "$EGRESS.10" x C0 "$UNTAGGED.10" x C0 \
  "$EGRESS.999" x 20 "$UNTAGGED.999" x 20 "$PVID.1" u 10
check "h1 reaches h2 again" reach_soon "$H1" 10.77.0.2
out=$(lsw_snmp snmpset "$NOC" "$SW" "$UNTAGGED.20" x 80 "$PVID.1" u 999 2>&1)
check "a SET naming two untagged VLANs for one port is refused" grep -q inconsistentValue <<<"$out"

# --- tagged memberships (swp2 carries VLAN 20 tagged: -T 2:20) ---
hexval() {   # OID -> its octets in hex, e.g. 40 (net-snmp would print 0x40 as "@")
  ip netns exec "$NOC" snmpget -v2c -c "$LSW_RW_COMMUNITY" -t 2 -r 2 -Ox -Oqv \
    "$(lsw_switch_addr "$SW")" "$1" | tr -d ' "\n'
}
check "swp2 is a tagged member of VLAN 20: egress 40" test "$(hexval "$EGRESS.20")" = 40
check "... not an untagged one: untagged 00" test "$(hexval "$UNTAGGED.20")" = 00
check "... and still untagged in VLAN 10 (egress C0)" test "$(hexval "$EGRESS.10")" = C0
check "SET EgressPorts.20 = 00 removes the tagged membership" \
  lsw_snmp snmpset "$NOC" "$SW" "$EGRESS.20" x 00
check "... egress of VLAN 20 is empty" test "$(hexval "$EGRESS.20")" = 00
check "... and swp2 did not move" test "$(val "$SW" "$PVID.2")" = 10
check "SET EgressPorts.20 = 40 puts it back" lsw_snmp snmpset "$NOC" "$SW" "$EGRESS.20" x 40
check "... egress of VLAN 20 is swp2 again" test "$(hexval "$EGRESS.20")" = 40
out=$(lsw_snmp snmpset "$NOC" "$SW" "$EGRESS.10" x 40 2>&1)
check "an egress list without a port's untagged VLAN is refused" grep -q inconsistentValue <<<"$out"
lsw_agent_stop "$SW"
lsw_agent_start "$SW" >/dev/null 2>&1
check "after an agent restart swp2 is still tagged in VLAN 20" test "$(hexval "$EGRESS.20")" = 40
out=$(ip netns exec "$NOC" snmpset -v2c -c "$LSW_RO_COMMUNITY" -t 1 -r 0 "$(lsw_switch_addr "$SW")" \
      "$PVID.1" u 999 2>&1)
check "the read-only community cannot write (noAccess)" grep -q noAccess <<<"$out"

# --- IF-MIB from snmpd itself ---
check "SET ifAdminStatus down" lsw_snmp snmpset "$NOC" "$SW" "$IFADMIN.$IFX1" i 2
check "swp1 is administratively down" bash -c "! ip -n $SW link show swp1 | grep -q '<.*,UP'"
check "SET ifAdminStatus up" lsw_snmp snmpset "$NOC" "$SW" "$IFADMIN.$IFX1" i 1
check "h1 reaches h2 after the bounce" reach_soon "$H1" 10.77.0.2

# --- SNMPv3 authPriv (SHA, AES) ---
V3=(-v3 -l authPriv -u "$LSW_V3_USER" -a SHA -A "$LSW_V3_AUTH" -x AES -X "$LSW_V3_PRIV" -t 1 -r 0 -Oqv)
check "SNMPv3 authPriv GET of dot1qPvid.1" \
  test "$(ip netns exec "$NOC" snmpget "${V3[@]}" "$(lsw_switch_addr "$SW")" "$PVID.1")" = 10
check "SNMPv3 authPriv SET of dot1qPvid.2" \
  ip netns exec "$NOC" snmpset "${V3[@]}" "$(lsw_switch_addr "$SW")" "$PVID.2" u 20
check "swp2 is in br20" bash -c "ip -n $SW link show swp2 | grep -q 'master br20'"
out=$(ip netns exec "$NOC" snmpget -v3 -l authPriv -u "$LSW_V3_USER" -a SHA -A wrong-pass-123 \
      -x AES -X "$LSW_V3_PRIV" -t 1 -r 0 "$(lsw_switch_addr "$SW")" "$PVID.1" 2>&1)
check "SNMPv3 with a wrong auth pass fails" grep -qi "authentication\|digest" <<<"$out"

# --- the subagent restarts and snmpd finds it again ---
lsw_agent_stop "$SW"
check "subagent restarted and serving" lsw_agent_start "$SW"

# --- cisco personality ---
lsw_switch_create "$CS" "$NOC" 2 10,999 || exit 1
lsw_port_add "$CS" 1 10 "$C1" 10.78.0.1/24 || exit 1
lsw_port_add "$CS" 2 10 "$C2" 10.78.0.2/24 || exit 1
lsw_switch_start "$CS" cisco || exit 1
check "cisco: c1 reaches c2" reach_soon "$C1" 10.78.0.2
CIFX1=$(val "$CS" "$BASEPORT_IFINDEX.1")
check "cisco: vmVlan.<swp1 ifIndex> is 10" test "$(val "$CS" "$VMVLAN.$CIFX1")" = 10
check "cisco: vtpVlanState.1.999 is operational(1)" test "$(val "$CS" "$VTPSTATE.999")" = 1
check "cisco: no Q-BRIDGE-MIB" grep -q 'No Such' <<<"$(lsw_snmp snmpget "$NOC" "$CS" "$PVID.1")"
check "cisco: dot1dTpFdbPort finds c1 on port 1" \
  test "$(val "$CS" "$DFDB.$(mac_oid "$(lsw_host_mac "$C1")")")" = 1
check "cisco: SET vmVlan = 999" lsw_snmp snmpset "$NOC" "$CS" "$VMVLAN.$CIFX1" i 999
check_not "cisco: c1 no longer reaches c2" reach "$C1" 10.78.0.2
out=$(lsw_snmp snmpset "$NOC" "$CS" "$VMVLAN.$CIFX1" i 20 2>&1)
check "cisco: SET vmVlan to a VLAN it does not have fails" grep -q inconsistentValue <<<"$out"
check "cisco: SET vmVlan = 10" lsw_snmp snmpset "$NOC" "$CS" "$VMVLAN.$CIFX1" i 10
check "cisco: c1 reaches c2 again" reach_soon "$C1" 10.78.0.2

# --- ios personality: BRIDGE-MIB only per VLAN context ---
IS=$PREFIX-isw I1=$PREFIX-i1
lsw_switch_create "$IS" "$NOC" 3 10,999 || exit 1
lsw_port_add "$IS" 1 10 "$I1" 10.79.0.1/24 || exit 1
lsw_port_add "$IS" 2 999 "$PREFIX-i2" 10.79.0.2/24 || exit 1
lsw_switch_start "$IS" ios || exit 1
reach "$I1" 10.79.0.2 >/dev/null   # fails (another VLAN), but i1's MAC gets learned
MI1=$(lsw_host_mac "$I1")
IFXI1=$(ip -n "$IS" -o link show swp1 | cut -d: -f1)
check "ios: no BRIDGE-MIB in the default context" \
  grep -q 'No Such' <<<"$(lsw_snmp snmpget "$NOC" "$IS" "$DFDB.$(mac_oid "$MI1")")"
out=$(ip netns exec "$NOC" snmpget -v2c -c "$LSW_RW_COMMUNITY@10" -t 2 -r 2 -Oqv \
      "$(lsw_switch_addr "$IS")" "$DFDB.$(mac_oid "$MI1")" 2>&1)
check "ios: community@10 finds i1 on port 1" test "$out" = 1
out=$(ip netns exec "$NOC" snmpget -v2c -c "$LSW_RW_COMMUNITY@999" -t 2 -r 2 -Oqv \
      "$(lsw_switch_addr "$IS")" "$DFDB.$(mac_oid "$MI1")" 2>&1)
check "ios: ... and not in VLAN 999's context" grep -q 'No Such' <<<"$out"
out=$(ip netns exec "$NOC" snmpget "${V3[@]}" -n vlan-10 "$(lsw_switch_addr "$IS")" \
      "$BASEPORT_IFINDEX.1" 2>&1)
check "ios: SNMPv3 context vlan-10 serves dot1dBasePortIfIndex.1" test "$out" = "$IFXI1"
check "ios: vmVlan in the default context" test "$(val "$IS" "$VMVLAN.$IFXI1")" = 10

# --- teardown leaves nothing behind ---
pids=()
for s in "$SW" "$CS" "$IS"; do
  pids+=("$(lsw_snmpd_pid "$s")" "$(cat "$LSW_STATE/$s/agent.pid")")
done
lsw_cleanup
alive() { local p; for p in "$@"; do kill -0 "$p" 2>/dev/null && return 0; done; return 1; }
left=$(ls /run/netns 2>/dev/null | grep -c "^$PREFIX-")
check "teardown removed every namespace" test "$left" = 0
check_not "teardown stopped every snmpd and subagent (${pids[*]})" alive "${pids[@]}"

echo "labswitch_cli: $pass passed, $fail failed"
[[ $fail -eq 0 ]]
