#!/usr/bin/env bash
# latestQuotes (100 tracked assets, 11 fields) served with the response cache on and off, side by
# side in one run: two instances of the service on one database, autocannon alternating between
# them (3 s warm-up, then DURATION s at CONNECTIONS connections), ROUNDS rounds. Prints req/s, p50
# and p99 of each, and the server's CPU time per request (from /proc). Needs a PostgreSQL whose user may create a database (BENCH_DATABASE_URL's server).
#   npm run build && bench/response-cache.sh
set -euo pipefail
cd "$(dirname "$0")/.."

SERVER_URL=${BENCH_SERVER_URL:-postgres://postgres@127.0.0.1:5432}
DB_NAME=${BENCH_DB_NAME:-quotegraph_bench_response_cache}
CONNECTIONS=${CONNECTIONS:-50}
DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-2}
AUTOCANNON="npx --yes autocannon@8.0.0"
QUERY='{"query":"{ latestQuotes { id convert price volume24h marketCap percentChange1h percentChange24h percentChange7d circulatingSupply lastUpdated ingestedAt } }"}'

psql "$SERVER_URL/postgres" -qAtc "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'" | grep -q 1 ||
  psql "$SERVER_URL/postgres" -qc "CREATE DATABASE $DB_NAME"

pids=()
declare -A pid_of
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT
# An unreachable CMC and a yearly schedule: nothing writes while the clients read.
start() { # port, response cache MiB
  DATABASE_URL="$SERVER_URL/$DB_NAME" PORT=$1 HOST=127.0.0.1 RESPONSE_CACHE_MB=$2 NODE_ENV=production \
    LOG_LEVEL=warn CMC_API_KEY=bench CMC_BASE_URL=http://127.0.0.1:9 INGEST_CRON="0 0 1 1 *" \
    HTTP_MAX_CONNECTIONS_PER_ADDRESS=0 node dist/src/main.js >/dev/null &
  pids+=($!)
  pid_of[$1]=$!
  until curl -sf "http://127.0.0.1:$1/readyz" >/dev/null; do sleep 0.5; done
}
start 4101 64
psql "$SERVER_URL/$DB_NAME" -q <<'SQL'
INSERT INTO asset (cmc_id, symbol, name, slug, rank, tracked)
SELECT g, 'B' || g, 'Bench ' || g, 'bench-' || g, g, true FROM generate_series(1, 100) g
ON CONFLICT DO NOTHING;
INSERT INTO price_quote (asset_id, convert, price, volume_24h, market_cap, percent_change_1h, percent_change_24h,
  percent_change_7d, circulating_supply, last_updated)
SELECT a.id, 'USD', 1000 + random() * 10, 1e9 * random(), 1e11 * random(), random(), random(), random(), 1e7,
  timestamptz '2026-01-01' + m * interval '1 minute'
FROM asset a CROSS JOIN generate_series(1, 1440) m
ON CONFLICT DO NOTHING;
SQL
start 4102 0

# utime + stime of a process, in clock ticks.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
post() { curl -sf -H 'content-type: application/json' -d "$QUERY" "http://127.0.0.1:$1/graphql"; }
[ "$(post 4101 | sha1sum)" = "$(post 4102 | sha1sum)" ] || { echo "the two instances answer differently" >&2; exit 1; }
post 4101 | node -e 'const b=JSON.parse(require("fs").readFileSync(0));if(b.data.latestQuotes.length!==100)process.exit(1)'

echo "cores: $(nproc), load: $(cut -d' ' -f1-3 /proc/loadavg), $CONNECTIONS connections, ${DURATION} s per round"
for round in $(seq 1 "$ROUNDS"); do
  for target in "cache-on 4101" "cache-off 4102"; do
    set -- $target
    $AUTOCANNON -c "$CONNECTIONS" -d 3 -m POST -H 'content-type=application/json' -b "$QUERY" "http://127.0.0.1:$2/graphql" >/dev/null 2>&1
    before=$(cpu_ticks "${pid_of[$2]}")
    result=$($AUTOCANNON -j -c "$CONNECTIONS" -d "$DURATION" -m POST -H 'content-type=application/json' -b "$QUERY" \
      "http://127.0.0.1:$2/graphql" 2>/dev/null)
    ticks=$(($(cpu_ticks "${pid_of[$2]}") - before))
    echo "$result" | node -e 'const r=JSON.parse(require("fs").readFileSync(0));
        const [round, name, ticks, hz] = process.argv.slice(1);
        const cpuMs = (ticks * 1000 / hz / r.requests.total).toFixed(2);
        console.log(`round ${round} ${name.padEnd(9)} ${r.requests.average.toFixed(0).padStart(6)} req/s  p50 ${r.latency.p50} ms  p99 ${r.latency.p99} ms  server CPU ${cpuMs} ms/request  non-2xx ${r.non2xx}  errors ${r.errors}`)' \
        "$round" "$1" "$ticks" "$(getconf CLK_TCK)"
  done
done
