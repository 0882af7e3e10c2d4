#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# cordon-lanchatter on a small LAN in network namespaces this script creates
# (cordon-lchat-PID-*) and removes again, also on failure or interruption:
#
#   h1 10.78.0.11 client,newclient   h2 10.78.0.12 fileserver   h3 10.78.0.13 printer
#   h4 10.78.0.14 nas                h5 10.78.0.15 dhcp         h6 10.78.0.16 nms,webserver
#   all on br0 in $P-sw; no route and no link to anything else.
#
# Each host opens its sockets and logs "ready"; only then are they all told
# to start (SIGUSR1). They must: answer discovery queries with unicast
# replies to the querier's port (SSDP, WS-Discovery, LLMNR, NBNS); complete
# file and web sessions; renew leases (unicast REQUEST, ACK); the new client's
# DISCOVER from 0.0.0.0 must get a conflict-check lookup of the pool address
# before the OFFER; the NMS's pings and polls must all be answered; every
# process must exit by itself at the end of --duration; every packet must
# stay inside the lab (the prefix, its broadcast, the discovery groups) and
# carry the background's DSCP (IGMP reports, which the kernel sends, aside).
#
# usage: lanchatter.sh LANCHATTER        (exit 77 when not root; a failure under CI=true)
set -uo pipefail
# shellcheck source=../lib.sh
source "$(dirname "$0")/../lib.sh"

CHAT=${1:?usage: lanchatter.sh cordon-lanchatter}
skip_unless_root
skip_without ip jq tcpdump

P=cordon-lchat-$$
SW=$P-sw
HOSTS=(1 2 3 4 5 6)
ROLES=("" client,newclient fileserver printer nas dhcp nms,webserver)
NSES=("$SW")
for h in "${HOSTS[@]}"; do NSES+=("$P-h$h"); done
DURATION=22
WORK=$(mktemp -d /tmp/cordon-lchat-test.XXXXXX)
PIDS=()

on_exit ns_cleanup

FAILS=0
check() { if "${@:2}"; then echo "ok   - $1"; else echo "FAIL - $1"; FAILS=$((FAILS + 1)); fi; }
addr() { echo "10.78.0.$((10 + $1))"; }
others() { local h out=(); for h in "${HOSTS[@]}"; do [[ $h != "$1" ]] && out+=("$(addr "$h")"); done; local IFS=,; echo "${out[*]}"; }

ns_create "${NSES[@]}" && lan_bridge "$SW" || exit 1
for h in "${HOSTS[@]}"; do
  lan_port "$SW" "vh$h" "$P-h$h" "$(addr "$h")/24" || exit 1
done

# Every frame, as it enters the bridge from each host.
ip netns exec "$SW" tcpdump -i any -Q in -n -U -w "$WORK/lan.pcap" >/dev/null 2>"$WORK/tcpdump.err" &
PIDS+=($!)
check "the capture is listening" wait_for "$WORK/tcpdump.err" 'listening on' 1 5

LOG=$WORK/chatter.log
CHATS=()
for h in "${HOSTS[@]}"; do
  args=(--self "$(addr "$h")" --prefix 10.78.0.0/24 --role "${ROLES[$h]}" --peers "$(others "$h")"
        --fileservers "$(addr 2),$(addr 4)" --webservers "$(addr 3),$(addr 4),$(addr 6)" --duration "$DURATION" --log "$LOG")
  [[ $h != 5 ]] && args+=(--dhcp-server "$(addr 5)")
  ip netns exec "$P-h$h" "$CHAT" "${args[@]}" 2>>"$WORK/chatter.err" &
  PIDS+=($!) CHATS+=($!)
done
wait_for "$LOG" '"event":"ready"' ${#HOSTS[@]} 10
check "every host opened its sockets (ready)" test "$(grep -c '"event":"ready"' "$LOG")" -eq ${#HOSTS[@]}
check "its listeners are up (tcp/445 on the file server)" bash -c "ip netns exec $P-h2 ss -ltn | grep -q ':445 '"
kill -USR1 "${CHATS[@]}"

# Each process ends by itself at the end of --duration (bounded wait).
wait_for "$LOG" '"event":"summary"' ${#HOSTS[@]} $((DURATION + 10))
for p in "${CHATS[@]}"; do wait "$p"; done
check "every host exited by itself at the end of --duration" \
  test "$(jq -s '[.[] | select(.event == "summary" and .exit == "duration")] | length' "$LOG")" -eq ${#HOSTS[@]}
check "nothing on stderr" test ! -s "$WORK/chatter.err"
kill "${PIDS[0]}"; wait "${PIDS[0]}" 2>/dev/null

s() { jq -s -r --arg h "$(addr "$1")" ".[] | select(.event == \"summary\" and .host == \$h) | .$2" "$LOG"; }
check "no send errors" test "$(jq -s '[.[] | select(.event == "summary") | .send_errors] | add' "$LOG")" -eq 0
check "every host got answers" test "$(jq -s '[.[] | select(.event == "summary" and .answered == 0)] | length' "$LOG")" -eq 0
check "h1's sessions were all answered ($(s 1 sessions_ok) of $(s 1 sessions))" \
  test "$(s 1 sessions)" -gt 0 -a "$(s 1 sessions_ok)" -eq "$(s 1 sessions)"
check "h1: its renewal and its new-client REQUEST were ACKed ($(s 1 acks))" test "$(s 1 acks)" -ge 2
check "the DHCP server made one offer" test "$(s 5 offers)" -eq 1
check "the NMS's pings were all answered ($(s 6 pings_answered) of $(s 6 pings))" \
  test "$(s 6 pings)" -ge 5 -a "$(s 6 pings_answered)" -eq "$(s 6 pings)"
check "the NMS's polls were all answered ($(s 6 polls_answered) of $(s 6 polls))" \
  test "$(s 6 polls)" -ge 5 -a "$(s 6 polls_answered)" -eq "$(s 6 polls)"

# On the wire.
n() { tcpdump -r "$WORK/lan.pcap" -n "$@" 2>/dev/null | wc -l; }
unicast_from() { n "src host $1 and udp src port $2 and dst net 10.78.0.0/24 and not dst host 10.78.0.255"; }
check "SSDP answered by unicast (printer, NAS)" test "$(unicast_from "$(addr 3)" 1900)" -gt 0 -a "$(unicast_from "$(addr 4)" 1900)" -gt 0
check "WS-Discovery answered by unicast (printer, file server)" test "$(unicast_from "$(addr 3)" 3702)" -gt 0 -a "$(unicast_from "$(addr 2)" 3702)" -gt 0
check "LLMNR answered by unicast" test "$(n 'udp src port 5355 and dst net 10.78.0.0/24')" -gt 0
check "NBNS asked on the directed broadcast and answered by unicast" \
  test "$(n 'udp dst port 137 and dst host 10.78.0.255')" -gt 0 -a "$(n 'udp src port 137 and dst net 10.78.0.0/24 and not dst host 10.78.0.255')" -gt 0
check "SSDP, WS-Discovery, LLMNR queries went to their groups" \
  test "$(n 'dst host 239.255.255.250 and udp dst port 1900')" -gt 0 -a "$(n 'dst host 239.255.255.250 and udp dst port 3702')" -gt 0 -a "$(n 'dst host 224.0.0.252 and udp dst port 5355')" -gt 0
check "a renewal: unicast REQUEST 68 -> 67 and ACK 67 -> 68" \
  test "$(n "src host $(addr 1) and dst host $(addr 5) and udp src port 68 and dst port 67")" -gt 0 -a "$(n "src host $(addr 5) and dst host $(addr 1) and udp src port 67")" -gt 0
check "the new client's DISCOVER from 0.0.0.0" test "$(n 'src host 0.0.0.0 and dst host 255.255.255.255 and udp dst port 67')" -ge 2
t_lookup=$(tcpdump -r "$WORK/lan.pcap" -tt -n "arp and arp[24:4] = 0x0a4e0096" 2>/dev/null | awk 'NR == 1 {print $1}')
t_offer=$(tcpdump -r "$WORK/lan.pcap" -tt -n "src host $(addr 5) and dst host 255.255.255.255 and udp src port 67" 2>/dev/null | awk 'NR == 1 {print $1}')
check "the conflict check (a lookup of 10.78.0.150) comes before the OFFER" \
  awk -v a="${t_lookup:-0}" -v b="${t_offer:-0}" 'BEGIN {exit !(a > 0 && b > a)}'
check "tcp/445 and tcp/80 sessions on the wire" \
  test "$(n 'tcp dst port 445 and tcp[tcpflags] == tcp-syn')" -gt 0 -a "$(n 'tcp dst port 80 and tcp[tcpflags] == tcp-syn')" -gt 0
outside=$(tcpdump -r "$WORK/lan.pcap" -n 'ip and not (dst net 10.78.0.0/24 or dst host 239.255.255.250 or dst host 224.0.0.252 or dst host 224.0.0.22 or dst host 255.255.255.255)' 2>/dev/null | head -3)
check "nothing to an address outside the lab${outside:+: $outside}" test -z "$outside"
unmarked=$(tcpdump -r "$WORK/lan.pcap" -n 'ip and not igmp and not (ip[1] & 0xfc == 4)' 2>/dev/null | head -3)
check "every packet but IGMP carries DSCP 1${unmarked:+: $unmarked}" test -z "$unmarked"

echo "$FAILS failed"
[[ $FAILS -eq 0 ]]
