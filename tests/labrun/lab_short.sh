#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# lab_short.sh SOURCE_DIR BUILD_DIR: lab/run --short against this build; the
# scoreboard must say every scenario passed, and nothing may be left behind.
set -uo pipefail
SRC=$1 BUILD=$2
OUT=$BUILD/lab-out
LAB_BIN=$BUILD LAB_OUT=$OUT bash "$SRC/lab/run" --short
rc=$?
pass=0 fail=0
check() { if "${@:2}"; then echo "ok   - $1"; pass=$((pass + 1)); else echo "FAIL - $1"; fail=$((fail + 1)); fi; }
check "lab/run --short exits 0" test $rc -eq 0
check "the scoreboard exists" test -s "$OUT/scoreboard.json"
n=$(jq '.scenarios | length' "$OUT/scoreboard.json" 2>/dev/null || echo 0)
if [[ $n -eq 0 ]]; then
  if [[ "${CI:-}" == "true" ]]; then
    check "at least one scenario ran (CI=true)" false
  else
    echo "SKIPPED: no scenario of the short set could run here: $(jq -r '.skipped | join(", ")' "$OUT/scoreboard.json")"
  fi
fi
check "every scenario passed" test "$(jq '[.scenarios[] | select(.pass | not)] | length' "$OUT/scoreboard.json")" -eq 0
jq -e '.scenarios[] | select(.name == "hidenseek-snmp") | .detected and .isolated and .wrongly_isolated == 0 and .release_restores_access == "yes"' "$OUT/scoreboard.json" >/dev/null
check "hidenseek-snmp: detected, isolated, nobody else, release restores access" test $? -eq 0 -o "${CI:-}" != "true" -a "$n" -eq 0
# The background ran beside every scenario: every host started it, flows were
# answered, and its packets crossed the switch.
bg_short=$(jq -c '[.scenarios[] | select(.background != null) |
  select(.background.hosts < 39 or .background.answered == 0 or .background.packets == 0 or .background.send_errors > 0) |
  {name, background}]' "$OUT/scoreboard.json")
check "the background ran on every host in every scenario${bg_short:+ (short: $bg_short)}" test "$bg_short" = "[]"
# The time budgets are the scenarios' own except in a sanitizer build (lab/run).
want_scale=1
grep -qx 'CORDON_SANITIZE:BOOL=ON' "$BUILD/CMakeCache.txt" && want_scale=3
check "the time budgets are the scenarios' times $want_scale in this build" test "$(jq '.time_budget_scale' "$OUT/scoreboard.json")" = "$want_scale"
check "a timeline plot was drawn" bash -c "ls $OUT/plots/*.png >/dev/null 2>&1 || [[ $n -eq 0 ]]"
check "no lab namespace is left" test -z "$(ip netns list | grep '^cordon-lab-')"
echo "$pass passed, $fail failed"
[[ $fail -eq 0 ]]
