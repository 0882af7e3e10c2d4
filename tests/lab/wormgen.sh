#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# Tests of cordon-wormgen against Cordon's own sensor: each emulated worm's
# capture must get its source flagged by the engines that the published
# behaviour should trigger, and nothing else; every frame must stay inside
# the lab prefix; the output must depend on the options only; prefixes
# outside private/documentation space must be refused. Files only: no
# packet is sent anywhere.
#
# usage: wormgen.sh synthetic WORMGEN SENSOR
#        wormgen.sh recorded  WORMGEN SENSOR CAPTURES_DIR
#   synthetic: every worm, Slammer with the placeholder payload.
#   recorded:  Slammer with the real payload from the shared capture; exit 77
#              (skipped) when the capture is missing, unless CI=true (then a failure).
set -uo pipefail
# shellcheck source=../lib.sh
source "$(dirname "$0")/../lib.sh"

MODE=${1:?usage: wormgen.sh synthetic|recorded WORMGEN SENSOR [CAPTURES_DIR]}
GEN=${2:?wormgen}
SENSOR=${3:?cordon-sensor}
CAPTURES=${4:-}
skip_without jq tcpdump

PREFIX=10.10.0.0/24
SRC=10.10.0.23
SRC_MAC=02:00:0a:0a:00:17
WORK=$(mktemp -d /tmp/cordon-wormgen-test.XXXXXX)
on_exit 'rm -rf "$WORK"'

FAILS=0
pass() { echo "ok   - $*"; }
fail() { echo "FAIL - $*"; FAILS=$((FAILS + 1)); }

# gen NAME WORM [wormgen options...]: writes $WORK/NAME.pcap, its JSON line in $WORK/NAME.json.
gen() {
  local name=$1 worm=$2; shift 2
  if "$GEN" --worm "$worm" --src "$SRC" --src-mac "$SRC_MAC" --prefix "$PREFIX" "$@" \
      -o "$WORK/$name.pcap" >"$WORK/$name.json" 2>"$WORK/$name.err"; then
    return 0
  fi
  fail "$name: cordon-wormgen failed: $(cat "$WORK/$name.err")"
  return 1
}

# sense NAME [SENSOR OPTIONS...]: the sensor's detections as JSON lines in $WORK/NAME.events.
sense() {
  local name=$1; shift
  "$SENSOR" -r "$WORK/$name.pcap" -T table.seed=1 "$@" >"$WORK/$name.events" 2>"$WORK/$name.summary" ||
    { fail "$name: cordon-sensor failed: $(tail -3 "$WORK/$name.summary")"; return 1; }
}

# expect NAME JQ_FILTER WHAT: some detection of $SRC matches the filter.
expect() {
  if jq -e -s --arg src "$SRC" "map(select(.src == \$src) | select($2)) | length > 0" \
      "$WORK/$1.events" >/dev/null; then
    pass "$1: $3"
  else
    fail "$1: $3 (detections: $(jq -c '{src,engine,signature,dport}' "$WORK/$1.events" | tr '\n' ' '))"
  fi
}

# udp_payload_hex FILE: the first udp/1434 datagram's payload (after 20 bytes of IP, 8 of UDP) in hex.
udp_payload_hex() {
  tcpdump -nn -r "$1" -x -c 1 'udp port 1434' 2>/dev/null | grep -E '^\s+0x' |
    sed -E 's/^\s+0x[0-9a-f]+:\s*//' | tr -d ' \n' | cut -c57-
}

# first_signature NAME: the signature of the source's first signature detection.
first_signature() {
  jq -r -s --arg src "$SRC" 'map(select(.src == $src and .engine == "signature")) | .[0].signature // "none"' \
    "$WORK/$1.events"
}

# exploit NAME SIGNATURE PORT FILLER_REGEX: checks of an exploit mode's conversations.
exploit() {
  local name=$1 sig=$2 port=$3 filler=$4 got outside answered addresses fills
  got=$(first_signature "$name")
  [[ $got == "$sig" ]] && pass "$name: first signature detection is $sig" ||
    fail "$name: first signature detection is $got, expected $sig"
  expect "$name" ".engine == \"signature\" and .signature == \"$sig\" and .dport == $port" \
    "signature $sig on tcp/$port"
  # Conversations: every frame is between the source and a host of the prefix...
  outside=$(tcpdump -nn -r "$WORK/$name.pcap" \
    "not (ip and ((src host $SRC and dst net $PREFIX) or (dst host $SRC and src net $PREFIX)))" 2>/dev/null | wc -l)
  [[ $outside -eq 0 ]] && pass "$name: every frame is between $SRC and $PREFIX" ||
    fail "$name: $outside frames not between $SRC and $PREFIX"
  # ...every target answers the SYN, and the answering targets are never flagged.
  addresses=$(jq -r .addresses "$WORK/$name.json")
  answered=$(tcpdump -nn -r "$WORK/$name.pcap" "dst host $SRC and tcp src port $port and tcp[tcpflags] == (tcp-syn|tcp-ack)" 2>/dev/null | wc -l)
  [[ $answered -eq $addresses && $answered -gt 0 ]] && pass "$name: $answered targets answer SYN-ACK" ||
    fail "$name: $answered SYN-ACKs for $addresses targets"
  others=$(jq -r --arg src "$SRC" 'select(.src != $src) | .src' "$WORK/$name.events" | sort -u | tr '\n' ' ')
  [[ -z $others ]] && pass "$name: no target flagged" || fail "$name: targets flagged: $others"
  # Filler text, not code, where the shellcode would be.
  fills=$(LC_ALL=C grep -c -a -P "$filler" "$WORK/$name.pcap")
  [[ $fills -gt 0 ]] && pass "$name: filler text in place of shellcode" || fail "$name: no filler text"
}

# common NAME MAX_PACKETS: checks that hold for every generated capture.
common() {
  local name=$1 max=$2 packets outside others
  packets=$(jq -r .packets "$WORK/$name.json")
  if [[ $packets =~ ^[0-9]+$ && $packets -gt 0 && $packets -le $max ]]; then
    pass "$name: $packets packets (small: at most $max)"
  else
    fail "$name: $packets packets, expected 1 to $max"
  fi
  # Every frame is IPv4 from the source to a host of the prefix.
  outside=$(tcpdump -nn -r "$WORK/$name.pcap" "not (ip and src host $SRC and dst net $PREFIX)" 2>/dev/null | wc -l)
  [[ $outside -eq 0 ]] && pass "$name: every frame goes from $SRC into $PREFIX" ||
    fail "$name: $outside frames outside $PREFIX or not from $SRC"
  others=$(jq -r --arg src "$SRC" 'select(.src != $src) | .src' "$WORK/$name.events" | sort -u | tr '\n' ' ')
  [[ -z $others ]] && pass "$name: no other host flagged" || fail "$name: also flagged: $others"
}

case $MODE in
synthetic)
  if gen slammer slammer && sense slammer; then
    grep -q "synthetic 376-byte payload" "$WORK/slammer.err" &&
      pass "slammer: says on stderr that the payload is synthetic" ||
      fail "slammer: no word on stderr about the synthetic payload"
    expect slammer '.engine == "signature" and .signature == "slammer" and .dport == 1434' \
      "signature slammer on udp/1434"
    common slammer 5000
    rate=$(jq -r '.packets / .duration_s | floor' "$WORK/slammer.json")
    [[ $rate -ge 1000 ]] && pass "slammer: $rate packets/s of capture time" ||
      fail "slammer: only $rate packets/s"
  fi
  if gen blaster blaster && sense blaster; then
    expect blaster '(.engine == "fanout" or .engine == "trw") and .dport == 135' "fanout/trw on tcp/135"
    common blaster 5000
    # Sequential: the first round's targets are consecutive addresses.
    seq_ok=$(tcpdump -nn -r "$WORK/blaster.pcap" -c 20 2>/dev/null |
      awk '{split($5, a, "."); print a[4]}' |
      awk 'NR > 1 && $1 != prev + 1 && !(prev == 255 || $1 == 1) {bad = 1} {prev = $1} END {print bad ? "no" : "yes"}')
    [[ $seq_ok == yes ]] && pass "blaster: sequential targets" || fail "blaster: targets not sequential"
    # Every SYN is sent three times (Windows XP retransmits at +3 s and +9 s).
    triples=$(tcpdump -nn -r "$WORK/blaster.pcap" 2>/dev/null | awk '{print $3, $5}' | sort | uniq -c | awk '$1 != 3' | wc -l)
    [[ $triples -eq 0 ]] && pass "blaster: each SYN retransmitted twice" || fail "blaster: $triples connections not sent 3 times"
    # New addresses per second: the last SYNs are the retransmissions 9 s after the last round.
    rate=$(jq -r '.addresses / (.duration_s - 9) | . * 10 | floor / 10' "$WORK/blaster.json")
    jq -e '.addresses / (.duration_s - 9) | . > 8 and . < 14' "$WORK/blaster.json" >/dev/null &&
      pass "blaster: ~$rate new addresses/s" || fail "blaster: $rate new addresses/s, expected ~10"
  fi
  if gen welchia welchia && sense welchia; then
    expect welchia '(.engine == "icmp_sweep") or (.engine == "signature" and .signature == "welchia")' \
      "icmp_sweep or signature welchia"
    common welchia 5000
    n=$(tcpdump -nn -r "$WORK/welchia.pcap" -x 'icmp[icmptype] == icmp-echo and ip[2:2] == 92' 2>/dev/null | grep -c 'ICMP echo request')
    [[ $n -ge 200 ]] && pass "welchia: $n echo requests of 92 bytes" || fail "welchia: $n echo requests of 92 bytes"
    first_syn=$(tcpdump -nn -r "$WORK/welchia.pcap" 2>/dev/null | grep -n '\.135: Flags \[S\]' | head -1 | cut -d: -f1)
    last_echo=$(tcpdump -nn -r "$WORK/welchia.pcap" 2>/dev/null | grep -n 'ICMP echo request' | tail -1 | cut -d: -f1)
    [[ -n $first_syn && -n $last_echo && $first_syn -gt $last_echo ]] &&
      pass "welchia: sweep first, then tcp/135" || fail "welchia: sweep/135 order (first SYN $first_syn, last echo $last_echo)"
  fi
  if gen sasser sasser && sense sasser; then
    expect sasser '(.engine == "fanout" or .engine == "trw") and .dport == 445' "fanout/trw on tcp/445"
    common sasser 5000
  fi
  # Wider prefix: Sasser's /16 and /8 neighbourhoods are clamped to it.
  if PREFIX=10.10.0.0/16 gen sasser16 sasser --count 300; then
    out=$(tcpdump -nn -r "$WORK/sasser16.pcap" 'not dst net 10.10.0.0/16' 2>/dev/null | wc -l)
    nets=$(tcpdump -nn -r "$WORK/sasser16.pcap" 2>/dev/null | awk '{split($5, a, "."); print a[3]}' | sort -u | wc -l)
    [[ $out -eq 0 && $nets -gt 20 ]] && pass "sasser /16: random targets across $nets /24s, none outside" ||
      fail "sasser /16: $out outside, $nets /24s"
  fi
  # Same options, same bytes; another seed, other bytes.
  if gen again sasser && gen seed2 sasser --seed 2; then
    cmp -s "$WORK/sasser.pcap" "$WORK/again.pcap" && pass "deterministic: same options, same file" ||
      fail "two runs with the same options differ"
    cmp -s "$WORK/sasser.pcap" "$WORK/seed2.pcap" && fail "--seed 2 made the same file" ||
      pass "--seed changes the file"
  fi
  # Exploit modes: whole conversations with answering targets, flagged by the exploit's signature.
  utf16_filler='C\x00O\x00R\x00D\x00O\x00N\x00-\x00L\x00A\x00B\x00 \x00F\x00I\x00L\x00L\x00E\x00R'
  if gen blaster-dcom blaster-dcom && sense blaster-dcom; then
    exploit blaster-dcom dcom_rpc 135 "$utf16_filler"
    # Blaster binds ISystemActivator (000001a0-...-46) before its RemoteCreateInstance.
    n=$(LC_ALL=C grep -c -a -P '\xa0\x01\x00\x00\x00\x00\x00\x00\xc0\x00\x00\x00\x00\x00\x00\x46' "$WORK/blaster-dcom.pcap")
    [[ $n -gt 0 ]] && pass "blaster-dcom: binds to ISystemActivator" || fail "blaster-dcom: no ISystemActivator bind"
  fi
  if gen sasser-lsass sasser-lsass && sense sasser-lsass; then
    exploit sasser-lsass lsass 445 "$utf16_filler"
  fi
  if gen wannacry wannacry && sense wannacry; then
    exploit wannacry eternalblue 445 'CORDON-LAB FILLER, NO CODE'
  fi
  if [[ -s $WORK/wannacry.pcap ]] && cp "$WORK/wannacry.pcap" "$WORK/wannacry-dp.pcap" &&
      sense wannacry-dp -T alert.interval=0.001; then
    expect wannacry-dp '.engine == "signature" and .signature == "doublepulsar" and .dport == 445' \
      "signature doublepulsar (Trans2 SESSION_SETUP ping) on tcp/445"
    others=$(jq -r --arg src "$SRC" 'select(.src != $src) | .src' "$WORK/wannacry-dp.events" | sort -u | tr '\n' ' ')
    [[ -z $others ]] && pass "wannacry: the implant's answers (MID 0x51) flag no target" ||
      fail "wannacry: targets flagged: $others"
  fi
  if "$GEN" --worm wannacry --src "$SRC" --src-mac "$SRC_MAC" --prefix "$PREFIX" --count 1001 \
      -o "$WORK/bad.pcap" >/dev/null 2>"$WORK/bad.err"; then
    fail "wannacry --count 1001 accepted"
  else
    grep -q 1001 "$WORK/bad.err" && pass "exploit modes refuse more than 1000 conversations" ||
      fail "wannacry --count 1001: unclear refusal: $(cat "$WORK/bad.err")"
  fi
  rm -f "$WORK/bad.pcap"
  # Refusals, with the offending value in the message.
  for bad in 8.8.8.0/24 172.32.0.0/16 10.0.0.0/7 0.0.0.0/0 100.64.0.0/10; do
    if "$GEN" --worm blaster --src 10.10.0.23 --src-mac "$SRC_MAC" --prefix "$bad" \
        -o "$WORK/bad.pcap" >/dev/null 2>"$WORK/bad.err"; then
      fail "prefix $bad accepted"
    elif grep -q "${bad%/*}" "$WORK/bad.err" && [[ ! -s $WORK/bad.pcap ]]; then
      pass "prefix $bad refused: $(head -c 80 "$WORK/bad.err")..."
    else
      fail "prefix $bad: unclear refusal: $(cat "$WORK/bad.err")"
    fi
    rm -f "$WORK/bad.pcap"
  done
  if "$GEN" --worm blaster --src 10.20.0.5 --src-mac "$SRC_MAC" --prefix "$PREFIX" \
      -o "$WORK/bad.pcap" >/dev/null 2>"$WORK/bad.err"; then
    fail "a source outside the prefix was accepted"
  else
    pass "source outside the prefix refused"
  fi
  ;;
recorded)
  CAP=$CAPTURES/worm_slammer_udp1434.pcap
  if [[ ! -r $CAP ]]; then
    if [[ ${CI:-} == true ]]; then
      echo "FAIL - $CAP is missing (CI=true: the shared captures must be there)"
      exit 1
    fi
    echo "SKIP: $CAP is missing: Slammer with the recorded payload not tested"
    exit 77
  fi
  if gen slammer-rec slammer --slammer-payload "$CAP" && sense slammer-rec; then
    jq -e '.payload == "recorded"' "$WORK/slammer-rec.json" >/dev/null &&
      pass "slammer: recorded payload used" || fail "slammer: payload not reported as recorded"
    # The payload is byte for byte the recorded one.
    want=$(udp_payload_hex "$CAP")
    got=$(udp_payload_hex "$WORK/slammer-rec.pcap")
    [[ ${#want} -eq 752 && $want == "$got" ]] && pass "slammer: the 376 payload bytes equal the capture's" ||
      fail "slammer: payload differs from the capture's"
    expect slammer-rec '.engine == "signature" and .signature == "slammer" and .dport == 1434' \
      "signature slammer on udp/1434"
    common slammer-rec 5000
  fi
  ;;
*)
  echo "usage: wormgen.sh synthetic|recorded WORMGEN SENSOR [CAPTURES_DIR]" >&2
  exit 2
  ;;
esac

if [[ $FAILS -gt 0 ]]; then
  echo "$FAILS check(s) failed"
  exit 1
fi
echo "all checks passed"
