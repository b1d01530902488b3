#!/usr/bin/env bash
# Link-heavy pages benchmark (issue 11 point 3): memory, database size and stop time when every page
# holds hundreds of thousands of links, all allowed by the follow rules.
#
#   bench/links_bench.sh [--hc PATH] [--cases "20x200000:25 90x300000:90"] [--runs 1]
#                        [--rss-cap-mb 6000] [--time-cap 600] [--term-after 20] [--results FILE]
#
#   --hc          the healthcrawl binary (default: build/healthcrawl)
#   --cases       PAGESxLINKS:MAX_PAGES, space separated. Page n of the generated site links to
#                 /wenda/<n*LINKS+1 .. n*LINKS+LINKS>.html (every link new); the crawl starts at /wenda/0.html
#                 and runs with --max-pages MAX_PAGES. PAGES only names the case: the crawl's --max-pages
#                 decides how many pages are fetched.
#   --runs        runs per case; the median of each figure is reported
#   --rss-cap-mb  a run whose RSS passes this gets SIGTERM (so a build without bounds cannot exhaust the
#                 machine); reported as "capped"
#   --time-cap    likewise for wall time, in seconds
#   --term-after  one extra run per case sent SIGTERM this many seconds after the start: the time from
#                 SIGTERM to exit is reported (SIGKILL after 300 s)
#   --results     also append one JSON line per run to FILE
#
# The site is served by a small Python generator (Debian's /usr/bin/python3, threading HTTP server) on
# 127.0.0.1; healthcrawl reaches it through --connect-to with the config bench/links-bench.yaml
# (politeness off, concurrency 4). Peak RSS is VmHWM polled from /proc every 0.2 s (the same figure
# /usr/bin/time -v reports as maximum resident set size); the database size is the .db file plus its
# -wal after the run.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
hc="$repo/build/healthcrawl" cases="20x200000:25 90x300000:90" runs=1 rss_cap=6000 time_cap=600 term_after=20
results=""
while [ $# -gt 0 ]; do
  case "$1" in
    --hc) hc=$2; shift 2 ;;
    --cases) cases=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --rss-cap-mb) rss_cap=$2; shift 2 ;;
    --time-cap) time_cap=$2; shift 2 ;;
    --term-after) term_after=$2; shift 2 ;;
    --results) results=$2; shift 2 ;;
    -h|--help) sed -n '2,26p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "links_bench: unknown argument $1" >&2; exit 2 ;;
  esac
done
log() { echo "links_bench: $*" >&2; }
[ -x "$hc" ] || { log "no healthcrawl binary at $hc (build it, or pass --hc)"; exit 2; }

work=$(mktemp -d /tmp/links-bench.XXXXXX)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# The generator: /robots.txt allows everything; /wenda/<n>.html holds LINKS links to new pages.
cat > "$work/serve.py" <<'PY'
import http.server, re, sys, socketserver
links = int(sys.argv[1])
class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *args):
        pass
    def do_GET(self):
        if self.path == "/robots.txt":
            body = b"User-agent: *\nAllow: /\n"
            ctype = "text/plain"
        else:
            m = re.fullmatch(r"/wenda/(\d+)\.html", self.path)
            if not m:
                self.send_error(404)
                return
            n = int(m.group(1))
            first = n * links + 1
            parts = ["<!doctype html><html><head><meta charset=utf-8><title>wenda %d</title></head><body>" % n]
            parts.extend("<a href=/wenda/%d.html></a>" % k for k in range(first, first + links))
            parts.append("</body></html>")
            body = "".join(parts).encode()
            ctype = "text/html; charset=utf-8"
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
server = Server(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
PY

start_server() {
  /usr/bin/python3 "$work/serve.py" "$1" > "$work/port" 2> "$work/server.log" &
  server_pid=$!
  for _ in $(seq 50); do [ -s "$work/port" ] && break; sleep 0.1; done
  port=$(head -1 "$work/port")
  [ -n "$port" ] || { log "the generator did not start"; cat "$work/server.log" >&2; exit 1; }
}
stop_server() { kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; server_pid=""; }

median() { sort -n | awk '{a[NR]=$1} END {if (NR == 0) print "-"; else if (NR % 2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }

# run_one MAX_PAGES TERM_AFTER(0 = none) -> "wall_s peak_mb db_mb stop_s outcome exit pages"
run_one() {
  local max_pages=$1 term=$2 db="$work/crawl.db"
  rm -f "$db" "$db-wal" "$db-shm"
  local start end pid peak=0 hwm rss outcome=finished term_at=0 stop_s="-"
  start=$(date +%s.%N)
  "$hc" --selectors "$repo/bench" crawl --site links-bench --db "$db" --max-pages "$max_pages" --workers 2 \
    --connect-to "www.wenda.test:80:127.0.0.1:$port" --no-progress > "$work/out" 2> "$work/err" &
  pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    hwm=$(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
    [ -n "$hwm" ] && [ "$hwm" -gt "$peak" ] && peak=$hwm
    local now; now=$(date +%s.%N)
    if [ "$term_at" = 0 ]; then
      if [ "$term" != 0 ] && awk -v n="$now" -v s="$start" -v t="$term" 'BEGIN {exit !(n - s >= t)}'; then
        outcome=sigterm; term_at=$now; kill -TERM "$pid" 2>/dev/null || true
      elif [ $((peak / 1024)) -ge "$rss_cap" ] || awk -v n="$now" -v s="$start" -v t="$time_cap" 'BEGIN {exit !(n - s >= t)}'; then
        outcome=capped; term_at=$now; kill -TERM "$pid" 2>/dev/null || true
      fi
    elif awk -v n="$now" -v s="$term_at" 'BEGIN {exit !(n - s >= 300)}'; then
      outcome="$outcome+sigkill"; kill -KILL "$pid" 2>/dev/null || true
    fi
    sleep 0.2
  done
  local rc=0
  wait "$pid" || rc=$?
  end=$(date +%s.%N)
  if [ "$term_at" != 0 ]; then stop_s=$(awk -v e="$end" -v t="$term_at" 'BEGIN {printf "%.1f", e - t}'); fi
  local bytes=0 f
  for f in "$db" "$db-wal"; do [ -f "$f" ] && bytes=$((bytes + $(stat -c %s "$f"))); done
  local pages
  pages=$(/usr/bin/python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(\"select count(*) from pages\").fetchone()[0])" "$db" 2>/dev/null || echo "-")
  local frontier
  frontier=$(/usr/bin/python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(\"select count(*) from frontier\").fetchone()[0])" "$db" 2>/dev/null || echo "-")
  awk -v s="$start" -v e="$end" -v p="$peak" -v b="$bytes" -v st="$stop_s" -v o="$outcome" -v rc="$rc" -v pg="$pages" -v fr="$frontier" \
    'BEGIN {printf "%.1f %d %.1f %s %s %s %s %s\n", e - s, p / 1024, b / 1048576, st, o, rc, pg, fr}'
}

echo "| case | max-pages | runs | wall s (median) | peak RSS MB (median) | database MB | pages stored | frontier rows | outcome | SIGTERM to exit s |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
for c in $cases; do
  name=${c%%:*} max_pages=${c##*:} links=${name##*x}
  start_server "$links"
  : > "$work/rows"
  for r in $(seq "$runs"); do
    row=$(run_one "$max_pages" 0)
    log "$name run $r: wall_s peak_mb db_mb stop_s outcome exit pages frontier = $row"
    echo "$row" >> "$work/rows"
    if [ -n "$results" ]; then
      read -r w p b s o rc pg fr <<< "$row"
      echo "{\"case\":\"$name\",\"max_pages\":$max_pages,\"wall_s\":$w,\"peak_rss_mb\":$p,\"db_mb\":$b,\"outcome\":\"$o\",\"exit\":$rc,\"pages\":\"$pg\",\"frontier\":\"$fr\"}" >> "$results"
    fi
  done
  term_row="- - - - - - - -"
  if [ "$term_after" != 0 ]; then
    term_row=$(run_one "$max_pages" "$term_after")
    log "$name SIGTERM run: $term_row"
    if [ -n "$results" ]; then
      read -r w p b s o rc pg fr <<< "$term_row"
      echo "{\"case\":\"$name\",\"max_pages\":$max_pages,\"sigterm_after_s\":$term_after,\"stop_s\":\"$s\",\"peak_rss_mb\":$p,\"exit\":$rc}" >> "$results"
    fi
  fi
  stop_server
  wall=$(awk '{print $1}' "$work/rows" | median)
  peak=$(awk '{print $2}' "$work/rows" | median)
  db=$(awk '{print $3}' "$work/rows" | median)
  pages=$(awk '{print $7}' "$work/rows" | median)
  frontier=$(awk '{print $8}' "$work/rows" | median)
  outcomes=$(awk '{print $5}' "$work/rows" | sort | uniq -c | awk '{printf "%s%s x%s", (NR > 1 ? ", " : ""), $2, $1}')
  read -r _ _ _ stop_s _ _ _ _ <<< "$term_row"
  echo "| $name | $max_pages | $runs | $wall | $peak | $db | $pages | $frontier | $outcomes | $stop_s |"
done
