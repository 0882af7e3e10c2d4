#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# http.sh BUILD_DIR
# cordond's HTTP API and Prometheus metrics, end to end: the real daemon with
# the real netlink backend acting on a network namespace this test creates
# (and removes), its HTTP server on a free loopback port, a host quarantined
# and released with cordonctl, and every endpoint checked with curl: status
# codes, JSON bodies, the metrics text against the exposition format's
# grammar, the 400/404/405 answers, and the config checks of daemon.http.
set -uo pipefail
# shellcheck source=../lib.sh
source "$(dirname "$0")/../lib.sh"
B=$1
TMP=$(mktemp -d /tmp/cordon-http-test.XXXXXX)
NS=cordon-http-$$
DPID="" D2PID=""
pass=0 fail=0

cleanup() {
  [[ -n "$DPID" ]] && kill -9 "$DPID" 2>/dev/null
  [[ -n "$D2PID" ]] && kill -9 "$D2PID" 2>/dev/null
  ns_remove "$NS"
  [[ -n "${KEEP_TMP:-}" ]] || rm -rf "$TMP"
}
on_exit cleanup

fail_unless_root
for t in curl jq ss; do
  command -v $t >/dev/null || { echo "FAIL - $t is missing (scripts/install-deps)"; exit 1; }
done
ip netns add "$NS" || { echo "FAIL - ip netns add"; exit 1; }

# A loopback port nobody listens on (bounded tries; the daemon's own bind
# error below is what a race would show).
PORT=$(free_port) || { echo "FAIL - no free loopback port"; exit 1; }
URL=http://127.0.0.1:$PORT

# The point's name holds a quote and a backslash: label values must be escaped.
POINT_NAME='lab \"r1\" \\ edge'
POINT_LABEL='lab \"r1\" \\ edge'

write_conf() {  # write_conf FILE HTTP [DIR]: http on line 2 for the file:line checks
  local d=${3:-$TMP}
  cat > "$1" <<EOF
daemon = { state = "$d/state.db"; control = "$d/ctl.sock"; control_ro = "$d/ro.sock";
           http = "$2"; };
sensors = { listen = [ "unix:$d/sensor.sock" ]; };
policy = { protected = [ "10.50.0.1" ]; max_isolations_per_minute = 6; probation = 60; };
enforcement = ( { name = "$POINT_NAME"; kind = "netlink"; prefixes = [ "0.0.0.0/0", "::/0" ];
                  netns = "$NS"; remediation = "10.99.0.0/24"; } );
EOF
}

ctl() { "$B/cordonctl" -s "$TMP/ctl.sock" -r "$TMP/ro.sock" "$@"; }

# get [curl options] PATH: sets CODE, CTYPE and the body in $TMP/body.
get() {
  local path=${*: -1}
  local out
  out=$(curl -sg --noproxy '*' --max-time 5 -o "$TMP/body" -w '%{http_code} %{content_type}' \
        "${@:1:$#-1}" "$URL$path")
  CODE=${out%% *}
  CTYPE=${out#* }
}
body() { cat "$TMP/body"; }
jqb() { jq -e "$@" "$TMP/body" >/dev/null 2>&1; }
# code_jq CODE JQ-ARGS...: the last answer had status CODE and its body passes jqb (one
# command for check: `check D test ... && jqb ...` would leave jqb's result unchecked).
code_jq() { local c=$1; shift; test "$CODE" = "$c" && jqb "$@"; }
jqs() { jq -e "$1" "$2" >/dev/null 2>&1; }   # jqs FILTER FILE
metric() {  # metric NAME_WITH_LABELS: its value in the last /metrics body
  N="$1" awk 'index($0, ENVIRON["N"] " ") == 1 { print $NF }' "$TMP/metrics"   # -v would unescape \\
}
scrape() { get /metrics; cp "$TMP/body" "$TMP/metrics"; }

# --- daemon.http in the config -------------------------------------------------
write_conf "$TMP/c.conf" "127.0.0.1:$PORT"
check "cordond -n accepts http = \"127.0.0.1:$PORT\"" "$B/cordond" -n -f "$TMP/c.conf"
write_conf "$TMP/v6.conf" "[::1]:$PORT"
check "cordond -n accepts an IPv6 address in brackets" "$B/cordond" -n -f "$TMP/v6.conf"
bad_http() {  # bad_http VALUE EXPECTED-TEXT
  write_conf "$TMP/bad.conf" "$1"
  local out rc
  out=$("$B/cordond" -n -f "$TMP/bad.conf" 2>&1); rc=$?
  if [[ $rc -eq 1 ]] && grep -qF "bad.conf:2: daemon.http: " <<<"$out" && grep -qF -- "$2" <<<"$out"; then
    return 0
  fi
  echo "  exit $rc: $out"; return 1
}
check "cordond -n refuses a host name (exit 1, file:line)" bad_http "localhost:$PORT" "not a numeric IPv4 address"
check "cordond -n refuses port 0" bad_http "127.0.0.1:0" "not a number from 1 to 65535"
check "cordond -n refuses port 70000" bad_http "127.0.0.1:70000" "not a number from 1 to 65535"
check "cordond -n refuses a missing port" bad_http "127.0.0.1" "must be ADDRESS:PORT"
check "cordond -n refuses IPv6 without brackets" bad_http "::1:$PORT" "goes in brackets"
check "cordond -n refuses a bad address" bad_http "127.0.0.300:$PORT" "not a numeric IPv4 address"

# --- start ---------------------------------------------------------------------------
"$B/cordond" -d -f "$TMP/c.conf" >>"$TMP/daemon.log" 2>&1 &
DPID=$!
up=0
for _ in $(seq 50); do
  get /metrics
  [[ "$CODE" == 200 && -S "$TMP/ctl.sock" ]] && { up=1; break; }
  sleep 0.1
done
if [[ $up -ne 1 ]]; then
  echo "FAIL - the daemon did not come up with its HTTP API:"; tail -5 "$TMP/daemon.log"; exit 1
fi
ok "the daemon serves HTTP on $URL"
listeners=$(ss -Htln "sport = :$PORT" | awk '{print $4}')
check "  on loopback only ($listeners)" test "$listeners" = "127.0.0.1:$PORT"
grep -q "HTTP API, metrics and console on http://127.0.0.1:$PORT/" "$TMP/daemon.log"
check "  and says so in its log" test $? -eq 0

# A second daemon (its own state and sockets) on the same HTTP address.
mkdir -p "$TMP/d2"
write_conf "$TMP/d2.conf" "127.0.0.1:$PORT" "$TMP/d2"
timeout 10 "$B/cordond" -d -f "$TMP/d2.conf" >"$TMP/d2.log" 2>&1 &
D2PID=$!
wait "$D2PID"; rc=$?; D2PID=""
check "a daemon whose HTTP address is taken refuses to start (exit $rc)" test $rc -eq 1
grep -q "HTTP API: cannot bind on 127.0.0.1:$PORT (daemon.http in $TMP/d2.conf): Address already in use" "$TMP/d2.log"
check "  saying which address, which setting and why" test $? -eq 0 || tail -3 "$TMP/d2.log"

# --- metrics before ----------------------------------------------------------------
scrape
started0=$(metric cordon_isolations_started_total)
ok0=$(metric cordon_isolations_ok_total)
check "/metrics before: isolations started is a number ($started0)" test -n "$started0"

# --- quarantine with cordonctl, then read it over HTTP -------------------------------
ctl quarantine 10.2.0.7 --reason "http test: beaconing" >/dev/null; rc=$?
check "cordonctl quarantine 10.2.0.7" test $rc -eq 0

get /api/v1/hosts
check "GET /api/v1/hosts: 200 JSON" test "$CODE" = 200 -a "$CTYPE" = application/json
check "  lists 10.2.0.7 as quarantined" jqb '.hosts[] | select(.ip == "10.2.0.7" and .state == "quarantined")'
ctl --json list | jq -S .hosts > "$TMP/ctl-list"
jq -S .hosts "$TMP/body" > "$TMP/http-list"
check "  with the same host objects as cordonctl list" cmp -s "$TMP/ctl-list" "$TMP/http-list"

# pages: three more hosts on record (asset reports), then walked two at a time
for a in 10.2.0.8 10.2.0.9 10.2.0.10; do
  printf '{"type":"seen","src":"%s","first_seen":"2026-01-01T00:00:00Z","last_seen":"2026-01-01T00:00:01Z"}\n' "$a" |
    socat -u - UNIX-CONNECT:"$TMP/sensor.sock"
done
four_listed() { test "$(ctl --json list | jq '.hosts | length')" -ge 4; }
wait_until 50 four_listed
all=$(ctl --json list | jq -c '[.hosts[].ip]')
walked=() after=""
for _ in 1 2 3 4 5; do
  get "/api/v1/hosts?limit=2${after:+&after=$after}"
  mapfile -t -O "${#walked[@]}" walked < <(jq -r '.hosts[].ip' "$TMP/body")
  after=$(jq -r '.next // empty' "$TMP/body")
  [[ -z "$after" ]] && break
done
check "GET /api/v1/hosts pages (limit=2, after=NEXT) walk every host once, in order ($all)" \
  test "$(printf '%s\n' "${walked[@]}" | jq -R . | jq -sc .)" = "$all"
get "/api/v1/hosts?after=10.2.0.300"
check "  a bad cursor: 400 quoting it" \
  jqb '.status == 400 and (.error == "parameter '"'after'"': expected an IPv4 or IPv6 address (the last one of the previous page), got \"10.2.0.300\"")'
get "/api/v1/hosts?limit=0"
check "  a bad limit: 400 quoting it" \
  jqb '.status == 400 and (.error == "parameter '"'limit'"': expected a whole number from 1 to 10000, got \"0\"")'
# Bytes that are not UTF-8, control characters, a long value: quoted cut, printable ASCII.
get "/api/v1/hosts?state=%ff%01$(printf 'x%.0s' {1..80})"
check "  a state of any bytes: 400 quoting it cut, printable ASCII" \
  jqb '.status == 400 and (.error | test("^parameter '"'state'"': expected one of observed, .*, got \"\\?\\?x{57}[.]{3}$"))'
get "/api/v1/hosts?mac=caf%C3%A9%0a"
check "  a bad mac: 400 quoting it escaped" \
  jqb '.status == 400 and (.error == "parameter '"'mac'"': expected aa:bb:cc:dd:ee:ff, got \"caf\\u00E9\\n\"")'
out=$(printf '{"cmd":"list","limit":2}\n' | socat -t 2 - UNIX-CONNECT:"$TMP/ctl.sock")
check "the control socket's list pages too (limit 2: two hosts and the next cursor)" \
  test "$(jq -c '[(.hosts | length), (.next | type)]' <<<"$out")" = '[2,"string"]'

get "/api/v1/hosts?state=quarantined"
check "GET /api/v1/hosts?state=quarantined: only quarantined hosts" \
  jqb '(.hosts | length) == 1 and all(.hosts[]; .state == "quarantined")'
get "/api/v1/hosts?state=clear"
check "GET /api/v1/hosts?state=clear: none" jqb '.hosts == []'
get "/api/v1/hosts?state=asleep"
check "GET /api/v1/hosts?state=asleep: 400 naming the state" \
  test "$CODE" = 400 -a -n "$(jq -r 'select(.status == 400) | .error' "$TMP/body" | grep "parameter 'state': expected one of observed, .*, got \"asleep\"")"
get "/api/v1/hosts?color=red"
check "an unknown parameter: 400" test "$CODE" = 400 -a -n "$(grep "unknown parameter 'color'" "$TMP/body")"

# the exposure map: services from asset reports, paged as /api/v1/hosts
svc() { printf '{"proto":"%s","port":%s,"first_seen":"2026-01-01T00:00:00Z","last_seen":"2026-01-01T00:00:05Z"}' "$1" "$2"; }
for a in "10.2.0.7 $(svc tcp 445),$(svc udp 1434)" "10.2.0.8 $(svc tcp 139)"; do
  printf '{"type":"seen","src":"%s","first_seen":"2026-01-01T00:00:00Z","last_seen":"2026-01-01T00:00:05Z","services":[%s]}\n' \
    "${a%% *}" "${a#* }" | socat -u - UNIX-CONNECT:"$TMP/sensor.sock"
done
services_written() { ctl --json assets --exposed 139 | jq -e '.hosts[] | select(.ip == "10.2.0.8")' >/dev/null; }
wait_until 50 services_written
get "/api/v1/assets?exposed=445"
check "GET /api/v1/assets?exposed=445: 200 JSON, only the host exposing it, quarantined, with its services" \
  test "$CODE" = 200 -a "$CTYPE" = application/json -a \
  "$(jq -c '[.hosts[] | [.ip, .state, [.services[] | .proto + "/" + (.port | tostring)]]]' "$TMP/body")" = '[["10.2.0.7","quarantined",["tcp/445","udp/1434"]]]'
jq -S .hosts "$TMP/body" > "$TMP/http-assets"
ctl --json assets --exposed 445 | jq -S .hosts > "$TMP/ctl-assets"
check "  the same objects as cordonctl --json assets --exposed 445" cmp -s "$TMP/ctl-assets" "$TMP/http-assets"
walked=() after=""
for _ in 1 2 3 4 5; do
  get "/api/v1/assets?limit=2${after:+&after=$after}"
  mapfile -t -O "${#walked[@]}" walked < <(jq -r '.hosts[].ip' "$TMP/body")
  after=$(jq -r '.next // empty' "$TMP/body")
  [[ -z "$after" ]] && break
done
check "GET /api/v1/assets pages (limit=2, after=NEXT) walk every host once, in order" \
  test "$(printf '%s\n' "${walked[@]}" | jq -R . | jq -sc .)" = "$(ctl --json list | jq -c '[.hosts[].ip]')"
get "/api/v1/assets?exposed=445&state=clear"
check "GET /api/v1/assets?exposed=445&state=clear: none" jqb '.hosts == []'
get "/api/v1/assets?exposed=0"
check "GET /api/v1/assets?exposed=0: 400" \
  jqb '.status == 400 and (.error == "parameter '"'exposed'"': expected a port number from 1 to 65535, got \"0\"")'
get "/api/v1/hosts?exposed=445"
check "GET /api/v1/hosts?exposed=445: 400 (a parameter of /api/v1/assets only)" test "$CODE" = 400

get /api/v1/hosts/10.2.0.7
check "GET /api/v1/hosts/10.2.0.7: 200 JSON" test "$CODE" = 200 -a "$CTYPE" = application/json
check "  the host, quarantined at its point" \
  jqb '.host.ip == "10.2.0.7" and .host.state == "quarantined" and .host.location != null'
check "  and its history, with the caller's uid and reason" \
  jqb '.history[] | select(.actor == "uid:0" and .reason == "http test: beaconing" and .action == "isolate")'
get /api/v1/hosts/10.200.0.1
check "GET /api/v1/hosts/10.200.0.1 (not on record): 404 JSON" \
  test "$CODE" = 404 -a "$CTYPE" = application/json -a -n "$(jq -r .error "$TMP/body" | grep 'not on record')"
get /api/v1/hosts/not-an-ip
check "GET /api/v1/hosts/not-an-ip: 400" test "$CODE" = 400 -a -n "$(jq -r .error "$TMP/body" | grep 'not a unicast')"
get /api/v1/hosts/224.0.0.1
check "GET /api/v1/hosts/224.0.0.1 (multicast): 400" test "$CODE" = 400
get /api/v1/hosts/10.2.0.7%00
check "GET /api/v1/hosts/10.2.0.7%00: 400" test "$CODE" = 400
get /api/v1/hosts/%ff%fe
check "GET /api/v1/hosts/%ff%fe: 400 with a JSON body" code_jq 400 .error

get /api/v1/events
check "GET /api/v1/events: 200 JSON" test "$CODE" = 200 -a "$CTYPE" = application/json
check "  holds the isolation of 10.2.0.7" jqb '.events[] | select(.host == "10.2.0.7" and .action == "isolate")'
check "  oldest first" jqb '[.events[].id] == ([.events[].id] | sort) and (.events | length) >= 1'
last=$(jq '.events[-1].id' "$TMP/body")
get "/api/v1/events?limit=1"
check "GET /api/v1/events?limit=1: the newest entry" jqb "(.events | length) == 1 and .events[0].id == $last"
get "/api/v1/events?after=$((last - 1))"
check "GET /api/v1/events?after=ID: the entries after it" jqb "(.events | length) == 1 and .events[0].id == $last"
get "/api/v1/events?after=$last"
check "GET /api/v1/events?after=LAST: none" jqb '.events == []'
get "/api/v1/events?after=0&limit=1"
check "GET /api/v1/events?after=0&limit=1: the oldest" jqb '(.events | length) == 1 and .events[0].id == 1'
for q in "limit=0" "limit=10001" "limit=abc" "after=-1" "after=1x" "limit=1&limit=2"; do
  get "/api/v1/events?$q"
  check "GET /api/v1/events?$q: 400 JSON" code_jq 400 '.status == 400'
done
get "/api/v1/events?after=1x"
check "  a bad cursor quoted" jqb '.status == 400 and .error == "parameter '"'after'"': expected an event id (a whole number from 0), got \"1x\""'
get "/api/v1/events?limit=abc"
check "  a bad limit quoted" jqb '.status == 400 and .error == "parameter '"'limit'"': expected a whole number from 1 to 10000, got \"abc\""'


# --- metrics after --------------------------------------------------------------------
scrape
check "GET /metrics: 200, text format 0.0.4" test "$CODE" = 200 -a "$CTYPE" = "text/plain; version=0.0.4; charset=utf-8"
started1=$(metric cordon_isolations_started_total)
ok1=$(metric cordon_isolations_ok_total)
check "  cordon_isolations_started_total went up ($started0 -> $started1)" test "$started1" -eq $((started0 + 1))
check "  cordon_isolations_ok_total went up ($ok0 -> $ok1)" test "$ok1" -eq $((ok0 + 1))
check "  cordon_hosts{state=\"quarantined\"} 1" grep -qx 'cordon_hosts{state="quarantined"} 1' "$TMP/metrics"
check "  a cordon_hosts line for every state" \
  test "$(grep -c '^cordon_hosts{state="[a-z]*"} [0-9]*$' "$TMP/metrics")" -eq 8
pok=$(metric "cordon_point_operations_ok_total{point=\"$POINT_LABEL\",kind=\"netlink\"}")
check "  per-point operations with escaped point and kind labels ($pok)" test "${pok:-0}" -ge 1
plat=$(metric "cordon_point_last_operation_seconds{point=\"$POINT_LABEL\",kind=\"netlink\"}")
check "  and the point's last latency in seconds ($plat)" awk -v v="$plat" 'BEGIN { exit !(v != "" && v > 0 && v < 30) }'
for m in detections_total sensor_bad_lines_total isolations_failed_total releases_ok_total \
         releases_failed_total refused_total breaker_tripped breaker_trips_total breaker_held pruned_rows_total \
         point_operations_failed_total; do
  grep -q "^cordon_$m[ {]" "$TMP/metrics" || { bad "  cordon_$m is missing"; continue; }
done
ok "  every documented metric is there"

# The exposition grammar (format 0.0.4): HELP and TYPE before a family's
# samples, one TYPE per family, samples as name{label="value",...} value.
grammar() {
  awk '
    BEGIN { bad = 0; n = 0 }
    /^# HELP / { if ($3 !~ /^[a-zA-Z_:][a-zA-Z0-9_:]*$/) { print "bad HELP: " $0; bad = 1 }
                 help[$3] = 1; next }
    /^# TYPE / { if ($3 !~ /^[a-zA-Z_:][a-zA-Z0-9_:]*$/ || NF != 4 ||
                     $4 !~ /^(counter|gauge|histogram|summary|untyped)$/) { print "bad TYPE: " $0; bad = 1 }
                 if ($3 in type) { print "second TYPE: " $0; bad = 1 }
                 if (!($3 in help)) { print "TYPE without HELP: " $0; bad = 1 }
                 type[$3] = $4; next }
    /^#/ { next }
    /^$/ { print "empty line"; bad = 1; next }
    {
      line = $0
      if (!match(line, /^[a-zA-Z_:][a-zA-Z0-9_:]*/)) { print "bad sample: " line; bad = 1; next }
      name = substr(line, 1, RLENGTH); rest = substr(line, RLENGTH + 1)
      lbl = "[a-zA-Z_][a-zA-Z0-9_]*=\"([^\"\\\\]|\\\\[\"\\\\n])*\""
      if (match(rest, "^\\{" lbl "(," lbl ")*\\}")) rest = substr(rest, RLENGTH + 1)
      if (rest !~ /^ [-+]?([0-9]+(\.[0-9]*)?([eE][-+]?[0-9]+)?|NaN|\+Inf|-Inf)( -?[0-9]+)?$/) {
        print "bad value: " line; bad = 1; next }
      if (!(name in type)) { print "sample without TYPE: " line; bad = 1 }
      if (type[name] == "counter" && name !~ /_total$/) { print "counter not named _total: " line; bad = 1 }
      n++
    }
    END { if (n < 20) { print "only " n " samples"; bad = 1 } exit bad }' "$TMP/metrics"
}
check "  every line of /metrics follows the exposition grammar" grammar
check "  no point setting leaks (netns, remediation prefix)" \
  test -z "$(grep -e "$NS" -e "10.99.0.0" "$TMP/metrics")"
head=$(curl -sgI --noproxy '*' --max-time 5 "$URL/metrics" | tr -d '\r')
check "HEAD /metrics: 200 without a body" \
  test -n "$(grep -x 'HTTP/1.1 200 OK' <<<"$head")" -a -z "$(grep '^cordon_' <<<"$head")"

# --- refusals ----------------------------------------------------------------------------
curl -sg --noproxy '*' --max-time 5 -D "$TMP/headers" -o /dev/null -X POST "$URL/api/v1/hosts"
get -X POST /api/v1/hosts
check "POST /api/v1/hosts: 405 JSON" test "$CODE" = 405 -a "$CTYPE" = application/json && jqb '.status == 405'
check "  with Allow: GET, HEAD" grep -qi '^Allow: GET, HEAD' "$TMP/headers"
get -X DELETE /api/v1/hosts/10.2.0.7
check "DELETE /api/v1/hosts/10.2.0.7: 405" test "$CODE" = 405
get -X PUT -d x /metrics
check "PUT /metrics: 405" test "$CODE" = 405
check "  and 10.2.0.7 is still quarantined" test "$(ctl --json show 10.2.0.7 | jq -r .host.state)" = quarantined
for p in /nope /api/v1 /api/v1/hosts/ /console/nope.js /api/v1/hosts/10.2.0.7/history /metrics/x /api/v2/hosts; do
  get "$p"
  check "GET $p: 404 JSON" test "$CODE" = 404 -a "$CTYPE" = application/json && jqb '.status == 404'
done
get -X POST /nope
check "POST /nope: 404" test "$CODE" = 404
curl -sg --noproxy '*' --max-time 5 -D "$TMP/console-headers" -o "$TMP/index.html" "$URL/"
check "GET /: the console's page" grep -q '<script src="/console/app.js" defer></script>' "$TMP/index.html"
check "  with a Content-Security-Policy that allows no inline script" \
  grep -qi "^content-security-policy: default-src 'self'; script-src 'self';" "$TMP/console-headers"
check "  and no framing" grep -qi '^x-frame-options: DENY' "$TMP/console-headers"
get /console/app.js
check "GET /console/app.js: JavaScript" test "$CODE" = 200 -a "$CTYPE" = "text/javascript; charset=utf-8"
get /api/v1/session
check "GET /api/v1/session without accounts: a viewer, no user" code_jq 200 '.user == null and .role == "viewer"'
get -X POST -H 'Content-Type: application/json' -d '{"reason":"x"}' /api/v1/hosts/10.2.0.7/quarantine
check "acting without accounts: 403" code_jq 403 '.error | test("needs accounts")'

# --- IPv6 host, release, and the metrics following along -------------------------------
ctl quarantine 2001:db8::7 --reason "http test v6" >/dev/null
get /api/v1/hosts/2001:db8::7
check "GET /api/v1/hosts/2001:db8::7: 200" code_jq 200 '.host.ip == "2001:db8::7"'
get /api/v1/hosts/2001%3Adb8%3A%3A7
check "GET /api/v1/hosts/2001%3Adb8%3A%3A7 (percent-encoded): 200" code_jq 200 '.host.state == "quarantined"'
ctl release 10.2.0.7 --patched >/dev/null
scrape
check "after a release: cordon_releases_ok_total 1" grep -qx 'cordon_releases_ok_total 1' "$TMP/metrics"
check "  cordon_hosts{state=\"probation\"} 1" grep -qx 'cordon_hosts{state="probation"} 1' "$TMP/metrics"
check "  cordon_hosts{state=\"quarantined\"} 1 (the IPv6 host)" grep -qx 'cordon_hosts{state="quarantined"} 1' "$TMP/metrics"
get "/api/v1/hosts?state=probation"
check "GET /api/v1/hosts?state=probation: 10.2.0.7" jqb '[.hosts[].ip] == ["10.2.0.7"]'

get /api/v1/overview
check "GET /api/v1/overview: 60 minutes, the 2 isolations started in them" \
  jqb '(.history.isolations | length) == 60 and (.history.isolations | add) == 2 and .status.hosts.quarantined == 1'
# A restart reads the last hour back from the state database.
kill "$DPID"; wait "$DPID"; DPID=""
"$B/cordond" -d -f "$TMP/c.conf" >>"$TMP/daemon.log" 2>&1 &
DPID=$!
overview_back() { get /api/v1/overview; [[ "$CODE" == 200 ]] && jqb '(.history.isolations | add) == 2'; }
check "  and again after a restart (read from the state database)" wait_until 50 overview_back

# --- a slow client does not stall the daemon -------------------------------------------
exec 7<>/dev/tcp/127.0.0.1/$PORT
printf 'GET /metrics HTTP/1.1\r\nHost: x\r\n' >&7   # never finishes its request
get /api/v1/hosts
check "a half-sent request does not block other clients" test "$CODE" = 200
ctl status >/dev/null
check "  nor the control socket" test $? -eq 0
exec 7>&-

# --- stop ------------------------------------------------------------------------------------
kill "$DPID"; wait "$DPID"; rc=$?; DPID=""
check "the daemon stops cleanly on SIGTERM (exit $rc)" test $rc -eq 0
if grep -q "ERROR: AddressSanitizer\|LeakSanitizer\|runtime error:" "$TMP/daemon.log"; then
  bad "sanitizer reports in the daemon's log:"; grep -A5 "Sanitizer\|runtime error" "$TMP/daemon.log" | head -30
fi
get /metrics
check "  and its port is closed" test "$CODE" = 000


# --- accounts: console users and tokens ---------------------------------------------------
# A second run with accounts: Host and Origin checks, logins, sessions and
# their CSRF token, roles, bearer tokens, login throttling, and actions over
# HTTP that change the kernel's rules, audited with the account's name.
PW_ALICE='alice password 1'
PW_VERA='vera password 22'
H_ALICE=$(printf '%s\n' "$PW_ALICE" | "$B/cordonctl" hash-password)
H_VERA=$(printf '%s\n' "$PW_VERA" | "$B/cordonctl" hash-password)
check "cordonctl hash-password makes a yescrypt hash" grep -q '^\$y\$' <<<"$H_ALICE"
TOK_FLEET=$("$B/cordonctl" new-token | awk '$1 == "token" {print $2}')
SHA_FLEET=$(printf '%s' "$TOK_FLEET" | sha256sum | cut -d' ' -f1)
TOK_GRAF=$("$B/cordonctl" new-token | awk '$1 == "token" {print $2}')
SHA_GRAF=$(printf '%s' "$TOK_GRAF" | sha256sum | cut -d' ' -f1)
"$B/cordonctl" new-token > "$TMP/token"
check "cordonctl new-token prints a 64-digit token and its SHA-256" test \
  "$(awk '$1 == "sha256" {print $2}' "$TMP/token")" = \
  "$(printf '%s' "$(awk '$1 == "token" {print $2}' "$TMP/token")" | sha256sum | cut -d' ' -f1)" -a ${#TOK_FLEET} -eq 64

write_accounts_conf() {  # write_accounts_conf FILE [EXTRA CONSOLE LINES]
  write_conf "$1" "127.0.0.1:$PORT"
  cat >> "$1" <<EOF
console = {
  users = ( { name = "alice"; role = "operator"; password = "$H_ALICE"; },
            { name = "vera"; role = "viewer"; password = "$H_VERA"; } );
  tokens = ( { name = "fleet"; role = "operator"; sha256 = "$SHA_FLEET"; },
             { name = "grafana"; role = "viewer"; sha256 = "$SHA_GRAF"; } );
  hostnames = [ "noc.example.net" ];
  public_url = "https://cordon.example.net";
  login_failures = 3;
  ${2:-}
};
EOF
}
bad_console() {  # bad_console CONSOLE-LINE EXPECTED-TEXT
  write_conf "$TMP/badc.conf" "127.0.0.1:$PORT"
  printf 'console = {\n  %s\n};\n' "$1" >> "$TMP/badc.conf"
  local out rc
  out=$("$B/cordond" -n -f "$TMP/badc.conf" 2>&1); rc=$?
  if [[ $rc -eq 1 ]] && grep -qF "badc.conf:8: console." <<<"$out" && grep -qF -- "$2" <<<"$out"; then
    return 0
  fi
  echo "  exit $rc: $out"; return 1
}
check "cordond -n refuses an MD5 password hash" bad_console \
  'users = ( { name = "a"; role = "operator"; password = "$1$abc$OGyl6dDvZCDiGmIVbeuCq/"; } );' "not a crypt(3) hash of a strong method"
check "  and does not show the hash" bad_console \
  'users = ( { name = "a"; role = "operator"; password = "$1$abc$OGyl6dDvZCDiGmIVbeuCq/"; } );' "(the value is not shown)"
check "cordond -n refuses a role that is none" bad_console \
  'users = ( { name = "a"; role = "admin"; password = "'"$H_ALICE"'"; } );' "'admin' is not a role"
check "cordond -n refuses a token digest that is not SHA-256 hex" bad_console \
  'tokens = ( { name = "t"; role = "viewer"; sha256 = "abc"; } );' "not a SHA-256"
check "cordond -n refuses a name used twice" bad_console \
  'users = ( { name = "a"; role = "viewer"; password = "'"$H_ALICE"'"; } ); tokens = ( { name = "a"; role = "viewer"; sha256 = "'"$SHA_GRAF"'"; } );' "'a' is also the name of the user at line 8"
check "cordond -n refuses a host name with a port" bad_console 'hostnames = [ "noc:8477" ];' "is not a host name"
check "cordond -n refuses a URL as a host name" bad_console 'hostnames = [ "http://noc" ];' "is not a host name"
check "cordond -n refuses a public_url with a path" bad_console 'public_url = "https://noc/console";' "is not SCHEME://HOST[:PORT]"

write_accounts_conf "$TMP/acc.conf"
check "cordond -n accepts users and tokens" "$B/cordond" -n -f "$TMP/acc.conf"
rm -f "$TMP/ctl.sock"
"$B/cordond" -d -f "$TMP/acc.conf" >>"$TMP/daemon-acc.log" 2>&1 &
DPID=$!
up=0
for _ in $(seq 50); do
  get -H "Authorization: Bearer $TOK_GRAF" /metrics
  [[ "$CODE" == 200 && -S "$TMP/ctl.sock" ]] && { up=1; break; }
  sleep 0.1
done
if [[ $up -ne 1 ]]; then
  echo "FAIL - the daemon with accounts did not come up:"; tail -5 "$TMP/daemon-acc.log"; exit 1
fi
ok "the daemon with accounts serves HTTP"

get -H "Host: rebound.example.org:$PORT" -H "Authorization: Bearer $TOK_GRAF" /api/v1/hosts
check "Host of another name: 421 (DNS rebinding)" code_jq 421 '.error | test("not a name of this server")'
get -H "Host: noc.example.net:$PORT" -H "Authorization: Bearer $TOK_GRAF" /api/v1/hosts
check "Host of console.hostnames: 200" test "$CODE" = 200
get -H "Host: localhost:$PORT" -H "Authorization: Bearer $TOK_GRAF" /api/v1/hosts
check "Host localhost on a loopback server: 200" test "$CODE" = 200
resp=$(printf 'GET /api/v1/hosts HTTP/1.0\r\n\r\n' | timeout 5 socat - "TCP:127.0.0.1:$PORT" | head -1)
check "no Host header: 400 ($resp)" grep -q " 400 " <<<"$resp"

get /api/v1/hosts
check "no credentials: 401" code_jq 401 '.error | test("log in first")'
get /metrics
check "  also for /metrics" test "$CODE" = 401
get -H "Authorization: Bearer 0000" /api/v1/hosts
check "a wrong token: 401" test "$CODE" = 401
get -H "Authorization: Bearer $TOK_GRAF" /api/v1/hosts
check "a viewer token reads the hosts: 200" test "$CODE" = 200
get -H "Authorization: Bearer $TOK_GRAF" -X POST /api/v1/hosts/10.2.0.9/approve
check "  but may not act: 403" code_jq 403 '.error | test("viewer")'

login() {  # login USER PASSWORD [curl options]: the cookie jar is $JAR or $TMP/jar.USER
  local u=$1 p=$2; shift 2
  get -c "${JAR:-$TMP/jar.$u}" -D "$TMP/hdr.$u" -H 'Content-Type: application/json' \
      -d "$(jq -cn --arg u "$u" --arg p "$p" '{user: $u, password: $p}')" "$@" /api/v1/login
}
login alice 'not it'
check "a wrong password: 401" code_jq 401 '.error == "wrong user name or password"'
login mallory 'anything'
check "an unknown user: 401, the same answer" code_jq 401 '.error == "wrong user name or password"'
login alice "$PW_ALICE" -H "Origin: http://evil.example"
check "a login posted from another origin: 403" test "$CODE" = 403
login alice "$PW_ALICE"
check "alice logs in: 200, operator" code_jq 200 '.user == "alice" and .role == "operator"'
CSRF=$(jq -r .csrf_token "$TMP/body")
check "  with a CSRF token" test ${#CSRF} -eq 64
login alice "$PW_ALICE" -H "Origin: https://cordon.example.net" -H "Host: cordon.example.net"
check "a login through the proxy of console.public_url: 200" test "$CODE" = 200
check "  its cookie is Secure (https)" grep -qi '^set-cookie: cordon_session=.*; Secure' "$TMP/hdr.alice"
login alice "$PW_ALICE"
CSRF=$(jq -r .csrf_token "$TMP/body")
cookie=$(grep -i '^set-cookie:' "$TMP/hdr.alice" | tr -d '\r')
check "  session cookie is HttpOnly and SameSite=Strict ($cookie)" \
  grep -q 'cordon_session=[0-9a-f]\{64\}; Path=/; Max-Age=[0-9]*; HttpOnly; SameSite=Strict' <<<"$cookie"
grep -q "console: alice (operator) logged in from 127.0.0.1" "$TMP/daemon-acc.log"
check "  and the log says so" test $? -eq 0
if grep -qF -- "$PW_ALICE" "$TMP/daemon-acc.log"; then bad "the password is in the daemon's log"; else ok "the password is not in the daemon's log"; fi

A=(-b "$TMP/jar.alice")
get "${A[@]}" /api/v1/session
check "GET /api/v1/session with the cookie: alice" code_jq 200 --arg c "$CSRF" '.user == "alice" and .csrf_token == $c'
get "${A[@]}" -X POST -H 'Content-Type: application/json' -d '{"reason":"console test"}' /api/v1/hosts/10.2.0.9/quarantine
check "POST quarantine with the cookie but no CSRF token: 403" code_jq 403 '.error | test("X-CSRF-Token")'
get "${A[@]}" -X POST -H "X-CSRF-Token: $CSRF" -H "Origin: http://evil.example" -H 'Content-Type: application/json' \
    -d '{"reason":"console test"}' /api/v1/hosts/10.2.0.9/quarantine
check "  with the token but from another origin: 403" code_jq 403 '.error | test("cross-origin")'
get "${A[@]}" -X POST -H "X-CSRF-Token: $CSRF" -H 'Content-Type: text/plain' -d '{"reason":"x"}' /api/v1/hosts/10.2.0.9/quarantine
check "  as text/plain (a form another site can post): 415" test "$CODE" = 415
ctl --json show 10.2.0.9 > "$TMP/show0" 2>&1
check "  none of them quarantined 10.2.0.9" jqs '.code == "not-found" or .host.state != "quarantined"' "$TMP/show0"
get "${A[@]}" -X POST -H "X-CSRF-Token: $CSRF" -H "Origin: http://127.0.0.1:$PORT" -H 'Content-Type: application/json' \
    -d '{"reason":"console test: <script>alert(1)</script>"}' /api/v1/hosts/10.2.0.9/quarantine
check "POST quarantine with cookie, CSRF token and our origin: 200" code_jq 200 '.ok == true and .host.state == "quarantined"'
ctl --json show 10.2.0.9 > "$TMP/show"
check "  the host is quarantined (cordonctl show)" jqs '.host.state == "quarantined"' "$TMP/show"
check "  audited as user:alice" jqs '[.history[] | select(.actor == "user:alice" and .action == "isolate")] | length >= 1' "$TMP/show"
get -H "Authorization: Bearer $TOK_FLEET" -X POST -H 'Content-Type: application/json' -d '{"reason":"KB5005565 installed"}' \
    /api/v1/hosts/10.2.0.9/patched
check "POST /api/v1/hosts/10.2.0.9/patched with an operator token: 200, probation" \
  test "$CODE" = 200 && jqb '.ok == true and .host.state == "probation"'
ctl --json show 10.2.0.9 > "$TMP/show"
check "  audited as token:fleet, the reason kept" \
  jqs '[.history[] | select(.actor == "token:fleet" and (.reason | test("patched: KB5005565")))] | length >= 1' "$TMP/show"
get -H "Authorization: Bearer $TOK_FLEET" -X POST /api/v1/hosts/10.2.0.9/patched
check "  again: 409, the host is no longer quarantined" code_jq 409 '.ok == false'
get -H "Authorization: Bearer $TOK_FLEET" -X POST -H 'Content-Type: application/json' -d '{"reason":"x","mac":"zz"}' \
    /api/v1/hosts/10.2.0.10/quarantine
check "a bad MAC in the body: 400 naming the field and quoting the value" \
  jqb '.status == 400 and (.error | test("^field .mac.: expected a host.s MAC aa:bb:cc:dd:ee:ff [(]no group or zero address[)], got \"zz\"$"))'
get -H "Authorization: Bearer $TOK_FLEET" -X POST -H 'Content-Type: application/json' -d '["x"]' \
    /api/v1/hosts/10.2.0.10/quarantine
check "a body not an object: 400 quoting it" \
  jqb '.status == 400 and .error == "the body: expected a JSON object (or nothing), got [\"x\"]"'
get -H "Authorization: Bearer $TOK_FLEET" -X POST -H 'Content-Type: application/json' -d '{"reason":' \
    /api/v1/hosts/10.2.0.10/quarantine
check "a body not JSON: 400 with jansson's words" \
  jqb '.status == 400 and (.error | startswith("the body: expected a JSON object (or nothing), but it is not JSON: "))'
get -H "Authorization: Bearer $TOK_FLEET" -X POST -H 'Content-Type: application/json' -d '{"force":true}' \
    /api/v1/hosts/10.2.0.10/approve
check "an unknown field: 400" code_jq 400 '.error | test("unknown field")'
get -H "Authorization: Bearer $TOK_FLEET" /api/v1/hosts/10.2.0.9/patched
check "GET on an action: 405" test "$CODE" = 405

# --- the event stream: kept alive, bounded, shared fairly ------------------------------------
/usr/bin/python3 - "$PORT" "$TOK_GRAF" > "$TMP/streams.out" 2>&1 <<'PYEOF'
import os, socket, sys, time
port, token = int(sys.argv[1]), sys.argv[2]
req = ("GET /api/v1/stream HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nAuthorization: Bearer %s\r\n\r\n"
       % (port, token)).encode()
def opened():
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(req)
    head = s.recv(4096).split(b"\r\n", 1)[0].decode()
    return s, head
# One account may hold 8 streams; the 9th is refused.
streams = [opened() for _ in range(9)]
print("heads", " ".join(h.split()[1] for _, h in streams))
for s, _ in streams[1:]:
    s.close()
# A client that sends and never reads does not grow the daemon.
s = streams[0][0]
s.setblocking(False)
junk, sent, end = os.urandom(65536), 0, time.monotonic() + 3
while time.monotonic() < end and sent < 512 * 1024 * 1024:
    try:
        sent += s.send(junk)
    except BlockingIOError:
        time.sleep(0.01)
    except OSError:
        break
print("flooded", sent)
s.close()
# A stream lives past the server's 10 s idle timeout, kept alive every 4 s: a third
# keepalive comes 12 s in (20 s allowed for a loaded machine).
s, head = opened()
s.settimeout(1)
got, end = b"", time.monotonic() + 20
while time.monotonic() < end and got.count(b": keepalive") < 3:
    try:
        d = s.recv(4096)
    except socket.timeout:
        continue
    if not d:
        break
    got += d
print("keepalives", got.count(b": keepalive"))
PYEOF
check "an account's 9th event stream is refused (503), 8 are served" grep -q "^heads 200 200 200 200 200 200 200 200 503$" "$TMP/streams.out" || cat "$TMP/streams.out"
rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$DPID/status")
check "a stream client sending and never reading leaves the daemon small ($rss kB; $(awk '/^flooded/ {print $2}' "$TMP/streams.out") bytes taken)" \
  test "${rss:-999999}" -lt 200000 -a "$(awk '/^flooded/ {print $2}' "$TMP/streams.out")" -lt 67108864
check "a stream outlives the 10 s idle timeout: 3 keepalives" grep -q "^keepalives 3$" "$TMP/streams.out"

login vera "$PW_VERA"
check "vera (viewer) logs in" code_jq 200 '.role == "viewer"'
V_CSRF=$(jq -r .csrf_token "$TMP/body")
get -b "$TMP/jar.vera" -X POST -H "X-CSRF-Token: $V_CSRF" /api/v1/hosts/10.2.0.9/approve
check "  a viewer may not approve: 403" test "$CODE" = 403

for i in 1 2 3; do login vera "wrong $i"; done
check "three wrong passwords for vera: 401 each" test "$CODE" = 401
login vera "$PW_VERA"
check "  the fourth try, right or not: 429 with Retry-After" test "$CODE" = 429 && grep -qi '^retry-after: [0-9]' "$TMP/hdr.vera"
JAR=$TMP/jar.alice2 login alice "$PW_ALICE"
check "  another user from the same address still logs in" test "$CODE" = 200
# So far 6 failures from 127.0.0.1 (a token, alice, mallory, vera x3); an
# address may fail 4 x login_failures = 12 times. Names that are no account
# count against the address only.
for i in 1 2 3 4 5 6; do login "u$i" wrong; done
check "  six more for names that are no account: 401" test "$CODE" = 401
login u7 wrong
check "the 13th failure from one address: 429 for any user" test "$CODE" = 429
JAR=$TMP/jar.alice2 login alice "$PW_ALICE"
check "  even with the right password" test "$CODE" = 429
get -H "Authorization: Bearer $TOK_GRAF" /api/v1/hosts
check "  and for its tokens" test "$CODE" = 429

get "${A[@]}" -X POST /api/v1/logout
check "logout without the CSRF token: 403" test "$CODE" = 403
get "${A[@]}" -c "$TMP/jar.alice" -X POST -H "X-CSRF-Token: $CSRF" /api/v1/logout
check "logout with it: 200" test "$CODE" = 200
get "${A[@]}" /api/v1/hosts
check "  the old cookie no longer reads: 401" test "$CODE" = 401

kill "$DPID"; wait "$DPID"; rc=$?; DPID=""
check "the daemon with accounts stops cleanly (exit $rc)" test $rc -eq 0
if grep -q "ERROR: AddressSanitizer\|LeakSanitizer\|runtime error:" "$TMP/daemon-acc.log"; then
  bad "sanitizer reports in the daemon's log:"; grep -A5 "Sanitizer\|runtime error" "$TMP/daemon-acc.log" | head -30
fi

# --- HTTPS: console.tls_certificate and console.tls_key -------------------------------------
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=127.0.0.1" \
  -addext "subjectAltName=IP:127.0.0.1" -keyout "$TMP/key.pem" -out "$TMP/cert.pem" >/dev/null 2>&1
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=other" \
  -keyout "$TMP/other-key.pem" -out "$TMP/other-cert.pem" >/dev/null 2>&1
check "a test certificate was made" test -s "$TMP/cert.pem" -a -s "$TMP/key.pem"
check "cordond -n refuses a certificate without its key" bad_console \
  "tls_certificate = \"$TMP/cert.pem\";" "tls_certificate and tls_key go together"
check "cordond -n refuses a key file it cannot read" bad_console \
  "tls_certificate = \"$TMP/cert.pem\"; tls_key = \"$TMP/nope.pem\";" "console.tls_key: $TMP/nope.pem: No such file or directory"
write_accounts_conf "$TMP/tlsbad.conf" "tls_certificate = \"$TMP/cert.pem\"; tls_key = \"$TMP/other-key.pem\";"
out=$(timeout 10 "$B/cordond" -d -f "$TMP/tlsbad.conf" 2>&1); rc=$?
check "a key that does not match the certificate: cordond does not start (exit $rc)" test $rc -eq 1
grep -q "console.tls_key $TMP/other-key.pem does not match console.tls_certificate $TMP/cert.pem" <<<"$out"
check "  and says which files" test $? -eq 0
write_accounts_conf "$TMP/tls.conf" "tls_certificate = \"$TMP/cert.pem\"; tls_key = \"$TMP/key.pem\";"
rm -f "$TMP/ctl.sock"
"$B/cordond" -d -f "$TMP/tls.conf" >>"$TMP/daemon-tls.log" 2>&1 &
DPID=$!
S=(--cacert "$TMP/cert.pem")
tls_up() { [[ "$(curl -sg --noproxy '*' "${S[@]}" -o /dev/null -w '%{http_code}' "https://127.0.0.1:$PORT/api/v1/session")" == 401 ]]; }
check "the daemon serves HTTPS with the configured certificate" wait_until 100 tls_up
grep -q "HTTP API, metrics and console on https://127.0.0.1:$PORT/" "$TMP/daemon-tls.log"
check "  and says so" test $? -eq 0
code=$(curl -s --noproxy '*' --max-time 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/api/v1/session")
check "plain HTTP to the HTTPS port gets no HTTP answer ($code)" test "$code" = 000
code=$(curl -s --noproxy '*' --max-time 5 --tls-max 1.1 -k -o /dev/null -w '%{http_code}' "https://127.0.0.1:$PORT/api/v1/session")
check "TLS 1.1 is refused ($code)" test "$code" = 000
curl -sg --noproxy '*' "${S[@]}" -D "$TMP/hdr.tls" -o "$TMP/body" -H 'Content-Type: application/json' \
  -H "Origin: https://127.0.0.1:$PORT" -d "$(jq -cn --arg p "$PW_ALICE" '{user: "alice", password: $p}')" \
  "https://127.0.0.1:$PORT/api/v1/login"
check "login over HTTPS with an https Origin: the session cookie is Secure" \
  grep -qi '^set-cookie: cordon_session=[0-9a-f]\{64\}; .*HttpOnly; SameSite=Strict; Secure' "$TMP/hdr.tls"
code=$(curl -sg --noproxy '*' "${S[@]}" -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
  -H "Origin: http://127.0.0.1:$PORT" -d '{"user":"alice","password":"x"}' "https://127.0.0.1:$PORT/api/v1/login")
check "  an http Origin to the HTTPS server is another origin: 403" test "$code" = 403
kill "$DPID"; wait "$DPID"; rc=$?; DPID=""
check "the HTTPS daemon stops cleanly (exit $rc)" test $rc -eq 0
if grep -q "ERROR: AddressSanitizer\|LeakSanitizer\|runtime error:" "$TMP/daemon-tls.log"; then
  bad "sanitizer reports in the daemon's log:"; grep -A5 "Sanitizer\|runtime error" "$TMP/daemon-tls.log" | head -30
fi

results
