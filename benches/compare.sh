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
tally=${log%.log}.tally.json
[ -f "$log" ] && [ -f "$tally" ] || "$bin" generate "$log" --requests "$requests" --seed "$seed" --rate 1000 --tally "$tally"
bytes=$(stat -c %s "$log")
cat "$log" > /dev/null # warm the page cache
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "log: $log, $((bytes / 1000000)) MB"

# Exact: every count and group against what the generator wrote.
"$bin" summary --json "$log" | python3 -c '
import json, sys
got, want = json.load(sys.stdin), json.load(open(sys.argv[1]))
keys = ["lines", "malformed", "events", "requests", "failures", "rate_limited", "server_errors", "untimed_requests"]
pick = lambda r: ({k: r[k] for k in keys}, sorted((g["code"] or "", g["status"], g["count"]) for g in r["groups"]))
if pick(got) != pick(want):
    sys.exit("summary --json differs from the generator tally")
print("summary --json: exact ({:,} requests, {:,} failures, {} groups match the tally)".format(
    got["requests"], got["failures"], len(got["groups"])))
' "$tally"

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

# A nested profile on the same traffic: Kong's serializer shape, read
# through the kong profile, against the default shape in the same run.
kong=${log%.log}.kong.log
[ -f "$kong" ] || "$bin" generate "$kong" --requests "$requests" --seed "$seed" --rate 1000 --shape kong
cat "$kong" > /dev/null
kjson=$(mktemp)
hyperfine --warmup 1 --runs 5 -N --export-json "$kjson" "$bin summary --json $log" "$bin summary --json $kong" >/dev/null
"$bin" summary --json "$kong" | python3 -c '
import json, sys
r = json.load(sys.stdin)
assert r["sources"][0]["profile"] == "kong", r["sources"]
' || { echo "the Kong-shaped log was not read as kong" >&2; exit 1; }
python3 - "$kjson" "$bytes" "$(stat -c %s "$kong")" <<'PY'
import json, sys
plain, nested = (r["mean"] for r in json.load(open(sys.argv[1]))["results"])
pb, kb = int(sys.argv[2]), int(sys.argv[3])
print(f"nested (kong) shape: {nested:.3f} s for {kb / 1e6:.0f} MB = {kb / nested / 1e6:.0f} MB/s, "
      f"{kb / nested / (pb / plain) * 100:.0f}% of the default shape's {pb / plain / 1e6:.0f} MB/s "
      f"({plain / nested * 100:.0f}% of its lines per second)")
PY
rm -f "$kjson"

id=$(grep -m 1 -o '"request_id":"req_[A-Z0-9]*","msg":"upstream call failed"' "$log" | cut -d'"' -f4 || true)
if [ -n "$id" ]; then
  hyperfine --warmup 1 --runs 5 -N "$bin show $id $log" 2>/dev/null | grep -E "Time" | sed "s/^/show $id: /"
fi

# The TUI: from launching `tail` to the first frame that shows the complete
# counts of the history, and to the moment its failures are indexed too
# (request lists, rankings). The program writes both moments to a file
# (WONTOPOS_LOADED_MARK) so that no poller competes for the cores; the
# screen is checked after.
want=$("$bin" summary --json "$log" | python3 -c 'import json,sys; print(json.load(sys.stdin)["requests"])')
shown=$(python3 -c "print('{:,}'.format($want))")
sock=bench-$$
times=()
indexed=()
for run in 1 2 3 4 5; do
  mark=$(mktemp -u)
  tmux -L "$sock" -f /dev/null new-session -d -s m -x 120 -y 40 "sleep 60"
  start=$(date +%s%N)
  tmux -L "$sock" respawn-pane -k -t m "WONTOPOS_LOADED_MARK=$mark exec $bin tail $log"
  for _ in $(seq 600); do [ -f "$mark" ] && [ "$(wc -l < "$mark")" -ge 2 ] && break; sleep 0.1; done
  { read -r end count; read -r end_indexed _; } < "$mark"
  [ "$count" = "$want" ] || { echo "tail showed $count requests, summary counted $want" >&2; exit 1; }
  sleep 0.2
  tmux -L "$sock" capture-pane -p -t m | grep -q "requests $shown " || { echo "screen lacks 'requests $shown'" >&2; exit 1; }
  pid=$(pgrep -f "^$bin tail" | head -1)
  rss=$(grep VmHWM /proc/"$pid"/status | awk '{print $2}')
  times+=("$(( (end - start) / 1000000 ))")
  indexed+=("$(( (end_indexed - start) / 1000000 ))")
  tmux -L "$sock" kill-server
  rm -f "$mark"
  sleep 0.3
done
median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 3p)
median_indexed=$(printf '%s\n' "${indexed[@]}" | sort -n | sed -n 3p)
python3 - "$json" "$median" "$rss" "${times[*]}" "$median_indexed" <<'PY'
import json, sys
two = json.load(open(sys.argv[1]))["results"][0]["mean"]
tail = int(sys.argv[2]) / 1000
indexed = int(sys.argv[5]) / 1000
print(f"tail: complete counts on screen after {tail:.3f} s (median of {sys.argv[4]} ms), "
      f"{tail / two:.2f} x summary; failures indexed after {indexed:.3f} s; peak RSS {int(sys.argv[3]) // 1024} MiB")
PY
rm -f "$json"
