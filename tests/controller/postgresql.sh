#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# postgresql.sh TEST_REGISTRY_BINARY
# The registry on PostgreSQL: a server of this test's own (initdb as nobody
# in a temporary directory, a Unix socket only, removed afterwards), and the
# registry's cases run on it (test_registry --postgresql), with a connection
# that breaks in the middle.
set -uo pipefail
# shellcheck source=../lib.sh
source "$(dirname "$0")/../lib.sh"
REGISTRY_TEST=$1
pass=0 fail=0
on_exit pg_remove
fail_unless_root
pg_start || exit 1
CORDON_TEST_PG="$PG_CONNINFO" "$REGISTRY_TEST" --postgresql
check "the registry's cases pass on PostgreSQL" test $? -eq 0
results
