# SPDX-License-Identifier: ISC
# Shell helpers shared by Cordon's namespace tests. Source it; it defines
# functions only and changes nothing by itself.

# capture_attached NS IFACE: whether a packet socket (a capture) receives on
# IFACE in namespace NS. /proc/net/packet names the interface by ifindex and
# the protocol: libpcap binds with protocol 0 (nothing received) while it
# sets up its ring, and rebinds to ETH_P_ALL (0003) once it is ready.
capture_attached() {
  local ifx
  ifx=$(ip -n "$1" -o link show "$2" 2>/dev/null | cut -d: -f1)
  [[ -n "$ifx" ]] || return 1
  ip netns exec "$1" awk -v i="$ifx" 'NR > 1 && $5 == i && $4 == "0003" {f = 1} END {exit !f}' /proc/net/packet
}

# wait_capture NS IFACE [TRIES]: waits (50 ms a try, 200 tries by default)
# until a capture is attached to IFACE; returns 1 if none ever is.
wait_capture() {
  local n=${3:-200}
  while ((n-- > 0)); do
    capture_attached "$1" "$2" && return 0
    sleep 0.05
  done
  return 1
}

# ---- results --------------------------------------------------------------
# ok/bad DESCRIPTION: one "ok   - ..." or "FAIL - ..." line, counted in the
# caller's $pass and $fail. check DESCRIPTION COMMAND...: ok if COMMAND
# succeeds, else bad. results: the counts line; its status is the test's.
ok() { echo "ok   - $1"; pass=$((pass + 1)); }
bad() { echo "FAIL - $1"; fail=$((fail + 1)); }
check() { local d=$1; shift; if "$@"; then ok "$d"; else bad "$d"; fi; }
results() { echo "$pass passed, $fail failed"; [[ $fail -eq 0 ]]; }

# ---- preconditions ----------------------------------------------------------
# A missing precondition skips a test (exit 77, the tests' SKIP_RETURN_CODE)
# on a developer's machine; under CI=true it fails it (exit 1), so that a CI
# runner without root or a tool does not pass by skipping.
# missing_precondition WHAT: says WHAT is missing and exits accordingly.
missing_precondition() {
  if [[ "${CI:-}" == "true" ]]; then
    echo "FAIL - $1 (CI=true: required)"
    echo "0 passed, 1 failed"
    exit 1
  fi
  echo "SKIP: $1" >&2
  exit 77
}

# skip_unless_root: skips (fails under CI=true) unless root.
skip_unless_root() {
  [[ $(id -u) -eq 0 ]] || missing_precondition "needs root to create network namespaces"
}

# skip_without COMMAND...: skips (fails under CI=true) unless every command is installed.
skip_without() {
  local cmd
  for cmd in "$@"; do
    command -v "$cmd" >/dev/null || missing_precondition "$cmd not installed"
  done
}

# fail_unless_root: for tests that may not be skipped: fails (exit 1) unless root.
fail_unless_root() {
  [[ $(id -u) -eq 0 ]] && return 0
  echo "FAIL - needs root for network namespaces"
  echo "0 passed, 1 failed"
  exit 1
}

# ---- clean-up ---------------------------------------------------------------
# on_exit COMMAND: runs COMMAND when the script ends, also when it is
# interrupted (INT or TERM make it exit 130, and COMMAND runs then, once).
on_exit() {
  trap "$1" EXIT
  trap 'exit 130' INT TERM
}

# ns_cleanup: the clean-up of a test that keeps its background processes in
# the array PIDS, its namespaces in NSES and its files in the directory WORK.
ns_cleanup() {
  kill_wait "${PIDS[@]}"
  ns_remove "${NSES[@]}"
  rm -rf "$WORK"
}

# ---- namespaces -------------------------------------------------------------
# ns_create NS...: a network namespace each, its loopback up; 1 on the first
# that fails.
ns_create() {
  local ns
  for ns in "$@"; do ip netns add "$ns" && ip -n "$ns" link set lo up || return 1; done
}

# ns_remove NS...: removes each of these namespaces that exists, only ours by
# their exact names, their processes first (or a namespace outlives its
# name). For cleanup traps: always returns 0.
ns_remove() {
  local ns
  for ns in "$@"; do
    if ip netns list | grep -qx -- "$ns\( (id: [0-9]*)\)\?"; then
      ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null
      ip netns del "$ns"
    fi
  done
  return 0
}

# kill_wait PID...: kills each (SIGKILL) and reaps it; always returns 0.
kill_wait() {
  local pid
  for pid in "$@"; do kill -9 "$pid" 2>/dev/null; done
  for pid in "$@"; do wait "$pid" 2>/dev/null; done
  return 0
}

# lan_bridge NS: a bridge br0 in NS, up.
lan_bridge() {
  ip -n "$1" link add br0 type bridge && ip -n "$1" link set br0 up
}

# lan_port NS PORT HOST_NS CIDR: a veth PORT on NS's br0 whose peer is eth0 in
# HOST_NS with the address CIDR; both ends up.
lan_port() {
  ip -n "$1" link add "$2" type veth peer name eth0 netns "$3" &&
    ip -n "$1" link set "$2" master br0 && ip -n "$1" link set "$2" up &&
    ip -n "$3" addr add "$4" dev eth0 && ip -n "$3" link set eth0 up
}

# ---- waiting for what can be observed -----------------------------------------
# wait_for FILE PATTERN COUNT SECONDS: until FILE has COUNT lines matching
# PATTERN (a look every 0.1 s); returns 1 if it has not within SECONDS.
wait_for() {
  local i
  for ((i = 0; i < $4 * 10; i++)); do
    [[ $(grep -c -- "$2" "$1" 2>/dev/null) -ge $3 ]] && return 0
    sleep 0.1
  done
  return 1
}

# wait_socket PATH [TRIES]: until PATH is a Unix socket (0.1 s a try, 50 tries
# by default); returns 1 if it never is.
wait_socket() {
  local n=${2:-50}
  while ((n-- > 0)); do
    [[ -S "$1" ]] && return 0
    sleep 0.1
  done
  return 1
}

# wait_until TRIES COMMAND...: until COMMAND succeeds (a try every 0.1 s);
# returns 1 if it has not after TRIES tries.
wait_until() {
  local n=$1
  shift
  while ((n-- > 0)); do
    "$@" && return 0
    sleep 0.1
  done
  return 1
}

# ---- a PostgreSQL server of the test's own --------------------------------
# pg_start: initdb and start a server in a new directory (PG_DIR) as user
# nobody (initdb refuses root), listening on a Unix socket in that directory
# only: no TCP port at all. Sets PG_CONNINFO (database "cordon", user
# "cordon", trusted: the socket's directory is the test's). 1 with a message
# when the server cannot be had. pg_stop / pg_start_again stop and start it;
# pg_remove (for clean-up traps) stops it and removes its directory.
pg_start() {
  PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  if [[ -z "$PG_BIN" || ! -x "$PG_BIN/initdb" ]]; then
    echo "FAIL - no PostgreSQL server (Debian's postgresql; scripts/install-deps installs it)"
    return 1
  fi
  PG_DIR=$(mktemp -d /tmp/cordon-pg.XXXXXX) || return 1
  chown nobody: "$PG_DIR" && chmod 0755 "$PG_DIR" || return 1
  if ! runuser -u nobody -- "$PG_BIN/initdb" -D "$PG_DIR/data" -U cordon -A trust -E UTF8 \
      --locale=C >"$PG_DIR/initdb.log" 2>&1; then
    echo "FAIL - initdb:"; tail -5 "$PG_DIR/initdb.log"; return 1
  fi
  pg_start_again || return 1
  if ! "$PG_BIN/createdb" -h "$PG_DIR" -U cordon cordon; then
    echo "FAIL - createdb"; return 1
  fi
  PG_CONNINFO="host=$PG_DIR dbname=cordon user=cordon"
}
pg_start_again() {
  # -w: returns once the server accepts connections (or after -t seconds)
  if ! runuser -u nobody -- "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
      -o "-c listen_addresses='' -k $PG_DIR" start >/dev/null; then
    echo "FAIL - the PostgreSQL server did not start:"; tail -5 "$PG_DIR/server.log"; return 1
  fi
}
pg_stop() { runuser -u nobody -- "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null; }
pg_remove() {
  [[ -n "${PG_DIR:-}" && -d "$PG_DIR" ]] || return 0
  [[ -f "$PG_DIR/data/postmaster.pid" ]] && pg_stop 2>/dev/null
  rm -rf "$PG_DIR"
  return 0
}

# free_port: a TCP port no socket listens on, on any address (ss), picked at
# random in 20000..59999; fails after 50 tries.
free_port() {
  local p
  for _ in $(seq 50); do
    p=$((20000 + RANDOM % 40000))
    [[ -z "$(ss -Htln "sport = :$p")" ]] && { echo "$p"; return 0; }
  done
  return 1
}
