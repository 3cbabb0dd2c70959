#!/usr/bin/env bash
# Goal 1 of issue 13: req/s of the mixed lab workload (bench/mixed.lua) against the cheapest
# endpoint, GET /api/v1/profiles (bench/profiles.lua), side by side in one server run.
#   bench/wrk-mixed.sh                 starts target/pinlab-*.jar on $PORT (default 18500)
#   PINLAB_URL=http://host:port bench/wrk-mixed.sh   uses a running server (rate limits off!)
# Env: SESSIONS_N (200), CONNECTIONS (64), THREADS (2), WARMUP (20s), DURATION (20s), ROUNDS (3),
#      JAVA_OPTS (extra JVM flags, e.g. a JFR recording), SERVER_PID (with PINLAB_URL: the server's
#      pid, for its CPU per request).
# Besides req/s, each round prints the CPU time per request of the server (when its pid is known)
# and of wrk: on a shared machine req/s follows the load, CPU per request much less.
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

server_pid=${SERVER_PID:-${servers[-1]:-}}
run() { wrk -t"$T" -c"$C" -d"$1" -s "bench/$2.lua" "$PINLAB_URL"; }
ticks() { # CPU ticks (user + system) of the server so far, 0 when it is not known
  if [ -n "$server_pid" ]; then sed 's/.*) //' "/proc/$server_pid/stat" | awk '{print $12 + $13}'; else echo 0; fi
}
# measure NAME: one round of bench/NAME.lua; sets req (req/s), scpu and wcpu (server and wrk CPU
# microseconds per request)
measure() {
  local t0 t1 out
  t0=$(ticks)
  out=$(/usr/bin/time -f 'wrkcpu %U %S' wrk -t"$T" -c"$C" -d"$DURATION" -s "bench/$1.lua" "$PINLAB_URL" 2>&1)
  t1=$(ticks)
  grep -E 'chain errors: [1-9]|Non-2xx' <<<"$out" || true
  req=$(rps <<<"$out")
  local total; total=$(sed -nE 's/^ *([0-9]+) requests in.*/\1/p' <<<"$out")
  scpu=$(echo "($t1 - $t0) * 1000000 / $(getconf CLK_TCK) / $total" | bc -l)
  wcpu=$(awk -v n="$total" '/^wrkcpu/ {print ($2 + $3) * 1000000 / n}' <<<"$out")
}

echo "warm-up $WARMUP each"
run "$WARMUP" mixed | grep -E 'chain errors|Non-2xx' || true
run "$WARMUP" profiles >/dev/null
echo "round  mixed req/s  profiles req/s  ratio   server CPU us/req mixed, profiles  wrk CPU us/req mixed, profiles  load average"
for r in $(seq "$ROUNDS"); do
  measure mixed; m=$req ms=$scpu mw=$wcpu
  measure profiles; p=$req ps=$scpu pw=$wcpu
  printf '%5d  %11.0f  %14.0f  %5.2f   %17.0f  %8.0f  %14.0f  %8.0f  %s\n' "$r" "$m" "$p" "$(echo "$m / $p" | bc -l)" \
    "$ms" "$ps" "$mw" "$pw" "$(uptime | sed 's/.*load average: //')"
done
