#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# console.sh BUILD_DIR [SCREENSHOT_DIR]
# The NOC console in a real browser: Debian's chromium, headless, driven over
# the DevTools protocol (tests/console/cdp.py), against the real cordond with
# the netlink backend acting on a network namespace this test creates, and a
# real cordon-sensor watching a veth pair between two more namespaces where a
# client opens tcp/445 on a server. Every namespace, process and file made
# here is removed again, also on failure. The cases are in browser_test.py;
# with SCREENSHOT_DIR, the console's pages are saved there as PNG.
set -uo pipefail
# shellcheck source=../lib.sh
source "$(dirname "$0")/../lib.sh"
B=$(cd "$1" && pwd)
SHOTS=${2:-}
HERE=$(cd "$(dirname "$0")" && pwd)
TMP=$(mktemp -d /tmp/cordon-console-test.XXXXXX)
NS=cordon-con-$$
CLI=cordon-conc-$$
SRV=cordon-cons-$$
DPID="" SPID="" LPID="" APID=""
pass=0 fail=0

cleanup() {
  # The browser and its driver, also when this script is interrupted.
  [[ -n "${BPID:-}" ]] && kill "$BPID" 2>/dev/null
  pkill -f -- "--user-data-dir=$TMP/chrome" 2>/dev/null
  for p in $LPID $APID $SPID $DPID; do kill "$p" 2>/dev/null; done
  for p in $LPID $APID $SPID $DPID; do wait "$p" 2>/dev/null; done
  ns_remove "$NS" "$CLI" "$SRV"
  [[ -n "${KEEP_TMP:-}" ]] || rm -rf "$TMP"
}
on_exit cleanup

fail_unless_root
for t in curl jq socat python3 ss; do
  command -v $t >/dev/null || { echo "FAIL - $t is missing (scripts/install-deps)"; exit 1; }
done
[[ -x ${CORDON_CHROMIUM:-/usr/bin/chromium} ]] ||
  { echo "FAIL - chromium is missing (Debian's chromium: scripts/install-deps)"; exit 1; }
# Debian's python, with Debian's python3-websocket (another python on PATH has not).
PY=/usr/bin/python3
$PY -c 'import websocket' 2>/dev/null ||
  { echo "FAIL - python3-websocket is missing (scripts/install-deps)"; exit 1; }

PORT=$(free_port) && APORT=$(free_port) || { echo "FAIL - no free loopback port"; exit 1; }

# --- namespaces: one the netlink backend acts in, a client and a server -----------
ip netns add "$NS" && ip netns add "$CLI" && ip netns add "$SRV" || { echo "FAIL - ip netns add"; exit 1; }
ip link add c445 netns "$CLI" type veth peer name s445 netns "$SRV" &&
ip -n "$CLI" addr add 10.70.0.2/24 dev c445 && ip -n "$SRV" addr add 10.70.0.3/24 dev s445 &&
ip -n "$CLI" link set c445 up && ip -n "$SRV" link set s445 up &&
ip -n "$CLI" link set lo up && ip -n "$SRV" link set lo up || { echo "FAIL - veth setup"; exit 1; }

# --- accounts and config -------------------------------------------------------------
PW_OP='operator password 1'
PW_VIEW='viewer password 2'
H_OP=$(printf '%s\n' "$PW_OP" | "$B/cordonctl" hash-password)
H_VIEW=$(printf '%s\n' "$PW_VIEW" | "$B/cordonctl" hash-password)
cat > "$TMP/c.conf" <<EOC
daemon = { state = "$TMP/state.db"; control = "$TMP/ctl.sock"; control_ro = "$TMP/ro.sock";
           http = "127.0.0.1:$PORT"; };
sensors = { listen = [ "unix:$TMP/sensor.sock" ]; };
policy = { protected = [ "10.50.0.1" ]; approval = [ "10.60.0.0/24" ]; max_isolations_per_minute = 60;
           probation = 600; };
enforcement = ( { name = "edge"; kind = "netlink"; prefixes = [ "0.0.0.0/0", "::/0" ];
                  netns = "$NS"; remediation = "10.99.0.0/24"; } );
console = {
  users = ( { name = "olga"; role = "operator"; password = "$H_OP"; },
            { name = "victor"; role = "viewer"; password = "$H_VIEW"; } );
};
EOC
"$B/cordond" -n -f "$TMP/c.conf" >/dev/null || { echo "FAIL - cordond -n refused the config"; exit 1; }
"$B/cordond" -d -f "$TMP/c.conf" >"$TMP/daemon.log" 2>&1 &
DPID=$!
up() { [[ -S "$TMP/sensor.sock" && "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/api/v1/session")" == 401 ]]; }
wait_until 100 up || { echo "FAIL - cordond did not come up:"; tail -5 "$TMP/daemon.log"; exit 1; }
ok "cordond serves the console on http://127.0.0.1:$PORT/"

# --- a sensor on the server's side of the veth ----------------------------------------
ip netns exec "$SRV" "$B/cordon-sensor" -i s445 -U root -N site-a -o "unix:$TMP/sensor.sock" \
  -T report.seen_interval=1 >"$TMP/sensor.log" 2>&1 &
SPID=$!
wait_capture "$SRV" s445 || { echo "FAIL - the sensor never attached its capture:"; tail -5 "$TMP/sensor.log"; exit 1; }
ok "cordon-sensor captures on s445"
ip netns exec "$SRV" socat -T 5 TCP-LISTEN:445,bind=10.70.0.3,reuseaddr,fork SYSTEM:'echo smb' >/dev/null 2>&1 &
LPID=$!
listening() { [[ -n "$(ip netns exec "$SRV" ss -Htln 'sport = :445')" ]]; }
wait_until 100 listening || { echo "FAIL - the server never listened on 445"; exit 1; }

# --- a cross-site page, on another loopback port ------------------------------------------
mkdir -p "$TMP/attacker"
cat > "$TMP/attacker/index.html" <<EOC
<!doctype html><html><body>
<iframe name="sink" id="sink"></iframe>
<form id="f" method="POST" action="http://127.0.0.1:$PORT/api/v1/hosts/10.2.0.8/quarantine"
      enctype="text/plain" target="sink"><input name='{"reason":"csrf","x":"' value='"}'></form>
<script>
fetch("http://127.0.0.1:$PORT/api/v1/hosts/10.2.0.8/quarantine", {method: "POST", mode: "no-cors",
  credentials: "include", headers: {"Content-Type": "text/plain"}, body: '{"reason":"csrf"}'})
  .finally(() => {
    document.getElementById("sink").addEventListener("load", () => { document.title = "posted"; });
    document.getElementById("f").submit();
  });
</script></body></html>
EOC
(cd "$TMP/attacker" && exec $PY -m http.server --bind 127.0.0.1 "$APORT") >/dev/null 2>&1 &
APID=$!
attacker_up() { curl -s -o /dev/null "http://127.0.0.1:$APORT/"; }
wait_until 100 attacker_up || { echo "FAIL - the cross-site page's server did not start"; exit 1; }

# --- the browser cases --------------------------------------------------------------------
[[ -z "$SHOTS" ]] || mkdir -p "$SHOTS"
export URL="http://127.0.0.1:$PORT" ATTACKER="http://127.0.0.1:$APORT" TMP NS CLI SRV B SHOTS
export PW_OP PW_VIEW
$PY "$HERE/browser_test.py" &
BPID=$!
wait "$BPID"; rc=$?; BPID=""
# browser_test.py prints its own ok/FAIL lines and its counts; fold them in.
read -r bp bf < <(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' "$TMP/browser.counts" 2>/dev/null || echo "0 1")
pass=$((pass + ${bp:-0})) fail=$((fail + ${bf:-1}))
[[ $rc -eq 0 ]] || [[ ${bf:-1} -gt 0 ]] || bad "browser_test.py exited $rc"

kill "$DPID"; wait "$DPID"; rc=$?; DPID=""
check "cordond stops cleanly (exit $rc)" test $rc -eq 0
if grep -q "ERROR: AddressSanitizer\|LeakSanitizer\|runtime error:" "$TMP/daemon.log"; then
  bad "sanitizer reports in the daemon's log:"; grep -A5 "Sanitizer\|runtime error" "$TMP/daemon.log" | head -30
fi
results
