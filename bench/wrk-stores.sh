#!/usr/bin/env bash
# Issue 7: the mixed lab workload (bench/mixed.lua, the chain of issue 13) on the two session
# stores side by side: one server with the embedded in-memory store, one with
# --pinlab.sessions.store=redis (the Redis at REDIS_HOST:REDIS_PORT, keys under a prefix of
# their own, deleted at the end), same wrk script, rounds alternating between the two.
#   bench/wrk-stores.sh        starts target/pinlab-*.jar twice, on $PORT and $PORT+1 (default 18600)
# Prints per round: req/s and p50/p99 latency of each, the ratio redis/memory, the load average.
# Env: SESSIONS_N (200), CONNECTIONS (64), THREADS (2), WARMUP (20s), DURATION (20s), ROUNDS (3),
#      REDIS_HOST (127.0.0.1), REDIS_PORT (6379), JAVA_OPTS (extra JVM flags).
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${PORT:-18600}
N=${SESSIONS_N:-200} C=${CONNECTIONS:-64} T=${THREADS:-2}
WARMUP=${WARMUP:-20s} DURATION=${DURATION:-20s} ROUNDS=${ROUNDS:-3}
REDIS_HOST=${REDIS_HOST:-127.0.0.1} REDIS_PORT=${REDIS_PORT:-6379}
JAVA=${JAVA_HOME:+$JAVA_HOME/bin/}java
PREFIX="pinlab-bench-$$:"
work=$(mktemp -d)
. bench/lib.sh
cleanup() {
  stop_servers
  redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" --scan --pattern "$PREFIX*" | xargs -r -n 500 redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" del >/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

start_server memory "$PORT"
start_server redis "$((PORT + 1))" --pinlab.sessions.store=redis --spring.data.redis.host="$REDIS_HOST" \
    --spring.data.redis.port="$REDIS_PORT" --pinlab.sessions.redis-key-prefix="$PREFIX"
export ADDR THREADS=$T
ADDR=$(make_sessions "$work/memory.sessions" "http://127.0.0.1:$PORT")
[ "$(make_sessions "$work/redis.sessions" "http://127.0.0.1:$((PORT + 1))")" = "$ADDR" ] || { echo "the two servers map at different addresses"; exit 1; }

# run NAME PORT DURATION: wrk's output for the mixed workload on that server
run() { SESSIONS=$work/$1.sessions wrk -t"$T" -c"$C" -d"$3" --latency -s bench/mixed.lua "http://127.0.0.1:$2"; }
pct() { sed -nE "s/^ +$1% +([0-9.]+[a-z]+).*/\\1/p"; }

echo "warm-up $WARMUP each"
for s in memory redis; do
  p=$PORT; [ $s = redis ] && p=$((PORT + 1))
  run $s $p "$WARMUP" | grep -E 'chain errors|Non-2xx' || true
done
echo "round  memory req/s  p50 / p99        redis req/s  p50 / p99        redis/memory  load average"
for r in $(seq "$ROUNDS"); do
  m=$(run memory "$PORT" "$DURATION"); d=$(run redis "$((PORT + 1))" "$DURATION")
  grep -E 'chain errors: [1-9]|Non-2xx' <<<"$m$d" || true
  printf '%5d  %12.0f  %-15s  %11.0f  %-15s  %12.2f  %s\n' "$r" \
    "$(rps <<<"$m")" "$(pct 50 <<<"$m") / $(pct 99 <<<"$m")" \
    "$(rps <<<"$d")" "$(pct 50 <<<"$d") / $(pct 99 <<<"$d")" \
    "$(echo "$(rps <<<"$d") / $(rps <<<"$m")" | bc -l)" "$(uptime | sed 's/.*load average: //')"
done
