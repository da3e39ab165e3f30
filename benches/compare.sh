#!/usr/bin/env bash
# Times `summary` on a ~1 GB generated log against `rg -c` on the same warm
# file, and reports throughput, the ratio, peak RSS, `show` and the TUI's
# time to complete counts. Needs hyperfine, ripgrep, GNU time and tmux
# (Debian: apt-get install hyperfine ripgrep time tmux).
#
#   benches/compare.sh [SEED] [REQUESTS]
set -euo pipefail
cd "$(dirname "$0")/.."
seed=${1:-20261124}
requests=${2:-3600000}
log=${BENCH_LOG:-target/bench-$seed.log}
bin=target/release/wontopos-logs

for tool in hyperfine rg /usr/bin/time tmux; do
  command -v "$tool" >/dev/null || { echo "missing $tool: apt-get install hyperfine ripgrep time tmux" >&2; exit 2; }
done
cargo build --release --quiet
[ -f "$log" ] || "$bin" generate "$log" --requests "$requests" --seed "$seed" --rate 1000
bytes=$(stat -c %s "$log")
cat "$log" > /dev/null # warm the page cache
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "log: $log, $((bytes / 1000000)) MB"

json=$(mktemp)
hyperfine --warmup 1 --runs 5 -N --export-json "$json" \
  "$bin summary --json $log" \
  "$bin summary --json --threads 1 $log" \
  "rg -c '\"status\":5' $log" >/dev/null
python3 - "$json" "$bytes" <<'PY'
import json, sys
runs = json.load(open(sys.argv[1]))["results"]
size = int(sys.argv[2])
two, one, rg = (r["mean"] for r in runs)
print(f"summary, all cores: {two:.3f} s = {size / two / 1e6:.0f} MB/s")
print(f"summary, one core:  {one:.3f} s = {size / one / 1e6:.0f} MB/s")
print(f"rg -c:              {rg:.3f} s")
print(f"ratio summary / rg: {two / rg:.2f}")
PY
/usr/bin/time -f "summary peak RSS: %M KiB" "$bin" summary --json "$log" >/dev/null

id=$(grep -m 1 -o '"request_id":"req_[A-Z0-9]*","msg":"upstream call failed"' "$log" | cut -d'"' -f4 || true)
if [ -n "$id" ]; then
  hyperfine --warmup 1 --runs 5 -N "$bin show $id $log" 2>/dev/null | grep -E "Time" | sed "s/^/show $id: /"
fi

# The TUI: time from start until the header shows every request.
want=$("$bin" summary --json "$log" | python3 -c 'import json,sys; print("{:,}".format(json.load(sys.stdin)["requests"]))')
sock=bench-$$
tmux -L "$sock" -f /dev/null new-session -d -s m -x 120 -y 40 "sleep 0.5; exec $bin tail $log"
sleep 0.5
start=$(date +%s.%N)
for _ in $(seq 6000); do
  tmux -L "$sock" capture-pane -p -t m | grep -q "requests $want " && break
  sleep 0.01
done
end=$(date +%s.%N)
pid=$(pgrep -f "^$bin tail" | head -1)
echo "tail: complete counts after $(python3 -c "print(f'{$end - $start:.2f}')") s, RSS $(grep VmHWM /proc/"$pid"/status | awk '{print $2}') KiB"
tmux -L "$sock" kill-server
