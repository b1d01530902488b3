#!/usr/bin/env bash
# Re-extraction on every core (issue 12, point 8): `healthcrawl reextract` over a raw archive of the heavy
# page profile, on 1 and on 2 parse workers, against the Gumbo ceiling of the same pages.
#
#   bench/reextract_bench.sh [--pages 10001] [--profile heavy] [--workers "1 2"] [--runs 3]
#                            [--hc PATH] [--ceiling PATH] [--sites-dir DIR] [--results FILE]
#
#   --pages      site size in pages (default 10001)
#   --profile    gen_site.py profile (default heavy)
#   --workers    the --workers values to time (default "1 2")
#   --runs       runs per worker count; the median is reported (default 3)
#   --hc         the healthcrawl binary (default: build-release/healthcrawl, else build/healthcrawl)
#   --ceiling    the gumbo_ceiling binary (default: beside --hc's build, bench/gumbo_ceiling)
#   --sites-dir  keep the generated site and its archive here and reuse them (default: a temp folder,
#                removed at exit; 10,001 heavy pages take about 1.3 GB with their .gz copies)
#   --results    also append one JSON line per run to FILE
#
# Steps: bench/gen_site.py writes the site; `healthcrawl ingest` stores every page once into a
# database's raw archive (archive.db, as a crawl would; the URL of each file from a --url-map); then each
# measured run copies archive.db and times `healthcrawl reextract --workers N` on the copy with
# /usr/bin/time -v: wall time, user+sys CPU, maximum RSS; pages/s = pages re-extracted / wall s. The
# records come out the same as stored, so the writer compares and leaves the rows (the run still reads,
# decodes, parses and extracts every page). Last, gumbo_ceiling times plain gumbo_parse over the same
# pages (UTF-8, decoded beforehand, one core): with C cores the Gumbo ceiling is C times its pages/s, and
# the table says what fraction of it each run reached. Prints a Markdown table.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
pages=10001 profile=heavy workers_list="1 2" runs=3 hc="" ceiling_bin="" sites_dir="" results=""
while [ $# -gt 0 ]; do
  case "$1" in
    --pages) pages=$2; shift 2 ;;
    --profile) profile=$2; shift 2 ;;
    --workers) workers_list=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --hc) hc=$2; shift 2 ;;
    --ceiling) ceiling_bin=$2; shift 2 ;;
    --sites-dir) sites_dir=$2; shift 2 ;;
    --results) results=$2; shift 2 ;;
    -h|--help) sed -n '2,27p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "reextract_bench: unknown argument $1" >&2; exit 2 ;;
  esac
done
PY=/usr/bin/python3
export PYTHONDONTWRITEBYTECODE=1
log() { echo "reextract_bench: $*" >&2; }

if [ ! -x /usr/bin/time ]; then
  log "installing the time package (/usr/bin/time -v)"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends time >&2
fi
if [ -z "$hc" ]; then
  for c in "$repo/build-release/healthcrawl" "$repo/build/healthcrawl"; do
    if [ -x "$c" ]; then hc=$c; break; fi
  done
fi
[ -n "$hc" ] && [ -x "$hc" ] || { log "no healthcrawl binary (build one, or pass --hc)"; exit 2; }
if [ -z "$ceiling_bin" ]; then ceiling_bin=$(dirname "$hc")/bench/gumbo_ceiling; fi
"$hc" reextract --help | grep -q -- '--workers' || { log "$hc has no reextract --workers"; exit 2; }

work=$(mktemp -d /tmp/reextract-bench.XXXXXX)
cleanup() { rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
base="${sites_dir:-$work}"
mkdir -p "$base"
site="$base/mfk-$profile-$pages"
archive="$site/archive.db"

# --- the site and its archive ------------------------------------------------------------------------
if [ -f "$site/manifest.json" ] && [ -f "$archive" ] &&
   $PY -c "import json,sys; m=json.load(open('$site/manifest.json')); sys.exit(m.get('generator', 1) != 2 or m['pages'] != $pages or m.get('profile', 'default') != '$profile')"; then
  log "reusing $site and its archive"
else
  rm -rf "$site"
  log "generating $pages $profile pages into $site"
  $PY "$repo/bench/gen_site.py" --pages "$pages" --profile "$profile" --out "$site" --quiet
  # file<TAB>url for every page; ingest takes the files in batches (a command line has a length limit).
  $PY - "$site" >"$site/urls.tsv" <<'PYEOF'
import sys
from urllib.parse import urlsplit
site = sys.argv[1]
for url in open(f"{site}/urls.txt", encoding="utf-8").read().split():
    print(f"{site}/www{urlsplit(url).path}\t{url}")
PYEOF
  log "ingesting into $archive"
  cut -f1 "$site/urls.tsv" | xargs -d '\n' -n 2000 \
    "$hc" --selectors "$repo/bench" --log-level error ingest --site mfk-bench --db "$archive" \
      --fetched-at 2026-03-01T00:00:00Z --url-map "$site/urls.tsv" >>"$work/ingest.log" ||
    { log "ingest failed: $(tail -n 5 "$work/ingest.log")"; exit 1; }
fi
html_bytes=$(find "$site/www" -name '*.html' -printf '%s\n' | awk '{s += $1} END {print s}')
log "$pages pages, $((html_bytes / 1000000)) MB of HTML, archive $(($(stat -c %s "$archive") / 1000000)) MB"

# --- measured runs -----------------------------------------------------------------------------------
: >"$work/rows"
for workers in $workers_list; do
  for run in $(seq "$runs"); do
    cp "$archive" "$work/run.db"
    t="$work/time-$workers-$run.txt" out="$work/out-$workers-$run.log" status=ok
    /usr/bin/time -v -o "$t" "$hc" --selectors "$repo/bench" --log-level warn reextract --site mfk-bench \
      --db "$work/run.db" --workers "$workers" >"$out" 2>&1 || status="exit$?"
    $PY - "$t" "$out" "$workers" "$run" "$status" >>"$work/rows" <<'PYEOF'
import re, sys
text = open(sys.argv[1], encoding="utf-8", errors="replace").read()
out = open(sys.argv[2], encoding="utf-8", errors="replace").read()
def field(name):
    m = re.search(re.escape(name) + r":\s*(\S+)", text)
    return m.group(1) if m else "0"
wall = 0.0
for part in field("Elapsed (wall clock) time (h:mm:ss or m:ss)").split(":"):
    wall = wall * 60 + float(part)
cpu = float(field("User time (seconds)")) + float(field("System time (seconds)"))
m = re.search(r"re-extracted (\d+) archived responses", out)
print(sys.argv[3], sys.argv[4], f"{wall:.2f}", f"{cpu:.2f}", field("Maximum resident set size (kbytes)"),
      m.group(1) if m else 0, sys.argv[5])
PYEOF
    log "workers $workers run $run: $(tail -n 1 "$work/rows")"
    if [ -n "$results" ]; then
      tail -n 1 "$work/rows" | $PY -c 'import json,sys; k="workers run wall_s cpu_s maxrss_kb pages status".split(); print(json.dumps(dict(zip(k, sys.stdin.read().split()))))' >>"$results"
    fi
    rm -f "$work"/run.db*
  done
done

# --- the Gumbo ceiling -------------------------------------------------------------------------------
ceiling=""
if [ -x "$ceiling_bin" ]; then
  ceiling=$("$ceiling_bin" "$site/www")
  log "gumbo_ceiling: $ceiling"
else
  log "no $ceiling_bin (cmake -DHC_BUILD_BENCH=ON, target gumbo_ceiling): the Gumbo ceiling is skipped"
fi

$PY - "$work/rows" "$(nproc)" "$ceiling" "$pages" "$profile" <<'PYEOF'
import json, statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
cores, ceiling, pages, profile = int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), sys.argv[5]
gumbo = json.loads(ceiling)["pages_per_cpu_s"] if ceiling else None
print()
print(f"| reextract, {pages:,} {profile} pages | runs | wall s | pages/s | CPU s | CPU % of one core | CPU ms per page | peak RSS MB |"
      + (f" of the {cores}-core Gumbo ceiling |" if gumbo else ""))
print("|---|---:|---:|---:|---:|---:|---:|---:|" + ("---:|" if gumbo else ""))
for workers in sorted({int(r[0]) for r in rows}):
    rs = [r for r in rows if int(r[0]) == workers]
    ok = [r for r in rs if r[6] == "ok" and int(r[5]) > 0] or rs
    wall = statistics.median(float(r[2]) for r in ok)
    cpu = statistics.median(float(r[3]) for r in ok)
    rss = statistics.median(int(r[4]) / 1024 for r in ok)
    done = statistics.median(int(r[5]) for r in ok)
    pps = statistics.median(int(r[5]) / float(r[2]) for r in ok if float(r[2]) > 0)
    note = "" if len(ok) == len(rs) else f" ({len(rs) - len(ok)} failed)"
    line = (f"| --workers {workers} | {len(ok)}{note} | {wall:.1f} | {pps:.0f} | {cpu:.1f} | {100 * cpu / wall:.0f}% | "
            f"{1000 * cpu / max(1, done):.2f} | {rss:.0f} |")
    if gumbo:
        line += f" {100 * pps / (cores * gumbo):.0f}% |"
    print(line)
if gumbo:
    g = json.loads(ceiling)
    print(f"\nGumbo's parse alone (gumbo_ceiling: plain gumbo_parse, UTF-8, one core) on the same {g['pages']:,} pages: "
          f"{g['pages_per_cpu_s']:,.0f} pages per CPU second ({1000 * g['cpu_s'] / g['pages']:.2f} ms a page); "
          f"the {cores}-core ceiling is {cores * g['pages_per_cpu_s']:,.0f} pages/s.")
print("\nMedians over the runs; each run re-extracts a fresh copy of the same archive.")
PYEOF
