#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# postgresql.sh TEST_REGISTRY_BINARY CORDOND_BINARY
# The registry on PostgreSQL: a server of this test's own (initdb as nobody
# in a temporary directory, a Unix socket only, removed afterwards), and the
# registry's cases run on it (test_registry --postgresql), with a connection
# that breaks in the middle.
set -uo pipefail
# shellcheck source=../lib.sh
source "$(dirname "$0")/../lib.sh"
REGISTRY_TEST=$1
CORDOND=$2
pass=0 fail=0
on_exit pg_remove
fail_unless_root
pg_start || exit 1
CORDON_TEST_PG="$PG_CONNINFO" "$REGISTRY_TEST" --postgresql
check "the registry's cases pass on PostgreSQL" test $? -eq 0

# The connection string in a config: checked by cordond -n without being shown.
conf=$PG_DIR/c.conf
printf 'state = { backend = "postgresql"; conninfo = "host=db1 password=topsecret-1 %s"; };\n' "'unterminated" >"$conf"
out=$("$CORDOND" -n -f "$conf" 2>&1); rc=$?
check "a conninfo libpq cannot parse: cordond -n fails (exit $rc) naming the setting" \
  test $rc -eq 1 -a -n "$(grep "c.conf:1: state.conninfo: libpq cannot parse it" <<<"$out")"
check "  without showing it" test -z "$(grep topsecret <<<"$out")"
printf 'state = { backend = "postgresql"; };\n' >"$conf"
out=$("$CORDOND" -n -f "$conf" 2>&1); rc=$?
check "backend postgresql without conninfo: refused (exit $rc)" test $rc -eq 1 -a -n "$(grep "needs conninfo" <<<"$out")"
printf 'state = { backend = "postgresql"; conninfo = "%s password=topsecret-2"; };\n' "$PG_CONNINFO" >"$conf"
out=$("$CORDOND" -n -f "$conf" 2>&1); rc=$?
check "a valid one: accepted (exit $rc), not shown" test $rc -eq 0 -a -z "$(grep topsecret <<<"$out")"
printf 'state = { backend = "postgresql"; conninfo = "host=%s/nowhere dbname=cordon password=topsecret-3"; };\ndaemon = { control = "%s/ctl.sock"; control_ro = ""; http = ""; state = "%s/state.db"; };\n' \
  "$PG_DIR" "$PG_DIR" "$PG_DIR" >"$conf"
out=$(timeout 20 "$CORDOND" -d -f "$conf" 2>&1); rc=$?
check "a server that is not there: cordond does not start (exit $rc), says why, not the password" \
  test $rc -eq 1 -a -n "$(grep "PostgreSQL state database: connection to server" <<<"$out")" -a -z "$(grep topsecret <<<"$out")"
results
