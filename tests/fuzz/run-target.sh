#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# run-target.sh TARGET SECONDS CORPUS SEEDER CAPTURES_DIR SEEDS
# Seeds the corpus (SEEDS = "pcap": the frames of the recorded captures;
# otherwise a directory of seed inputs), then fuzzes for a bounded time.
# Fails on any crash or sanitizer report.
set -euo pipefail
target=$1 seconds=$2 corpus=$3 seeder=$4 captures=$5 seeds=$6
mkdir -p "$corpus"
if [[ -z "$(ls -A "$corpus")" ]]; then
  if [[ "$seeds" == pcap ]]; then
    shopt -s nullglob
    pcaps=("$captures"/*.pcap)
    if [[ ${#pcaps[@]} -gt 0 ]]; then
      "$seeder" "$corpus" 200 "${pcaps[@]}"
    elif [[ "${CI:-}" == "true" ]]; then
      echo "run-target: no captures in $captures (CI=true: they are required)" >&2
      exit 1
    else
      echo "run-target: no captures in $captures; fuzzing from an empty corpus" >&2
    fi
  else
    cp "$seeds"/* "$corpus"/
  fi
fi
echo "run-target: $(basename "$target") for ${seconds}s on $(ls "$corpus" | wc -l) corpus inputs"
artifacts=$(dirname "$corpus")/artifacts-$(basename "$target")
mkdir -p "$artifacts"
# Leaks inside third-party libraries that Cordon cannot free (see the file).
export LSAN_OPTIONS="suppressions=$(dirname "$0")/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
exec "$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
  -print_final_stats=1 -artifact_prefix="$artifacts/" "$corpus"
