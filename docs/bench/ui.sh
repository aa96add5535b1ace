#!/usr/bin/env bash
# The UI benchmark; figures and machine notes in docs/bench/README.md.
#
#  (a) `manassa snapshot --screen attract --lang ar` as a whole process next to Chromium's
#      headless screenshot of docs/bench/attract.html (same 1080×1920 screen, texts, fonts):
#      wall time (hyperfine) and peak memory (/usr/bin/time -v max RSS, plus the whole
#      process tree's peak from docs/bench/treepeak.py).
#  (b) idle RSS of the running kiosk: `manassa demo` under Xvfb, settled on the attract screen.
#
# Needs: hyperfine, time (/usr/bin/time), xvfb + xauth, python3, and Chromium, which is a
# benchmark-only tool and not in scripts/lib.sh:
#     sudo apt-get install --no-install-recommends chromium
# Usage: docs/bench/ui.sh [a|b]   (both by default). RUNS=10 WARMUP=3 SETTLE=20 to change.
# Run as root to get the cgroup figure of treepeak.py (the kernel's exact peak of the tree).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
RUNS=${RUNS:-10}
WARMUP=${WARMUP:-3}
SETTLE=${SETTLE:-20}
BIN=$ROOT/target/release/manassa
PAGE=file://$ROOT/docs/bench/attract.html
WORK=$(mktemp -d /tmp/manassa-bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

[ -x "$BIN" ] || cargo build --release --locked

machine() {
  echo "== machine"
  date -u +%FT%TZ
  uname -srm
  grep -m1 'model name' /proc/cpuinfo || true
  echo "cpus: $(nproc)  mem: $(free -m | awk '/Mem:/ {print $2 " MiB"}')"
  echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
  "$BIN" --version
  chromium --version 2>/dev/null || true
  git -C "$ROOT" rev-parse --short HEAD
}

# Chromium with the flags of the issue; a new empty profile for every run.
CHROMIUM_FLAGS="--headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
--disable-background-networking --disable-component-update --disable-sync \
--window-size=1080,1920"
chromium_cmd() { # $1 profile dir, $2 output png
  echo "chromium $CHROMIUM_FLAGS --user-data-dir=$1 --screenshot=$2 $PAGE"
}
snapshot_cmd() { # $1 output png
  echo "$BIN snapshot --screen attract --lang ar --out $1"
}

bench_a() {
  echo "== (a) wall time, hyperfine: $WARMUP warm-up runs, $RUNS measured runs"
  hyperfine --warmup "$WARMUP" --runs "$RUNS" --export-markdown "$WORK/a.md" \
    --command-name "manassa snapshot" "$(snapshot_cmd "$WORK/a.png")" \
    --prepare "rm -rf $WORK/profile; mkdir $WORK/profile" \
    --command-name "chromium --screenshot" "$(chromium_cmd "$WORK/profile" "$WORK/c.png") 2>/dev/null"
  cat "$WORK/a.md"

  echo "== (a) peak memory: /usr/bin/time -v maximum resident set size (largest single process)"
  for i in 1 2 3; do
    /usr/bin/time -v $(snapshot_cmd "$WORK/a.png") 2>"$WORK/t" >/dev/null
    echo "manassa snapshot run $i: $(grep -E 'Maximum resident' "$WORK/t" | awk '{print $NF}') kB"
    rm -rf "$WORK/profile"; mkdir "$WORK/profile"
    /usr/bin/time -v $(chromium_cmd "$WORK/profile" "$WORK/c.png") 2>"$WORK/t" >/dev/null
    echo "chromium run $i: $(grep -E 'Maximum resident' "$WORK/t" | awk '{print $NF}') kB"
  done

  echo "== (a) peak memory of the whole process tree (treepeak.py, 5 ms sampling + cgroup)"
  for i in 1 2 3; do
    echo -n "manassa snapshot run $i: "
    python3 docs/bench/treepeak.py -- $(snapshot_cmd "$WORK/a.png") 2>&1 >/dev/null | tail -1
    rm -rf "$WORK/profile"; mkdir "$WORK/profile"
    echo -n "chromium run $i: "
    python3 docs/bench/treepeak.py -- $(chromium_cmd "$WORK/profile" "$WORK/c.png") 2>&1 >/dev/null | tail -1
  done
  cp "$WORK/a.png" /tmp/bench-manassa-attract.png
  cp "$WORK/c.png" /tmp/bench-chromium-attract.png
  echo "screenshots kept: /tmp/bench-manassa-attract.png /tmp/bench-chromium-attract.png"
}

bench_b() {
  echo "== (b) idle memory of 'manassa demo' under Xvfb after ${SETTLE}s on the attract screen"
  xvfb-run -a -s "-screen 0 1080x1920x24" "$BIN" demo --out "$WORK/demo-out" \
    >"$WORK/demo.log" 2>&1 &
  local xvfb_run=$!
  local pid=""
  for _ in $(seq 100); do
    pid=$(pgrep -P "$xvfb_run" -x manassa || true)
    [ -n "$pid" ] && break
    sleep 0.1
  done
  if [ -z "$pid" ]; then echo "manassa demo did not start"; cat "$WORK/demo.log"; return 1; fi
  sleep "$SETTLE"
  echo "manassa pid $pid; processes under xvfb-run:"
  ps --ppid "$xvfb_run" -o pid=,comm=,rss= | sed 's/^/  /'
  echo "child processes of manassa: $(pgrep -c -P "$pid" || true)"
  echo "threads: $(grep Threads /proc/$pid/status | awk '{print $2}')"
  grep -E '^(VmRSS|VmHWM|RssAnon|RssFile|RssShmem|VmSwap)' /proc/$pid/status | sed 's/^/  /'
  grep -E '^(Rss|Pss|Pss_Anon|Pss_File|Private_Dirty|Anonymous)' /proc/$pid/smaps_rollup | sed 's/^/  rollup /'
  echo "largest mappings by Rss (kB):"
  awk '/^[0-9a-f]+-[0-9a-f]+ / {name = ($6 == "" ? "[anon]" : $6)} /^Rss:/ {rss[name] += $2}
       END {for (n in rss) printf "%8d  %s\n", rss[n], n}' /proc/$pid/smaps | sort -rn | head -12 | sed 's/^/  /'
  # What the window shows (to check it is the attract screen), with ImageMagick if present.
  local xvfb_args
  xvfb_args=$(pgrep -a -P "$xvfb_run" -x Xvfb || true)
  if command -v import >/dev/null && [ -n "$xvfb_args" ]; then
    DISPLAY=$(awk '{print $3}' <<<"$xvfb_args") \
      XAUTHORITY=$(sed -n 's/.* -auth \([^ ]*\).*/\1/p' <<<"$xvfb_args") \
      import -window root /tmp/bench-demo-idle.png && echo "window: /tmp/bench-demo-idle.png"
  fi
  kill "$pid" 2>/dev/null || true
  wait "$xvfb_run" 2>/dev/null || true
}

machine
case "${1:-all}" in
  a) bench_a ;;
  b) bench_b ;;
  *) bench_a; bench_b ;;
esac
