#!/usr/bin/env bash
# Goal 1 of issue 13: req/s of the mixed lab workload (bench/mixed.lua) against the cheapest
# endpoint, GET /api/v1/profiles (bench/profiles.lua), side by side in one server run.
#   bench/wrk-mixed.sh                 starts target/pinlab-*.jar on $PORT (default 18500)
#   PINLAB_URL=http://host:port bench/wrk-mixed.sh   uses a running server (rate limits off!)
# Env: SESSIONS_N (200), CONNECTIONS (64), THREADS (2), WARMUP (20s), DURATION (20s), ROUNDS (3),
#      JAVA_OPTS (extra JVM flags, e.g. a JFR recording).
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${PORT:-18500}
N=${SESSIONS_N:-200} C=${CONNECTIONS:-64} T=${THREADS:-2}
WARMUP=${WARMUP:-20s} DURATION=${DURATION:-20s} ROUNDS=${ROUNDS:-3}
JAVA=${JAVA_HOME:+$JAVA_HOME/bin/}java
command -v wrk >/dev/null || { echo "wrk is not installed (Debian/Ubuntu: apt-get install wrk)" >&2; exit 1; }
work=$(mktemp -d)
. bench/lib.sh
cleanup() { stop_servers; rm -rf "$work"; }
trap cleanup EXIT

if [ -z "${PINLAB_URL:-}" ]; then
  PINLAB_URL=http://127.0.0.1:$PORT
  start_server server "$PORT"
fi
ADDR=$(make_sessions "$work/sessions" "$PINLAB_URL")
export SESSIONS=$work/sessions ADDR THREADS=$T

run() { wrk -t"$T" -c"$C" -d"$1" -s "bench/$2.lua" "$PINLAB_URL"; }

echo "warm-up $WARMUP each"
run "$WARMUP" mixed | grep -E 'chain errors|Non-2xx' || true
run "$WARMUP" profiles >/dev/null
echo "round  mixed req/s  profiles req/s  ratio   load average"
for r in $(seq "$ROUNDS"); do
  out=$(run "$DURATION" mixed); m=$(rps <<<"$out")
  grep -E 'chain errors: [1-9]|Non-2xx' <<<"$out" || true
  p=$(run "$DURATION" profiles | rps)
  printf '%5d  %11.0f  %14.0f  %5.2f   %s\n' "$r" "$m" "$p" "$(echo "$m / $p" | bc -l)" \
    "$(uptime | sed 's/.*load average: //')"
done
