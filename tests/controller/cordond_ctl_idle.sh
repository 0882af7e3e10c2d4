#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# cordond_ctl_idle.sh BUILD_DIR
# daemon.control_idle_timeout with the real cordond (dry run, no enforcement
# point, no namespace): a client of either control socket that connects and
# sends nothing is closed once the timeout has passed (not before), and the
# daemon logs it once per connection with the socket and the reason; a
# client that keeps asking (`status` every half second, reading the answers)
# on the same socket meanwhile is answered every time and stays open. The
# clients are python3 on Unix sockets; every wait is on what they observe
# (end of file, an answer), bounded in time. Everything made is removed again.
set -uo pipefail
# shellcheck source=../lib.sh
source "$(dirname "$0")/../lib.sh"
B=$1
TMP=$(mktemp -d /tmp/cordon-ctl-idle-test.XXXXXX)
DPID=""
pass=0 fail=0
IDLE=3          # daemon.control_idle_timeout, seconds

cleanup() {
  [[ -n "$DPID" ]] && kill -9 "$DPID" 2>/dev/null
  [[ -n "${KEEP_TMP:-}" ]] || rm -rf "$TMP"
}
on_exit cleanup

skip_without python3

cat > "$TMP/c.conf" <<EOC
daemon = { state = "$TMP/state.db"; control = "$TMP/ctl.sock"; control_ro = "$TMP/ro.sock"; http = "";
           control_idle_timeout = $IDLE; };
sensors = { listen = [ "unix:$TMP/sensor.sock" ]; };
policy = { dry_run = true; };
EOC
check "cordond -n accepts daemon.control_idle_timeout = $IDLE" "$B/cordond" -n -f "$TMP/c.conf"
"$B/cordond" -d -f "$TMP/c.conf" >"$TMP/daemon.log" 2>&1 &
DPID=$!
both_sockets() { [[ -S "$TMP/ctl.sock" && -S "$TMP/ro.sock" ]]; }
wait_until 100 both_sockets || { echo "FAIL - cordond did not come up:"; tail -5 "$TMP/daemon.log"; exit 1; }
ok "cordond listens on both control sockets"

python3 - "$TMP/ctl.sock" "$TMP/ro.sock" "$IDLE" >"$TMP/clients.out" 2>&1 <<'EOP'
# A quiet client on each socket, and a busy one on the read-write socket
# asking for `status` every 0.5 s for two timeouts. Runs until both quiet
# ones have seen end of file and the busy one has its last answer, IDLE + 10 s
# at most; then says when each quiet one was closed and how the busy one fared.
import json, select, socket, sys, time
rw, ro, idle = sys.argv[1], sys.argv[2], float(sys.argv[3])
def connect(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    return s
t0 = time.monotonic()
quiet = {"control": connect(rw), "control_ro": connect(ro)}
busy = connect(rw)
closed = {}
asked = answered = 0
busy_closed = False
buf = b""
next_ask = t0
end = t0 + idle + 10
while time.monotonic() < end:
    now = time.monotonic()
    asking = now - t0 < 2 * idle
    if len(closed) == len(quiet) and not asking and (answered == asked or busy_closed):
        break
    if asking and now >= next_ask and not busy_closed:
        busy.sendall(b'{"cmd":"status"}\n')
        asked += 1
        next_ask = now + 0.5
    socks = [s for n, s in quiet.items() if n not in closed] + ([] if busy_closed else [busy])
    r, _, _ = select.select(socks, [], [], max(0.0, min(next_ask, end) - time.monotonic()))
    for s in r:
        data = s.recv(65536)
        if s is busy:
            if not data:
                busy_closed = True
                continue
            buf += data
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                if json.loads(line).get("ok"):
                    answered += 1
        else:
            name = [n for n, q in quiet.items() if q is s][0]
            # A quiet client is sent nothing: anything but end of file is wrong.
            closed[name] = time.monotonic() - t0 if not data else -1.0
for name in quiet:
    if name in closed:
        print("quiet %s: closed after %.2f s" % (name, closed[name]))
    else:
        print("quiet %s: still open after %.2f s" % (name, time.monotonic() - t0))
print("busy: %d asked, %d answered, %s" % (asked, answered, "closed" if busy_closed else "open"))
EOP
sed 's/^/  /' "$TMP/clients.out"
closed_in_time() {  # closed_in_time NAME: closed not before IDLE s (0.1 s for the clocks), within IDLE + 10 s
  local t
  t=$(sed -n "s/^quiet $1: closed after \([0-9.]*\) s$/\1/p" "$TMP/clients.out")
  [[ -n "$t" ]] && awk -v t="$t" -v i="$IDLE" 'BEGIN { exit !(t >= i - 0.1 && t <= i + 10) }'
}
check "a client of the control socket that sends nothing is closed after $IDLE s" closed_in_time control
check "a client of the read-only control socket that sends nothing is closed after $IDLE s" \
  closed_in_time control_ro
check "a client that keeps asking meanwhile is answered every time and stays open" \
  grep -qE "^busy: ([0-9]+) asked, \1 answered, open$" "$TMP/clients.out"
for sock in ctl ro; do
  msg="control: closing a connection of uid [0-9-]* on unix:$TMP/$sock.sock: nothing received for $IDLE s"
  check "  the daemon logs the closing on $sock.sock once" \
    test "$(grep -c -- "$msg" "$TMP/daemon.log")" -eq 1
done
check "  and no other connection is closed for a limit" \
  test "$(grep -c "control: closing a connection" "$TMP/daemon.log")" -eq 2

kill "$DPID"; wait "$DPID"; rc=$?; DPID=""
check "cordond stops cleanly (exit $rc)" test $rc -eq 0
if grep -q "ERROR: AddressSanitizer\|LeakSanitizer\|runtime error:" "$TMP/daemon.log"; then
  bad "sanitizer reports in the daemon's log:"; grep -A5 "Sanitizer\|runtime error" "$TMP/daemon.log" | head -30
fi
results
