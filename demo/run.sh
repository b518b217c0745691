#!/usr/bin/env bash
# `make demo`: the example stack against a local emulator that this script starts and stops.
# validate -> plan -> apply --wait -> plan (no changes) -> a change outside the tool -> drift
# (exit 2, expected) -> apply -> drift (clean).
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=.venv/bin
STACK=specs/examples/clippy
WORK=demo/.work
export AZURE_SUBSCRIPTION_ID=00000000-0000-0000-0000-000000000001
export NO_PROXY="127.0.0.1,localhost${NO_PROXY:+,$NO_PROXY}"
export RECONCILER_CACHE_DIR="$WORK/cache"

rm -rf "$WORK" && mkdir -p "$WORK"
EMULATOR_PID=""
stop_emulator() {
  if [ -n "$EMULATOR_PID" ] && kill -0 "$EMULATOR_PID" 2>/dev/null; then
    kill "$EMULATOR_PID" 2>/dev/null || true
    wait "$EMULATOR_PID" 2>/dev/null || true
    echo "== emulator stopped"
  fi
}
trap stop_emulator EXIT

# Bold headings on a terminal only: a log (CI, `make demo > demo.log`) gets no escape codes,
# and NO_COLOR (no-color.org) turns them off everywhere.
if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then BOLD=$'\033[1m' PLAIN=$'\033[0m'; else BOLD="" PLAIN=""; fi
step() { printf '\n%s== %s%s\n' "$BOLD" "$*" "$PLAIN"; }

# Expect a given exit code from a command and say so; anything else fails the demo.
expect() {
  local want=$1; shift
  set +e; "$@"; local got=$?; set -e
  if [ "$got" -ne "$want" ]; then
    echo "demo: expected exit $want from: $*, got $got" >&2
    exit 1
  fi
  echo "(exit $got, as expected)"
}

step "starting the emulator (a local Azure)"
"$BIN/reconciler" emulator serve --port 0 --data-dir "$WORK/emulator" \
  --seed demo/emulator-seed.yaml --speed 200 --provision-seconds 20 >"$WORK/emulator.log" 2>&1 &
EMULATOR_PID=$!
for _ in $(seq 1 100); do
  grep -q '^ready ' "$WORK/emulator.log" 2>/dev/null && break
  kill -0 "$EMULATOR_PID" 2>/dev/null || { cat "$WORK/emulator.log" >&2; exit 1; }
  sleep 0.1
done
grep '^ready ' "$WORK/emulator.log" || { echo "demo: the emulator did not start" >&2; exit 1; }
export RECONCILER_EMULATOR="$WORK/emulator"

step "reconciler validate $STACK"
expect 0 "$BIN/reconciler" validate "$STACK"

step "reconciler plan $STACK"
expect 2 "$BIN/reconciler" plan "$STACK" --detailed-exitcode

step "reconciler apply $STACK --auto-approve --wait"
expect 0 "$BIN/reconciler" apply "$STACK" --auto-approve --wait --timeout 300

step "reconciler plan $STACK   (nothing left to do)"
expect 0 "$BIN/reconciler" plan "$STACK" --detailed-exitcode

step "someone scales clippy-swc to 5 in the portal (here: through the Azure SDK)"
"$BIN/python" demo/out_of_band.py scale clippy-swc 5

step "reconciler drift $STACK   (exit 2: drift found)"
expect 2 "$BIN/reconciler" drift "$STACK"

step "reconciler apply $STACK --auto-approve   (puts it back)"
expect 0 "$BIN/reconciler" apply "$STACK" --auto-approve

step "reconciler drift $STACK   (clean)"
expect 0 "$BIN/reconciler" drift "$STACK"

printf '\n%sdemo finished: every step behaved as expected%s\n' "$BOLD" "$PLAIN"
