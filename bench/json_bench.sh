#!/usr/bin/env bash
# JSON embedded in pages (issue 13 point 4): the time and peak memory of `healthcrawl extract` on a page
# whose __NEXT_DATA__ script is SIZE_MB megabytes of JSON (records of short strings and numbers, the
# shape of a portal's state), read by FIELDS `json` fields, against the same page read by one field, and
# the same page with the script over limits.max_json_bytes (not parsed at all).
#
#   bench/json_bench.sh [--hc PATH] [--size-mb 4] [--fields 30]
#
# Figures are wall seconds and maximum resident set size from /usr/bin/time -v, one run each (the
# machine's noise is larger than the differences worth reading). The config and the page are generated
# into a temporary folder; nothing is fetched.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
hc="$repo/build/healthcrawl" size_mb=4 fields=30
while [ $# -gt 0 ]; do
  case "$1" in
    --hc) hc=$2; shift 2 ;;
    --size-mb) size_mb=$2; shift 2 ;;
    --fields) fields=$2; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "json_bench: unknown option $1" >&2; exit 2 ;;
  esac
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/selectors"

python3 - "$tmp" "$size_mb" "$fields" <<'PY'
import json, sys
tmp, size_mb, fields = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
items, n = [], 0
while n < size_mb * 1024 * 1024:
    item = {"id": len(items), "title": "腰痛怎么办" * 3, "views": 103856 + len(items), "tags": ["腰", "背"],
            "author": {"name": "李医生", "hospital": "北京积水潭医院"}}
    n += len(json.dumps(item, ensure_ascii=False).encode())
    items.append(item)
state = {"props": {"pageProps": {"items": items, "article": {"views": 103856, "title": "久坐腰痛"}}}}
script = json.dumps(state, ensure_ascii=False)
page = ('<!DOCTYPE html><html><head><meta charset="utf-8"></head><body><h1>久坐腰痛</h1>'
        '<script id="__NEXT_DATA__" type="application/json">' + script + '</script></body></html>')
open(f"{tmp}/page.html", "w").write(page)
def config(name, n, limits=""):
    lines = [f"site: {name}", "allowed_domains: [bench.test]", "start_urls: ['https://www.bench.test/']", limits,
             "page_types:", "  - name: article", "    url: /a/", "    record: article", "    extra:"]
    for i in range(n):
        lines.append(f"      f{i}: {{json: {{script: '#__NEXT_DATA__', pointer: /props/pageProps/items/{i}/views}}, type: count}}")
    open(f"{tmp}/selectors/{name}.yaml", "w").write("\n".join(lines) + "\n")
config("many", fields, "limits: {max_json_bytes: 100000000}")
config("one", 1, "limits: {max_json_bytes: 100000000}")
config("over", fields, "limits: {max_json_bytes: 1000}")
print(f"page: {len(page.encode()) / 1e6:.1f} MB, script {len(script.encode()) / 1e6:.1f} MB, {len(items)} items")
PY

run() {
  /usr/bin/time -v "$hc" --selectors "$tmp/selectors" --log-level error extract --site "$1" "$tmp/page.html" \
    --url https://www.bench.test/a/1.html >"$tmp/out.json" 2>"$tmp/time.txt" || true
  local wall rss
  wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$tmp/time.txt")
  rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$tmp/time.txt")
  printf '%-6s %-40s wall %s  max RSS %s MB\n' "$1" "$2" "$wall" "$((rss / 1024))"
}
run one "1 json field"
run many "$fields json fields over the same script"
run over "$fields json fields, script over the limit"
