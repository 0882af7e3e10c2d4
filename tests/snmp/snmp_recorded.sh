#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# snmp_recorded.sh SNMPSW_TOOL RECORDINGS_DIR SWITCH_CHECK
# Cordon's locate against recorded walks of real switches: snmpsim serves each
# tests/snmp/recordings/<vendor>/<name>.snmprec on loopback (community
# "<vendor>/<name>"), snmpsw-tool locates every MAC of the folder's EXPECTED
# file with driver=auto, and each answer is compared with the line EXPECTED
# holds for it (derived from the recording by derive.py, not by Cordon's C
# code). Also: the write probe does not take snmpsim's noError answer to its
# SET, which echoes noSuchInstance, for write access; cordon-switch-check
# (the operator's check) says so too, names the driver and the ports it will
# never touch, and answers for the MACs as locate does.
set -uo pipefail
TOOL=$1
REC=$2
CHECK=$3
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL - $1"; fail=$((fail + 1)); }

command -v snmpsimd >/dev/null || { echo "snmpsimd missing (Debian package snmpsim; scripts/install-deps)"; exit 1; }
command -v snmpget >/dev/null || { echo "snmpget missing (Debian package snmp)"; exit 1; }

W=$(mktemp -d /tmp/cordon-snmprec.XXXXXX)
SIM_PID=
cleanup() {
  if [[ -n "$SIM_PID" ]]; then
    kill "$SIM_PID" 2>/dev/null
    wait "$SIM_PID" 2>/dev/null
  fi
  rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# snmpsim reads only the recordings, from a copy it may read (as root it runs as nobody).
mkdir -p "$W/data" "$W/cache" "$W/loc"
for d in "$REC"/*/; do
  v=$(basename "$d")
  mkdir -p "$W/data/$v"
  cp "$d"*.snmprec "$W/data/$v/"
done
SIMUSER=()
if [[ $(id -u) -eq 0 ]]; then
  chown -R nobody:nogroup "$W/data" "$W/cache"
  chmod 755 "$W"
  SIMUSER=(--process-user=nobody --process-group=nogroup)
fi

# A free high UDP port: snmpsimd exits when it cannot bind; then the next one is tried.
PORT=
for try in 1 2 3 4 5; do
  p=$((20000 + (RANDOM % 20000)))
  snmpsimd --v2c-arch "${SIMUSER[@]}" --data-dir="$W/data" --cache-dir="$W/cache" \
    --agent-udpv4-endpoint="127.0.0.1:$p" --logging-method=null >"$W/sim.out" 2>&1 &
  SIM_PID=$!
  # Ready when it answers: it indexes the recordings first. Bounded: 150 x 0.2 s.
  for i in $(seq 1 150); do
    if snmpget -v2c -c extreme-ers/boss_ers3510 -t 0.2 -r 0 -On "127.0.0.1:$p" \
         1.3.6.1.2.1.1.2.0 >/dev/null 2>&1; then
      PORT=$p
      break
    fi
    kill -0 "$SIM_PID" 2>/dev/null || break
  done
  [[ -n "$PORT" ]] && break
  kill "$SIM_PID" 2>/dev/null
  wait "$SIM_PID" 2>/dev/null
  SIM_PID=
done
if [[ -z "$PORT" ]]; then
  echo "snmpsimd did not answer:"
  cat "$W/sim.out"
  exit 1
fi
echo "snmpsim on 127.0.0.1:$PORT (try $try)"

# Runs locate for every MAC of one recording at once; fills $W/out.<rec>.
locate_all() {
  local vendor=$1 rec=$2; shift 2
  local args=() m
  for m in "$@"; do args+=("$m" "$W/loc/$rec.$m"); done
  "$TOOL" -S "$W/state" -t 50 -o "name=$rec" -o address=127.0.0.1 -o "port=$PORT" \
    -o "community=$vendor/$rec" -o quarantine_vlan=4093 -o driver=auto -o timeout_ms=400 \
    -o retries=1 -o max_macs_per_port=4 locate "${args[@]}" >"$W/out.$rec" 2>&1
}

checked=0
for exp in "$REC"/*/EXPECTED; do
  vendor=$(basename "$(dirname "$exp")")
  for rec in $(grep -v '^#' "$exp" | awk 'NF {print $1}' | sort -u); do
    mapfile -t macs < <(grep -v '^#' "$exp" | awk -v r="$rec" '$1 == r {print $2}')
    locate_all "$vendor" "$rec" "${macs[@]}"
    out="$W/out.$rec"
    # The write probe: snmpsim answers the SET with noError but noSuchInstance.
    if grep -q '^probe ok' "$out"; then
      bad "$rec: the write probe took a SET answer that echoed nothing for write access"
    else
      ok
    fi
    while read -r r mac status a1 a2 _; do
      [[ "$r" == "$rec" ]] || continue
      checked=$((checked + 1))
      line=$(grep -m1 "^locate $mac: " "$out")
      got=${line#"locate $mac: "}
      got=${got%%:*}
      if [[ "$got" != "$status" ]]; then
        bad "$rec $mac: expected $status, got: ${line:-nothing}"
        continue
      fi
      case $status in
        ok)
          loc=$(grep -m1 "^location $mac: " "$out")
          port=${loc#"location $mac: "}
          port=${port% orig_vlan=*}
          vlan=$(sed -n 's/.* orig_vlan=\([-0-9]*\) .*/\1/p' <<<"$loc")
          if [[ "${port// /_}" == "$a1" && "$vlan" == "$a2" ]]; then ok
          else bad "$rec $mac: expected $a1 VLAN $a2, got: $loc"; fi ;;
        refused|error)
          if grep -qi -- "${a1//_/ }" <<<"$line"; then ok
          else bad "$rec $mac: expected the reason to name '${a1//_/ }', got: $line"; fi ;;
        not-found) ok ;;
        *) bad "$rec $mac: unknown expectation '$status'" ;;
      esac
    done < <(grep -v '^#' "$exp")
    echo "$rec: $(grep -c '^locate ' "$out") located, $(grep -m1 '^stats:' "$out")"

    # The operator's check of the same switch: nothing verified for writing, the
    # driver of its family, the ports never touched, each MAC as locate answers.
    chk="$W/check.$rec"
    printf 'address=127.0.0.1\nport=%s\ncommunity=%s/%s\ndriver=auto\ntimeout_ms=400\nretries=1\n' \
      "$PORT" "$vendor" "$rec" >"$W/check.conf"
    "$CHECK" -f "$W/check.conf" -o "name=$rec" -S "$W/state" "${macs[@]}" >"$chk" 2>&1
    rc=$?
    want_driver=qbridge
    [[ $rec == ios_* ]] && want_driver=cisco
    if [[ $rc -eq 1 ]] && grep -q '^reachable: *yes' "$chk" && grep -q '^write access: *NOT verified' "$chk" &&
       grep -q "^driver: *$want_driver " "$chk"; then ok
    else bad "$rec: cordon-switch-check: exit $rc; $(head -5 "$chk" | tr '\n' '|')"; fi
    if grep -v '^#' "$exp" | awk -v r="$rec" '$1 == r && $3 == "refused" && ($4 == "trunk" || $4 == "LLDP")' | grep -q .; then
      if sed -n '/^never isolated/,/^access ports/p' "$chk" | grep -q '^  '; then ok
      else bad "$rec: cordon-switch-check lists no port it will never touch"; fi
    fi
    while read -r r mac status _; do
      [[ "$r" == "$rec" ]] || continue
      if grep -q "^MAC $mac: $status: " "$chk"; then ok
      else bad "$rec $mac: cordon-switch-check does not answer $status: $(grep "^MAC $mac" "$chk")"; fi
    done < <(grep -v '^#' "$exp")
  done
done

# Isolation goes through the same knowledge: Junos' VLANs are never written over
# SNMP, so a located Junos host is refused before any SET.
jmac=$(grep -v '^#' "$REC/juniper-ex/EXPECTED" | awk '$3 == "ok" {print $2; exit}')
junos() {  # junos CMD OUT: locate or flow (locate, then isolate) on the Junos recording
  "$TOOL" -S "$W/state" -t 20 -o name=junos -o address=127.0.0.1 -o "port=$PORT" \
    -o community=juniper-ex/junos_ex4600mp -o quarantine_vlan=4093 -o driver=auto \
    -o timeout_ms=400 -o retries=1 "$1" "$jmac" "$W/loc/junos.$1" >"$2" 2>&1
}
junos locate "$W/junos.locate"
junos flow "$W/junos.flow"
rc=$?
# The same requests as the locate alone: the isolation sent nothing.
req() { grep -o 'requests=[0-9]*' "$1"; }
if [[ $rc -eq 16 ]] && grep -q '^bad-request: .*Juniper Junos.*does not move ports' "$W/junos.flow" &&
   [[ -n "$(req "$W/junos.locate")" && "$(req "$W/junos.flow")" == "$(req "$W/junos.locate")" ]]; then ok
else bad "junos: isolation not refused before any SET (exit $rc): $(grep -v '^probe' "$W/junos.flow" | tr '\n' '|')"; fi

[[ $checked -ge 50 ]] || bad "only $checked expectations checked"
echo "$pass passed, $fail failed"
[[ $fail -eq 0 ]]
