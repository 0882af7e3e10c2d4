#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# cordond.sh BUILD_DIR CAPTURES_DIR
# The real daemon, end to end, against the real netlink backend in a network
# namespace this test creates (and removes): detections from cordon-sensor
# replaying a recorded capture, protected hosts, the circuit breaker (its
# trip, hold, approval, reset and restart), dry run,
# approval, manual quarantine and release through cordonctl with the
# caller's uid in the audit, probation and relapse, bad input, the read-only
# socket, a sensor running as cordon that reconnects over unix: to a restarted
# daemon running as cordon, kill -9 at every step of an isolation and a
# release, and a restart that finds the kernel's rules gone.
# With CORDON_TEST_STATE=postgresql the same cases run with the daemon's state
# in a PostgreSQL server of the test's own (tests/lib.sh, pg_start), and the
# cases of an unwritable SQLite file become a database server that stops.
set -uo pipefail
# shellcheck source=../lib.sh
source "$(dirname "$0")/../lib.sh"
B=$1
CAPS=$2
TMP=$(mktemp -d /tmp/cordon-ctl-test.XXXXXX)
NS=cordon-ctl-$$
DPID=""
TCP_PORT=$((20000 + $$ % 20000))
pass=0 fail=0

cleanup() {
  [[ -n "$DPID" ]] && kill -9 "$DPID" 2>/dev/null
  pkill -9 -f "cordond -d -f $TMP/" 2>/dev/null
  mountpoint -q "$TMP/full" 2>/dev/null && umount "$TMP/full"
  ns_remove "$NS"
  pg_remove
  rm -rf "$TMP"
}
on_exit cleanup

fail_unless_root
ip netns add "$NS" || { echo "FAIL - ip netns add"; exit 1; }
STATE=${CORDON_TEST_STATE:-sqlite}
# daemon.state's directory holds the daemon's local files on either backend
# (SNMPv3's engine data); with PostgreSQL the file itself is never made.
STATE_DAEMON="state = \"$TMP/state.db\";"
case "$STATE" in
  sqlite) STATE_GROUP="" ;;
  postgresql)
    pg_start || exit 1
    # A password the server (trusting its socket) does not ask for: it must
    # never show in the log or an answer.
    PG_SECRET="pg-secret-$$-$RANDOM"
    STATE_GROUP="state = { backend = \"postgresql\"; conninfo = \"$PG_CONNINFO password=$PG_SECRET\"; };" ;;
  *) echo "FAIL - CORDON_TEST_STATE: '$STATE' is not sqlite or postgresql"; exit 1 ;;
esac
echo "state backend: $STATE"

write_conf() {  # write_conf FILE [extra policy settings]
  cat > "$1" <<EOF
daemon = { $STATE_DAEMON control = "$TMP/ctl.sock"; control_ro = "$TMP/ro.sock";
           control_mode = "0660"; http = ""; };
sensors = { listen = [ "unix:$TMP/sensor.sock", "tcp:127.0.0.1:$TCP_PORT" ]; max_line = 2048; };
policy = { protected = [ "10.50.0.1", "10.51.0.0/16" ]; approval = [ "10.60.0.0/24" ];
           max_isolations_per_minute = 6; probation = 3; retry_initial = 1; retry_max = 2;
           $2 };
enforcement = ( { name = "router"; kind = "netlink"; prefixes = [ "0.0.0.0/0", "::/0" ];
                  netns = "$NS"; remediation = "10.99.0.0/24"; } );
${3:-}
$STATE_GROUP
EOF
}

start() {  # start [ENV=VALUE]; $IN_NS runs the daemon inside the namespace
  ${IN_NS:+ip netns exec "$NS"} env "$@" "$B/cordond" -d -f "$TMP/c.conf" >>"$TMP/daemon.log" 2>&1 &
  DPID=$!
  wait_socket "$TMP/ctl.sock" && return 0
  echo "daemon did not start:"; tail -5 "$TMP/daemon.log"; return 1
}
stop() { [[ -n "$DPID" ]] && kill "$DPID" 2>/dev/null && wait "$DPID" 2>/dev/null; DPID=""; rm -f "$TMP/ctl.sock"; }
ctl() { "$B/cordonctl" -s "$TMP/ctl.sock" -r "$TMP/ro.sock" "$@"; }
state() { ctl --json show "$1" 2>/dev/null | jq -r '.host.state + (if .host.hold != "" then "/" + .host.hold else "" end)'; }
wait_state() {  # wait_state HOST STATE [tries]
  for _ in $(seq "${3:-50}"); do [[ "$(state "$1")" == "$2" ]] && return 0; sleep 0.1; done
  echo "  $1 is '$(state "$1")', expected '$2'"; return 1
}
# Kernel objects (policy rules and routes in any table) that name the host.
# How many the netlink backend installs per host is its business
# (docs/netlink.md); this test learns it from the first isolation and then
# checks that every isolation has exactly that many: nothing doubled, nothing lost.
rules_for() { { ip -n "$NS" rule show; ip -n "$NS" route show table all; ip -n "$NS" -6 route show table all; } 2>/dev/null | grep -cw -- "$1"; }
PER_HOST=""
send_line() { printf '%s\n' "$1" | socat -u - UNIX-CONNECT:"$TMP/sensor.sock"; }
# seen SRC: an asset report (a sensor's "seen" line) for SRC.
seen() {
  printf '{"type":"seen","src":"%s","first_seen":"2026-01-01T00:00:00Z","last_seen":"2026-01-01T00:00:01Z"}' "$1"
}
# tick_passed ADDR: sends an asset report for the unused address ADDR and
# waits (5 s at most) until ADDR is in the list. The daemon writes asset
# reports at the start of its periodic tick and answers cordonctl only
# between whole ticks, so seeing ADDR proves that a full tick (retries,
# verification) ran after everything sent before.
tick_passed() {
  send_line "$(seen "$1")"
  wait_until 50 known "$1" || { echo "  no tick wrote the asset report for $1"; return 1; }
}
known() { ctl --json show "$1" >/dev/null 2>&1; }  # known HOST: the daemon has a record of HOST
det() {  # det SRC [ENGINE]
  printf '{"time":"2026-01-01T00:00:00Z","src":"%s","mac":"02:00:00:00:00:01","vlan":null,"engine":"%s","proto":"tcp","dport":445,"evidence":{"probes":12,"failures":12,"distinct_dsts":12,"first_seen":"2026-01-01T00:00:00Z","alert_packet":12}}' "$1" "${2:-fanout}"
}

# --- config check ---------------------------------------------------------------
write_conf "$TMP/c.conf" ""
check "cordond -n accepts a valid config" "$B/cordond" -n -f "$TMP/c.conf"
write_conf "$TMP/bad.conf" "dry_run = 7;"
out=$("$B/cordond" -n -f "$TMP/bad.conf" 2>&1); rc=$?
check "cordond -n rejects a bad value with file:line" test $rc -eq 1 -a -n "$(grep -E "bad.conf:6: policy.dry_run: expected true or false" <<<"$out")"
sed 's/kind = "netlink"/kind = "carrier-pigeon"/' "$TMP/c.conf" > "$TMP/kind.conf"
out=$("$B/cordond" -n -f "$TMP/kind.conf" 2>&1); rc=$?
check "cordond -n rejects an unknown enforcement kind" test $rc -eq 1 -a -n "$(grep "unknown kind 'carrier-pigeon'" <<<"$out")"
sed 's/remediation = "10.99.0.0\/24"/remediation = "10.99.0.0\/99"/' "$TMP/c.conf" > "$TMP/nl.conf"
out=$("$B/cordond" -d -f "$TMP/nl.conf" 2>&1); rc=$?
check "a bad backend setting stops the start with its line" test $rc -eq 1 -a -n "$(grep -E "nl.conf:[0-9]+: enforcement 'router': line [0-9]+: .*remediation" <<<"$out")"
out=$("$B/cordond" -n -f "$TMP/nl.conf" 2>&1); rc=$?
check "cordond -n checks the backend's settings too" test $rc -eq 1 -a -n "$(grep -E "nl.conf:[0-9]+: enforcement 'router': line [0-9]+: .*remediation" <<<"$out")"

# --- detections from a sensor replaying a recorded worm ----------------------
start || exit 1
if [[ -r "$CAPS/worm_iot_hidenseek_tcp23_2323.pcap" ]]; then
  "$B/cordon-sensor" -r "$CAPS/worm_iot_hidenseek_tcp23_2323.pcap" -o "unix:$TMP/sensor.sock" 2>/dev/null
  check "a replayed worm capture isolates its infected host" wait_state 192.168.2.16 quarantined
  PER_HOST=$(rules_for 192.168.2.16)
  check "its rules are in the router's kernel ($PER_HOST objects name it)" test "$PER_HOST" -ge 1
  check "the gateway of that capture is not touched" test "$(state 192.168.2.1)" != quarantined
  # asset reports are written on the daemon's next tick: wait for this one
  gateway_listed() { ctl --json list --state observed | jq -e '.hosts[] | select(.ip == "192.168.2.1" and .mac != null and .last_seen > .first_seen)' >/dev/null; }
  check "hosts the sensor saw form the asset list (IP, MAC, first and last seen)" wait_until 50 gateway_listed
elif [[ "${CI:-}" == "true" ]]; then
  bad "recorded captures missing in $CAPS (CI=true: required)"
else
  echo "SKIPPED: no recorded captures; the sensor replay case did not run"
fi

# --- policy ---------------------------------------------------------------------
send_line "$(det 10.50.0.1)"
check "a protected host is refused" wait_state 10.50.0.1 suspected/protected
check "  and nothing is installed for it" test "$(rules_for 10.50.0.1)" -eq 0
ctl events --json --limit 50 | grep -q '"host":"10.50.0.1".*"result":"refused: protected"'
check "  and the refusal is audited" test $? -eq 0
send_line "$(det 10.60.0.5)"
check "a host in an approval prefix waits for approval" wait_state 10.60.0.5 suspected/approval
check "  with nothing installed" test "$(rules_for 10.60.0.5)" -eq 0
printf "%s\n" "$(det 10.60.0.6)" | socat -u - TCP:127.0.0.1:$TCP_PORT
check "a remote sensor over TCP is heard too" wait_state 10.60.0.6 suspected/approval
ctl approve 10.60.0.5 >/dev/null
check "cordonctl approve isolates it" wait_state 10.60.0.5 quarantined
ctl --json show 10.60.0.5 | jq -e '.history[] | select(.actor == "uid:0" and (.result | startswith("ok")))' >/dev/null
check "  and the approval is audited with the caller's uid" test $? -eq 0
for i in 1 2 3 4 5 6 7 8; do send_line "$(det 10.70.0.$i)"; done
# every one decided: isolated or held (the cap frees no slot for a minute)
held_by_breaker() {  # held_by_breaker PREFIX: hosts under PREFIX held by the breaker
  ctl --json list | jq --arg p "$1" '[.hosts[] | select(.ip | startswith($p)) | select(.hold == "breaker")] | length'
}
isolated_in() { ctl --json list | jq --arg p "$1" '[.hosts[] | select(.ip | startswith($p)) | select(.state == "quarantined")] | length'; }
cap_decided() { test $(($(isolated_in 10.70.0.) + $(held_by_breaker 10.70.0.))) -eq 8; }
wait_until 50 cap_decided
q=$(isolated_in 10.70.0.)
p=$(held_by_breaker 10.70.0.)
# the cap is 6 a minute; earlier cases took one or two of them
check "the per-minute cap isolates up to the cap ($q isolated)" test "$q" -ge 4 -a "$q" -le 5
check "  then the circuit breaker trips and holds the rest for an operator ($p held)" test "$p" -ge 3 -a $((q + p)) -eq 8
check "  which status reports" test "$(ctl --json status | jq -c '[.breaker.tripped, .breaker.held, .breaker.trips]')" = "[true,$p,1]"
check "  with an ALERT in the log" grep -q "ALERT: circuit breaker tripped: more than 6 isolations in 60 s" "$TMP/daemon.log"
check "  and an audit entry" test -n "$(ctl --json events --limit 100 | jq -c 'select(.event.action == "breaker-trip")')"
ctl breaker reset >/dev/null 2>&1; rc=$?
check "cordonctl breaker reset without a reason is a usage error" test $rc -eq 1
"$B/cordonctl" -s "$TMP/ro.sock" breaker reset --reason x >/dev/null 2>&1; rc=$?
check "  and the read-only socket refuses it (exit 5)" test $rc -eq 5
check "  which leaves the breaker tripped" test "$(ctl --json breaker | jq .breaker.tripped)" = true
out=$(ctl breaker reset --reason "burst checked: real worm"); rc=$?
check "cordonctl breaker reset lets the held hosts with current evidence be isolated ($out)" test $rc -eq 0 -a -n "$(grep -E "circuit breaker reset: $p isolating, 0 stale, 0 held$" <<<"$out")"
all_isolated() { test "$(isolated_in 10.70.0.)" -eq 8; }
check "  all 8 hosts end quarantined" wait_until 50 all_isolated
check "  and the reset is audited with the caller's uid and reason" test -n "$(ctl --json events --limit 200 |
  jq -c 'select(.event.action == "breaker-reset" and .event.actor == "uid:0" and .event.reason == "burst checked: real worm")')"
# the reset started a new minute: 6 - p more go through, then it trips again
for i in 1 2 3 4 5 6; do send_line "$(det 10.71.0.$i)"; done
tripped_again() { test "$(ctl --json breaker | jq -c '[.breaker.tripped, .breaker.trips]')" = "[true,2]"; }
check "a second burst over the cap trips it again" wait_until 50 tripped_again
second_decided() { test $(($(isolated_in 10.71.0.) + $(held_by_breaker 10.71.0.))) -eq 6; }
wait_until 50 second_decided
check "  after $((6 - p)) more isolations ($(isolated_in 10.71.0.))" test "$(isolated_in 10.71.0.)" -eq $((6 - p))
stop
start || exit 1
check "a restarted daemon keeps the breaker tripped" test "$(ctl --json breaker | jq -c '[.breaker.tripped, .breaker.held]')" = "[true,$p]"
check "  and says so in an ALERT at start" grep -q "ALERT: the circuit breaker is tripped (since" "$TMP/daemon.log"
send_line "$(det 10.71.0.9)"
check "  a new detection is held too" wait_state 10.71.0.9 suspected/breaker
ctl approve 10.71.0.9 >/dev/null; rc=$?
check "  and an operator can approve a held host alone" test $rc -eq 0 -a "$(state 10.71.0.9)" = quarantined
out=$(ctl breaker reset --reason "second burst checked"); rc=$?
check "  then reset the breaker ($out)" test $rc -eq 0 -a "$(ctl --json breaker | jq .breaker.tripped)" = false
all_isolated_71() { test "$(isolated_in 10.71.0.)" -eq 7; }
check "  and every held host is isolated" wait_until 50 all_isolated_71

# --- manual quarantine and release --------------------------------------------
out=$(ctl quarantine 10.2.0.7 --reason "on-call: beaconing" 2>&1); rc=$?
check "cordonctl quarantine isolates and says where" test $rc -eq 0 -a -n "$(grep -E '10.2.0.7 isolated: .*prohibit' <<<"$out")"
[[ -z "$PER_HOST" ]] && PER_HOST=$(rules_for 10.2.0.7)
check "  its rules are in the kernel" test "$PER_HOST" -ge 1 -a "$(rules_for 10.2.0.7)" -eq "$PER_HOST"
ctl --json show 10.2.0.7 | jq -e '.history[] | select(.actor == "uid:0" and .reason == "on-call: beaconing")' >/dev/null
check "  audited with the caller's uid and reason" test $? -eq 0
ctl release 10.2.0.7 >/dev/null 2>&1; rc=$?
check "release without --patched is a usage error" test $rc -eq 1
ctl release 10.2.0.7 --patched >/dev/null; rc=$?
check "cordonctl release --patched releases" test $rc -eq 0 -a "$(state 10.2.0.7)" = probation
check "  and removes exactly its rules" test "$(rules_for 10.2.0.7)" -eq 0
send_line "$(det 10.2.0.7 trw)"
check "a detection during probation re-isolates at once" wait_state 10.2.0.7 quarantined
ctl release 10.2.0.7 --patched >/dev/null
check "probation ends in clear" wait_state 10.2.0.7 clear 60
ctl quarantine 10.50.0.1 --reason x >/dev/null 2>&1; rc=$?
check "manual quarantine of a protected host is refused (exit 3)" test $rc -eq 3
ctl show 10.200.0.1 >/dev/null 2>&1; rc=$?
check "show of an unknown host exits 4" test $rc -eq 4

# --- bad input -------------------------------------------------------------------
before=$(ctl --json status | jq .bad_lines)
send_line 'this is not json'
send_line '{"src":"10.1.2.3","engine":"telepathy"}'
send_line '{"src":"999.1.2.3","engine":"trw"}'
send_line "$(head -c 5000 /dev/zero | tr '\0' 'x')"
bad_lines_counted() { test $(($(ctl --json status | jq .bad_lines) - before)) -ge 4; }
wait_until 50 bad_lines_counted
after=$(ctl --json status | jq .bad_lines)
check "malformed and oversized sensor lines are rejected and counted ($before -> $after)" test $((after - before)) -eq 4
check "  with the offending field in the log" wait_for "$TMP/daemon.log" "field 'engine'" 1 5
# 2500 bad lines on one connection: all counted, three logged (the 1st, 1001st
# and 2001st), and the count said when it closes.
before=$(ctl --json status | jq .bad_lines)
logged_before=$(grep -c "rejected a line: not JSON" "$TMP/daemon.log")
for ((k = 0; k < 2500; k++)); do echo "garbage $k"; done | socat -u - UNIX-CONNECT:"$TMP/sensor.sock"
flood_counted() { test $(($(ctl --json status | jq .bad_lines) - before)) -ge 2500; }
check "2500 bad lines on one connection are all counted" wait_until 100 flood_counted
check "  its close says how many" wait_for "$TMP/daemon.log" "closed after 2500 rejected lines" 1 5
check "  and three of them are logged, not 2500" \
  test "$(($(grep -c "rejected a line: not JSON" "$TMP/daemon.log") - logged_before))" -eq 3
check "  the later ones with their number" grep -q "(its rejected line 2001; the first and every 1000th of a connection are logged)" "$TMP/daemon.log"
out=$(printf '{"cmd":"reboot"}\n' | socat -t 2 - UNIX-CONNECT:"$TMP/ctl.sock")
check "an unknown control command gets a clear error" test -n "$(grep "field 'cmd': expected one of quarantine, .*, got .*reboot" <<<"$out")"
out=$(printf 'garbage\n' | socat -t 2 - UNIX-CONNECT:"$TMP/ctl.sock")
check "a non-JSON control request gets a clear error" test -n "$(grep '"ok":false' <<<"$out")"
check "the daemon runs on with its state intact" test "$(state 10.60.0.5)" = quarantined -a "$(state 10.2.0.7)" = clear

# --- the exposure map: services in asset reports ---------------------------------
svc() { printf '{"proto":"%s","port":%s,"first_seen":"2026-01-01T00:00:00Z","last_seen":"2026-01-01T00:00:05Z"}' "$1" "$2"; }
seen_svc() {  # seen_svc SRC SERVICES: an asset report with services
  printf '{"type":"seen","src":"%s","first_seen":"2026-01-01T00:00:00Z","last_seen":"2026-01-01T00:00:05Z","services":[%s]}' "$1" "$2"
}
send_line "$(seen_svc 10.40.0.2 "$(svc tcp 445),$(svc udp 1434)")"
send_line "$(seen_svc 10.40.0.3 "$(svc tcp 139)")"
send_line "$(seen_svc 10.40.0.4 "$(svc udp 445)")"
send_line "$(seen_svc 10.40.0.5 "$(svc tcp 70000)")"
exposed_ips() { ctl --json assets --exposed "$1" | jq -r '[.hosts[].ip | select(startswith("10.40."))] | join(" ")'; }
exposed_445() { [[ "$(exposed_ips 445)" == "10.40.0.2 10.40.0.4" ]]; }
check "cordonctl assets --exposed 445 lists the hosts answering on tcp/445 or udp/445" wait_until 50 exposed_445
out=$(ctl --json assets --exposed 445 --state observed | jq -c '.hosts[] | select(.ip == "10.40.0.2") | [.state, [.services[] | .proto + "/" + (.port | tostring)]]')
check "  each with its state and services ($out)" test "$out" = '["observed",["tcp/445","udp/1434"]]'
check "  hosts not exposing it are left out" test "$(exposed_ips 139)" = 10.40.0.3
check "  and a quarantined filter finds none of them" test -z "$(ctl --json assets --exposed 445 --state quarantined | jq -r '.hosts[].ip | select(startswith("10.40."))')"
out=$(ctl assets --exposed 1434)
check "  the table shows the services" test -n "$(grep -E '^10\.40\.0\.2 .* observed .*tcp/445,udp/1434$' <<<"$out")"
check "a report with a bad service is rejected, naming the field" wait_for "$TMP/daemon.log" "field 'services\[0\].port'" 1 5
check "  and records nothing" test "$(ctl show 10.40.0.5 >/dev/null 2>&1; echo $?)" -eq 4
ctl assets --exposed 0 >/dev/null 2>&1; rc=$?
check "cordonctl assets --exposed 0 is a usage error" test $rc -eq 1
if [[ -r "$CAPS/benign_smb2_fileshare_zeek.pcap" ]]; then
  # From the wire: the file server answers SYNs on tcp/445 (SYN-ACKs), the sensor's
  # asset report names the service, and the exposure map shows it.
  "$B/cordon-sensor" -r "$CAPS/benign_smb2_fileshare_zeek.pcap" -o "unix:$TMP/sensor.sock" 2>/dev/null
  server_exposed() { ctl --json assets --exposed 445 | jq -e '.hosts[] | select(.ip == "10.0.0.12" and any(.services[]; .proto == "tcp" and .port == 445 and .last_seen >= .first_seen))' >/dev/null; }
  check "a file server seen answering on tcp/445 in a capture is on the exposure map" wait_until 50 server_exposed
  check "  its client is not" test -z "$(ctl --json assets --exposed 445 | jq -r '.hosts[].ip | select(. == "10.0.0.11")')"
fi

# --- read-only socket and an unprivileged caller -------------------------------
"$B/cordonctl" -s "$TMP/ro.sock" quarantine 10.3.0.1 --reason x >/dev/null 2>&1; rc=$?
check "the read-only socket refuses to act (exit 5)" test $rc -eq 5
check "the read-only socket serves list" "$B/cordonctl" -s "$TMP/ro.sock" list
chmod 755 "$TMP"
setpriv --reuid=nobody --regid=nogroup --clear-groups "$B/cordonctl" -s "$TMP/ctl.sock" -r "$TMP/ro.sock" list >/dev/null 2>&1; rc=$?
check "an unprivileged user can read (through the read-only socket)" test $rc -eq 0
setpriv --reuid=nobody --regid=nogroup --clear-groups "$B/cordonctl" -s "$TMP/ctl.sock" -r "$TMP/ro.sock" quarantine 10.3.0.1 --reason x >/dev/null 2>&1; rc=$?
check "  but cannot act (exit 5)" test $rc -eq 5
check "  and nothing was isolated" test "$(state 10.3.0.1)" != quarantined
stop

# --- dry run (and detections kept for a second only) ---------------------------------
write_conf "$TMP/c.conf" "dry_run = true;"
sed -i 's|http = ""; };|http = ""; retention_events = 1; retention_audit = 0; };|' "$TMP/c.conf"
start || exit 1
send_line "$(det 10.80.0.9)"
check "dry run decides and logs" wait_state 10.80.0.9 suspected/dry-run
# a tick after the decision: the one that would retry
check "  and its tick runs on" tick_passed 10.249.0.1
check "  and changes nothing" test "$(rules_for 10.80.0.9)" -eq 0
grep -q "dry run: would isolate 10.80.0.9" "$TMP/daemon.log"
check "  saying what it would do" test $? -eq 0
# the detections the earlier cases stored (at least 17 lines of this script) are
# older than a second by now
events_pruned() { test "$(ctl --json status | jq .pruned_events)" -ge 17; }
check "stored detections older than daemon.retention_events are pruned ($(ctl --json status | jq -c '[.pruned_events, .pruned_audit]'))" \
  wait_until 50 events_pruned
check "  the audit log is kept (retention_audit = 0)" test "$(ctl --json status | jq .pruned_audit)" -eq 0
stop

# --- a sensor on a local interface, in the daemon's process -------------------------
if [[ -r "$CAPS/worm_slammer_udp1434.pcap" ]] && command -v tcpreplay >/dev/null; then
  ip -n "$NS" link add vsense type veth peer name vinject
  ip -n "$NS" link set vsense up
  ip -n "$NS" link set vinject up
  write_conf "$TMP/c.conf" ""
  sed -i 's|sensors = {|sensors = { interfaces = [ "vsense" ];|' "$TMP/c.conf"
  IN_NS=1 start || exit 1
  # The control socket can be up before the capture is: wait for it.
  check "the daemon's capture on vsense is attached" wait_capture "$NS" vsense
  ip netns exec "$NS" tcpreplay -q -i vinject "$CAPS/worm_slammer_udp1434.pcap" >/dev/null 2>&1
  check "a sensor on a local interface isolates a live Slammer source" wait_state 213.76.212.22 quarantined
  [[ $fail -gt 0 ]] && tail -20 "$TMP/daemon.log"
  ctl --json show 213.76.212.22 | jq -e '.host.reason | test("signature slammer")' >/dev/null
  check "  for the Slammer signature" test $? -eq 0
  stop
  write_conf "$TMP/c.conf" ""
elif [[ "${CI:-}" == "true" ]]; then
  bad "local interface sensor not tested: captures or tcpreplay missing"
else
  echo "SKIPPED: local interface sensor (no recorded captures here)"
fi

# --- release by a verification command -------------------------------------------
cat > "$TMP/verify.sh" <<'EOF'
#!/bin/sh
# patched when the test says so
[ -e "$(dirname "$0")/patched-$1" ]
EOF
chmod +x "$TMP/verify.sh"
write_conf "$TMP/c.conf" "" "verification = ( { prefixes = [ \"10.95.0.0/24\" ]; command = \"$TMP/verify.sh {ip}\"; interval = 1; timeout = 5; } );"
start || exit 1
ctl quarantine 10.95.0.1 --reason "verify test" >/dev/null
# the verification command ran and failed: the daemon decided not to release
check "a failing verification is logged" wait_for "$TMP/daemon.log" "verification of 10.95.0.1: not patched yet" 1 10
check "a failing verification leaves the host isolated" test "$(state 10.95.0.1)" = quarantined
touch "$TMP/patched-10.95.0.1"
check "a passing verification releases it" wait_state 10.95.0.1 probation 50
ctl --json show 10.95.0.1 | jq -e '.history[] | select(.actor == "verify" and (.result | startswith("ok")))' >/dev/null
check "  audited as the verification's doing" test $? -eq 0
check "  and its rules are gone" test "$(rules_for 10.95.0.1)" -eq 0
stop
write_conf "$TMP/c.conf" ""

# --- hostile bytes in a record (a switch's ifName that is not UTF-8) -------------------
# (SQLite only: PostgreSQL holds UTF-8 alone, and Cordon writes '?' for each
# bad byte there, which test_registry's test_odd_text checks.)
stop
if [[ $STATE == sqlite ]]; then
  sqlite3 "$TMP/state.db" "UPDATE hosts SET loc_port = X'4275C30A', loc_detail = 'port ' || X'FF' WHERE ip = '10.60.0.5';"
  start || exit 1
  ctl --json list | jq -e '.hosts[] | select(.ip == "10.60.0.5")' >/dev/null
  check "a record with invalid UTF-8 still shows in list" test $? -eq 0
  timeout 5 "$B/cordonctl" -s "$TMP/ctl.sock" --json show 10.60.0.5 | jq -e '.host.location.port | test("^Bu\\?")' >/dev/null
  check "  and show answers, with the bytes made visible" test $? -eq 0
else
  start || exit 1
fi

# --- an address no enforcement point serves: held, reported once, never retried ------
stop
sed -i 's|prefixes = \[ "0.0.0.0/0", "::/0" \]|prefixes = [ "10.0.0.0/8", "192.168.0.0/16", "213.0.0.0/8", "2001:db8::/32" ]|' "$TMP/c.conf"
start || exit 1
send_line "$(det 198.51.100.9)"
check "no point for it: held as suspected/no-point" wait_state 198.51.100.9 suspected/no-point
# a tick after the decision: the one that would retry a failed isolation
check "  and its tick runs on" tick_passed 10.249.0.2
retry=$(ctl --json show 198.51.100.9 | jq -r '"\(.host.attempts) attempts, next retry at \(.host.next_retry)"')
check "  no attempt made, none scheduled ($retry)" test "$(ctl --json show 198.51.100.9 | jq '.host.attempts == 0 and .host.next_retry == 0')" = true
check "  still held" test "$(state 198.51.100.9)" = suspected/no-point
n=$(grep -c "198.51.100.9" "$TMP/daemon.log")
check "  reported, not retried ($n log lines)" test "$n" -le 3
ctl quarantine 198.51.100.10 --reason "none serves it" >/dev/null 2>&1; rc=$?
check "  a manual quarantine says so at once (exit 3)" test $rc -eq 3
write_conf "$TMP/c.conf" ""

# --- least privilege: after start, an unprivileged user with CAP_NET_ADMIN only --
stop
sed -i 's|control_mode = "0660";|control_mode = "0660"; user = "nobody";|' "$TMP/c.conf"
start || exit 1
check "with daemon.user the daemon runs as that user" test "$(awk '/^Uid:/ {print $2 $3 $4 $5}' /proc/$DPID/status)" = "65534655346553465534"
check "  keeping only CAP_NET_ADMIN" test "$(awk '/^CapEff:/ {print $2}' /proc/$DPID/status)" = 0000000000001000 -a "$(awk '/^CapPrm:/ {print $2}' /proc/$DPID/status)" = 0000000000001000
ctl quarantine 10.93.0.1 --reason "unprivileged daemon" >/dev/null
check "  and still isolates through netlink" test "$(state 10.93.0.1)" = quarantined -a "$(rules_for 10.93.0.1)" -ge 1
[[ $STATE == sqlite ]] &&
  check "  its state files belong to that user" test "$(stat -c %U "$TMP/state.db")" = nobody
stop
write_conf "$TMP/c.conf" ""

# --- a confined sensor reconnects over unix: to a restarted cordond -------------
# cordond binds its sensor socket as root and hands it to daemon.user (here
# cordon, mode 0660 kept) before it drops; a sensor that dropped to cordon
# too reconnects by path after cordond restarts, with no owner changed by hand.
# uid_of PID: the real uid in /proc/PID/status
uid_of() { awk '/^Uid:/ {print $2}' "/proc/$1/status" 2>/dev/null; }
blaster="$CAPS/worm_blaster_tcp4444_shell.pcap"
if getent passwd cordon >/dev/null && [[ -r "$blaster" ]] && command -v tcpreplay >/dev/null; then
  CORDON_UID=$(id -u cordon)
  chmod 0711 "$TMP"   # the sensor, as cordon, reaches the socket by path
  ip -n "$NS" link show vsense >/dev/null 2>&1 ||
    { ip -n "$NS" link add vsense type veth peer name vinject &&
      ip -n "$NS" link set vsense up && ip -n "$NS" link set vinject up; }
  sed -i 's|control_mode = "0660";|control_mode = "0660"; user = "cordon";|' "$TMP/c.conf"
  start || exit 1
  check "daemon.user cordon: the sensor socket is handed to cordon:cordon, mode 0660" \
    test "$(stat -c '%U:%G %a' "$TMP/sensor.sock")" = "cordon:cordon 660"
  ip netns exec "$NS" "$B/cordon-sensor" -U cordon -i vsense -o "unix:$TMP/sensor.sock" \
    >"$TMP/usensor.out" 2>"$TMP/usensor.err" &
  SPID=$!
  sensor_dropped() { [[ "$(uid_of $SPID)" == "$CORDON_UID" ]]; }
  wait_until 100 sensor_dropped
  check "  a sensor with unix: output runs as cordon" test "$(uid_of $SPID)" = "$CORDON_UID"
  check "  its capture is attached" wait_capture "$NS" vsense
  stop
  start || exit 1
  check "  the restarted cordond hands its new socket to cordon:cordon too" \
    test "$(stat -c '%U:%G %a' "$TMP/sensor.sock")" = "cordon:cordon 660"
  ip netns exec "$NS" tcpreplay -q -i vinject "$blaster" >/dev/null 2>&1
  wait_until 100 known 10.234.0.239
  ctl --json show 10.234.0.239 2>/dev/null | jq -e '.host.reason | test("signature blaster")' >/dev/null
  check "  the sensor reconnects as cordon and its detection arrives" test $? -eq 0
  [[ $fail -gt 0 ]] && { tail -5 "$TMP/usensor.err"; tail -5 "$TMP/daemon.log"; }
  check "  the sensor still runs" kill -0 "$SPID"
  kill -TERM "$SPID"; wait "$SPID"; rc=$?
  check "  and exits 0 on SIGTERM (exit $rc)" test $rc -eq 0
  stop
  chmod 0700 "$TMP"
  write_conf "$TMP/c.conf" ""
elif [[ "${CI:-}" == "true" ]]; then
  bad "sensor reconnect as cordon not tested: user cordon, the captures or tcpreplay missing"
else
  echo "SKIPPED: sensor reconnect as cordon (user cordon, captures or tcpreplay missing)"
fi

if [[ $STATE == sqlite ]]; then
# --- the state database cannot be written: refuse to act rather than act unrecorded --
start || exit 1
chattr +i "$TMP/state.db" "$TMP/state.db-wal" 2>/dev/null || chmod 0444 "$TMP/state.db" "$TMP/state.db-wal"
ctl quarantine 10.94.0.1 --reason "db read-only" >"$TMP/ro.out" 2>&1; rc=$?
check "an unwritable state database: quarantine refused (exit 3)" test $rc -eq 3
check "  nothing installed" test "$(rules_for 10.94.0.1)" -eq 0
grep -q "refusing to isolate 10.94.0.1: the state database cannot record it" "$TMP/daemon.log"
check "  and the daemon says why" test $? -eq 0
send_line "$(det 10.94.0.2)"
# the daemon's decision on it: not acted on, for the state database cannot record it
check "  a detection is refused too" wait_for "$TMP/daemon.log" "refusing to isolate 10.94.0.2: the state database cannot record it" 1 5
check "  a detection is not acted on either" test "$(rules_for 10.94.0.2)" -eq 0
check "  and the daemon keeps running" kill -0 "$DPID"
chattr -i "$TMP/state.db" "$TMP/state.db-wal" 2>/dev/null; chmod 0644 "$TMP/state.db" "$TMP/state.db-wal" 2>/dev/null
stop

# --- the disk under the state database is full: the same refusal, then recovery ------
mkdir -p "$TMP/full"
if mount -t tmpfs -o size=1m tmpfs "$TMP/full"; then
  sed "s|$TMP/state.db|$TMP/full/state.db|" "$TMP/c.conf" >"$TMP/full.conf" && cp "$TMP/full.conf" "$TMP/c.conf"
  start || exit 1
  dd if=/dev/zero of="$TMP/full/fill" bs=4k >/dev/null 2>&1
  ctl quarantine 10.94.0.3 --reason "disk full" >/dev/null 2>&1; rc=$?
  check "a full disk: quarantine refused (exit 3)" test $rc -eq 3
  check "  nothing installed" test "$(rules_for 10.94.0.3)" -eq 0
  check "  and the daemon keeps running" kill -0 "$DPID"
  rm -f "$TMP/full/fill"
  ctl quarantine 10.94.0.3 --reason "disk freed" >/dev/null 2>&1; rc=$?
  check "  once space is back, it isolates again" test $rc -eq 0 -a "$(rules_for 10.94.0.3)" -ge 1
  ctl release 10.94.0.3 --patched >/dev/null 2>&1
  stop
  umount "$TMP/full"
  write_conf "$TMP/c.conf" ""
else
  bad "cannot mount a tmpfs for the full-disk case"
fi
else
# --- the database server stops: refuse to act rather than act unrecorded, then recover --
start || exit 1
leads_said() { grep -c "leads the controllers sharing the state database (term [0-9]*): reconciling" "$TMP/daemon.log"; }
n0=$(leads_said)
pg_stop
ctl quarantine 10.94.0.1 --reason "database down" >"$TMP/ro.out" 2>&1; rc=$?
check "the database server stopped: quarantine refused (exit 3)" test $rc -eq 3
check "  nothing installed" test "$(rules_for 10.94.0.1)" -eq 0
check "  and says why ($(head -c 160 "$TMP/ro.out"))" grep -Eq "state database|cannot be reached" "$TMP/ro.out"
check "  as does the daemon's log, in an ALERT" grep -q "ALERT: the PostgreSQL state database cannot be reached" "$TMP/daemon.log"
send_line "$(det 10.94.0.2)"
check "  a detection is refused too" wait_for "$TMP/daemon.log" "detection for 10.94.0.2 not acted on: .*state database" 1 5
check "  a detection is not acted on either" test "$(rules_for 10.94.0.2)" -eq 0
check "  and the daemon keeps running" kill -0 "$DPID"
check "  it stopped leading, at once" wait_for "$TMP/daemon.log" "ALERT: .* no longer leads" 1 5
pg_start_again || exit 1
leading() { [[ "$(ctl --json status 2>/dev/null | jq .leadership.leading)" == true ]]; }
check "  once the server is back, it leads again, with a new term" wait_until 150 leading
check "  after reconciling with the enforcement points ($n0 -> $(leads_said) leads said)" test "$(leads_said)" -eq $((n0 + 1))
ctl quarantine 10.94.0.3 --reason "database back" >/dev/null 2>&1; rc=$?
check "  once the server is back, it isolates again (connection made again)" test $rc -eq 0 -a "$(rules_for 10.94.0.3)" -ge 1
check "  and reads what was recorded before" test "$(state 10.60.0.5)" = quarantined
check "  and the log says it is back" grep -q "the PostgreSQL state database is reached again" "$TMP/daemon.log"
ctl release 10.94.0.3 --patched >/dev/null 2>&1
stop
fi

# --- kill -9 at every step ---------------------------------------------------------
n=0
for fp in isolate-recorded location-recorded isolation-applied; do
  n=$((n + 1)); h=10.90.0.$n
  start CORDON_FAILPOINT=$fp || exit 1
  ctl quarantine "$h" --reason "crash at $fp" >/dev/null 2>&1
  wait "$DPID" 2>/dev/null; rc=$?; DPID=""
  check "kill -9 at $fp: the daemon died by SIGKILL" test $rc -eq 137
  rm -f "$TMP/ctl.sock"
  start || exit 1
  check "  after restart $h is isolated" wait_state "$h" quarantined
  check "  with its rules exactly once" test "$(rules_for "$h")" -eq "$PER_HOST"
  stop
done
for fp in release-recorded release-applied; do
  n=$((n + 1)); h=10.90.0.$n
  start || exit 1
  ctl quarantine "$h" --reason "to release" >/dev/null
  stop
  start CORDON_FAILPOINT=$fp || exit 1
  ctl release "$h" --patched >/dev/null 2>&1
  wait "$DPID" 2>/dev/null; rc=$?; DPID=""
  check "kill -9 at $fp: the daemon died by SIGKILL" test $rc -eq 137
  rm -f "$TMP/ctl.sock"
  start || exit 1
  check "  after restart the release of $h is finished" wait_state "$h" probation
  check "  and its rules are gone" test "$(rules_for "$h")" -eq 0
  stop
done

# --- restart after the kernel lost the rules: re-applied, reported, never released --
start || exit 1
ctl quarantine 10.91.0.1 --reason "reboot test" >/dev/null
kill -9 "$DPID"; wait "$DPID" 2>/dev/null; DPID=""
# delete exactly this host's rules and routes (other hosts share the priorities)
ip -n "$NS" rule show | grep -w 10.91.0.1 | while IFS= read -r line; do
  pref=${line%%:*}
  ip -n "$NS" rule del pref "$pref" ${line#*:}
done
ip -n "$NS" route show table all | grep -w 10.91.0.1 | while IFS= read -r line; do
  ip -n "$NS" route del $line
done
check "the rules were removed behind the daemon's back" test "$(rules_for 10.91.0.1)" -eq 0
start || exit 1
check "restart re-applies the missing isolation" wait_state 10.91.0.1 quarantined
rules_back() { [[ "$(rules_for 10.91.0.1)" -eq "$PER_HOST" ]]; }
wait_until 30 rules_back
check "  its rules are back, once" test "$(rules_for 10.91.0.1)" -eq "$PER_HOST"
check "  and the difference is reported" wait_until 100 grep -q "reconcile: router: missing .*10.91.0.1" "$TMP/daemon.log"
stop
# an extra Cordon rule that no state accounts for: reported at start, left in place
ip -n "$NS" rule add pref 9103 from 10.92.0.1 prohibit proto 77
start || exit 1
# With a shared state database (cordond_postgresql runs this script) the
# start's reconcile comes once the daemon leads, after its control socket
# listens: the report is waited for, not assumed.
check "an extra Cordon rule no state accounts for is reported" \
  wait_until 100 grep -q "reconcile: router: extra .*10.92.0.1" "$TMP/daemon.log"
check "  and kept (remove_extra is off)" test "$(rules_for 10.92.0.1)" -eq 1
ip -n "$NS" rule del pref 9103 from 10.92.0.1 prohibit proto 77
total=$(ctl --json list | jq '[.hosts[] | select(.state == "quarantined")] | length')
check "no host was released by the restarts ($total isolated)" test "$total" -ge 8
stop

if [[ $STATE == postgresql ]]; then
  check "the connection string's password is in no log line ($(grep -c "$PG_SECRET" "$TMP/daemon.log"))" \
    test "$(grep -c "$PG_SECRET" "$TMP/daemon.log")" -eq 0
fi
results
