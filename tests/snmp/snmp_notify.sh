#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# snmp_notify.sh AGENT LABSWITCH_LIB SNMPRX_TOOL
# Cordon's notification receiver against the lab switch: a host that appears
# on a port is announced by a cmnMacChangedNotification (v2c Trap to one
# receiver, v3 authPriv Inform to another) and decoded with its VLAN, bridge
# port and MAC; moving the port to another VLAN announces the MAC forgotten;
# a Trap with a wrong community and an Inform below authPriv are refused and
# counted. Namespaces only; everything removed afterwards.
set -uo pipefail
AGENT=$1
LIB=$2
RX=$3
PREFIX=cordon-ntf-$$
# shellcheck source=../../lab/switch/labswitch.sh
source "$LIB"
pass=0 fail=0
RX_PIDS=() CAT_PIDS=()

cleanup() {
  local p
  for p in "${RX_PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  lsw_cleanup
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ok() { echo "ok   - $1"; pass=$((pass + 1)); }
bad() { echo "FAIL - $1"; fail=$((fail + 1)); }
check() { local desc=$1; shift; if "$@" >/dev/null 2>&1; then ok "$desc"; else bad "$desc"; fi; }

NOC=$PREFIX-noc SW=$PREFIX-sw H1=$PREFIX-h1 H2=$PREFIX-h2 H3=$PREFIX-h3
PVID=1.3.6.1.2.1.17.7.1.4.5.1.1

lsw_init "$AGENT" || exit 1
lsw_noc_create "$NOC" || exit 1
lsw_switch_create "$SW" "$NOC" 1 10,999 || exit 1
lsw_port_add "$SW" 1 10 "$H1" 10.78.0.1/24 || exit 1
lsw_port_add "$SW" 2 10 "$H2" 10.78.0.2/24 || exit 1
lsw_switch_notify "$SW" 10.200.1.2:1162 v2c || exit 1
lsw_switch_notify "$SW" 10.200.1.2:1163 v3 || exit 1

# start_rx NAME ARGS...: a receiver in the NOC namespace, its output in
# $LSW_STATE/NAME.out; returns once it printed "listening" (it is bound).
start_rx() {
  local name=$1 line; shift
  mkdir -p "$LSW_STATE/$name"
  mkfifo "$LSW_STATE/$name.fifo"
  ip netns exec "$NOC" "$RX" -s "$LSW_STATE/$name" -t 20 "$@" >"$LSW_STATE/$name.fifo" 2>&1 &
  RX_PIDS+=($!)
  exec {fd}<"$LSW_STATE/$name.fifo"
  read -r -t 10 -u "$fd" line || { echo "$name: no 'listening' line" >&2; return 1; }
  [[ "$line" == listening* ]] || { echo "$name: $line" >&2; return 1; }
  # The rest of its output goes to a file, read after it exits.
  cat <&"$fd" >"$LSW_STATE/$name.out" &
  CAT_PIDS+=($!)
  exec {fd}<&-
}

# Each receiver stops after 2 events: h3 learnt, then h3 forgotten.
start_rx v2c -l 10.200.1.2:1162 -c "$LSW_RW_COMMUNITY" -n 2 || exit 1
RX_V2C=${RX_PIDS[-1]}
start_rx v3 -l 10.200.1.2:1163 -u "$LSW_V3_USER" -A "$LSW_V3_AUTH" -X "$LSW_V3_PRIV" -n 2 || exit 1
RX_V3=${RX_PIDS[-1]}
lsw_switch_start "$SW" standard || exit 1

# The receivers are bound: a Trap with a wrong community, and a v3 Trap at
# authNoPriv, are refused (snmptrap: net-snmp's command-line sender).
CMN_MSG=1.3.6.1.4.1.9.9.215.1.1.8.1.2.1
ip netns exec "$NOC" snmptrap -v2c -c not-the-community 10.200.1.2:1162 '' \
  1.3.6.1.4.1.9.9.215.2.0.1 "$CMN_MSG" x 01000A0200000000010003 >/dev/null 2>&1
# An SNMPv1 Trap with the right community whose enterprise OID (39
# sub-identifiers of 4294967295) does not fit the receiver's buffer as text:
# counted as malformed, nothing written past it (the ASan build runs this too).
LONG_OID=1.3$(printf '.4294967295%.0s' {1..37})
ip netns exec "$NOC" snmptrap -v1 -c "$LSW_RW_COMMUNITY" 10.200.1.2:1162 "$LONG_OID" '' 6 1 '' >/dev/null 2>&1
# An Inform at authNoPriv passes net-snmp's USM checks (right user, right
# key) but not Cordon's: it is refused, not acknowledged (snmpinform times out).
ip netns exec "$NOC" snmpinform -v3 -l authNoPriv -u "$LSW_V3_USER" -a SHA -A "$LSW_V3_AUTH" \
  -t 1 -r 0 10.200.1.2:1163 '' 1.3.6.1.6.3.1.1.5.3 1.3.6.1.2.1.2.2.1.1.5 i 5 >/dev/null 2>&1

# A new host on port 3 (VLAN 10): its first frame teaches the bridge its MAC.
lsw_port_add "$SW" 3 10 "$H3" 10.78.0.3/24 || exit 1
M3=$(lsw_host_mac "$H3")
ip netns exec "$H3" ping -c1 -W1 -q 10.78.0.1 >/dev/null
# Port 3 moved to VLAN 999: the bridge forgets the MAC in VLAN 10.
check "SET dot1qPvid.3 = 999" lsw_snmp snmpset "$NOC" "$SW" "$PVID.3" u 999

wait "$RX_V2C"; rc_v2c=$?
wait "$RX_V3"; rc_v3=$?
RX_PIDS=()
wait "${CAT_PIDS[@]}"   # their output read to the end
V2C_OUT=$(cat "$LSW_STATE/v2c.out")
V3_OUT=$(cat "$LSW_STATE/v3.out")
echo "--- v2c receiver:"; echo "$V2C_OUT"
echo "--- v3 receiver:"; echo "$V3_OUT"

check "v2c receiver got both events before its deadline" test "$rc_v2c" = 0
check "v2c Trap: h3's MAC learnt in VLAN 10 on bridge port 3" \
  grep -qx "10.200.1.1 mac-learnt 10 3 $M3" <<<"$V2C_OUT"
check "v2c Trap: h3's MAC forgotten in VLAN 10 after its port moved" \
  grep -qx "10.200.1.1 mac-removed 10 3 $M3" <<<"$V2C_OUT"
check "the Trap with a wrong community was refused and counted" \
  grep -q "refused_auth=1 " <<<"$V2C_OUT"
check "the v1 Trap with a 39-part enterprise OID was counted as malformed" \
  grep -q "malformed=1 " <<<"$V2C_OUT"
check "... and said why" grep -q "^last_error SNMPv1 Trap from .*: its enterprise OID of 39 sub-identifiers is longer" <<<"$V2C_OUT"
check "v3 receiver got both events before its deadline" test "$rc_v3" = 0
check "v3 Inform: h3's MAC learnt in VLAN 10 on bridge port 3" \
  grep -qx "10.200.1.1 mac-learnt 10 3 $M3" <<<"$V3_OUT"
check "v3 Informs were acknowledged" grep -Eq "informs_acked=[1-9]" <<<"$V3_OUT"
check "the v3 Inform at authNoPriv was refused and counted" grep -q "refused_auth=1 " <<<"$V3_OUT"
check "... and its link-down never reached Cordon" bash -c "! grep -q link-down <<<'$V3_OUT'"
check "no secret in any receiver output" \
  bash -c "! grep -qF -e '$LSW_RW_COMMUNITY' -e '$LSW_V3_AUTH' -e '$LSW_V3_PRIV' <<<'$V2C_OUT$V3_OUT'"

echo "$pass passed, $fail failed"
[[ $fail -eq 0 ]]
