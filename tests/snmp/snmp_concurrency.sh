#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# snmp_concurrency.sh AGENT LABSWITCH_LIB SNMPSW_BENCH
# Many switches at once through one event loop: three live lab switches with
# three hosts each are isolated and released together while a fourth switch
# and a fifth (addresses nothing answers, v2c and v3) have isolations queued: the live switches'
# work must finish before the dead switch's first timeout, and every live
# operation must succeed.
set -uo pipefail
AGENT=$1
LIB=$2
BENCH=$3
PREFIX=cordon-snmp-$$
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../../lab/switch/labswitch.sh
source "$LIB"
source "$HERE/lab-many.sh"
trap lsw_cleanup EXIT
trap 'exit 130' INT TERM

lsw_init "$AGENT" || exit 1
W=$LSW_STATE/work
mkdir -p "$W"
lsw_many_build "$PREFIX-noc" 3 3 "$PREFIX" "$W" || { echo "FAIL - lab setup"; exit 1; }
# 10.200.9.1 is on no link: the NOC's packets to it go nowhere (ARP fails).
ip -n "$PREFIX-noc" route add 10.200.9.0/24 dev lo 2>/dev/null
cat >"$W/dead.conf" <<EOC
name=dead-switch
address=10.200.9.1
community=$LSW_RW_COMMUNITY
quarantine_vlan=999
timeout_ms=1000
retries=1
EOC
# The same silence for SNMPv3: its engine discovery must not block the loop either.
cat >"$W/dead-v3.conf" <<EOC
name=dead-v3-switch
address=10.200.9.2
version=3
v3_user=$LSW_V3_USER
v3_auth_pass=$LSW_V3_AUTH
v3_priv_pass=$LSW_V3_PRIV
quarantine_vlan=999
timeout_ms=1000
retries=1
EOC
echo "dead $W/dead.conf 5" >>"$W/spec"
echo "dead $W/dead-v3.conf 5" >>"$W/spec"
ip netns exec "$PREFIX-noc" "$BENCH" -S "$W/state" -L 20 -R 3 -T 60 "$W/spec" | tee "$W/out"
rc=${PIPESTATUS[0]}
[[ $(grep -c "not delayed" "$W/out") -eq 2 ]] && echo "ok   - the dead switches (v2c, v3) delayed no live switch" ||
  { echo "FAIL - live switches were delayed by the dead one"; rc=1; }
grep -q "^result: ok" "$W/out" && echo "ok   - every live isolation and release succeeded" ||
  { echo "FAIL - live operations failed"; rc=1; }
lsw_cleanup
[[ $(ls /run/netns 2>/dev/null | grep -c "^$PREFIX-") -eq 0 ]] && echo "ok   - teardown removed every namespace" ||
  { echo "FAIL - namespaces left behind"; rc=1; }
exit $rc
