#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# http_limits.sh BUILD_DIR
# What clients of the HTTP server may hold of the daemon, with the real
# cordond (dry run, the netlink backend in a namespace of its own), HTTP on a
# free loopback port. Two runs, each with connections that send half a
# request line and then nothing:
#  1. daemon.http_max_connections = 20 and 40 such connections: 20 are held,
#     the other 20 closed at once, counted in status and the metrics and
#     logged once; the server answers again once they are gone.
#  2. `prlimit --nofile=96` and 200 such connections: the daemon runs out of
#     descriptors; its HTTP listener pauses instead of spinning on accept()
#     (its CPU time grows by less than a second over the episode, and the
#     log holds a handful of accept errors, not millions), as does the
#     control listener, and once the connections close, HTTP and cordonctl
#     status answer again.
# Clients are python3 on loopback only, bounded in count and time.
# Everything made is removed again.
set -uo pipefail
# shellcheck source=../lib.sh
source "$(dirname "$0")/../lib.sh"
B=$1
TMP=$(mktemp -d /tmp/cordon-http-limits-test.XXXXXX)
NS=cordon-hlim-$$
DPID="" CPID=""
pass=0 fail=0

cleanup() {
  [[ -n "$CPID" ]] && kill -9 "$CPID" 2>/dev/null
  [[ -n "$DPID" ]] && kill -9 "$DPID" 2>/dev/null
  ns_remove "$NS"
  [[ -n "${KEEP_TMP:-}" ]] || rm -rf "$TMP"
}
on_exit cleanup

fail_unless_root
for t in python3 curl jq ss prlimit; do
  command -v $t >/dev/null || { echo "FAIL - $t is missing (scripts/install-deps)"; exit 1; }
done
ip netns add "$NS" || { echo "FAIL - ip netns add"; exit 1; }
PORT=$(free_port) || { echo "FAIL - no free loopback port"; exit 1; }
URL=http://127.0.0.1:$PORT

write_conf() {  # write_conf EXTRA: more daemon settings
  cat > "$TMP/c.conf" <<EOC
daemon = { state = "$TMP/state.db"; control = "$TMP/ctl.sock"; control_ro = "$TMP/ro.sock";
           http = "127.0.0.1:$PORT"; $1 };
sensors = { listen = [ "unix:$TMP/sensor.sock" ]; };
policy = { dry_run = true; };
enforcement = ( { name = "edge"; kind = "netlink"; prefixes = [ "0.0.0.0/0", "::/0" ]; netns = "$NS";
                  remediation = "10.99.0.0/24"; } );
EOC
}
listening() { [[ -n "$(ss -Htln "sport = :$PORT")" && -S "$TMP/ro.sock" ]]; }
start() {  # start [prlimit args...]: cordond in the background, DPID
  : > "$TMP/daemon.log"
  "$@" "$B/cordond" -d -f "$TMP/c.conf" >"$TMP/daemon.log" 2>&1 &
  DPID=$!
  wait_until 100 listening || { echo "FAIL - cordond did not come up:"; tail -5 "$TMP/daemon.log"; exit 1; }
}
stop() {
  kill "$DPID"; wait "$DPID"; local rc=$?; DPID=""
  check "cordond stops cleanly (exit $rc)" test $rc -eq 0
}
status_ok() { [[ $(timeout 5 "$B/cordonctl" -s "$TMP/ro.sock" --json status 2>/dev/null | jq -r .ok) == true ]]; }
metrics_ok() { curl -s -m 5 -o /dev/null -w '%{http_code}' "$URL/metrics" | grep -qx 200; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$DPID/stat"; }

# hold N: opens N connections to the HTTP port (non-blocking, so that those
# the kernel's backlog cannot take do not hold the client up), sends each
# half a request line, and reports in $TMP/hold.out how many connected and
# how many the daemon closed; then holds the rest open until $TMP/release
# exists (60 s at most).
hold() {
  rm -f "$TMP/release" "$TMP/hold.out"
  python3 - "$PORT" "$1" "$TMP/release" > "$TMP/hold.out" <<'EOP' &
import os, select, socket, sys, time
port, n, release = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
pending = []
for _ in range(n):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setblocking(False)
    s.connect_ex(("127.0.0.1", port))
    pending.append(s)
connected, end = [], time.monotonic() + 5
while pending and time.monotonic() < end:
    _, w, _ = select.select([], pending, [], 0.2)
    for s in w:
        pending.remove(s)
        if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0:
            s.send(b"GET /metrics HTTP/1.1\r\nHo")
            connected.append(s)
# Closed by the daemon: EOF (or a reset) within 3 s.
closed, end = set(), time.monotonic() + 3
while time.monotonic() < end:
    r, _, _ = select.select([s for s in connected if s not in closed], [], [], 0.2)
    for s in r:
        try:
            if s.recv(64) == b"":
                closed.add(s)
        except OSError:
            closed.add(s)
print("connected %d closed %d" % (len(connected), len(closed)), flush=True)
end = time.monotonic() + 60
while not os.path.exists(release) and time.monotonic() < end:
    time.sleep(0.1)
EOP
  CPID=$!
}
held() { [[ -s "$TMP/hold.out" ]]; }
release() { touch "$TMP/release"; wait "$CPID"; CPID=""; }

# --- 1. the connection cap ---------------------------------------------------------------------
write_conf "http_max_connections = 20;"
check "cordond -n accepts daemon.http_max_connections" "$B/cordond" -n -f "$TMP/c.conf"
start
ok "cordond listens on $URL"
hold 40
wait_until 150 held
echo "  $(cat "$TMP/hold.out")"
check "40 quiet connections, cap 20: 20 closed by the daemon at once" grep -qx "connected 40 closed 20" "$TMP/hold.out"
check "  the refusal is logged once, with the server, the peer, the cap and the count" \
  test "$(grep -c "HTTP 127.0.0.1:$PORT: refused a connection from 127.0.0.1, 20 already open (1 refused so far; daemon.http_max_connections is 20" "$TMP/daemon.log")" -eq 1
check "  and counted in status (connections_refused 20)" \
  test "$(timeout 5 "$B/cordonctl" -s "$TMP/ro.sock" --json status | jq .connections_refused)" -eq 20
release
check "  once they close, GET /metrics answers" wait_until 50 metrics_ok
check "  with cordon_connections_refused_total 20" \
  bash -c "curl -s -m 5 $URL/metrics | grep -qx 'cordon_connections_refused_total 20'"
stop

# --- 2. out of descriptors -------------------------------------------------------------------
write_conf ""
start prlimit --nofile=96
before=$(cpu_ticks)
hold 200
wait_until 150 held
echo "  $(cat "$TMP/hold.out")"
paused() { grep -q "HTTP 127.0.0.1:$PORT: accept failed: Too many open files; not accepting for 1 s" "$TMP/daemon.log"; }
check "200 quiet connections, 96 descriptors: the HTTP listener says it pauses" wait_until 50 paused
# The control listener too: a status request meanwhile waits in its
# backlog (cordonctl gives up after 2 s), the listener pausing likewise.
timeout 2 "$B/cordonctl" -s "$TMP/ro.sock" status >/dev/null 2>&1
ctl_paused() { grep -q "control: unix:$TMP/ro.sock: accept failed: Too many open files; not accepting for 1 s" "$TMP/daemon.log"; }
check "  and so does the control listener, asked for status meanwhile" wait_until 50 ctl_paused
# The episode: the descriptors stay used for 3 s more (the listeners try
# again each second and fail again).
t_end=$((SECONDS + 3))
while ((SECONDS < t_end)); do sleep 0.2; done
after=$(cpu_ticks)
tck=$(getconf CLK_TCK)
echo "  daemon CPU time over the episode: $(( (after - before) * 1000 / tck )) ms"
check "  the daemon's CPU time grows by less than 1 s" test $((after - before)) -lt "$tck"
n=$(grep -c "accept" "$TMP/daemon.log")
echo "  accept errors logged: $n"
check "  a bounded number of accept errors in the log (2 to 6)" test "$n" -ge 2 -a "$n" -le 6
release
check "  once the connections close, GET /metrics answers" wait_until 100 metrics_ok
check "  and cordonctl status" wait_until 100 status_ok
stop

if grep -q "ERROR: AddressSanitizer\|LeakSanitizer\|runtime error:" "$TMP/daemon.log"; then
  bad "sanitizer reports in the daemon's log:"; grep -A5 "Sanitizer\|runtime error" "$TMP/daemon.log" | head -30
fi
results
