#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# sensor_tls.sh BUILD_DIR
# Sensors over mutually authenticated TLS (sensors.listen "tls:..."): the
# real cordond with the netlink backend in a namespace of its own; a test CA
# signs the daemon's and the sensors' certificates. A sensor with a valid
# certificate is heard, and its certificate's name is its identity in what is
# stored whatever its lines say; no certificate, a certificate of another CA,
# an expired one, and plain text to the TLS port are refused, logged with the
# peer, and nothing of theirs is acted on. Everything made is removed again.
set -uo pipefail
# shellcheck source=../lib.sh
source "$(dirname "$0")/../lib.sh"
B=$1
TMP=$(mktemp -d /tmp/cordon-sensortls-test.XXXXXX)
NS=cordon-stls-$$
DPID=""
pass=0 fail=0

cleanup() {
  [[ -n "$DPID" ]] && kill -9 "$DPID" 2>/dev/null
  ns_remove "$NS"
  [[ -n "${KEEP_TMP:-}" ]] || rm -rf "$TMP"
}
on_exit cleanup

fail_unless_root
for t in openssl socat jq sqlite3 ss python3; do
  command -v $t >/dev/null || { echo "FAIL - $t is missing (scripts/install-deps)"; exit 1; }
done
ip netns add "$NS" || { echo "FAIL - ip netns add"; exit 1; }
PORT=$(free_port) || { echo "FAIL - no free loopback port"; exit 1; }

# --- a CA, the daemon's certificate, the sensors' -----------------------------------------
C=$TMP/pki
mkdir -p "$C/db"
: > "$C/db/index.txt"
echo 1000 > "$C/db/serial"
cat > "$C/ca.cnf" <<EOC
[ ca ]
default_ca = test_ca
[ test_ca ]
dir = $C
database = $C/db/index.txt
serial = $C/db/serial
new_certs_dir = $C/db
certificate = $C/ca.crt
private_key = $C/ca.key
default_md = sha256
policy = any
copy_extensions = copy
unique_subject = no
[ any ]
commonName = supplied
EOC
mkca() {  # mkca NAME: a self-signed CA
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3 -subj "/CN=$1" \
    -keyout "$C/$1.key" -out "$C/$1.crt" >/dev/null 2>&1
}
mkcert() {  # mkcert NAME CN CA [START END] [SAN]: a certificate signed by CA
  local name=$1 cn=$2 ca=$3 start=${4:-} end=${5:-} san=${6:-}
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$cn" \
    ${san:+-addext "subjectAltName=$san"} -keyout "$C/$name.key" -out "$C/$name.csr" >/dev/null 2>&1
  cp "$C/$ca.crt" "$C/ca.crt"; cp "$C/$ca.key" "$C/ca.key"
  local when=(-days 2)
  [[ -n $start ]] && when=(-startdate "$start" -enddate "$end")
  openssl ca -batch -config "$C/ca.cnf" -in "$C/$name.csr" -out "$C/$name.crt" -notext "${when[@]}" \
    >/dev/null 2>&1
}
mkca sensors-ca
mkca other-ca
mkcert cordond 127.0.0.1 sensors-ca "" "" "IP:127.0.0.1"
mkcert edge-a edge-a sensors-ca
mkcert rogue edge-a other-ca
mkcert stale edge-a sensors-ca 20200101000000Z 20200102000000Z
for f in cordond edge-a rogue stale; do
  [[ -s "$C/$f.crt" ]] || { echo "FAIL - could not make the test certificate $f"; exit 1; }
done
ok "a test CA signed the daemon's and the sensors' certificates"

# --- config -------------------------------------------------------------------------------
write_conf() {  # write_conf FILE SENSORS-SECTION
  cat > "$1" <<EOC
daemon = { state = "$TMP/state.db"; control = "$TMP/ctl.sock"; control_ro = "$TMP/ro.sock"; http = ""; };
sensors = { $2 };
policy = { max_isolations_per_minute = 60; };
enforcement = ( { name = "edge"; kind = "netlink"; prefixes = [ "0.0.0.0/0", "::/0" ]; netns = "$NS";
                  remediation = "10.99.0.0/24"; } );
EOC
}
TLS_FILES="tls_certificate = \"$C/cordond.crt\"; tls_key = \"$C/cordond.key\"; tls_ca = \"$C/sensors-ca.crt\";"
bad_conf() {  # bad_conf SENSORS-SECTION EXPECTED
  write_conf "$TMP/bad.conf" "$1"
  local out rc
  out=$("$B/cordond" -n -f "$TMP/bad.conf" 2>&1); rc=$?
  [[ $rc -eq 1 ]] && grep -qF -- "$2" <<<"$out" && return 0
  echo "  exit $rc: $out"; return 1
}
check "cordond -n refuses a tls: listener without certificate, key and CA" \
  bad_conf "listen = [ \"tls:127.0.0.1:$PORT\" ];" "a tls: listener needs sensors.tls_certificate, tls_key and tls_ca"
check "cordond -n refuses TLS files without a tls: listener" \
  bad_conf "listen = [ \"unix:$TMP/s.sock\" ]; $TLS_FILES" "there is none"
check "cordond -n refuses a CA file it cannot read" \
  bad_conf "listen = [ \"tls:127.0.0.1:$PORT\" ]; tls_certificate = \"$C/cordond.crt\"; tls_key = \"$C/cordond.key\"; tls_ca = \"$C/nope.crt\";" "sensors.tls_ca: $C/nope.crt: No such file or directory"

write_conf "$TMP/c.conf" "listen = [ \"tls:127.0.0.1:$PORT\", \"tcp:127.0.0.1:$((PORT + 1))\" ]; $TLS_FILES handshake_timeout = 3;"
check "cordond -n accepts a tls: listener with its files" "$B/cordond" -n -f "$TMP/c.conf"
"$B/cordond" -d -f "$TMP/c.conf" >"$TMP/daemon.log" 2>&1 &
DPID=$!
listening() { [[ -n "$(ss -Htln "sport = :$PORT")" && -S "$TMP/ctl.sock" ]]; }
wait_until 100 listening || { echo "FAIL - cordond did not come up:"; tail -5 "$TMP/daemon.log"; exit 1; }
ok "cordond listens for sensors over TLS"
check "  and warns that its plain TCP listener is open to anyone" \
  grep -q "sensor listener tcp:127.0.0.1:$((PORT + 1)): plain TCP: anyone who reaches it can send detections" "$TMP/daemon.log"

ctl() { "$B/cordonctl" -s "$TMP/ctl.sock" -r "$TMP/ro.sock" "$@"; }
state() { ctl --json show "$1" 2>/dev/null | jq -r '.host.state // "none"'; }
det() {  # det SRC SENSOR: a detection line that says it comes from SENSOR
  printf '{"time":"2026-01-01T00:00:00Z","sensor":"%s","src":"%s","mac":"02:00:00:00:00:01","vlan":null,"engine":"fanout","proto":"tcp","dport":445,"evidence":{"probes":12,"failures":12,"distinct_dsts":12,"first_seen":"2026-01-01T00:00:00Z","alert_packet":12}}' "$2" "$1"
}
send_tls() {  # send_tls LINE [s_client options]: one line over TLS, then close
  local line=$1; shift
  printf '%s\n' "$line" | timeout 10 openssl s_client -connect "127.0.0.1:$PORT" -CAfile "$C/sensors-ca.crt" \
    -verify_return_error -quiet -no_ign_eof "$@" >"$TMP/s_client.out" 2>&1
}
refusals() { grep -c "sensor tls:127.0.0.1:$PORT (127.0.0.1:[0-9]*): refused: " "$TMP/daemon.log"; }

# --- a valid sensor -------------------------------------------------------------------------
send_tls "$(det 10.31.0.1 liar)" -cert "$C/edge-a.crt" -key "$C/edge-a.key"
check "a sensor with a certificate of the CA is heard (10.31.0.1 isolated)" \
  wait_until 100 bash -c "[[ \$($B/cordonctl -s $TMP/ctl.sock --json show 10.31.0.1 2>/dev/null | jq -r .host.state) == quarantined ]]"
stored=$(sqlite3 "$TMP/state.db" "SELECT json FROM events WHERE host = '10.31.0.1'" 2>/dev/null)
check "  its certificate's name is the sensor stored, not the one its line claims" \
  bash -c "grep -q '\"sensor\":\"edge-a\"' <<<'$stored' && ! grep -q liar <<<'$stored'"

# A short line that names another sensor: its canonical form under the
# certificate's name is longer than the line itself, and is what is stored.
send_tls '{"src":"10.31.0.6","engine":"trw","sensor":"liar"}' -cert "$C/edge-a.crt" -key "$C/edge-a.key"
stored_short() { sqlite3 "$TMP/state.db" "SELECT json FROM events WHERE host = '10.31.0.6'" 2>/dev/null; }
short_as_edge_a() { stored_short | grep -q '"sensor":"edge-a"'; }
short_as_liar() { stored_short | grep -q liar; }
check "a short line's detection is stored under the certificate's name" wait_until 100 short_as_edge_a
check "  and never under the one its line claims" eval "! short_as_liar"

# A sensor quiet for longer than the handshake timeout after its handshake
# is still heard: the handshake's limit ends with the handshake.
{ sleep 4; det 10.31.0.7 edge-a; echo; } | timeout 10 openssl s_client -connect "127.0.0.1:$PORT" \
  -CAfile "$C/sensors-ca.crt" -verify_return_error -quiet -no_ign_eof -cert "$C/edge-a.crt" -key "$C/edge-a.key" \
  >"$TMP/s_client.out" 2>&1
check "a sensor quiet for 4 s after its handshake (handshake_timeout = 3) is heard" \
  wait_until 100 bash -c "[[ \$($B/cordonctl -s $TMP/ctl.sock --json show 10.31.0.7 2>/dev/null | jq -r .host.state) == quarantined ]]"
# A peer that connects and never starts the handshake holds its slot for
# sensors.handshake_timeout only.
python3 - "$PORT" >"$TMP/silent.out" 2>&1 <<'EOP'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
t0 = time.monotonic()
try:
    closed = s.recv(1) == b""
except OSError:
    closed = True
print("closed after %.1f s" % (time.monotonic() - t0) if closed else "not closed")
EOP
check "a peer that never starts the TLS handshake is closed after 3 s ($(cat "$TMP/silent.out"))" \
  grep -Eq "closed after (2\.9|[3-5]\.[0-9]) s" "$TMP/silent.out"
check "  logged with the peer" \
  grep -q "sensor tls:127.0.0.1:$PORT (127.0.0.1:[0-9]*): closed: no TLS handshake within 3 s" "$TMP/daemon.log"

# --- refused: none of them acted on ---------------------------------------------------------
r0=$(refusals)
send_tls "$(det 10.31.0.2 none)"
check "no client certificate: refused" wait_until 100 bash -c "[[ \$(grep -c 'refused: ' $TMP/daemon.log) -gt $r0 ]]"
r1=$(refusals)
send_tls "$(det 10.31.0.3 rogue)" -cert "$C/rogue.crt" -key "$C/rogue.key"
check "a certificate of another CA: refused, saying why" \
  wait_until 100 bash -c "[[ \$(grep -c 'refused: certificate refused: unable to get local issuer certificate' $TMP/daemon.log) -ge 1 ]]"
send_tls "$(det 10.31.0.4 stale)" -cert "$C/stale.crt" -key "$C/stale.key"
check "an expired certificate: refused, saying why" \
  wait_until 100 bash -c "[[ \$(grep -c 'refused: certificate refused: certificate has expired' $TMP/daemon.log) -ge 1 ]]"
r2=$(refusals)
printf '%s\n' "$(det 10.31.0.5 plain)" | timeout 10 socat -t 2 - "TCP:127.0.0.1:$PORT" >/dev/null 2>&1
check "plain text to the TLS port: refused" wait_until 100 bash -c "[[ \$(grep -c 'refused: ' $TMP/daemon.log) -gt $r2 ]]"
check "  every refusal is logged with the peer's address" test "$(refusals)" -ge 4
# A sensor heard after all of them: everything sent before it was read.
send_tls "$(det 10.31.0.9 edge-a)" -cert "$C/edge-a.crt" -key "$C/edge-a.key"
wait_until 100 bash -c "[[ \$($B/cordonctl -s $TMP/ctl.sock --json show 10.31.0.9 2>/dev/null | jq -r .host.state) == quarantined ]]"
for ip in 10.31.0.2 10.31.0.3 10.31.0.4 10.31.0.5; do
  check "  nothing acted on for $ip ($(state "$ip"))" test "$(state "$ip")" = none
done
check "  and no rule for them in the kernel" \
  test "$({ ip -n "$NS" rule show; ip -n "$NS" route show table all; } | grep -c '10\.31\.0\.[2-5]\b')" -eq 0

# --- cordon-sensor itself over TLS -----------------------------------------------------------
# A capture with one scanner (gen_capture, fixed seed), read by the real
# sensor (confined, as shipped) and delivered over TLS.
"$B/tests/gen_capture" -o "$TMP/scan.pcap" --small -H 50 -S 1 >"$TMP/gen.out" 2>&1
SCANNER=$(awk '$1 == "scanner" {print $2; exit}' "$TMP/gen.out")
check "a capture with a scanner ($SCANNER)" test -n "$SCANNER" -a -s "$TMP/scan.pcap"
sensor_conf() {  # sensor_conf FILE CA [CERT]
  cat > "$1" <<EOC
sensor = { name = "says-something-else"; tls_certificate = "$C/${3:-edge-a}.crt"; tls_key = "$C/${3:-edge-a}.key";
           tls_ca = "$C/$2.crt"; };
EOC
}
sensor_conf "$TMP/sensor.conf" sensors-ca
"$B/cordon-sensor" -r "$TMP/scan.pcap" -c "$TMP/sensor.conf" -U root -o "tls:127.0.0.1:$PORT" \
  >"$TMP/sensor.out" 2>&1; rc=$?
check "cordon-sensor delivers over TLS (exit $rc)" test $rc -eq 0 || tail -3 "$TMP/sensor.out"
check "  the scanner is isolated" wait_until 100 bash -c "[[ \$($B/cordonctl -s $TMP/ctl.sock --json show $SCANNER 2>/dev/null | jq -r .host.state) == quarantined ]]"
check "  and stored as the certificate's sensor (edge-a)" \
  bash -c "[[ \$(sqlite3 $TMP/state.db \"SELECT COUNT(*) FROM events WHERE host = '$SCANNER' AND json LIKE '%\\\"sensor\\\":\\\"edge-a\\\"%'\") -ge 1 ]]"
sensor_conf "$TMP/sensor-other.conf" other-ca
"$B/cordon-sensor" -r "$TMP/scan.pcap" -c "$TMP/sensor-other.conf" -U root -o "tls:127.0.0.1:$PORT" \
  >"$TMP/sensor-other.out" 2>&1; rc=$?
check "a sensor that does not trust cordond's CA delivers nothing (exit $rc)" test $rc -eq 3
check "  and says the certificate was refused" grep -q "last error: tls:127.0.0.1:$PORT: certificate refused: " "$TMP/sensor-other.out"
"$B/cordon-sensor" -r "$TMP/scan.pcap" -c "$TMP/sensor.conf" -U root -o "tls:localhost:$PORT" \
  >"$TMP/sensor-name.out" 2>&1; rc=$?
check "cordond's certificate must name the host dialled (localhost: exit $rc)" test $rc -eq 3
check "  refused for that" grep -q "certificate refused: hostname mismatch" "$TMP/sensor-name.out"
printf 'sensor = { name = "x"; };\n' > "$TMP/sensor-none.conf"
out=$("$B/cordon-sensor" -r "$TMP/scan.pcap" -c "$TMP/sensor-none.conf" -U root -o "tls:127.0.0.1:$PORT" 2>&1); rc=$?
check "a tls: output without certificate files: exit 1, saying what is missing" \
  bash -c "[[ $rc -eq 1 ]] && grep -q 'needs sensor.tls_certificate, tls_key and tls_ca' <<<'$out'"

kill "$DPID"; wait "$DPID"; rc=$?; DPID=""
check "cordond stops cleanly (exit $rc)" test $rc -eq 0
if grep -q "ERROR: AddressSanitizer\|LeakSanitizer\|runtime error:" "$TMP/daemon.log"; then
  bad "sanitizer reports in the daemon's log:"; grep -A5 "Sanitizer\|runtime error" "$TMP/daemon.log" | head -30
fi
results
