#!/usr/bin/env bash
# Politeness timing benchmark (issue 12, point 5): the rate a crawl with --concurrency 1 and a delay d
# reaches on a loopback site, against the 1/d it should come within 10% of when the server answers in
# less than d (docs/crawling.md, "Politeness"). d = 0 is the unpaced reference.
#
#   bench/pace_bench.sh [--delays "0 0.01 0.05 0.2"] [--pages 200] [--runs 3] [--hc PATH]
#                       [--site-dir DIR] [--results FILE]
#
#   --delays    the --delay values to try, in seconds (default "0 0.01 0.05 0.2")
#   --pages     pages each crawl fetches (--max-pages; default 200)
#   --runs      runs per delay; medians are reported (default 3)
#   --hc        the healthcrawl binary (default: build-release/healthcrawl, else build/healthcrawl)
#   --site-dir  keep the generated site here and reuse it (default: a temp folder, removed at exit)
#   --results   also append one JSON line per run to FILE
#
# bench/gen_site.py writes a site of --pages + 100 pages, scripts/serve-site serves it (nginx on
# 127.0.0.1; its access log stamps each request with $msec), and `healthcrawl crawl --site mfk-bench
# --concurrency 1 --delay d --max-pages N` crawls it from /list/zixun.html through --connect-to, into a
# new database each run. Per run it reports
#   wall pages/s     N / the command's wall time (start-up, the first page's parse and the final commit
#                    included);
#   request rate     page requests per second between the first and the last page request nginx logged
#                    (N - 1 gaps), which is what the delay governs;
#   min gap          the shortest time between two consecutive requests of the run (robots.txt included),
#                    as nginx logged them (to the millisecond, when each was answered): about d, never
#                    far below it;
#   CPU s            the crawl's user + system CPU time (/usr/bin/time): a loop that waited by spinning
#                    would show here at long delays.
# Prints a Markdown table of the medians. nginx and the temp files are cleaned up at exit.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
delays="0 0.01 0.05 0.2" pages=200 runs=3 hc="" site_dir="" results=""
while [ $# -gt 0 ]; do
  case "$1" in
    --delays) delays=$2; shift 2 ;;
    --pages) pages=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --hc) hc=$2; shift 2 ;;
    --site-dir) site_dir=$2; shift 2 ;;
    --results) results=$2; shift 2 ;;
    -h|--help) sed -n '2,27p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "pace_bench: unknown argument $1" >&2; exit 2 ;;
  esac
done
PY=/usr/bin/python3
export PYTHONDONTWRITEBYTECODE=1
log() { echo "pace_bench: $*" >&2; }

if [ -z "$hc" ]; then
  for c in "$repo/build-release/healthcrawl" "$repo/build/healthcrawl"; do
    if [ -x "$c" ]; then hc=$c; break; fi
  done
fi
[ -n "$hc" ] && [ -x "$hc" ] || { log "no healthcrawl binary (build the healthcrawl target, or pass --hc)"; exit 2; }
[ -x /usr/bin/time ] || { log "no /usr/bin/time (Debian package time)"; exit 2; }

work=$(mktemp -d /tmp/pace-bench.XXXXXX)
chmod 755 "$work"  # nginx runs as nobody and must read the site
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

site_pages=$((pages + 100))  # more than a crawl fetches, so the frontier never runs dry
site="${site_dir:-$work/site}"
if [ -f "$site/manifest.json" ] && $PY -c "import json,sys; m=json.load(open('$site/manifest.json')); sys.exit(m.get('generator', 1) != 2 or m['pages'] != $site_pages or m['seed'] != 1)"; then
  log "reusing $site"
else
  rm -rf "$site"
  mkdir -p "$(dirname "$site")"
  log "generating $site_pages pages into $site"
  $PY "$repo/bench/gen_site.py" --pages "$site_pages" --out "$site" --quiet
fi
chmod -R a+rX "$site"

port=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$work/nginx"
"$repo/scripts/serve-site" "$site" --port "$port" --prefix "$work/nginx" 2>"$work/serve.log" &
server_pid=$!
code=""
for _ in $(seq 50); do
  code=$(curl -s -o /dev/null -w '%{http_code}' --connect-to "www.mfk.com:80:127.0.0.1:$port" http://www.mfk.com/robots.txt || true)
  [ "$code" = 200 ] && break
  sleep 0.2
done
[ "$code" = 200 ] || { log "nginx did not come up: $(cat "$work/serve.log")"; exit 1; }
access="$work/nginx/access.log"

: >"$work/rows"
for delay in $delays; do
  for run in $(seq "$runs"); do
    rm -f "$work"/hc.db*
    sleep 1.2  # nginx flushes its access log every second
    before=$(wc -l <"$access")
    start=$(date +%s.%N)
    status=ok
    /usr/bin/time -f '%U %S' -o "$work/time.txt" "$hc" --selectors "$repo/bench" --log-level warn crawl --site mfk-bench --db "$work/hc.db" \
      --connect-to "www.mfk.com:80:127.0.0.1:$port" --no-sitemaps --no-progress \
      --concurrency 1 --delay "$delay" --max-pages "$pages" >"$work/out.log" 2>&1 || status="exit$?"
    end=$(date +%s.%N)
    sleep 1.2
    tail -n +"$((before + 1))" "$access" >"$work/run.log"
    $PY - "$work/run.log" "$delay" "$run" "$start" "$end" "$status" "$work/time.txt" >>"$work/rows" <<'EOF'
import sys
path, delay, run, start, end, status, time_file = sys.argv[1:8]
try:
    cpu = sum(float(x) for x in open(time_file).read().split()[-2:])
except (OSError, ValueError):
    cpu = 0.0
stamps, pages = [], []
for line in open(path, encoding="utf-8", errors="replace"):
    fields = line.split()
    if len(fields) < 4:
        continue
    t = float(fields[-1])  # $msec, the last field of the bench log format
    stamps.append(t)
    if '.html' in line.split('"')[3]:
        pages.append(t)
n = len(pages)
wall = float(end) - float(start)
rate = (n - 1) / (pages[-1] - pages[0]) if n > 1 and pages[-1] > pages[0] else 0.0
gaps = [b - a for a, b in zip(stamps, stamps[1:])]
min_gap_ms = 1000 * min(gaps) if gaps else 0.0
print(delay, run, n, f"{wall:.3f}", f"{n / wall:.2f}", f"{rate:.2f}", f"{min_gap_ms:.1f}", f"{cpu:.2f}", status)
EOF
    log "$(tail -n 1 "$work/rows")"
    if [ -n "$results" ]; then
      tail -n 1 "$work/rows" | $PY -c 'import json,sys; k="delay run pages wall_s wall_pps request_rate min_gap_ms cpu_s status".split(); print(json.dumps(dict(zip(k, sys.stdin.read().split()))))' >>"$results"
    fi
    [ "$status" = ok ] || log "delay $delay run $run ended with $status: $(tail -n 5 "$work/out.log")"
  done
done

$PY - "$work/rows" "$runs" "$pages" <<'EOF'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
runs, pages = sys.argv[2], sys.argv[3]
print()
print(f"| --delay s | 1/d pages/s | pages | wall pages/s | request rate /s | rate / (1/d) | min gap ms | CPU s |")
print("|---:|---:|---:|---:|---:|---:|---:|---:|")
for delay in dict.fromkeys(r[0] for r in rows):
    rs = [r for r in rows if r[0] == delay]
    d = float(delay)
    target = 1 / d if d > 0 else None
    n = statistics.median(int(r[2]) for r in rs)
    wall_pps = statistics.median(float(r[4]) for r in rs)
    rate = statistics.median(float(r[5]) for r in rs)
    min_gap = statistics.median(float(r[6]) for r in rs)
    cpu = statistics.median(float(r[7]) for r in rs)
    bad = [r[8] for r in rs if r[8] != "ok"]
    note = f" ({', '.join(bad)})" if bad else ""
    print(f"| {delay} | {f'{target:.0f}' if target else '-'} | {n:.0f}{note} | {wall_pps:.1f} | {rate:.1f} | "
          f"{f'{rate / target:.2f}' if target else '-'} | {min_gap:.1f} | {cpu:.2f} |")
print(f"\nMedians of {runs} runs of {pages} pages each (--concurrency 1).")
EOF
