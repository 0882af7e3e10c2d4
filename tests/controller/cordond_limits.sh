#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# cordond_limits.sh BUILD_DIR
# What one client may hold of the daemon, with the real cordond (dry run,
# the netlink backend in a namespace of its own): a client of the read-only
# control socket that sends `list` requests without reading the answers is
# no longer read from (the daemon's memory stays bounded) while another
# client's `status` is answered at once, and a client that reads its answers
# late gets them all; the connection cap of a sensor listener filled with
# quiet connections refuses the next one, says so in the log and in
# `status`, and the quiet ones are closed after sensors.idle_timeout, after
# which a real sensor is heard again. Clients are python3 on loopback only,
# bounded in count and time. Everything made is removed again.
set -uo pipefail
# shellcheck source=../lib.sh
source "$(dirname "$0")/../lib.sh"
B=$1
TMP=$(mktemp -d /tmp/cordon-limits-test.XXXXXX)
NS=cordon-lim-$$
DPID=""
pass=0 fail=0

cleanup() {
  [[ -n "$DPID" ]] && kill -9 "$DPID" 2>/dev/null
  ns_remove "$NS"
  [[ -n "${KEEP_TMP:-}" ]] || rm -rf "$TMP"
}
on_exit cleanup

fail_unless_root
for t in python3 jq ss; do
  command -v $t >/dev/null || { echo "FAIL - $t is missing (scripts/install-deps)"; exit 1; }
done
ip netns add "$NS" || { echo "FAIL - ip netns add"; exit 1; }
PORT=$(free_port) || { echo "FAIL - no free loopback port"; exit 1; }
HOSTS=2000      # hosts on record: a `list` of them all is about half a megabyte
IDLE=8          # sensors.idle_timeout: long enough to open 257 connections first, also under ASan

cat > "$TMP/c.conf" <<EOC
daemon = { state = "$TMP/state.db"; control = "$TMP/ctl.sock"; control_ro = "$TMP/ro.sock"; http = "";
           control_idle_timeout = 120; };
sensors = { listen = [ "tcp:127.0.0.1:$PORT" ]; idle_timeout = $IDLE; };
policy = { dry_run = true; max_isolations_per_minute = 100000; };
enforcement = ( { name = "edge"; kind = "netlink"; prefixes = [ "0.0.0.0/0", "::/0" ]; netns = "$NS";
                  remediation = "10.99.0.0/24"; } );
EOC
check "cordond -n accepts sensors.idle_timeout and daemon.control_idle_timeout" "$B/cordond" -n -f "$TMP/c.conf"
"$B/cordond" -d -f "$TMP/c.conf" >"$TMP/daemon.log" 2>&1 &
DPID=$!
listening() { [[ -n "$(ss -Htln "sport = :$PORT")" && -S "$TMP/ro.sock" ]]; }
wait_until 100 listening || { echo "FAIL - cordond did not come up:"; tail -5 "$TMP/daemon.log"; exit 1; }
ok "cordond listens"

ctl() { "$B/cordonctl" -s "$TMP/ctl.sock" -r "$TMP/ro.sock" "$@"; }
status() { timeout 5 "$B/cordonctl" -s "$TMP/ro.sock" --json status; }
rss_kb() { awk '$1 == "VmRSS:" {print $2}' "/proc/$DPID/status"; }
det() {  # det SRC: a detection line
  printf '{"time":"2026-01-01T00:00:00Z","sensor":"s1","src":"%s","mac":"02:00:00:00:00:01","vlan":null,"engine":"fanout","proto":"tcp","dport":445,"evidence":{"probes":12,"failures":12,"distinct_dsts":12,"first_seen":"2026-01-01T00:00:00Z","alert_packet":12}}\n' "$1"
}

# --- hosts on record -------------------------------------------------------------------------
python3 - "$PORT" "$HOSTS" <<'EOP'
import socket, sys
port, n = int(sys.argv[1]), int(sys.argv[2])
line = ('{"time":"2026-01-01T00:00:00Z","sensor":"s1","src":"10.40.%d.%d","mac":"02:00:00:00:00:01",'
        '"vlan":null,"engine":"fanout","proto":"tcp","dport":445,"evidence":{"probes":12,"failures":12,'
        '"distinct_dsts":12,"first_seen":"2026-01-01T00:00:00Z","alert_packet":12}}\n')
with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
    s.sendall("".join(line % (1 + i // 250, 1 + i % 250) for i in range(n)).encode())
EOP
listed() { [[ $(timeout 10 "$B/cordonctl" -s "$TMP/ro.sock" --json list 2>/dev/null | jq '.hosts | length') -ge $HOSTS ]]; }
check "$HOSTS hosts on record (dry run)" wait_until 300 listed

# --- a client that asks and does not read ------------------------------------------------------
base=$(rss_kb)
python3 - "$TMP/ro.sock" >"$TMP/flood.out" 2>&1 <<'EOP' &
# Sends `list` requests as fast as the daemon takes them, for 12 s at most,
# and never reads; then says how many it sent and whether it was cut off.
import socket, sys, time, select
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
s.setblocking(False)
req = b'{"cmd":"list","limit":10000}\n' * 64
sent, end, closed = 0, time.monotonic() + 12, False
while time.monotonic() < end:
    _, w, _ = select.select([], [s], [], 0.2)
    if not w:
        continue
    try:
        sent += s.send(req)
    except BlockingIOError:
        pass
    except OSError:
        closed = True
        break
print("sent %d requests%s" % (sent // 29, ", then closed by the daemon" if closed else ""))
EOP
FLOOD=$!
max=$base slow=0 answered=0
for _ in $(seq 20); do       # 10 s: a sample every 0.5 s, and another client's status
  r=$(rss_kb); [[ -n "$r" && $r -gt $max ]] && max=$r
  t0=$(date +%s%N)
  if status | jq -e '.ok' >/dev/null 2>&1; then
    answered=$((answered + 1))
    t=$((($(date +%s%N) - t0) / 1000000)); ((t > slow)) && slow=$t
  fi
  sleep 0.5
done
wait "$FLOOD"
echo "  flood: $(cat "$TMP/flood.out"); RSS ${base} kB before, at most ${max} kB during; slowest status ${slow} ms"
check "  the daemon grows by less than 100 MB while a client floods it with list requests" \
  test $((max - base)) -lt 102400
check "  another client's status is answered every time (20 of 20), within 3 s (slowest ${slow} ms)" \
  test $answered -eq 20 -a $slow -lt 3000
check "  the flooding client is held back, not cut off" \
  bash -c "grep -q '^sent [0-9]* requests$' '$TMP/flood.out'"

# A client that sends 40 requests before reading any answer gets all 40:
# reading stops at 1 MB waiting and resumes as the client reads.
python3 - "$TMP/ro.sock" >"$TMP/late.out" 2>&1 <<'EOP'
import socket, sys, json
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
s.settimeout(30)
s.sendall(b'{"cmd":"list","limit":10000}\n' * 40)
f = s.makefile("rb")
n = 0
for _ in range(40):
    line = f.readline()
    if not line:
        break
    if json.loads(line).get("ok"):
        n += 1
print(n)
EOP
check "a client that reads its 40 answers late gets all of them ($(cat "$TMP/late.out"))" \
  test "$(cat "$TMP/late.out")" = 40

# --- a sensor listener filled with quiet connections ----------------------------------------------
python3 - "$PORT" "$IDLE" >"$TMP/idle.out" 2>&1 <<'EOP'
# Opens 256 connections (the listener's cap) and sends nothing; one more is
# refused (closed well before the idle timeout, while all 256 are still
# open); then waits (20 s at most) for the daemon to close the quiet ones.
import socket, subprocess, sys, time, select
port, idle = int(sys.argv[1]), float(sys.argv[2])
def accepted():
    # The listener's accept queue is empty (ss: Recv-Q of a listening socket).
    out = subprocess.run(["ss", "-Hltn", "sport = :%d" % port], capture_output=True, text=True).stdout
    return all(line.split()[1] == "0" for line in out.splitlines() if line.strip())
t0 = time.monotonic()
held = []
# In batches the accept queue (64) holds, each accepted before the next: a
# connection dropped from a full queue would be retried a second later.
for _ in range(8):
    held += [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(32)]
    for _ in range(50):
        if accepted():
            break
        time.sleep(0.1)
t1 = time.monotonic()
extra = socket.create_connection(("127.0.0.1", port), timeout=10)
extra.settimeout(idle + 5)
try:
    refused = extra.recv(1) == b""
except OSError:
    refused = True
t = time.monotonic() - t1
gone = select.select(held, [], [], 0)[0]
print("opened 256 in %.1f s; one more, closed after %.1f s; %d of the 256 closed by then" %
      (t1 - t0, t, len(gone)))
print("257th refused" if refused and t < idle / 2 and not gone else "257th not refused")
sys.stdout.flush()
closed, end = set(), time.monotonic() + 20
while len(closed) < len(held) and time.monotonic() < end:
    r, _, _ = select.select([s for s in held if s not in closed], [], [], 0.5)
    for s in r:
        try:
            if s.recv(1) == b"":
                closed.add(s)
        except OSError:
            closed.add(s)
print("closed by the daemon: %d of %d" % (len(closed), len(held)))
EOP
cat "$TMP/idle.out" | sed 's/^/  /'
check "256 quiet connections fill the sensor listener: the next is refused" grep -q "257th refused" "$TMP/idle.out"
check "  the refusal is logged, once, with the listener and the count" \
  test "$(grep -c "sensor listener tcp:127.0.0.1:$PORT: refused a connection, 256 already open (1 refused so far" "$TMP/daemon.log")" -eq 1
check "  and counted in status (connections_refused)" \
  bash -c "[[ \$(timeout 5 $B/cordonctl -s $TMP/ro.sock --json status | jq .connections_refused) -ge 1 ]]"
check "  the quiet connections are closed after sensors.idle_timeout ($IDLE s)" \
  grep -q "closed by the daemon: 256 of 256" "$TMP/idle.out"
check "  each closing logged with its peer" \
  test "$(grep -c "sensor tcp:127.0.0.1:$PORT (127.0.0.1:[0-9]*): closed: nothing received for $IDLE s" "$TMP/daemon.log")" -eq 256
det 10.41.0.1 | python3 -c '
import socket, sys
with socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10) as s:
    s.sendall(sys.stdin.buffer.read())' "$PORT"
shown() { [[ $(timeout 5 "$B/cordonctl" -s "$TMP/ro.sock" --json show 10.41.0.1 2>/dev/null | jq -r '.ok') == true ]]; }
check "  then a real sensor is heard again (10.41.0.1 on record)" wait_until 100 shown

kill "$DPID"; wait "$DPID"; rc=$?; DPID=""
check "cordond stops cleanly (exit $rc)" test $rc -eq 0
if grep -q "ERROR: AddressSanitizer\|LeakSanitizer\|runtime error:" "$TMP/daemon.log"; then
  bad "sanitizer reports in the daemon's log:"; grep -A5 "Sanitizer\|runtime error" "$TMP/daemon.log" | head -30
fi
results
