#!/usr/bin/env bash
# Crawlers on PostgreSQL against one crawler on SQLite (issue #16 point 8; docs/BENCHMARKS.md
# "PostgreSQL: 1, 2 and 4 crawler processes"): the bench site (bench/gen_site.py, served
# by nginx on loopback, politeness off) crawled by
#   - one `healthcrawl crawl` on an SQLite file,
#   - 1, 2 and 4 `healthcrawl crawl` processes at once on one PostgreSQL 15 database,
# each configuration on a fresh database, several runs, the median reported. Measured: wall time, pages/s
# (pages nginx served with 200 during the run / wall s), the crawlers' CPU (user+sys, summed over the
# processes), the database server's CPU (every process of the cluster, the exited backends included,
# from /proc), the server's CPU per page and the WAL it wrote per page (pg_current_wal_lsn). PostgreSQL runs with pg_stat_statements; after the last
# run of each process count, the statements that took the server's time are listed.
#
#   bench/pg_scaling.sh [--pages 5000] [--runs 3] [--processes "1 2 4"] [--hc PATH] [--sites-dir DIR]
#                       [--profile default|heavy] [--durable] [--batch-pages N]
#
#   --durable  run the server with fsync, full_page_writes and synchronous_commit on (PostgreSQL's
#              defaults; the test cluster turns them off). SQLite then keeps its own default.
#   --batch-pages N  pages per write transaction of every crawler (crawl --batch-pages; default: the
#              backend's, 200 on SQLite and 1 on PostgreSQL): what batching buys is the difference
#              between --batch-pages 10 (or 200) and the default, which also shows the crawlers of one
#              crawl waiting for each other's open batches.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
pages=5000 runs=3 processes="1 2 4" hc="" sites_dir="" profile=default durable=0 batch_pages=""
while [ $# -gt 0 ]; do
  case "$1" in
    --pages) pages=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --processes) processes=$2; shift 2 ;;
    --hc) hc=$2; shift 2 ;;
    --sites-dir) sites_dir=$2; shift 2 ;;
    --profile) profile=$2; shift 2 ;;
    --durable) durable=1; shift ;;
    --batch-pages) batch_pages=$2; shift 2 ;;
    -h|--help) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "pg_scaling: unknown argument $1" >&2; exit 2 ;;
  esac
done
PY=/usr/bin/python3
bindir=${PG_BINDIR:-/usr/lib/postgresql/15/bin}
log() { echo "pg_scaling: $*" >&2; }
[ -x /usr/bin/time ] || { log "needs /usr/bin/time (apt-get install time)"; exit 2; }
if [ -z "$hc" ]; then
  for c in "$repo/build-release/healthcrawl" "$repo/build/healthcrawl"; do [ -x "$c" ] && { hc=$c; break; }; done
fi
[ -n "$hc" ] || { log "no healthcrawl binary (build build-release, or pass --hc)"; exit 2; }

work=$(mktemp -d /tmp/pg-scaling.XXXXXX)
chmod 755 "$work"
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && { kill -TERM "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; }
  [ -f "$work/pg.env" ] && "$repo/scripts/pg-test-cluster" stop --env "$work/pg.env" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- the site ----------------------------------------------------------------------------------------
site="${sites_dir:-$work}/mfk-$pages"
[ "$profile" = default ] || site="${sites_dir:-$work}/mfk-$profile-$pages"
if [ -f "$site/manifest.json" ] && $PY -c "import json,sys; m=json.load(open('$site/manifest.json')); sys.exit(m.get('generator', 1) != 2 or m['pages'] != $pages or m['seed'] != 1 or m.get('profile', 'default') != '$profile')"; then
  log "reusing $site"
else
  rm -rf "$site"; mkdir -p "$(dirname "$site")"
  log "generating $pages pages into $site"
  $PY "$repo/bench/gen_site.py" --pages "$pages" --profile "$profile" --out "$site" --quiet
fi
port=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$work/nginx"
"$repo/scripts/serve-site" "$site" --port "$port" --prefix "$work/nginx" 2>"$work/serve.log" &
server_pid=$!
for _ in $(seq 50); do
  code=$(curl -s -o /dev/null -w '%{http_code}' --connect-to "www.mfk.com:80:127.0.0.1:$port" http://www.mfk.com/robots.txt || true)
  [ "$code" = 200 ] && break
  sleep 0.2
done
[ "$code" = 200 ] || { log "nginx did not come up: $(cat "$work/serve.log")"; exit 1; }
access="$work/nginx/access.log"
served() { local n; n=$(grep -c '\.html[^"]* HTTP/1\.[01]" 200 ' "$access" 2>/dev/null || true); echo "${n:-0}"; }

# --- the server --------------------------------------------------------------------------------------
extra="shared_preload_libraries = 'pg_stat_statements'"
[ "$durable" = 1 ] && extra="$extra
fsync = on
full_page_writes = on
synchronous_commit = on"
PG_TEST_CLUSTER_CONF="$extra" "$repo/scripts/pg-test-cluster" start --env "$work/pg.env" >/dev/null
. "$work/pg.env"
psql() { "$bindir/psql" -X -q -v ON_ERROR_STOP=1 "$@"; }
# In the postgres database, not in bench: healthcrawl refuses a database that holds tables (or views) of
# something else. Its view shows the statements of every database of the cluster.
psql "$HC_TEST_PG" -c "CREATE EXTENSION pg_stat_statements"
postmaster=$(head -n 1 "$HC_TEST_PG_DIR/data/postmaster.pid")
# CPU seconds of the whole server: the postmaster, its live children, and (through the postmaster's
# cutime/cstime) every backend that has exited.
server_cpu() {
  $PY - "$postmaster" <<'EOF'
import os, sys
tick = os.sysconf("SC_CLK_TCK")
pm = sys.argv[1]
def fields(pid):
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()
total = 0
f = fields(pm)
total += sum(int(x) for x in f[11:15])  # utime stime cutime cstime
for pid in os.listdir("/proc"):
    if pid.isdigit() and pid != pm:
        try:
            g = fields(pid)
        except OSError:
            continue
        if g[1] == pm:  # ppid
            total += int(g[11]) + int(g[12])
print(total / tick)
EOF
}

# --- one configuration -------------------------------------------------------------------------------
# run KIND N RUN: KIND sqlite|pg, N processes. Appends "kind n run wall_s crawler_cpu_s server_cpu_s pages maxrss_kb".
run() {
  local kind=$1 n=$2 r=$3 db
  if [ "$kind" = sqlite ]; then
    rm -f "$work"/hc.db*; db="$work/hc.db"
  else
    psql "$HC_TEST_PG" -c "DROP DATABASE IF EXISTS bench WITH (FORCE)" -c "CREATE DATABASE bench"
    psql "$HC_TEST_PG" -c "SELECT pg_stat_statements_reset()" >/dev/null
    db="postgresql://$HC_TEST_PG_USER@/bench?host=$HC_TEST_PG_HOST&port=$HC_TEST_PG_PORT"
    # The first crawler creates the schema inside the timed run (the others wait for its advisory lock),
    # as the SQLite crawler creates its file's.
  fi
  sleep 1.2
  local before s0 t0 pids=() i
  local w0=0 w1=0
  [ "$kind" = pg ] && w0=$(psql "$HC_TEST_PG" -A -t -c "SELECT pg_current_wal_lsn() - '0/0'::pg_lsn")
  before=$(served); s0=$(server_cpu); t0=$(date +%s.%N)
  for i in $(seq "$n"); do
    /usr/bin/time -v -o "$work/time-$i" "$hc" --selectors "$repo/bench" --log-level warn crawl --site mfk-bench \
      --db "$db" ${batch_pages:+--batch-pages "$batch_pages"} --connect-to "www.mfk.com:80:127.0.0.1:$port" --no-sitemaps >"$work/out-$i" 2>&1 &
    pids+=($!)
  done
  local status=ok
  for pid in "${pids[@]}"; do wait "$pid" || status=failed; done
  local t1 s1 after
  t1=$(date +%s.%N); s1=$(server_cpu)
  [ "$kind" = pg ] && w1=$(psql "$HC_TEST_PG" -A -t -c "SELECT pg_current_wal_lsn() - '0/0'::pg_lsn")
  sleep 1.2; after=$(served)
  [ "$status" = ok ] || log "a crawler failed: $(tail -n 3 "$work"/out-*)"
  # The dataset each configuration stored, to be the same on both backends and for any process count.
  local counts="SELECT (SELECT count(*) FROM pages) || ' ' || (SELECT count(*) FROM articles) || ' ' ||
    (SELECT count(*) FROM answers) || ' ' || (SELECT count(*) FROM article_questions) || ' ' ||
    (SELECT count(*) FROM frontier WHERE state = 'failed')"
  if [ "$kind" = sqlite ]; then
    echo "$(sqlite3 "$db" "$counts")" >"$work/dataset-$kind-$n-$r"
  else
    psql "$db" -A -t -c "$counts" >"$work/dataset-$kind-$n-$r"
  fi
  log "dataset (pages articles answers article_questions failed URLs): $(cat "$work/dataset-$kind-$n-$r")"
  $PY - "$kind" "$n" "$r" "$t0" "$t1" "$s0" "$s1" "$((after - before))" "$work" "$w0" "$w1" <<'EOF' >>"$work/rows"
import re, sys
kind, n, r, t0, t1, s0, s1, pages, work, w0, w1 = sys.argv[1:12]
cpu, rss = 0.0, 0
for i in range(1, int(n) + 1):
    text = open(f"{work}/time-{i}").read()
    get = lambda name: re.search(re.escape(name) + r":\s*(\S+)", text).group(1)
    cpu += float(get("User time (seconds)")) + float(get("System time (seconds)"))
    rss = max(rss, int(get("Maximum resident set size (kbytes)")))
server = float(s1) - float(s0) if kind == "pg" else 0.0
wal = int(float(w1)) - int(float(w0))
print(kind, n, r, f"{float(t1) - float(t0):.2f}", f"{cpu:.2f}", f"{server:.2f}", pages, rss, wal)
EOF
  log "$(tail -n 1 "$work/rows")"
  if [ "$kind" = pg ] && [ "$r" = "$runs" ]; then
    psql "$HC_TEST_PG" -A -F ' | ' -P footer=off -c \
      "SELECT round(total_exec_time::numeric, 1) AS ms, calls, rows,
              left(regexp_replace(query, '\s+', ' ', 'g'), 110) AS statement
         FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = 'bench')
         ORDER BY total_exec_time DESC LIMIT 8" >"$work/statements-$n.txt"
  fi
}

for r in $(seq "$runs"); do
  run sqlite 1 "$r"
  for n in $processes; do run pg "$n" "$r"; done
done

$PY - "$work/rows" "$pages" "$runs" "$(nproc)" "$durable" "${batch_pages:-default}" <<'EOF'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
pages, runs, cores, durable, batch = sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6]
per_batch = ("the backends' default pages per batch (SQLite 200, PostgreSQL 1)" if batch == "default"
             else batch + " pages per batch")
print(f"\n{pages} pages, median of {runs} runs, {cores} cores, PostgreSQL {'durable' if durable == '1' else 'fsync off'}, {per_batch}\n")
print("| backend | crawlers | wall s | pages/s | crawler CPU s | crawler CPU ms/page | server CPU s | server CPU ms/page | WAL KB/page | peak RSS MB (one crawler) |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
groups = {}
for kind, n, r, wall, cpu, server, served, rss, wal in rows:
    groups.setdefault((kind, int(n)), []).append((float(wall), float(cpu), float(server), int(served), int(rss), int(wal)))
for (kind, n), runs_ in sorted(groups.items(), key=lambda kv: (kv[0][0] != "sqlite", kv[0][1])):
    med = lambda i: statistics.median(x[i] for x in runs_)
    wall, cpu, server, served, rss, wal = med(0), med(1), med(2), med(3), med(4), med(5)
    per = max(served, 1)
    name = "SQLite" if kind == "sqlite" else "PostgreSQL"
    print(f"| {name} | {n} | {wall:.2f} | {served / wall:.0f} | {cpu:.2f} | {1000 * cpu / per:.2f} | "
          f"{server:.2f} | {1000 * server / per:.2f} | {wal / 1024 / per:.1f} | {rss / 1024:.1f} |")
EOF
if [ "$(cat "$work"/dataset-* | sort -u | wc -l)" -ne 1 ]; then
  echo; echo "THE DATASETS DIFFER (pages articles answers article_questions failed URLs):"
  for f in "$work"/dataset-*; do echo "  $(basename "$f"): $(cat "$f")"; done
else
  echo; echo "Every configuration stored the same dataset (pages articles answers article_questions failed URLs): $(cat "$work"/dataset-* | head -n 1)"
fi
for f in "$work"/statements-*.txt; do
  [ -f "$f" ] || continue
  echo; echo "pg_stat_statements, the last run with $(basename "$f" .txt | sed 's/statements-//') crawler(s), the top statements by server time:"
  cat "$f"
done
