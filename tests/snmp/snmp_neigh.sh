#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# snmp_neigh.sh AGENT LABSWITCH_LIB SNMPNB_TOOL
# IP -> MAC from a router's neighbour table over SNMP: the lab switch gets an
# address in VLAN 10 (a layer-3 switch, the hosts' router); after the hosts
# talk to it, Cordon's snmp_neigh reads its ipNetToPhysicalTable through the
# switch's snmpd and names each host's MAC, IPv4 and IPv6; an address the
# router never saw is not found. Namespaces only; everything removed afterwards.
set -uo pipefail
AGENT=$1
LIB=$2
NB=$3
PREFIX=cordon-nb-$$
# shellcheck source=../../lab/switch/labswitch.sh
source "$LIB"
pass=0 fail=0
trap lsw_cleanup EXIT
trap 'exit 130' INT TERM

ok() { echo "ok   - $1"; pass=$((pass + 1)); }
bad() { echo "FAIL - $1"; fail=$((fail + 1)); }
check() { local desc=$1; shift; if "$@" >/dev/null 2>&1; then ok "$desc"; else bad "$desc"; fi; }

NOC=$PREFIX-noc SW=$PREFIX-sw H1=$PREFIX-h1 H2=$PREFIX-h2

lsw_init "$AGENT" || exit 1
lsw_noc_create "$NOC" || exit 1
lsw_switch_create "$SW" "$NOC" 1 10,999 || exit 1
lsw_port_add "$SW" 1 10 "$H1" 10.79.0.1/24 || exit 1
lsw_port_add "$SW" 2 10 "$H2" 10.79.0.2/24 || exit 1
# The switch routes VLAN 10: its address there, the hosts' gateway.
ip -n "$SW" addr add 10.79.0.254/24 dev br10
ip -n "$SW" addr add 2001:db8:79::fe/64 dev br10 nodad
ip -n "$H1" addr add 2001:db8:79::1/64 dev eth0 nodad
lsw_switch_start "$SW" standard || exit 1

ip netns exec "$H1" ping -c1 -W1 -q 10.79.0.254 >/dev/null
ip netns exec "$H2" ping -c1 -W1 -q 10.79.0.254 >/dev/null
ip netns exec "$H1" ping -6 -c1 -W1 -q 2001:db8:79::fe >/dev/null
M1=$(lsw_host_mac "$H1")
M2=$(lsw_host_mac "$H2")

mkdir -p "$LSW_STATE/nb"
out=$(ip netns exec "$NOC" "$NB" -a "$(lsw_switch_addr "$SW")" -c "$LSW_RO_COMMUNITY" \
      -s "$LSW_STATE/nb" 10.79.0.1 10.79.0.2 2001:db8:79::1 10.79.0.77 2>&1)
rc=$?
echo "$out"
check "the neighbour table was read" test "$rc" = 0
check "... from ipNetToPhysicalTable" grep -q "^table physical " <<<"$out"
check "h1's IPv4 address names h1's MAC" grep -q "^10.79.0.1 $M1 " <<<"$out"
check "h2's IPv4 address names h2's MAC" grep -q "^10.79.0.2 $M2 " <<<"$out"
check "h1's IPv6 address names h1's MAC" grep -q "^2001:db8:79::1 $M1 " <<<"$out"
check "an address the router never saw is not found" grep -qx "10.79.0.77 not-found" <<<"$out"

echo "$pass passed, $fail failed"
[[ $fail -eq 0 ]]
