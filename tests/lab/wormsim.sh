#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# A live outbreak of cordon-wormsim in network namespaces this script creates
# (cordon-wsim-PID-*) and removes again, also on failure or interruption:
# six hosts on one bridge, three of them vulnerable, and a seeder. One marker
# probe from the seeder infects host 2; the outbreak must reach the other vulnerable hosts (4, 6) within the
# run, the others (1, 3, 5) must log "probed" and never "infected", every
# process must exit by itself, every frame on the bridge must stay inside the
# lab prefix, and Cordon's sensor, reading the bridge's capture, must flag the
# infected hosts and no clean one. Done for blaster (tcp/135), sasser
# (tcp/445) and slammer (udp/1434).
#
#   seed 10.77.0.10 (sends the first probe, runs no service)
#   h1 10.77.0.11   h2 10.77.0.12 (V)   h3 10.77.0.13
#   h4 10.77.0.14 (V)   h5 10.77.0.15   h6 10.77.0.16 (V)      all on br0 in $P-sw
#
# The namespaces have no route and no link to anything else: nothing sent in
# them can leave.
#
# usage: wormsim.sh WORMSIM SENSOR        (exit 77 when not root; a failure under CI=true)
set -uo pipefail
# shellcheck source=../lib.sh
source "$(dirname "$0")/../lib.sh"

SIM=${1:?usage: wormsim.sh cordon-wormsim cordon-sensor}
SENSOR=${2:?usage: wormsim.sh cordon-wormsim cordon-sensor}
skip_unless_root
skip_without ip jq tcpdump

P=cordon-wsim-$$
SW=$P-sw
PREFIX=10.77.0.0/24
HOSTS=(1 2 3 4 5 6)
VULNERABLE=(2 4 6)
CLEAN=(1 3 5)
SEED_NS=$P-seed
NSES=("$SW" "$SEED_NS")
for h in "${HOSTS[@]}"; do NSES+=("$P-h$h"); done
DURATION=10
WORK=$(mktemp -d /tmp/cordon-wsim-test.XXXXXX)
PIDS=()

on_exit ns_cleanup

FAILS=0
pass() { echo "ok   - $*"; }
fail() { echo "FAIL - $*"; FAILS=$((FAILS + 1)); }

addr() { echo "10.77.0.$((10 + $1))"; }

setup() {
  local h ns
  ns_create "${NSES[@]}" && lan_bridge "$SW" || return 1
  for h in 0 "${HOSTS[@]}"; do
    ns=$P-h$h
    [[ $h == 0 ]] && ns=$SEED_NS
    lan_port "$SW" "vh$h" "$ns" "$(addr "$h")/24" || return 1
  done
}

# outbreak WORM PROTO PORT RATE MAX_PROBES
outbreak() {
  local worm=$1 port=$3 rate=$4 maxp=$5 h pid log=$WORK/$1.log cap=$WORK/$1.pcap
  local dump_pid vulnerable infected by
  : >"$log"
  PIDS=()
  # The bridge's traffic, for the safety check and the sensor.
  ip netns exec "$SW" tcpdump -i br0 -n -U -w "$cap" 2>"$WORK/$worm.tcpdump" &
  dump_pid=$!
  PIDS+=("$dump_pid")
  wait_for "$WORK/$worm.tcpdump" "listening on" 1 5 || { fail "$worm: tcpdump did not start"; return; }
  for h in "${HOSTS[@]}"; do
    vulnerable=
    [[ " ${VULNERABLE[*]} " == *" $h "* ]] && vulnerable=--vulnerable
    ip netns exec "$P-h$h" "$SIM" --worm "$worm" --listen "$(addr "$h")" --prefix "$PREFIX" \
      $vulnerable --rate "$rate" --max-probes "$maxp" --duration "$DURATION" \
      --connect-timeout 300 --log "$log" 2>>"$WORK/$worm.stderr" &
    PIDS+=("$!")
  done
  if ! wait_for "$log" '"event":"listening"' 6 5; then
    fail "$worm: not every host started listening: $(cat "$WORK/$worm.stderr")"
    return
  fi
  # Patient zero: one marker probe from the seeder to h2.
  if ip netns exec "$SEED_NS" "$SIM" --infect "$(addr 2)" --worm "$worm" --from "$(addr 0)" \
      --prefix "$PREFIX" >"$WORK/$worm.seed" 2>&1; then
    pass "$worm: seeded $(addr 2)"
  else
    fail "$worm: seeding failed: $(cat "$WORK/$worm.seed")"
  fi
  # Every service exits by itself after --duration (bounded wait, a margin on top).
  if wait_for "$log" '"event":"summary"' 6 $((DURATION + 10)); then
    pass "$worm: all 6 services exited by themselves after ${DURATION}s"
  else
    fail "$worm: $(grep -c '"event":"summary"' "$log") of 6 services exited by themselves"
  fi
  for pid in "${PIDS[@]:1}"; do wait "$pid" 2>/dev/null; done
  kill "$dump_pid" 2>/dev/null
  wait "$dump_pid" 2>/dev/null
  PIDS=()

  for h in "${VULNERABLE[@]}"; do
    by=$(jq -r --arg host "$(addr "$h")" 'select(.event == "infected" and .host == $host) | .by' "$log")
    if [[ -n $by && $by == 10.77.0.* ]]; then
      pass "$worm: vulnerable $(addr "$h") infected by $by"
    else
      fail "$worm: vulnerable $(addr "$h") not infected"
    fi
  done
  for h in "${CLEAN[@]}"; do
    infected=$(jq -r --arg host "$(addr "$h")" 'select(.event == "infected" and .host == $host) | .host' "$log")
    [[ -z $infected ]] && pass "$worm: $(addr "$h") (not vulnerable) stayed clean" ||
      fail "$worm: $(addr "$h") is not vulnerable but logged infected"
  done
  # Random scans of a /24 may miss one clean host; the sequential ones reach all.
  n=$(jq -r 'select(.event == "probed") | .host' "$log" | sort -u | wc -l)
  [[ $n -ge 2 ]] && pass "$worm: $n clean hosts logged probed" || fail "$worm: only $n clean hosts logged probed"
  # Infected hosts stop at --max-probes.
  over=$(jq -r --argjson max "$maxp" 'select(.event == "summary" and .probes_sent > $max) | .host' "$log")
  [[ -z $over ]] && pass "$worm: no host sent more than $maxp probes" || fail "$worm: over --max-probes: $over"
  sent=$(jq -s 'map(select(.event == "summary") | .probes_sent) | add' "$log")
  echo "     $worm: $sent probes sent in all; summaries:"
  jq -c 'select(.event == "summary") | {host, infected, infected_by, probes_received, probes_sent, connected, timed_out}' "$log" | sed 's/^/       /'

  # Safety: every IPv4 frame on the bridge went from the prefix to the prefix.
  # The kernel's own IGMP reports to link-local multicast (224.0.0.0/24) are
  # not the tools' and never leave a link.
  local ours="ip and not (igmp and dst net 224.0.0.0/24)"
  echo "     $worm: $(tcpdump -nn -r "$cap" "igmp and dst net 224.0.0.0/24" 2>/dev/null | wc -l) IGMP reports of the kernel not counted"
  tcpdump -nn -r "$cap" "$ours and not (src net $PREFIX and dst net $PREFIX)" 2>/dev/null >"$WORK/$worm.outside"
  total=$(tcpdump -nn -r "$cap" "$ours" 2>/dev/null | wc -l)
  if [[ ! -s $WORK/$worm.outside && $total -gt 0 ]]; then
    pass "$worm: all $total IPv4 frames on the bridge stay inside $PREFIX"
  else
    fail "$worm: $(wc -l <"$WORK/$worm.outside") of $total IPv4 frames outside $PREFIX: $(head -3 "$WORK/$worm.outside")"
  fi
  probes=$(tcpdump -nn -r "$cap" "$2 dst port $port" 2>/dev/null | wc -l)
  [[ $probes -gt 0 ]] && pass "$worm: $probes $2/$port packets on the bridge" || fail "$worm: no $2/$port traffic seen"

  # Cordon's sensor on the bridge's capture: infected hosts flagged, clean ones not.
  "$SENSOR" -r "$cap" >"$WORK/$worm.events" 2>"$WORK/$worm.sensor" || fail "$worm: cordon-sensor failed"
  for h in "${VULNERABLE[@]}"; do
    engines=$(jq -r --arg src "$(addr "$h")" 'select(.src == $src) | .engine + (if .signature then "/" + .signature else "" end)' "$WORK/$worm.events" | sort -u | tr '\n' ' ')
    [[ -n $engines ]] && pass "$worm: sensor flags infected $(addr "$h"): $engines" ||
      fail "$worm: sensor did not flag infected $(addr "$h")"
  done
  for h in "${CLEAN[@]}"; do
    engines=$(jq -r --arg src "$(addr "$h")" 'select(.src == $src) | .engine' "$WORK/$worm.events" | sort -u | tr '\n' ' ')
    [[ -z $engines ]] && pass "$worm: sensor leaves clean $(addr "$h") alone" ||
      fail "$worm: sensor flagged clean $(addr "$h"): $engines"
  done
}

# ---- refusals (no namespace needed: nothing is sent) ----
refuse() {
  local what=$1; shift
  if "$SIM" "$@" >"$WORK/refuse.out" 2>"$WORK/refuse.err"; then
    fail "$what: accepted"
  elif [[ -s $WORK/refuse.err ]]; then
    pass "$what: refused: $(head -c 100 "$WORK/refuse.err")"
  else
    fail "$what: refused without a message"
  fi
}
refuse "public prefix" --worm blaster --listen 8.8.8.8 --prefix 8.8.8.0/24
refuse "listen outside the prefix" --worm blaster --listen 10.78.0.1 --prefix "$PREFIX"
refuse "--infect a public address" --infect 8.8.8.8 --worm blaster
refuse "--infect outside --prefix" --infect 10.78.0.1 --worm sasser --prefix "$PREFIX"
refuse "--duration beyond an hour" --worm blaster --listen 10.77.0.11 --prefix "$PREFIX" --duration 3601

setup || { fail "namespaces could not be set up"; exit 1; }
pass "6 hosts and a seeder on one bridge in namespaces $P-*"
# Nothing to leave by: each host has only its /24 route and no other link.
for ns in "${NSES[@]:1}"; do
  routes=$(ip -n "$ns" -4 route show | grep -vc "^10.77.0.0/24 ")
  links=$(ip -n "$ns" -o link show | grep -vc -e ' lo:' -e ' eth0@')
  [[ $routes -eq 0 && $links -eq 0 ]] || fail "$ns has other routes ($routes) or links ($links)"
done

outbreak blaster tcp 135 100 300
outbreak sasser tcp 445 100 600
outbreak slammer udp 1434 200 600

if [[ $FAILS -gt 0 ]]; then
  echo "$FAILS check(s) failed"
  exit 1
fi
echo "all checks passed"
