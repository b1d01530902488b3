#!/bin/bash
# The raw archive with and without per-site zstd dictionaries (issue 12 point 7; docs/BENCHMARKS.md,
# "Raw archive"). Generates the bench site (bench/gen_site.py, default profile) unless it exists, lists
# its pages in a seeded shuffled order (a crawl's order mixes listings, articles and questions; the
# generator's urls.txt lists them by kind), then runs build/bench/archive_bench:
#   size      the archive's blob bytes and the PutPage CPU, plain frames vs dictionaries, RUNS times
#   time      compress/decompress CPU per page (Google Benchmark, medians of 3 repetitions)
#   fixtures  the ratio on the fixture sites' pages
#
#   bench/archive_bench.sh [--pages 10001] [--site-dir /tmp/archive-bench] [--runs 3] [--bin build/bench/archive_bench]
set -euo pipefail
cd "$(dirname "$0")/.."
pages=10001
site_dir=/tmp/archive-bench
runs=3
bin=build/bench/archive_bench
while [ $# -gt 0 ]; do
  case "$1" in
    --pages) pages=$2; shift 2 ;;
    --site-dir) site_dir=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --bin) bin=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
site="$site_dir/site-$pages"
if [ ! -f "$site/urls.txt" ]; then
  /usr/bin/python3 bench/gen_site.py --pages "$pages" --out "$site" --quiet
fi
list="$site_dir/pages-$pages.txt"
/usr/bin/python3 - "$site" "$list" <<'PY'
import random, sys
site, out = sys.argv[1], sys.argv[2]
urls = [l.strip() for l in open(site + '/urls.txt') if l.strip()]
files = [site + '/www/' + u.split('://', 1)[1].split('/', 1)[1] for u in urls]
random.Random(7).shuffle(files)
open(out, 'w').write('\n'.join(files) + '\n')
PY
echo "# $(date -u +%FT%TZ) $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), $(git rev-parse --short HEAD)"
echo "# site: $site ($(wc -l < "$list") pages, $(du -sb --exclude='*.gz' "$site/www" | cut -f1) bytes without the .gz copies)"
for i in $(seq "$runs"); do
  echo "## size, run $i"
  "$bin" size "$list" "$site_dir"
done
echo "## time"
"$bin" time "$list" --benchmark_repetitions=3 --benchmark_report_aggregates_only=true --benchmark_min_time=0.5
echo "## fixtures"
"$bin" fixtures
