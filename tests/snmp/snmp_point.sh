#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# snmp_point.sh AGENT LABSWITCH_LIB SNMPSW_TOOL
# Cordon's SNMP enforcement point against real lab switches (real snmpd, real
# subagent, real namespaces): locate a host by MAC, isolate it (ping to a
# production peer fails, ping to the remediation server works), release it
# (production reachable again), the same with the cisco driver and SNMPv3; a
# trunk and an uplink are refused; a wrong community, a read-only community,
# an unknown VLAN and a stopped agent each give a clear error, after retries,
# with no state lost; no secret ever appears in the output.
set -uo pipefail
AGENT=$1
LIB=$2
TOOL=$3
CHECK=${4:-}   # cordon-switch-check
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

NOC=$PREFIX-noc SW=$PREFIX-sw CS=$PREFIX-csw IS=$PREFIX-isw
H1=$PREFIX-h1 H2=$PREFIX-h2 REM=$PREFIX-rem CORE=$PREFIX-core UP=$PREFIX-up
C1=$PREFIX-c1 C2=$PREFIX-c2 CREM=$PREFIX-crem
I1=$PREFIX-i1 I2=$PREFIX-i2 IREM=$PREFIX-irem ITRUNK=$PREFIX-itrunk
PVID=1.3.6.1.2.1.17.7.1.4.5.1.1

reach() { ip netns exec "$1" ping -c1 -W1 -q "$2"; }

lsw_init "$AGENT" || exit 1
W=$LSW_STATE/work
mkdir -p "$W"
OUT=$W/all-output   # everything the tool printed, searched for secrets at the end
: >"$OUT"

lsw_noc_create "$NOC" || exit 1
lsw_switch_create "$SW" "$NOC" 1 10,20,999 || exit 1
lsw_port_add "$SW" 1 10 "$H1" 10.77.0.1/24 || exit 1
lsw_port_add "$SW" 2 10 "$H2" 10.77.0.2/24 || exit 1
lsw_port_add "$SW" 3 999 "$REM" 10.77.0.99/24 || exit 1
lsw_port_add "$SW" 4 10 "$CORE" 10.77.0.4/24 || exit 1   # a trunk: many MACs behind it
lsw_port_add "$SW" 5 10 "$UP" 10.77.0.5/24 || exit 1     # a configured uplink
lsw_switch_start "$SW" standard || exit 1
lsw_switch_create "$CS" "$NOC" 2 10,999 || exit 1
lsw_port_add "$CS" 1 10 "$C1" 10.78.0.1/24 || exit 1
lsw_port_add "$CS" 2 10 "$C2" 10.78.0.2/24 || exit 1
lsw_port_add "$CS" 3 999 "$CREM" 10.78.0.99/24 || exit 1
# its quarantine VLAN keeps its ports apart (an isolated private VLAN, the
# remediation server's port 3 open): the write probe reads it
lsw_switch_quarantine "$CS" 999 3
lsw_switch_start "$CS" cisco || exit 1
# An IOS-like switch: BRIDGE-MIB only per VLAN ("community@VID", v3 context "vlan-VID").
lsw_switch_create "$IS" "$NOC" 3 10,999 || exit 1
lsw_port_add "$IS" 1 10 "$I1" 10.79.0.1/24 || exit 1
lsw_port_add "$IS" 2 10 "$I2" 10.79.0.2/24 || exit 1
lsw_port_add "$IS" 3 999 "$IREM" 10.79.0.99/24 || exit 1
lsw_port_add "$IS" 4 10 "$ITRUNK" 10.79.0.4/24 || exit 1
lsw_switch_start "$IS" ios || exit 1

# Traffic so that the bridges learn every host; the trunk also carries other hosts' MACs.
for h in "$H2" "$CORE" "$UP"; do reach "$h" 10.77.0.1 >/dev/null; done
reach "$REM" 10.77.0.99 >/dev/null
for m in 02:00:00:00:aa:01 02:00:00:00:aa:02 02:00:00:00:aa:03 02:00:00:00:aa:04 02:00:00:00:aa:05; do
  ip -n "$SW" link set swp4 type bridge_slave learning on 2>/dev/null
  bridge -n "$SW" fdb add "$m" dev swp4 master dynamic || bad "adding a learned MAC to the trunk"
done
reach "$C2" 10.78.0.1 >/dev/null
reach "$CREM" 10.78.0.99 >/dev/null
for h in "$I2" "$ITRUNK"; do reach "$h" 10.79.0.1 >/dev/null; done
reach "$IREM" 10.79.0.99 >/dev/null
for m in 02:00:00:00:bb:01 02:00:00:00:bb:02 02:00:00:00:bb:03 02:00:00:00:bb:04 02:00:00:00:bb:05; do
  bridge -n "$IS" fdb add "$m" dev swp4 master dynamic || bad "adding a learned MAC to the ios trunk"
done

M1=$(lsw_host_mac "$H1") MCORE=$(lsw_host_mac "$CORE") MUP=$(lsw_host_mac "$UP") MC1=$(lsw_host_mac "$C1")
MI1=$(lsw_host_mac "$I1") MITRUNK=$(lsw_host_mac "$ITRUNK") MC2=$(lsw_host_mac "$C2") MH2=$(lsw_host_mac "$H2")

# Config files: the secrets never go on a command line.
cat >"$W/sw.conf" <<EOF
name=lab-std
address=$(lsw_switch_addr "$SW")
community=$LSW_RW_COMMUNITY
quarantine_vlan=999
timeout_ms=200
retries=2
uplinks=swp5
max_macs_per_port=4
EOF
cat >"$W/v3.conf" <<EOF
name=lab-v3
address=$(lsw_switch_addr "$SW")
version=3
v3_user=$LSW_V3_USER
v3_auth_pass=$LSW_V3_AUTH
v3_priv_pass=$LSW_V3_PRIV
quarantine_vlan=999
timeout_ms=200
retries=2
EOF
cat >"$W/cisco.conf" <<EOF
name=lab-cisco
address=$(lsw_switch_addr "$CS")
community=$LSW_RW_COMMUNITY
driver=cisco
quarantine_vlan=999
timeout_ms=200
retries=2
EOF

cat >"$W/ios.conf" <<EOF
name=lab-ios
address=$(lsw_switch_addr "$IS")
community=$LSW_RW_COMMUNITY
driver=cisco
quarantine_vlan=999
timeout_ms=200
retries=2
EOF
cat >"$W/ios-v3.conf" <<EOF
name=lab-ios-v3
address=$(lsw_switch_addr "$IS")
version=3
v3_user=$LSW_V3_USER
v3_auth_pass=$LSW_V3_AUTH
v3_priv_pass=$LSW_V3_PRIV
driver=cisco
quarantine_vlan=999
timeout_ms=200
retries=2
EOF

# tool NAME CONF [ -o K=V ]... CMD ARGS: runs the tool from the NOC, output in $W/NAME.out.
tool() {
  local name=$1; shift
  ip netns exec "$NOC" "$TOOL" -S "$W/state-$name" -t 20 -c "$@" >"$W/$name.out" 2>&1
  local rc=$?
  cat "$W/$name.out" >>"$OUT"
  echo "    [$name rc=$rc] $(grep -v '^stats' "$W/$name.out" | grep -v '^probe' | head -2 | tr '\n' ' ')"
  return $rc
}
out_has() { grep -q -- "$2" "$W/$1.out"; }
pvid_of() { lsw_snmp snmpget "$NOC" "$SW" "$PVID.$1" | awk '{print $2}'; }

# --- write probe ---
tool probe-rw "$W/sw.conf" probe
check "probe with the read-write community: write access confirmed" out_has probe-rw "probe ok"
tool probe-ro "$W/sw.conf" -o community="$LSW_RO_COMMUNITY" probe
check "probe with the read-only community: denied, says read-only" out_has probe-ro "probe denied.*read-only"
# Whether the quarantine VLAN keeps its hosts apart, where a MIB tells (CISCO-PRIVATE-VLAN-MIB)
check "probe, qbridge switch: whether hosts are kept apart is not told (no private VLAN MIB)" \
  out_has probe-rw "probe ok: .*whether quarantine VLAN 999 keeps its hosts apart: not told"
tool probe-cisco "$W/cisco.conf" probe
check "probe, cisco switch: quarantine VLAN 999 is an isolated private VLAN, hosts kept apart" \
  out_has probe-cisco "probe ok: .*quarantine VLAN 999 is a private VLAN of type isolated (3): quarantined hosts are kept apart"
tool probe-ios "$W/ios.conf" probe
check "probe, ios switch without port isolation: a normal VLAN, hosts can reach each other" \
  out_has probe-ios "probe ok: .*quarantine VLAN 999 is a private VLAN of type normal (1), not isolated: quarantined hosts can reach each other"

# --- cordon-switch-check: the operator's check, which changes nothing ---
if [[ -n "$CHECK" ]]; then
  ip netns exec "$NOC" "$CHECK" -S "$W/state-chk" -f "$W/sw.conf" -o driver=auto "$M1" \
    >"$W/chk.out" 2>&1
  rc=$?
  cat "$W/chk.out" >>"$OUT"
  check "switch-check, read-write community: exit 0" test $rc = 0
  check "... write access verified (written back, echoed, read back)" \
    grep -q '^write access: *verified' "$W/chk.out"
  check "... driver qbridge (net-snmp's sysObjectID: the standard family)" \
    grep -q '^driver: *qbridge (standard' "$W/chk.out"
  check "... lists the trunk swp4 (6 MACs)" grep -q '^  swp4 .* 6 MACs .*trunk' "$W/chk.out"
  check "... lists the configured uplink swp5" grep -q '^  swp5 .*configured uplink' "$W/chk.out"
  check "... finds h1 on swp1 in VLAN 10" grep -q "^MAC $M1: ok: .*found on swp1 in VLAN 10" "$W/chk.out"
  check "... changed nothing (swp1 still in VLAN 10)" test "$(pvid_of 1)" = 10
  ip netns exec "$NOC" "$CHECK" -S "$W/state-chk" -f "$W/sw.conf" -o community="$LSW_RO_COMMUNITY" \
    >"$W/chk-ro.out" 2>&1
  rc=$?
  cat "$W/chk-ro.out" >>"$OUT"
  check "switch-check, read-only community: exit 1, write access NOT verified" \
    bash -c "test $rc = 1 && grep -q '^write access: *NOT verified.*read-only' '$W/chk-ro.out'"
fi

# --- locate, isolate, release (Q-BRIDGE-MIB) ---
check "locate h1 by MAC" tool locate "$W/sw.conf" locate "$M1" "$W/h1.loc"
check "... on swp1 in VLAN 10" out_has locate "found on swp1 in VLAN 10"
check "... walked dot1qTpFdbPort once" out_has locate "fdb_walks=1"
check "isolate h1" tool isolate "$W/sw.conf" isolate "$W/h1.loc"
check "... moved 10 -> 999, read back" out_has isolate "moved from VLAN 10 to quarantine VLAN 999 (read back)"
check_not "isolated h1 cannot reach production peer h2" reach "$H1" 10.77.0.2
check "isolated h1 reaches the remediation server" reach "$H1" 10.77.0.99
check "check: quarantine in place" tool check1 "$W/sw.conf" check "$W/h1.loc"
check "isolate again is idempotent" tool isolate2 "$W/sw.conf" isolate "$W/h1.loc"
check "... and keeps the original VLAN" grep -q "orig_vlan=10" "$W/h1.loc"
check "release h1" tool release "$W/sw.conf" release "$W/h1.loc"
check "... restored 999 -> 10, read back" out_has release "restored from VLAN 999 to VLAN 10 (read back)"
check "released h1 reaches h2 again" reach "$H1" 10.77.0.2
check_not "released h1 no longer reaches the remediation server" reach "$H1" 10.77.0.99
tool check2 "$W/sw.conf" check "$W/h1.loc"
check "check after release: mismatch (exit 15)" test $? = 15

# --- bounce ---
check "isolate with a port bounce" tool bounce "$W/sw.conf" -o bounce=yes -o bounce_pause_ms=300 \
  flow "$M1" "$W/h1b.loc"
check "... says the port was bounced" out_has bounce "port bounced"
check "... swp1 is up again" bash -c "ip -n $SW link show swp1 | grep -q '<.*,UP'"
check "... and h1 reaches the remediation server" reach "$H1" 10.77.0.99
check "release after the bounce" tool bounce-rel "$W/sw.conf" -o bounce=yes -o bounce_pause_ms=300 \
  release "$W/h1b.loc"
check "... h1 reaches h2" reach "$H1" 10.77.0.2

# --- ports never touched ---
tool trunk "$W/sw.conf" locate "$MCORE" "$W/core.loc"
check "a host behind a trunk (6 MACs) is refused (exit 12)" test $? = 12
check "... the message says trunk and the port" out_has trunk "behind swp4: swp4 is a trunk or uplink: 6 MACs are learned"
tool uplink "$W/sw.conf" locate "$MUP" "$W/up.loc"
check "a host behind a configured uplink is refused (exit 12)" test $? = 12
check "... the message names the uplink" out_has uplink "behind swp5: swp5 is a configured uplink"
tool nomac "$W/sw.conf" locate 02:de:ad:be:ef:01 "$W/none.loc"
check "an unknown MAC is not found (exit 11)" test $? = 11

# --- errors: unknown VLAN, wrong community, stopped agent ---
tool locate3 "$W/sw.conf" locate "$M1" "$W/h1.loc" >/dev/null
cp "$W/h1.loc" "$W/h1.saved"
tool badvlan "$W/sw.conf" -o quarantine_vlan=555 isolate "$W/h1.loc"
check "quarantine VLAN the switch lacks: bad-request (exit 16)" test $? = 16
check "... the message names the switch, VLAN and port" out_has badvlan "switch lab-std: the switch has no VLAN 555.*swp1 not changed"
check "... the port is still in VLAN 10" test "$(pvid_of 1)" = 10
check "... the stored location is unchanged" cmp "$W/h1.loc" "$W/h1.saved"
tool badcomm "$W/sw.conf" -o community=not-the-community isolate "$W/h1.loc"
check "wrong community: timeout (exit 13)" test $? = 13
check "... after 3 attempts (2 retries)" out_has badcomm "after 3 attempts of 200 ms"
check "... the message suggests the community" out_has badcomm "wrong community"
check "... the stored location is unchanged" cmp "$W/h1.loc" "$W/h1.saved"
check "... the port is still in VLAN 10" test "$(pvid_of 1)" = 10
tool roisolate "$W/sw.conf" -o community="$LSW_RO_COMMUNITY" isolate "$W/h1.loc"
check "read-only community: isolate denied (exit 14)" test $? = 14
check "... the message says noAccess" out_has roisolate "noAccess"

check "isolate h1 before stopping the agent" tool iso3 "$W/sw.conf" isolate "$W/h1.loc"
SNMPD=$(lsw_snmpd_pid "$SW")
kill -STOP "$SNMPD"
tool stopped "$W/sw.conf" release "$W/h1.loc"
rc=$?
kill -CONT "$SNMPD"
check "stopped agent: release times out (exit 13)" test $rc = 13
check "... with retries" out_has stopped "retries=[1-9]"
check "... the location still holds the original VLAN" grep -q "orig_vlan=10" "$W/h1.loc"
check_not "... h1 is still isolated" reach "$H1" 10.77.0.2
check "agent resumed: release succeeds" tool release3 "$W/sw.conf" release "$W/h1.loc"
check "... h1 reaches h2 again" reach "$H1" 10.77.0.2

# --- SNMPv3 authPriv (SHA, AES) ---
check "v3: locate and isolate h1" tool v3flow "$W/v3.conf" flow "$M1" "$W/h1v3.loc"
check "v3: ... moved to quarantine" out_has v3flow "moved from VLAN 10 to quarantine VLAN 999"
check_not "v3: isolated h1 cannot reach h2" reach "$H1" 10.77.0.2
check "v3: isolated h1 reaches the remediation server" reach "$H1" 10.77.0.99
check "v3: release" tool v3rel "$W/v3.conf" release "$W/h1v3.loc"
check "v3: h1 reaches h2 again" reach "$H1" 10.77.0.2
tool v3bad "$W/v3.conf" -o v3_auth_pass=not-the-auth-pass check "$W/h1v3.loc"
check "v3: a wrong auth pass phrase is denied (exit 14)" test $? = 14
check "v3: ... says authentication failure" out_has v3bad "Authentication failure"

# --- the agent restarts under a live session ---
# bg_first_check OUT PID: the tool's first check is in OUT, or the tool has ended.
bg_first_check() { grep -q "^ok:" "$1" || lsw_gone "$2"; }

# bg_twice NAME CONF LOC RESTART_ARGS: check, restart snmpd, check again on the
# same session. Fails (its caller `check` says so) without the first check or
# the restart, after stopping the tool.
bg_twice() {
  local name=$1 conf=$2 loc=$3 rc; shift 3
  rm -f "$W/$name.go"
  ip netns exec "$NOC" "$TOOL" -S "$W/state-$name" -t 20 -c "$conf" check-twice "$loc" \
    "$W/$name.go" >"$W/$name.out" 2>&1 &
  local pid=$!
  lsw_poll 30 bg_first_check "$W/$name.out" "$pid"
  if ! grep -q "^ok:" "$W/$name.out" || ! lsw_snmpd_restart "$SW" "$@"; then
    kill "$pid" 2>/dev/null
    wait "$pid"
    cat "$W/$name.out" >>"$OUT"
    return 1
  fi
  touch "$W/$name.go"
  wait "$pid"; rc=$?
  cat "$W/$name.out" >>"$OUT"
  echo "    [$name rc=$rc] $(grep -c '^ok:' "$W/$name.out") checks ok"
  return $rc
}
check "isolate h1 for the restart tests" tool iso4 "$W/sw.conf" flow "$M1" "$W/h1r.loc"
check "v2c: the session survives an snmpd restart" bg_twice restart-v2c "$W/sw.conf" "$W/h1r.loc"
# The v3 point has its own name: a location is only valid for the point that made it.
reach "$H1" 10.77.0.99 >/dev/null   # the move flushed h1's MAC: let it be learned in VLAN 999
check "v3: locate the isolated h1" tool loc4v3 "$W/v3.conf" locate "$M1" "$W/h1r3.loc"
check "v2c: ... both checks ok" test "$(grep -c '^ok:' "$W/restart-v2c.out")" = 2
check "v3: the session survives an snmpd restart (same engine ID, new boots)" \
  bg_twice restart-v3 "$W/v3.conf" "$W/h1r3.loc"
check "v3: ... both checks ok" test "$(grep -c '^ok:' "$W/restart-v3.out")" = 2
check "v3: an snmpd with a new engine ID is discovered again" bg_twice restart-v3new "$W/v3.conf" "$W/h1r3.loc" fresh
check "v3: ... both checks ok" test "$(grep -c '^ok:' "$W/restart-v3new.out")" = 2
check "v3: ... the session was reopened once" out_has restart-v3new "rediscoveries=1"
tool wrongpoint "$W/v3.conf" release "$W/h1r.loc"
check "a location made by another point is refused (exit 16)" test $? = 16
check "release h1 after the restarts" tool rel4 "$W/sw.conf" release "$W/h1r.loc"
check "... h1 reaches h2" reach "$H1" 10.77.0.2

# --- Q-BRIDGE moves queued together: one SET with both VLANs' bitmaps rewritten once ---
reach "$H1" 10.77.0.2 >/dev/null
check "... h1" tool qb1 "$W/sw.conf" locate "$M1" "$W/qb-h1.loc"
check "... h2" tool qb2 "$W/sw.conf" locate "$MH2" "$W/qb-h2.loc"
check "isolate h1 and h2 queued together" tool qbmany "$W/sw.conf" many isolate:"$W/qb-h1.loc" \
  isolate:"$W/qb-h2.loc"
check "... both moved and read back (bitmaps verified)" \
  test "$(grep -c 'moved from VLAN 10 to quarantine VLAN 999 (read back)' "$W/qbmany.out")" = 2
check "... as one batch (probe 4 requests: GET, SET, read-back GET, private VLAN GET; then GET, SET, GET)" out_has qbmany "requests=7 "
check "... egress ports of VLAN 999 are 1, 2 and 3 (E0)" \
  bash -c "[[ '$(lsw_snmp snmpget "$NOC" "$SW" 1.3.6.1.2.1.17.7.1.4.3.1.2.999)' == *'E0'* ]]"
check "... h2 reaches the remediation server" reach "$H2" 10.77.0.99
check "release h1 and h2 together" tool qbrel "$W/sw.conf" many release:"$W/qb-h1.loc" \
  release:"$W/qb-h2.loc"
check "... both restored" test "$(grep -c 'restored from VLAN 999 to VLAN 10' "$W/qbrel.out")" = 2
check "... h1 reaches h2" reach "$H1" 10.77.0.2

# --- cisco driver (vmVlan; the switch has no Q-BRIDGE-MIB: BRIDGE-MIB fallback) ---
check "cisco: locate and isolate c1" tool cflow "$W/cisco.conf" flow "$MC1" "$W/c1.loc"
check "cisco: ... found through BRIDGE-MIB after the empty Q-BRIDGE walk" out_has cflow "fdb_walks=2"
check "cisco: ... moved to quarantine" out_has cflow "moved from VLAN 10 to quarantine VLAN 999"
check_not "cisco: isolated c1 cannot reach c2" reach "$C1" 10.78.0.2
check "cisco: isolated c1 reaches the remediation server" reach "$C1" 10.78.0.99
check "cisco: release" tool crel "$W/cisco.conf" release "$W/c1.loc"
check "cisco: c1 reaches c2 again" reach "$C1" 10.78.0.2
tool cbad "$W/cisco.conf" -o quarantine_vlan=555 isolate "$W/c1.loc"
check "cisco: a VLAN the switch lacks is refused by the SET (exit 16)" test $? = 16
check "cisco: ... inconsistentValue, naming port and VLAN" out_has cbad "vmVlan for swp1 to VLAN 555.*inconsistentValue"

# --- moves queued together run as one batch; a refused batch SET is retried port by port ---
check "cisco: locate c2" tool c2loc "$W/cisco.conf" locate "$MC2" "$W/c2.loc"
check "cisco: isolate c1 and c2 queued together" tool cmany "$W/cisco.conf" many \
  isolate:"$W/c1.loc" isolate:"$W/c2.loc"
check "cisco: ... both moved to quarantine" test "$(grep -c 'moved from VLAN 10 to quarantine VLAN 999' "$W/cmany.out")" = 2
check "cisco: ... as one batch (probe 4 requests, then GET, SET, GET)" out_has cmany "requests=7 "
check "cisco: ... c1 reaches the remediation server" reach "$C1" 10.78.0.99
check "cisco: ... c2 reaches the remediation server" reach "$C2" 10.78.0.99
sed 's/^orig_vlan=.*/orig_vlan=555/' "$W/c2.loc" >"$W/c2bad.loc"
tool cmany2 "$W/cisco.conf" many release:"$W/c1.loc" release:"$W/c2bad.loc"
check "cisco: a batch with one bad release reports bad-request (exit 16)" test $? = 16
check "cisco: ... c1 is restored all the same" out_has cmany2 "c1.loc: ok: .*restored from VLAN 999 to VLAN 10"
check "cisco: ... c2's release is refused by the agent" out_has cmany2 "c2bad.loc: bad-request: .*VLAN 555.*inconsistentValue"
check "cisco: ... after the refused batch SET each port was tried alone" out_has cmany2 "requests=11 "
check "cisco: ... c2 is still isolated" reach "$C2" 10.78.0.99
check "cisco: release c2" tool crel2 "$W/cisco.conf" release "$W/c2.loc"
check "cisco: c1 reaches c2" reach "$C1" 10.78.0.2

# --- cisco driver on an IOS-like switch: BRIDGE-MIB per VLAN context ---
check "ios: locate and isolate i1 (community string indexing)" tool iflow "$W/ios.conf" flow "$MI1" "$W/i1.loc"
check "ios: ... walked the per-VLAN tables (fdb_walks=6)" out_has iflow "fdb_walks=6"
check "ios: ... moved to quarantine" out_has iflow "swp1 moved from VLAN 10 to quarantine VLAN 999"
check_not "ios: isolated i1 cannot reach i2" reach "$I1" 10.79.0.2
check "ios: isolated i1 reaches the remediation server" reach "$I1" 10.79.0.99
check "ios: release" tool irel "$W/ios.conf" release "$W/i1.loc"
check "ios: i1 reaches i2 again" reach "$I1" 10.79.0.2
check "ios: SNMPv3 locate through the context vlan-10" tool iv3 "$W/ios-v3.conf" locate "$MI1" "$W/i1v3.loc"
check "ios: ... found on swp1 in VLAN 10" out_has iv3 "found on swp1 in VLAN 10"
tool itrunk "$W/ios.conf" locate "$MITRUNK" "$W/itrunk.loc"
check "ios: a host behind a trunk is refused (exit 12)" test $? = 12
check "ios: ... counted per interface across VLAN contexts" out_has itrunk "behind swp4: swp4 is a trunk or uplink: 6 MACs"

# --- no secret in any output ---
for secret in "$LSW_RW_COMMUNITY" "$LSW_RO_COMMUNITY" "$LSW_V3_AUTH" "$LSW_V3_PRIV" \
              not-the-community not-the-auth-pass; do
  check_not "no output contains the secret '${secret:0:3}...'" grep -qF -- "$secret" "$OUT"
done

lsw_cleanup
check "teardown removed every namespace" test "$(ls /run/netns 2>/dev/null | grep -c "^$PREFIX-")" = 0
echo "snmp_point: $pass passed, $fail failed"
[[ $fail -eq 0 ]]
