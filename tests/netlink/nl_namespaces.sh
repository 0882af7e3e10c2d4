#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# Integration test of the netlink enforcement point with real traffic:
# a router namespace with two host segments (A, B) and a remediation
# segment (M), IPv4 and IPv6, all inside namespaces this script creates
# (cordon-nl-PID-*) and removes again, also on failure or interruption.
# Two isolated hosts cannot reach each other through the router; both still
# reach the remediation segment.
#
#   A 10.71.1.10 2001:db8:71:1::10 --- router --- B 10.71.2.10 2001:db8:71:2::10
#                                         |
#                                         M 10.71.9.10 2001:db8:71:9::10 (remediation)
#
# usage: nl_namespaces.sh PATH/TO/nlq_tool      (exit 77 when not root; a failure under CI=true)
set -uo pipefail
# shellcheck source=../lib.sh
source "$(dirname "$0")/../lib.sh"

TOOL=${1:?usage: nl_namespaces.sh nlq_tool}
skip_unless_root
skip_without ip ping

P=cordon-nl-$$
R=$P-r A=$P-a B=$P-b M=$P-m
NSES=("$R" "$A" "$B" "$M")
WORK=$(mktemp -d /tmp/cordon-nl-test.XXXXXX)
STATE=$WORK/state
BGPID=

cleanup() {
  [[ -n "$BGPID" ]] && kill_wait "$BGPID"
  ns_remove "${NSES[@]}"
  rm -rf "$WORK"
}
on_exit cleanup

FAILS=0
pass() { echo "ok   - $*"; }
fail() { echo "FAIL - $*"; FAILS=$((FAILS + 1)); }

# ---- topology ----
setup() {
  ns_create "${NSES[@]}" || return 1
  # Veths made inside the router namespace, peers moved straight into the hosts'.
  ip -n "$R" link add va type veth peer name eth0 netns "$A" &&
  ip -n "$R" link add vb type veth peer name eth0 netns "$B" &&
  ip -n "$R" link add vm type veth peer name eth0 netns "$M" || return 1
  local seg ns_of dev
  for seg in 1:va:$A 2:vb:$B 9:vm:$M; do
    IFS=: read -r n dev ns_of <<<"$seg"
    ip -n "$R" addr add 10.71.$n.1/24 dev "$dev" &&
    ip -n "$R" addr add 2001:db8:71:$n::1/64 dev "$dev" nodad &&
    ip -n "$R" link set "$dev" up &&
    ip -n "$ns_of" addr add 10.71.$n.10/24 dev eth0 &&
    ip -n "$ns_of" addr add 2001:db8:71:$n::10/64 dev eth0 nodad &&
    ip -n "$ns_of" link set eth0 up &&
    ip -n "$ns_of" route add default via 10.71.$n.1 &&
    ip -n "$ns_of" -6 route add default via 2001:db8:71:$n::1 || return 1
  done
  ip netns exec "$R" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 || return 1
}

# ping FROM_NS DEST: one echo, one second at most.
reach() { ip netns exec "$1" ping -c1 -W1 "$2" >/dev/null 2>&1; }

expect_reach() {
  local from=$1 to=$2 what=$3 i
  # The very first packets may wait for neighbour resolution: a few bounded tries.
  for i in 1 2 3; do reach "$from" "$to" && { pass "$what"; return; }; done
  fail "$what"
}
expect_blocked() {
  if reach "$1" "$2"; then fail "$3"; else pass "$3"; fi
}

tool() { "$TOOL" -n "$R" -c remediation=10.71.9.0/24,2001:db8:71:9::/64 "$@"; }
cordon_rules() { { ip -n "$R" -4 rule show; ip -n "$R" -6 rule show; } | grep -c 'proto 77'; }
cordon_routes() {
  { ip -n "$R" -4 route show table 9100; ip -n "$R" -6 route show table 9100; } 2>/dev/null | grep -c 'proto 77'
}

setup || { fail "namespace setup"; exit 1; }

A4=10.71.1.10 A6=2001:db8:71:1::10 B4=10.71.2.10 B6=2001:db8:71:2::10 M4=10.71.9.10 M6=2001:db8:71:9::10

# ---- before: everything reaches everything ----
expect_reach "$A" $B4 "before: A reaches B (IPv4)"
expect_reach "$A" $B6 "before: A reaches B (IPv6)"
expect_reach "$A" $M4 "before: A reaches remediation (IPv4)"
expect_reach "$A" $M6 "before: A reaches remediation (IPv6)"

# ---- isolate A (both addresses) ----
out=$(tool -s "$STATE" isolate $A4 $A6)
[[ $? -eq 0 ]] && pass "isolate A: $(echo "$out" | head -1)" || fail "isolate A: $out"
expect_blocked "$A" $B4 "isolated: A to B refused (IPv4)"
expect_blocked "$A" $B6 "isolated: A to B refused (IPv6)"
# Towards the isolated host the router refuses with ICMP "packet filtered"
# (prohibit). The host itself sees silence: the router's own ICMP errors
# towards it hit its prohibit route in Cordon's table as well, like every
# reply of the router's local services (which keeps those shielded from the
# worm too). Checked with the first packet towards A: the kernel rate-limits
# ICMP errors.
out=$(ip netns exec "$B" ping -c1 -W1 $A4 2>&1)
if [[ $? -ne 0 && "$out" =~ (filtered|prohibited) ]]; then
  pass "isolated: B to A refused by the router with ICMP packet filtered (IPv4)"
else
  fail "isolated: B to A refused by the router with ICMP packet filtered (IPv4)"
fi
expect_blocked "$B" $A6 "isolated: B to A refused (IPv6)"
expect_reach "$A" $M4 "isolated: A still reaches remediation (IPv4)"
expect_reach "$A" $M6 "isolated: A still reaches remediation (IPv6)"
expect_reach "$M" $A4 "isolated: remediation reaches A (IPv4)"
expect_reach "$M" $A6 "isolated: remediation reaches A (IPv6)"
expect_reach "$B" $M4 "isolated: B unaffected (IPv4)"
expect_reach "$B" $M6 "isolated: B unaffected (IPv6)"
# Per family 3 shared rules; IPv4: A's rule and route, IPv6: A's two routes.
if [[ $(cordon_rules) -eq 7 && $(cordon_routes) -eq 3 ]]; then
  pass "after isolate: 7 Cordon rules, 3 Cordon routes"
else
  fail "after isolate: $(cordon_rules) rules, $(cordon_routes) routes; want 7 and 3"
fi

# ---- isolate twice: nothing doubles ----
out=$(tool -s "$STATE" isolate $A4 $A6)
if [[ $? -eq 0 && "$out" == *"already isolated"* && $(cordon_rules) -eq 7 && $(cordon_routes) -eq 3 ]]; then
  pass "isolate twice: still 7 rules and 3 routes, reported as already isolated"
else
  fail "isolate twice: $out; $(cordon_rules) rules, $(cordon_routes) routes"
fi
tool check $A4 $A6 >/dev/null && pass "check: A's rules in place" || fail "check after isolate"

# ---- two isolated hosts: apart from each other, both reach remediation ----
out=$(tool -s "$STATE" isolate $B4 $B6)
[[ $? -eq 0 ]] && pass "isolate B as well" || fail "isolate B: $out"
expect_blocked "$A" $B4 "both isolated: A to B refused (IPv4)"
expect_blocked "$A" $B6 "both isolated: A to B refused (IPv6)"
expect_blocked "$B" $A4 "both isolated: B to A refused (IPv4)"
expect_blocked "$B" $A6 "both isolated: B to A refused (IPv6)"
expect_reach "$A" $M4 "both isolated: A reaches remediation (IPv4)"
expect_reach "$B" $M4 "both isolated: B reaches remediation (IPv4)"
expect_reach "$B" $M6 "both isolated: B reaches remediation (IPv6)"
out=$(tool -s "$STATE" release $B4 $B6)
if [[ $? -eq 0 && $(cordon_rules) -eq 7 && $(cordon_routes) -eq 3 ]]; then
  pass "release B: A's 7 rules and 3 routes stay, B's are gone"
else
  fail "release B: $out; $(cordon_rules) rules, $(cordon_routes) routes; want 7 and 3"
fi
expect_blocked "$A" $B4 "B released, A still isolated: A to B refused (IPv4)"

# ---- release: restored; release twice harmless ----
out=$(tool -s "$STATE" release $A4 $A6)
[[ $? -eq 0 ]] && pass "release A" || fail "release A: $out"
[[ $(cordon_rules) -eq 0 && $(cordon_routes) -eq 0 ]] && pass "nothing of Cordon's left after release" ||
  fail "left after release: $(cordon_rules) rules, $(cordon_routes) routes"
expect_reach "$A" $B4 "released: A reaches B again (IPv4)"
expect_reach "$A" $B6 "released: A reaches B again (IPv6)"
expect_reach "$B" $A4 "released: B reaches A again (IPv4)"
out=$(tool -s "$STATE" release $A4 $A6)
if [[ $? -eq 0 && "$out" == *"not isolated"* ]]; then
  pass "release twice: harmless, reported as not isolated"
else
  fail "release twice: $out"
fi
tool check $A4 >/dev/null && fail "check after release should report mismatch" ||
  pass "check after release: mismatch reported"

# ---- the daemon's own namespace (run inside the router) ----
out=$(ip netns exec "$R" "$TOOL" -c remediation=10.71.9.0/24 isolate $A4)
[[ $? -eq 0 ]] && pass "own-namespace mode: isolate" || fail "own-namespace isolate: $out"
expect_blocked "$A" $B4 "own-namespace mode: A to B refused"
ip netns exec "$R" "$TOOL" -c remediation=10.71.9.0/24 release $A4 >/dev/null &&
  [[ $(cordon_rules) -eq 0 && $(cordon_routes) -eq 0 ]] && pass "own-namespace mode: release" ||
  fail "own-namespace release"

# ---- kernel errors become clear messages ----
if command -v setpriv >/dev/null; then
  out=$(ip netns exec "$R" setpriv --reuid=65534 --regid=65534 --clear-groups \
        "$TOOL" -c remediation=10.71.9.0/24 isolate $A4 2>&1)
  if [[ $? -ne 0 && "$out" == *"10.71.1.10"* && "$out" == *"pref 91"* && "$out" == *"permission denied"* ]]; then
    pass "unprivileged isolate: $(echo "$out" | head -1)"
  else
    fail "unprivileged isolate message: $out"
  fi
fi
out=$("$TOOL" -n "$P-absent" count 2>&1)
[[ $? -eq 2 && "$out" == *"/run/netns/$P-absent"* ]] && pass "missing netns: $out" || fail "missing netns: $out"

# ---- kill -9 in the middle, then reconcile from the state ----
# kill_midway STATEFILE FIRST: starts isolating 20 000 hosts from FIRST with no
# pause between them (the kill lands wherever the tool is, often between
# recording a host and installing its objects), kills it with SIGKILL once it
# has recorded some (bounded: 10 s), and prints how many it recorded.
kill_midway() {
  local state=$1 first=$2 i
  rm -f "$state"
  "$TOOL" -n "$R" -c remediation=10.71.9.0/24,2001:db8:71:9::/64 -s "$state" \
    isolate-seq "$first" 20000 >/dev/null &
  BGPID=$!
  for i in $(seq 100); do
    [[ -f "$state" && $(wc -l <"$state") -ge 300 ]] && break
    sleep 0.1
  done
  kill -9 $BGPID; wait $BGPID 2>/dev/null; BGPID=
  wc -l <"$state"
}

recorded=$(kill_midway "$STATE" 10.72.0.1)
before="$(cordon_rules) rules, $(cordon_routes) routes"
if [[ $recorded -gt 0 && $recorded -lt 20000 ]]; then
  pass "IPv4: killed with -9 after recording $recorded hosts ($before in the kernel)"
else
  fail "IPv4: kill -9 in the middle: $recorded recorded"
fi
out=$(tool -s "$STATE" reconcile)
rc=$?
summary=$(echo "$out" | tail -1)
[[ $rc -eq 0 ]] && pass "IPv4: reconcile after kill: $summary" || fail "IPv4: reconcile after kill: $out"
rules=$(cordon_rules) routes=$(cordon_routes)
dups=$({ ip -n "$R" -4 rule show; ip -n "$R" -4 route show table 9100; } | grep 'proto 77' | sort | uniq -d | wc -l)
if [[ $rules -eq $((recorded + 3)) && $routes -eq $recorded ]]; then
  pass "IPv4: nothing lost: $rules rules = $recorded hosts + 3 shared, $routes routes"
else
  fail "IPv4: after reconcile: $rules rules, $routes routes; want $((recorded + 3)) and $recorded"
fi
[[ $dups -eq 0 ]] && pass "IPv4: nothing doubled: no duplicate rule or route" || fail "$dups duplicates"
# Every host in the state has its rule and its route, and no host outside it.
if diff <(sort "$STATE") <(ip -n "$R" -4 rule show pref 9103 | awk '{print $3}' | sort) >/dev/null &&
   diff <(sort "$STATE") <(ip -n "$R" -4 route show table 9100 | awk '{print $2}' | sort) >/dev/null; then
  pass "IPv4: every recorded host, and only those, has its rule and route"
else
  fail "IPv4: hosts with a rule or route differ from the state"
fi
out=$(tool -s "$STATE" reconcile | tail -1)
[[ "$out" == *"missing 0 "*"extra 0 "* ]] && pass "IPv4: second reconcile: no differences" ||
  fail "IPv4: second reconcile: $out"

# The same for IPv6 (two routes per host, no rule per host), with its own state.
STATE6=$WORK/state6
recorded6=$(kill_midway "$STATE6" 2001:db8:72::1)
out=$(tool -s "$STATE6" -c remove_extra=no reconcile)
rc=$?
summary=$(echo "$out" | tail -1)
routes6=$(ip -n "$R" -6 route show table 9100 | grep -c 'proto 77')
dups6=$(ip -n "$R" -6 route show table 9100 | grep 'proto 77' | sort | uniq -d | wc -l)
# This reconcile sees only the IPv6 state: the IPv4 hosts' objects are reported as extra and kept.
if [[ $recorded6 -gt 0 && $rc -eq 0 && $routes6 -eq $((2 * recorded6)) && $dups6 -eq 0 ]]; then
  pass "IPv6: killed after recording $recorded6 hosts; reconciled: $routes6 routes, none doubled"
else
  fail "IPv6: recorded $recorded6, reconcile rc $rc, $routes6 routes, $dups6 duplicates: $summary"
fi
if diff <(sort "$STATE6") <(ip -n "$R" -6 route show table 9100 | awk '$2 == "default" {print $4}' | sort) >/dev/null; then
  pass "IPv6: every recorded host, and only those, has its source route"
else
  fail "IPv6: hosts with a source route differ from the state"
fi
mapfile -t hosts6 <"$STATE6"
tool -s "$STATE6" release "${hosts6[@]}" >/dev/null
[[ $(ip -n "$R" -6 rule show | grep -c 'proto 77') -eq 0 && $(ip -n "$R" -6 route show table 9100 2>/dev/null | grep -c 'proto 77') -eq 0 ]] &&
  pass "IPv6: all released, shared rules gone" || fail "IPv6: objects left after releasing all"

# ---- a Cordon rule no state accounts for: reported; removed only when configured ----
ip -n "$R" rule add pref 9103 from 10.73.0.1 prohibit protocol 77
out=$(tool -s "$STATE" reconcile)
if [[ "$out" == *"extra object 'rule pref 9103 from 10.73.0.1 prohibit' of host 10.73.0.1: kept"* &&
      $(ip -n "$R" rule show pref 9103 | grep -c 10.73.0.1) -eq 1 ]]; then
  pass "extra rule reported and kept by default"
else
  fail "extra rule, default: $out"
fi
out=$(tool -c remove_extra=yes -s "$STATE" reconcile)
if [[ "$out" == *"10.73.0.1: removed"* && $(ip -n "$R" rule show pref 9103 | grep -c 10.73.0.1) -eq 0 ]]; then
  pass "extra rule removed with remove_extra=yes"
else
  fail "extra rule, remove_extra: $out"
fi
# A rule in the range without Cordon's protocol is someone else's: untouched.
ip -n "$R" rule add pref 9103 from 10.73.0.2 prohibit
tool -c remove_extra=yes -s "$STATE" reconcile >/dev/null
[[ $(ip -n "$R" rule show pref 9103 | grep -c 10.73.0.2) -eq 1 ]] &&
  pass "foreign rule in Cordon's range left alone" || fail "foreign rule was touched"
ip -n "$R" rule del pref 9103 from 10.73.0.2 prohibit

# Release everything recorded: the kernel is clean again.
mapfile -t hosts <"$STATE"
tool -s "$STATE" release "${hosts[@]}" >/dev/null
[[ $(cordon_rules) -eq 0 && $(cordon_routes) -eq 0 && ! -s "$STATE" ]] &&
  pass "all released: no Cordon rule or route left, state empty" ||
  fail "after releasing all: $(cordon_rules) rules, $(cordon_routes) routes"

echo "netlink namespaces: $FAILS failure(s)"
[[ $FAILS -eq 0 ]]
