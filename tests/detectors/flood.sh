#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# flood.sh SENSOR FLOOD_GEN N: a flood of N spoofed sources with one real
# scanner in it. The sensor's state memory stays at its fixed budget, its
# process stays small, the tables evict (and count it), and the scanner is
# flagged, and nothing else.
set -uo pipefail
SENSOR=$1 GEN=$2 N=$3
TMP=$(mktemp -d /tmp/cordon-flood.XXXXXX)
trap 'rm -rf "$TMP"' EXIT INT TERM
pass=0 fail=0
check() { if "${@:2}"; then echo "ok   - $1"; pass=$((pass + 1)); else echo "FAIL - $1"; fail=$((fail + 1)); fi; }

"$GEN" "$TMP/flood.pcap" "$N" || { echo "FAIL - flood_gen"; echo "0 passed, 1 failed"; exit 1; }
# the same shape with 400 packets: the budget the state must not outgrow
"$GEN" "$TMP/small.pcap" 400 && "$SENSOR" -r "$TMP/small.pcap" >/dev/null 2>"$TMP/small"
budget=$(awk '/state memory/ {print $3}' "$TMP/small")
"$SENSOR" -r "$TMP/flood.pcap" >"$TMP/events" 2>"$TMP/summary"
check "the sensor reads the flood" test $? -eq 0
cat "$TMP/summary"
mem=$(awk '/state memory/ {print $3}' "$TMP/summary")
peak=$(awk '/peak memory/ {print $3}' "$TMP/summary")
seen=$(awk '/sources tracked/ {print $5}' "$TMP/summary")
evict=$(awk '/evictions/ {print $2}' "$TMP/summary")
check "state memory is the fixed budget ($mem bytes, as for 400 packets)" test -n "$budget" -a "$mem" = "$budget"
check "peak resident memory stays near it ($peak KiB)" test "$peak" -lt $(( budget / 1024 + 65536 ))
check "$seen sources seen" test "$seen" -ge $((N * 9 / 10))
check "the tables evicted, and counted it ($evict)" test "$evict" -gt $((N / 2))
check "the real scanner is flagged" grep -q '"src":"10.99.0.7"' "$TMP/events"
others=$(grep -v '"src":"10.99.0.7"' "$TMP/events" | grep -c engine)
check "nothing else is ($others other detections)" test "$others" -eq 0
echo "$pass passed, $fail failed"
[[ $fail -eq 0 ]]
