#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# snmp_tagged.sh AGENT LABSWITCH_LIB SNMPSW_TOOL
# Exact restoration of a port's VLAN configuration against the lab switch.
# Driver qbridge: swp1 is an untagged member of VLAN 10 (PVID 10) and a tagged
# member of VLAN 20 (a voice VLAN). Locate records both; isolation leaves the
# port in the quarantine VLAN only (no other VLAN's egress ports hold it);
# release puts back the PVID, the untagged and the tagged membership exactly as
# read before, every bitmap byte compared. A location naming a tagged VLAN the
# switch no longer has is refused with nothing changed. Driver cisco: swp1's
# voice VLAN (vmVoiceVlanId 20) is recorded, none (4096) while isolated, and
# back on release; swp2's dot1p voice setting (0) is no VLAN and is untouched.
set -uo pipefail
AGENT=$1
LIB=$2
TOOL=$3
PREFIX=cordon-tag-$$
# shellcheck source=../../lab/switch/labswitch.sh
source "$LIB"
pass=0 fail=0

trap lsw_cleanup EXIT
trap 'exit 130' INT TERM

ok() { echo "ok   - $1"; pass=$((pass + 1)); }
bad() { echo "FAIL - $1"; fail=$((fail + 1)); }
check() { local desc=$1; shift; if "$@" >/dev/null 2>&1; then ok "$desc"; else bad "$desc"; fi; }

NOC=$PREFIX-noc SW=$PREFIX-sw H1=$PREFIX-h1 H2=$PREFIX-h2 REM=$PREFIX-rem
CS=$PREFIX-csw C1=$PREFIX-c1 C2=$PREFIX-c2 CREM=$PREFIX-crem
VMVLAN=1.3.6.1.4.1.9.9.68.1.2.2.1.2
VOICE=1.3.6.1.4.1.9.9.68.1.5.1.1.1
PVID=1.3.6.1.2.1.17.7.1.4.5.1.1
EGRESS=1.3.6.1.2.1.17.7.1.4.3.1.2
UNTAGGED=1.3.6.1.2.1.17.7.1.4.3.1.4
VLANS=(10 20 30 999)

lsw_init "$AGENT" || exit 1
W=$LSW_STATE/work
mkdir -p "$W"

lsw_noc_create "$NOC" || exit 1
lsw_switch_create "$SW" "$NOC" 1 10,20,30,999 || exit 1
lsw_port_add "$SW" 1 10 "$H1" 10.77.0.1/24 || exit 1
lsw_port_add "$SW" 2 10 "$H2" 10.77.0.2/24 || exit 1
lsw_port_add "$SW" 3 999 "$REM" 10.77.0.99/24 || exit 1
lsw_port_tag "$SW" 1 20      # swp1: a phone's voice VLAN, tagged
lsw_port_tag "$SW" 2 30      # swp2: another port's tagged VLAN, never touched
lsw_switch_start "$SW" standard || exit 1
ip netns exec "$H1" ping -c1 -W1 -q 10.77.0.2 >/dev/null
lsw_switch_create "$CS" "$NOC" 2 10,20,999 || exit 1
lsw_port_add "$CS" 1 10 "$C1" 10.78.0.1/24 || exit 1
lsw_port_add "$CS" 2 10 "$C2" 10.78.0.2/24 || exit 1
lsw_port_add "$CS" 3 999 "$CREM" 10.78.0.99/24 || exit 1
lsw_port_voice "$CS" 1 20    # swp1: a phone in voice VLAN 20
lsw_port_voice "$CS" 2 0     # swp2: 802.1p priority in the access VLAN, no voice VLAN
lsw_switch_start "$CS" cisco || exit 1
ip netns exec "$C1" ping -c1 -W1 -q 10.78.0.2 >/dev/null

hexval() {   # OID -> its octets in hex (net-snmp would print 0x40 as "@")
  ip netns exec "$NOC" snmpget -v2c -c "$LSW_RW_COMMUNITY" -t 2 -r 2 -Ox -Oqv \
    "$(lsw_switch_addr "$SW")" "$1" | tr -d ' "\n'
}
# The whole Q-BRIDGE state of the three ports: PVIDs, every VLAN's bitmaps.
snapshot() {
  local p v
  for p in 1 2 3; do echo "pvid.$p=$(lsw_snmp snmpget "$NOC" "$SW" "$PVID.$p" | awk '{print $2}')"; done
  for v in "${VLANS[@]}"; do echo "egress.$v=$(hexval "$EGRESS.$v") untagged.$v=$(hexval "$UNTAGGED.$v")"; done
}
tool() {
  local name=$1; shift
  ip netns exec "$NOC" "$TOOL" -S "$W/state-$name" -t 20 -c "$@" >"$W/$name.out" 2>&1
  local rc=$?
  echo "    [$name rc=$rc] $(grep -v '^stats' "$W/$name.out" | grep -v '^probe' | head -2 | tr '\n' ' ')"
  return $rc
}
out_has() { grep -q -- "$2" "$W/$1.out"; }
# in_egress VID PORT: the port's bit (bridge port 1..8: the first octet) in VLAN VID's egress ports.
in_egress() { (( (0x$(hexval "$EGRESS.$1" | cut -c1-2) >> (8 - $2)) & 1 )); }

cat >"$W/sw.conf" <<EOF
name=lab-tag
address=$(lsw_switch_addr "$SW")
community=$LSW_RW_COMMUNITY
quarantine_vlan=999
timeout_ms=200
retries=2
EOF

snapshot >"$W/before"
check "before: swp1 is a tagged member of VLAN 20 (egress 80, untagged 00)" \
  bash -c "grep -q 'egress.20=80 untagged.20=00' '$W/before'"
check "before: swp2 is a tagged member of VLAN 30" bash -c "grep -q 'egress.30=40 untagged.30=00' '$W/before'"

M1=$(lsw_host_mac "$H1")
check "locate h1" tool locate "$W/sw.conf" locate "$M1" "$W/h1.loc"
check "... on swp1 in VLAN 10" out_has locate "found on swp1 in VLAN 10"
check "... the location records the tagged VLAN 20" grep -qx "orig_tagged=20" "$W/h1.loc"
check "... and says so in its detail" grep -q "^detail=swp1 .*VLAN 10 (tagged 20)" "$W/h1.loc"

check "isolate h1" tool isolate "$W/sw.conf" isolate "$W/h1.loc"
check "... moved from VLAN 10 (tagged 20) to 999, read back" \
  out_has isolate "moved from VLAN 10 (tagged 20) to quarantine VLAN 999 (read back)"
check "... detail: swp1 VLAN 10 (tagged 20) -> 999" grep -qx "detail=swp1 VLAN 10 (tagged 20) -> 999" "$W/h1.loc"
check "... the location still records the tagged VLAN 20" grep -qx "orig_tagged=20" "$W/h1.loc"
check "... PVID of swp1 is 999" test "$(lsw_snmp snmpget "$NOC" "$SW" "$PVID.1" | awk '{print $2}')" = 999
if in_egress 999 1; then ok "... swp1 is in VLAN 999's egress ports"; else bad "... swp1 is not in VLAN 999's egress ports"; fi
check "... and untagged there (swp1 and swp3: A0)" test "$(hexval "$UNTAGGED.999")" = A0
for v in 10 20 30; do
  if in_egress "$v" 1; then bad "... swp1 is in VLAN $v's egress ports"; else ok "... swp1 is in no egress ports of VLAN $v"; fi
done
check "... swp2's tagged VLAN 30 is untouched" test "$(hexval "$EGRESS.30")" = 40
check "check: quarantine in place" tool check "$W/sw.conf" check "$W/h1.loc"
check "... swp1 tagged in VLAN 20 again by hand" lsw_snmp snmpset "$NOC" "$SW" "$EGRESS.20" x 80
tool check2 "$W/sw.conf" check "$W/h1.loc"
check "check: the tagged membership back is a mismatch (exit 15)" test $? = 15
check "... naming VLAN 20" out_has check2 "a tagged member of VLAN 20 again"
# A retry of an isolation whose record holds more than is back: the record stays whole.
sed 's/^orig_tagged=.*/orig_tagged=20,30/' "$W/h1.loc" >"$W/h1two.loc"
check "a retry with VLANs 20 and 30 recorded, 20 back" tool isolate1t "$W/sw.conf" isolate "$W/h1two.loc"
check "... keeps both in the record" grep -qx "orig_tagged=20,30" "$W/h1two.loc"
check "... takes swp1 out of VLAN 20 again (00)" test "$(hexval "$EGRESS.20")" = 00
check "... leaves VLAN 30 as it was (swp2 only: 40)" test "$(hexval "$EGRESS.30")" = 40
lsw_snmp snmpset "$NOC" "$SW" "$EGRESS.20" x 80 >/dev/null
check "isolate puts it right" tool isolate1b "$W/sw.conf" isolate "$W/h1.loc"
check "... swp1 in no egress ports of VLAN 20 again" test "$(hexval "$EGRESS.20")" = 00
check "... the location still records the tagged VLAN" grep -qx "orig_tagged=20" "$W/h1.loc"
check "isolate again is idempotent" tool isolate2 "$W/sw.conf" isolate "$W/h1.loc"
check "... and keeps the recorded tagged VLAN" grep -qx "orig_tagged=20" "$W/h1.loc"

# A location whose tagged VLAN the switch lacks: refused, nothing written.
sed 's/^orig_tagged=.*/orig_tagged=20,21/' "$W/h1.loc" >"$W/h1bad.loc"
snapshot >"$W/isolated"
tool badrel "$W/sw.conf" release "$W/h1bad.loc"
check "release naming a VLAN the switch lacks: mismatch (exit 15)" test $? = 15
check "... says which VLAN" out_has badrel "tagged VLAN 21 no longer exists"
snapshot >"$W/isolated2"
check "... nothing changed on the switch" cmp "$W/isolated" "$W/isolated2"

check "release h1" tool release "$W/sw.conf" release "$W/h1.loc"
check "... restored to VLAN 10 (tagged 20), read back" \
  out_has release "restored from VLAN 999 to VLAN 10 (tagged 20) (read back)"
snapshot >"$W/after"
check "... PVIDs, untagged and tagged memberships exactly as before" cmp "$W/before" "$W/after"
diff "$W/before" "$W/after" || true
check "release again: nothing left to do" tool release2 "$W/sw.conf" release "$W/h1.loc"
check "... says already in VLAN 10" out_has release2 "already in VLAN 10"
snapshot >"$W/after2"
check "... still exactly as before" cmp "$W/before" "$W/after2"

# A restored PVID with the tagged membership lost (a lost answer, a partial
# change by hand): release puts back the tagged membership alone.
lsw_snmp snmpset "$NOC" "$SW" "$EGRESS.20" x 00 >/dev/null
check "release with only the tagged membership missing restores it" tool release3 "$W/sw.conf" release "$W/h1.loc"
snapshot >"$W/after3"
check "... exactly as before" cmp "$W/before" "$W/after3"

# --- driver cisco: the voice VLAN ---
cat >"$W/cisco.conf" <<EOF
name=lab-cisco-voice
address=$(lsw_switch_addr "$CS")
community=$LSW_RW_COMMUNITY
driver=cisco
quarantine_vlan=999
timeout_ms=200
retries=2
EOF
# Every port's vmVlan and vmVoiceVlanId, by walking both columns.
csnap() { lsw_snmp snmpwalk "$NOC" "$CS" "$VMVLAN"; lsw_snmp snmpwalk "$NOC" "$CS" "$VOICE"; }
voice_of() { lsw_snmp snmpget "$NOC" "$CS" "$VOICE.$1" | awk '{print $2}'; }
IFX1=$(lsw_snmp snmpget "$NOC" "$CS" 1.3.6.1.2.1.17.1.4.1.2.1 | awk '{print $2}')
csnap >"$W/cbefore"
check "cisco before: swp1's voice VLAN is 20" test "$(voice_of "$IFX1")" = 20
check "cisco before: the walk lists three ports' voice settings" \
  test "$(grep -c "^.$VOICE\\." "$W/cbefore")" = 3
MC1=$(lsw_host_mac "$C1")
check "cisco: locate c1" tool clocate "$W/cisco.conf" locate "$MC1" "$W/c1.loc"
check "cisco: ... records the voice VLAN 20" grep -qx "orig_tagged=20" "$W/c1.loc"
check "cisco: isolate c1" tool cisolate "$W/cisco.conf" isolate "$W/c1.loc"
check "cisco: ... moved from VLAN 10 (tagged 20) to 999, read back" \
  out_has cisolate "moved from VLAN 10 (tagged 20) to quarantine VLAN 999 (read back)"
check "cisco: ... vmVlan 999" test "$(lsw_snmp snmpget "$NOC" "$CS" "$VMVLAN.$IFX1" | awk '{print $2}')" = 999
check "cisco: ... vmVoiceVlanId none (4096)" test "$(voice_of "$IFX1")" = 4096
check "cisco: check: quarantine in place" tool ccheck "$W/cisco.conf" check "$W/c1.loc"
check "cisco: ... voice VLAN 20 set again by hand" lsw_snmp snmpset "$NOC" "$CS" "$VOICE.$IFX1" i 20
tool ccheck2 "$W/cisco.conf" check "$W/c1.loc"
check "cisco: check: a voice VLAN back is a mismatch (exit 15)" test $? = 15
check "cisco: ... says so" out_has ccheck2 "vmVoiceVlanId is 20, not none (4096)"
check "cisco: isolate puts it right" tool cisolate2 "$W/cisco.conf" isolate "$W/c1.loc"
check "cisco: ... vmVoiceVlanId none again" test "$(voice_of "$IFX1")" = 4096
check "cisco: ... the record still holds the voice VLAN" grep -qx "orig_tagged=20" "$W/c1.loc"
check "cisco: release c1" tool crelease "$W/cisco.conf" release "$W/c1.loc"
check "cisco: ... restored to VLAN 10 (tagged 20), read back" \
  out_has crelease "restored from VLAN 999 to VLAN 10 (tagged 20) (read back)"
csnap >"$W/cafter"
check "cisco: ... every port's vmVlan and voice VLAN exactly as before" cmp "$W/cbefore" "$W/cafter"
diff "$W/cbefore" "$W/cafter" || true

# The lab agent's vmVoiceVlanId itself: the MIB's range, VLANs it has, kept across a restart.
out=$(lsw_snmp snmpset "$NOC" "$CS" "$VOICE.$IFX1" i 555 2>&1)
check "lab: a voice VLAN the switch lacks is refused (inconsistentValue)" grep -q inconsistentValue <<<"$out"
out=$(lsw_snmp snmpset "$NOC" "$CS" "$VOICE.$IFX1" i 4097 2>&1)
check "lab: a value past 4096 is refused (wrongValue)" grep -q wrongValue <<<"$out"
check "lab: 4095 (untagged) is accepted" lsw_snmp snmpset "$NOC" "$CS" "$VOICE.$IFX1" i 4095
lsw_agent_stop "$CS"
lsw_agent_start "$CS" >/dev/null 2>&1
check "lab: after an agent restart the voice setting is still 4095" test "$(voice_of "$IFX1")" = 4095

lsw_cleanup
check "teardown removed every namespace" test "$(ls /run/netns 2>/dev/null | grep -c "^$PREFIX-")" = 0
echo "snmp_tagged: $pass passed, $fail failed"
[[ $fail -eq 0 ]]
