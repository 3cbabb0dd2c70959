#!/usr/bin/env bash
# Issue 7: the mixed lab workload (bench/mixed.lua, the chain of issue 13) on the two session
# stores side by side: one server with the embedded in-memory store, one with
# --pinlab.sessions.store=redis (the Redis at REDIS_HOST:REDIS_PORT, keys under a prefix of
# their own, deleted at the end), same wrk script, rounds alternating between the two.
#   bench/wrk-stores.sh        starts target/pinlab-*.jar twice, on $PORT and $PORT+1 (default 18600)
#   JAR2=other.jar bench/wrk-stores.sh   also that jar's Redis store on $PORT+2, run in every round
#                              (before redis in even rounds) and printed on a line of its own: an A/B of two builds
# Prints per round: req/s and p50/p99 latency of each, the ratio redis/memory, the load average,
# and the CPU time per request of each JVM and of redis-server (user + system, from /proc: on a
# shared machine this moves less with the load than req/s does), and their context switches per
# request (voluntary + involuntary, summed over the threads of /proc/PID/task).
# Env: SESSIONS_N (200), CONNECTIONS (64), THREADS (2), WARMUP (20s), DURATION (20s), ROUNDS (3),
#      REDIS_HOST (127.0.0.1), REDIS_PORT (6379), JAVA_OPTS (extra JVM flags),
#      RATE_LIMITS (off; on: rate limits on with limits no client reaches, to count what the
#      buckets cost: in this JVM for the memory server, in Redis for the redis one).
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
redis_args=(--pinlab.sessions.store=redis --spring.data.redis.host="$REDIS_HOST" --spring.data.redis.port="$REDIS_PORT")
start_server redis "$((PORT + 1))" "${redis_args[@]}" --pinlab.sessions.redis-key-prefix="$PREFIX"
names=(memory redis)
[ -n "${JAR2:-}" ] && JAR=$JAR2 start_server redis2 "$((PORT + 2))" "${redis_args[@]}" --pinlab.sessions.redis-key-prefix="${PREFIX}2:" && names+=(redis2)
export ADDR THREADS=$T
ADDR=$(make_sessions "$work/memory.sessions" "http://127.0.0.1:$PORT")
for i in $(seq $((${#names[@]} - 1))); do
  [ "$(make_sessions "$work/${names[i]}.sessions" "http://127.0.0.1:$((PORT + i))")" = "$ADDR" ] || { echo "the servers map at different addresses"; exit 1; }
done

# run I DURATION: wrk's output for the mixed workload on server I (0 memory, 1 redis, 2 redis2), then
# "cpu: JVM redis-server" in clock ticks used meanwhile, and "switches: JVM redis-server"
rpid=$(redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" info server | sed -nE 's/^process_id:([0-9]+).*/\1/p')
case $REDIS_HOST in 127.*|localhost|::1) ;; *) rpid= ;; esac # a remote redis-server's pid names no local process
ticks() { [ -r "/proc/$1/stat" ] && awk '{print $14 + $15}' "/proc/$1/stat" || echo 0; }
# switches PID: context switches (voluntary + not) of the process's live threads so far
# switches PID: voluntary + involuntary context switches of the threads alive now (a thread that exits
# during a round drops out of the second reading, so a round's count is a lower bound)
switches() { [ -n "$1" ] && [ -d "/proc/$1" ] || { echo 0; return; }; cat /proc/"$1"/task/*/status 2>/dev/null | awk '/ctxt_switches/ {n += $2} END {print n + 0}'; }
run() {
  local jvm=${servers[$1]} j0 r0 js0 rs0
  j0=$(ticks "$jvm"); r0=$(ticks "$rpid"); js0=$(switches "$jvm"); rs0=$(switches "$rpid")
  SESSIONS=$work/${names[$1]}.sessions wrk -t"$T" -c"$C" -d"$2" --latency -s bench/mixed.lua "http://127.0.0.1:$((PORT + $1))"
  echo "cpu: $(( $(ticks "$jvm") - j0 )) $(( $(ticks "$rpid") - r0 ))"
  echo "switches: $(( $(switches "$jvm") - js0 )) $(( $(switches "$rpid") - rs0 ))"
}
pct() { sed -nE "s/^ +$1% +([0-9.]+[a-z]+).*/\\1/p"; }
# usreq N: CPU µs per request of field N of the cpu line (1 = the JVM, 2 = redis-server)
usreq() {
  local out; out=$(cat)
  echo "$(sed -nE 's/^cpu: (.*)/\1/p' <<<"$out" | cut -d' ' -f"$1") * 1000000 / $(getconf CLK_TCK) / $(requests <<<"$out")" | bc
}
requests() { sed -nE 's/^ *([0-9]+) requests in.*/\1/p'; }
# csreq N: context switches per request of field N of the switches line (1 = the JVM, 2 = redis-server)
csreq() {
  local out; out=$(cat)
  printf '%.1f' "$(echo "$(sed -nE 's/^switches: (.*)/\1/p' <<<"$out" | cut -d' ' -f"$1") / $(requests <<<"$out")" | bc -l)"
}

echo "warm-up $WARMUP each"
for i in "${!names[@]}"; do
  run "$i" "$WARMUP" | grep -E 'chain errors|Non-2xx' || true
done
echo "round  memory req/s  p50 / p99        redis req/s  p50 / p99        redis/memory  CPU µs/req: memory JVM, redis JVM + redis-server  switches/req: same  load average"
for r in $(seq "$ROUNDS"); do
  m=$(run 0 "$DURATION")
  order=$(seq $((${#names[@]} - 1))); [ $((r % 2)) = 0 ] && order=$(tac <<<"$order") # redis2 first in even rounds
  for i in $order; do
    d=$(run "$i" "$DURATION")
    grep -E 'chain errors: [1-9]|Non-2xx' <<<"$m$d" || true
    label=$r; [ "${names[i]}" = redis2 ] && label="$r:J2"
    printf '%5s  %12.0f  %-15s  %11.0f  %-15s  %12.2f  %17s  %17s  %s\n' "$label" \
      "$(rps <<<"$m")" "$(pct 50 <<<"$m") / $(pct 99 <<<"$m")" \
      "$(rps <<<"$d")" "$(pct 50 <<<"$d") / $(pct 99 <<<"$d")" \
      "$(echo "$(rps <<<"$d") / $(rps <<<"$m")" | bc -l)" \
      "$(usreq 1 <<<"$m"), $(usreq 1 <<<"$d") + $(usreq 2 <<<"$d")" \
      "$(csreq 1 <<<"$m"), $(csreq 1 <<<"$d") + $(csreq 2 <<<"$d")" "$(uptime | sed 's/.*load average: //')"
  done
done
