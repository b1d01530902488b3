#!/usr/bin/env bash
# End-to-end crawl benchmark (issue 4): healthcrawl against Scrapy 2.8 on the same generated mfk-like
# site, served by nginx on 127.0.0.1 with politeness off; pages/s, CPU per page and peak RSS, median of
# several runs, for a small and a large site (peak RSS should not grow with the site).
#
#   bench/crawl_bench.sh [--sizes "5000 50000"] [--runs 3] [--only scrapy|healthcrawl]
#                        [--hc PATH [--hc PATH2 ...]] [--sites-dir DIR] [--timeout SECONDS] [--results FILE]
#                        [--extract-bench PATH] [--ceiling PATH] [--profile default|heavy]
#
#   --sizes      site sizes in pages (default "5000 50000")
#   --runs       runs per crawler and size; the median is reported (default 3)
#   --only       run one crawler only
#   --hc         the healthcrawl binary (default: build-release/healthcrawl, else build/healthcrawl); give it
#                more than once to compare builds (A/B): each run crawls with every binary in turn,
#                the order turned by one each run (A B, B A, A B, ...), so a load that changes during the
#                session, and the slower first crawl after a ceiling run, hit all of them alike; each
#                gets its own row, named by its path
#   --sites-dir  keep generated sites here and reuse them across invocations (default: a temp folder,
#                removed at exit; generating 50,000 pages takes a few minutes and about 4 GB)
#   --timeout    per-run limit in seconds (default 3600); a run that hits it is reported as such
#   --results    also append one JSON line per run to FILE
#   --extract-bench  the extract_bench binary for the Gumbo ceiling (default: build-bench/bench/extract_bench;
#                skipped with a message when there is none)
#   --ceiling    the gumbo_ceiling binary (default: beside the first --hc, bench/gumbo_ceiling): plain
#                gumbo_parse over every page of the site, one core, once a run after that run's crawls;
#                the table then gives each crawler's CPU per page as a multiple of it (issue 12's
#                "× Gumbo's parse alone"): the median over runs of each run's ratio to its own ceiling
#   --profile    bench/gen_site.py's page profile (default: default; heavy: pages as heavy as real portals')
#
# Each size: bench/gen_site.py writes the site, scripts/serve-site serves it (nginx, gzip, per-page
# charset headers), then Scrapy (bench/scrapy_mfk/mfk_spider.py via Debian's /usr/bin/python3) and
# healthcrawl (`healthcrawl crawl`, skipped with a message until the binary has it) each crawl it from
# /list/zixun.html. Both reach www.mfk.com only through 127.0.0.1:PORT (Scrapy as an HTTP proxy client,
# healthcrawl with --connect-to). Measured with /usr/bin/time -v: wall time (pages/s = pages served with
# 200 by nginx during the run / wall seconds), user+sys CPU, maximum RSS. Prints a Markdown table (CPU ms
# per page is the figure to compare on a loaded machine, not wall time), then the Gumbo ceiling:
# gumbo_ceiling over all of each site's pages, and extract_bench's *_SitePages rows on a sample of them.
# nginx and the temp files are cleaned up at exit, however the script ends.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
sizes="5000 50000" runs=3 only="" hc="" hcs=() ceiling_bin="" sites_dir="" run_timeout=3600 results="" extract_bench="" profile=default
while [ $# -gt 0 ]; do
  case "$1" in
    --sizes) sizes=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --only) only=$2; shift 2 ;;
    --hc) hcs+=("$2"); shift 2 ;;
    --ceiling) ceiling_bin=$2; shift 2 ;;
    --sites-dir) sites_dir=$2; shift 2 ;;
    --timeout) run_timeout=$2; shift 2 ;;
    --results) results=$2; shift 2 ;;
    --extract-bench) extract_bench=$2; shift 2 ;;
    --profile) profile=$2; shift 2 ;;
    -h|--help) sed -n '2,37p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "crawl_bench: unknown argument $1" >&2; exit 2 ;;
  esac
done
PY=/usr/bin/python3  # Debian's Python: python3-scrapy 2.8 is installed for it, not for other pythons
export PYTHONDONTWRITEBYTECODE=1  # no __pycache__ in the source tree
log() { echo "crawl_bench: $*" >&2; }

# --- prerequisites -----------------------------------------------------------------------------------
if [ ! -x /usr/bin/time ]; then
  log "installing the time package (/usr/bin/time -v)"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends time >&2
fi
scrapy_version=$($PY -c 'import scrapy; print(scrapy.__version__)' 2>/dev/null || true)
if [ "$only" != healthcrawl ] && [ -z "$scrapy_version" ]; then
  log "installing python3-scrapy (Debian's Scrapy, for $PY)"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-scrapy >&2
  scrapy_version=$($PY -c 'import scrapy; print(scrapy.__version__)')
fi
if [ ${#hcs[@]} -eq 0 ]; then
  for c in "$repo/build-release/healthcrawl" "$repo/build/healthcrawl"; do
    if [ -x "$c" ]; then hcs=("$c"); break; fi
  done
fi
hc=${hcs[0]:-}
hc_ok=0
if [ "$only" != scrapy ]; then
  # CLI11 prints the top-level help (exit 0) for an unknown subcommand with --help: look for the
  # subcommand's own usage line.
  hc_ok=1
  for c in "${hcs[@]}"; do
    if ! "$c" crawl --help 2>&1 | grep -Eq '^Usage: .* crawl( |$)'; then hc_ok=0; fi  # any binary name
  done
  if [ -z "$hc" ] || [ "$hc_ok" = 0 ]; then
    hc_ok=0
    log "SKIP healthcrawl: ${hcs[*]:-no healthcrawl binary} has no 'crawl' subcommand yet (build the crawl engine, or pass --hc)"
  fi
fi
# The row name of each healthcrawl binary: "healthcrawl" alone, else its path with "/" and spaces as "_"
# (row fields and file names).
hc_name() {
  if [ ${#hcs[@]} -le 1 ]; then echo healthcrawl; else local n=${1// /_}; echo "healthcrawl:${n//\//_}"; fi
}
if [ -z "$ceiling_bin" ] && [ -n "$hc" ]; then ceiling_bin=$(dirname "$hc")/bench/gumbo_ceiling; fi

# --- work folder, cleanup ----------------------------------------------------------------------------
work=$(mktemp -d /tmp/crawl-bench.XXXXXX)
chmod 755 "$work"  # nginx runs as nobody and must read the sites
server_pid=""
stop_server() {
  if [ -n "$server_pid" ]; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
  fi
}
cleanup() { stop_server; rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
if [ -n "$sites_dir" ]; then mkdir -p "$sites_dir"; chmod 755 "$sites_dir"; sites_dir=$(cd "$sites_dir" && pwd); fi

free_port() { $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# Pages served with 200 (HTML only: robots.txt and anything else excluded) in nginx's access log.
served_pages() {
  local n
  n=$(grep -c '\.html[^"]* HTTP/1\.[01]" 200 ' "$1" 2>/dev/null || true)
  echo "${n:-0}"
}

# Runs one measured crawl; appends "tool size run wall_s cpu_s maxrss_kb pages status" to $work/rows.
measure() {
  local tool=$1 size=$2 run=$3 access=$4; shift 4
  local t="$work/time-$tool-$size-$run.txt" out="$work/out-$tool-$size-$run.log" before after status=ok
  sleep 1.2; before=$(served_pages "$access")
  /usr/bin/time -v -o "$t" timeout --signal=INT --kill-after=30 "$run_timeout" "$@" >"$out" 2>&1 || status="exit$?"
  sleep 1.2; after=$(served_pages "$access")  # the access log is flushed every second
  $PY - "$t" "$tool" "$size" "$run" "$((after - before))" "$status" >>"$work/rows" <<'EOF'
import re, sys
text = open(sys.argv[1], encoding="utf-8", errors="replace").read()
def field(name):
    m = re.search(re.escape(name) + r":\s*(\S+)", text)
    return m.group(1) if m else "0"
wall = 0.0
for part in field("Elapsed (wall clock) time (h:mm:ss or m:ss)").split(":"):
    wall = wall * 60 + float(part)
cpu = float(field("User time (seconds)")) + float(field("System time (seconds)"))
tool, size, run, pages, status = sys.argv[2:7]
if status == "ok" and int(pages) < int(size):
    status = "partial"  # the crawler stopped (or was stopped) before it had fetched the whole site
print(tool, size, run, f"{wall:.2f}", f"{cpu:.2f}", field("Maximum resident set size (kbytes)"), pages, status)
EOF
  log "$(tail -n 1 "$work/rows")"
  if [ "$status" != ok ]; then log "$tool run $run on $size pages ended with $status; its log: $(tail -n 5 "$out")"; fi
  if [ -n "$results" ]; then
    tail -n 1 "$work/rows" | $PY -c 'import json,sys; k="tool size run wall_s cpu_s maxrss_kb pages status".split(); print(json.dumps(dict(zip(k, sys.stdin.read().split()))))' >>"$results"
  fi
}

# --- Gumbo alone, the parse ceiling ------------------------------------------------------------------
if [ -z "$extract_bench" ] && [ -x "$repo/build-bench/bench/extract_bench" ]; then extract_bench=$repo/build-bench/bench/extract_bench; fi
if [ -z "$extract_bench" ]; then
  log "no build-bench/bench/extract_bench: Gumbo ceiling skipped (cmake -DHC_BUILD_BENCH=ON, target extract_bench)"
fi
# Gumbo's parse alone and parse + extract on one core, over a sample of the site's own pages.
ceiling() {
  [ -n "$extract_bench" ] || return 0
  HC_BENCH_SITE="$1/www" "$extract_bench" --benchmark_filter=SitePages --benchmark_repetitions=3 \
      --benchmark_report_aggregates_only=true --benchmark_format=json 2>/dev/null |
    $PY -c '
import json, sys
rows = {b["run_name"]: b["items_per_second"] for b in json.load(sys.stdin)["benchmarks"] if b.get("aggregate_name") == "median"}
print(sys.argv[1], round(rows["BM_GumboParseOnly_SitePages"]), round(rows["BM_ParseAndExtract_SitePages"]))' "$2" >>"$work/ceiling" ||
    log "extract_bench on $1 failed: Gumbo ceiling skipped"
}

: >"$work/rows"
: >"$work/ceiling"
: >"$work/gumbo"
if [ ! -x "$ceiling_bin" ]; then log "no ${ceiling_bin:-gumbo_ceiling} (-DHC_BUILD_BENCH=ON, target gumbo_ceiling): no × Gumbo column"; fi
for size in $sizes; do
  site="${sites_dir:-$work}/mfk-$size"
  if [ "$profile" != default ]; then site="${sites_dir:-$work}/mfk-$profile-$size"; fi
  if [ -f "$site/manifest.json" ] && $PY -c "import json,sys; m=json.load(open('$site/manifest.json')); sys.exit(m.get('generator', 1) != 2 or m['pages'] != $size or m['seed'] != 1 or m.get('profile', 'default') != '$profile')"; then
    log "reusing $site"
  else
    rm -rf "$site"
    log "generating $size pages into $site"
    $PY "$repo/bench/gen_site.py" --pages "$size" --profile "$profile" --out "$site" --quiet
  fi
  port=$(free_port)
  mkdir -p "$work/nginx-$size"
  "$repo/scripts/serve-site" "$site" --port "$port" --prefix "$work/nginx-$size" 2>"$work/serve-$size.log" &
  server_pid=$!
  for _ in $(seq 50); do
    code=$(curl -s -o /dev/null -w '%{http_code}' --connect-to "www.mfk.com:80:127.0.0.1:$port" http://www.mfk.com/robots.txt || true)
    [ "$code" = 200 ] && break
    sleep 0.2
  done
  [ "$code" = 200 ] || { log "nginx did not come up: $(cat "$work/serve-$size.log")"; exit 1; }
  access="$work/nginx-$size/access.log"

  for run in $(seq "$runs"); do
    if [ "$only" != healthcrawl ]; then
      rm -f "$work/items.jsonl"
      measure scrapy "$size" "$run" "$access" \
        $PY -m scrapy runspider "$repo/bench/scrapy_mfk/mfk_spider.py" -a "port=$port" \
          -a "stats_out=$work/scrapy-stats-$size-$run.json" -o "$work/items.jsonl" -s "CLOSESPIDER_TIMEOUT=$run_timeout"
    fi
    if [ "$hc_ok" = 1 ]; then
      # The order turns by one each run: on the 2-vCPU VM the crawl that runs right after the previous
      # run's gumbo_ceiling measured ~5% more CPU than the next (docs/BENCHMARKS.md, session 20), so no
      # binary is always first.
      n=${#hcs[@]} order=()
      for i in $(seq 0 $((n - 1))); do order+=("${hcs[$(((i + run - 1) % n))]}"); done
      for c in "${order[@]}"; do
        rm -f "$work"/hc.db*
        measure "$(hc_name "$c")" "$size" "$run" "$access" \
          "$c" --selectors "$repo/bench" --log-level warn crawl --site mfk-bench --db "$work/hc.db" \
            --connect-to "www.mfk.com:80:127.0.0.1:$port" --no-sitemaps
      done
    fi
    # Gumbo's parse alone once a run, between the crawls: the VM's speed drifts within a session (one
    # ceiling run after all the crawls varied 2.5-3.4 ms a page for the same pages), so each run's
    # crawls are divided by the ceiling measured beside them.
    if [ -x "$ceiling_bin" ]; then
      log "gumbo_ceiling on $site/www (run $run)"
      echo "$size $run $("$ceiling_bin" "$site/www")" >>"$work/gumbo" || log "gumbo_ceiling on $site failed"
    fi
  done
  # Anything not from the crawlers' loopback connections would show here; the log lists every request.
  if grep -qv '^127\.0\.0\.1 ' "$access"; then log "WARNING: requests from other addresses in $access"; fi
  stop_server
  ceiling "$site" "$size"
  if [ -z "$sites_dir" ]; then rm -rf "$site"; fi
done

# --- the table ---------------------------------------------------------------------------------------
$PY - "$work/rows" "${scrapy_version:-?}" "$runs" "$work/ceiling" "$(nproc)" "$work/gumbo" <<'EOF'
import json, statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
scrapy_version, runs, cores = sys.argv[2], sys.argv[3], int(sys.argv[5])
ceilings = {int(l.split()[0]): (int(l.split()[1]), int(l.split()[2])) for l in open(sys.argv[4]) if l.strip()}
# gumbo_ceiling over all of the site's pages, once a run: CPU ms per page of Gumbo's parse alone, by
# site size and run.
gumbo_runs = {}
for l in open(sys.argv[6]):
    if l.strip():
        size, run, js = l.split(" ", 2)
        g = json.loads(js)
        gumbo_runs.setdefault(int(size), {})[run] = 1000 * g["cpu_s"] / g["pages"]
gumbo = {size: statistics.median(by_run.values()) for size, by_run in gumbo_runs.items()}
def cpu_ms(r):
    """A run's CPU ms per page fetched."""
    return float(r[4]) / max(1, int(r[6])) * 1000
def x_gumbo_of(rs):
    """The median over runs of each run's CPU per page over the ceiling measured in the same run."""
    xs = [cpu_ms(r) / gumbo_runs[int(r[1])][r[2]]
          for r in rs if int(r[1]) in gumbo_runs and r[2] in gumbo_runs[int(r[1])]]
    return statistics.median(xs) if xs else None
def name(tool):
    if tool == "scrapy":
        return f"Scrapy {scrapy_version} (python3-scrapy)"
    return tool.replace("healthcrawl:", "healthcrawl ", 1)
tools = list(dict.fromkeys(r[0] for r in rows if r[0] != "scrapy")) + ["scrapy"]
x_gumbo = "× Gumbo's parse alone |" if gumbo else ""
print()
print(f"| crawler | site pages | runs | pages fetched | wall s | pages/s | CPU ms per page | {x_gumbo} peak RSS MB |")
print("|---|---:|---:|---:|---:|---:|---:|" + ("---:|" if gumbo else "") + "---:|")
per_run = []
for tool in tools:
    sizes = sorted({int(r[1]) for r in rows if r[0] == tool})
    for size in sizes:
        rs = [r for r in rows if r[0] == tool and int(r[1]) == size]
        ok = [r for r in rs if r[7] == "ok"] or rs
        incomplete = sorted({r[7] for r in ok if r[7] != "ok"})
        wall = statistics.median(float(r[3]) for r in ok)
        pages = statistics.median(int(r[6]) for r in ok)
        pps = statistics.median(int(r[6]) / float(r[3]) for r in ok if float(r[3]) > 0)
        cpu = statistics.median(cpu_ms(r) for r in ok)
        rss = statistics.median(int(r[5]) / 1024 for r in ok)
        note = "" if len(ok) == len(rs) else f" ({len(rs) - len(ok)} failed)"
        if incomplete:
            note += " (" + ", ".join(incomplete) + ": did not fetch the whole site)"
        xr = x_gumbo_of(ok)
        xg = f" {xr:.2f}× |" if xr is not None else (" - |" if gumbo else "")
        print(f"| {name(tool)} | {size:,} | {len(ok)}{note} | {pages:,.0f} | {wall:.1f} | {pps:.1f} | {cpu:.2f} |{xg} {rss:.0f} |")
        per_run.append(f"{name(tool)}, {size:,} pages: " + ", ".join(f"{cpu_ms(r):.2f}" for r in rs))
print("\nCPU ms per page of each run, in run order:")
for line in per_run:
    print(f"- {line}")
for size, ms in sorted(gumbo.items()):
    each = ", ".join(f"{v:.3f}" for _, v in sorted(gumbo_runs[size].items(), key=lambda kv: int(kv[0])))
    print(f"\n{size:,}-page site, all pages (gumbo_ceiling: plain gumbo_parse on UTF-8, one core, once a run "
          f"after its crawls): {ms:.3f} CPU ms per page (median; runs: {each}), {1000 / ms:,.0f} pages per CPU "
          f"second; the {cores}-core ceiling is {cores * 1000 / ms:,.0f} pages/s. The × Gumbo column is the median "
          f"over runs of each run's CPU per page over the ceiling of the same run.")
hc_pps = {}
for size in sorted({int(r[1]) for r in rows if r[0].startswith("healthcrawl")}):
    ok = [r for r in rows if r[0] == tools[0] and int(r[1]) == size and r[7] == "ok"]
    if ok:
        hc_pps[size] = statistics.median(int(r[6]) / float(r[3]) for r in ok if float(r[3]) > 0)
for size, (gumbo_pps, extract) in sorted(ceilings.items()):
    line = (f"\n{size:,}-page site, one core, a sample of its pages (extract_bench *_SitePages, median of 3): "
            f"Gumbo's parse alone {gumbo_pps:,} pages/s, parse + extract {extract:,} pages/s; "
            f"the {cores}-core Gumbo ceiling is {cores * gumbo_pps:,} pages/s")
    if size in hc_pps:
        line += f", healthcrawl's crawl reached {100 * hc_pps[size] / (cores * gumbo_pps):.0f}% of it"
    print(line + ".")
print("\nMedians over the runs; pages fetched = HTML pages nginx served with 200 during the run; CPU = user + sys.")
EOF
