#!/usr/bin/env bash
# Stress loop for `tail` (issue 12, item 9): launches the dashboard in tmux
# many times on a loaded machine, waits for its "indexed" mark, and checks
# that it is still running a moment later; an early exit is kept with its
# exit status and stderr. Load the machine yourself (a build, fuzzers) or
# pass LOAD=1 to start two busy loops for the run.
#
#   benches/stress-tail.sh [RUNS] [LOG]   (defaults: 40, a generated 100 MB log)
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-40}"
bin="${BIN:-target/release/wontopos-logs}"
work="$(mktemp -d)"
log="${2:-$work/stress.log}"
if [[ ! -f "$log" ]]; then
  "$bin" generate "$log" --requests 400000 --seed 99 >/dev/null
fi
loaders=()
if [[ "${LOAD:-0}" == 1 ]]; then
  for _ in 1 2; do (while :; do :; done) & loaders+=("$!"); done
fi
trap 'kill "${loaders[@]}" 2>/dev/null || true; tmux kill-server 2>/dev/null || true' EXIT
early=0
for i in $(seq 1 "$runs"); do
  mark="$work/mark.$i" err="$work/stderr.$i" rc="$work/rc.$i"
  tmux new-session -d -s "stress$i" -x 120 -y 40 \
    "WONTOPOS_LOADED_MARK=$mark $bin tail $log 2>$err; echo \$? >$rc"
  for _ in $(seq 1 600); do
    grep -q indexed "$mark" 2>/dev/null && break
    [[ -f "$rc" ]] && break
    sleep 0.05
  done
  sleep 1
  if [[ -f "$rc" ]]; then
    early=$((early + 1))
    echo "run $i: exited early with status $(cat "$rc"); stderr: $(tr '\n' ' ' <"$err")"
  else
    tmux send-keys -t "stress$i" q
    for _ in $(seq 1 100); do [[ -f "$rc" ]] && break; sleep 0.05; done
    [[ "$(cat "$rc" 2>/dev/null)" == 0 ]] || echo "run $i: q gave status $(cat "$rc" 2>/dev/null || echo none)"
  fi
  tmux kill-session -t "stress$i" 2>/dev/null || true
done
echo "tail stress: $early of $runs runs exited early (files in $work)"
[[ "$early" -eq 0 ]]
