#!/usr/bin/env bash
# AOT cache training run (Dockerfile; README "Startup"): starts the service with
# -XX:AOTCacheOutput, waits for the first healthy answer, asks for the profiles, and stops it with
# SIGTERM; the JVM writes the cache as it exits. The cache then holds the classes loaded, linked
# and profiled up to the first answers (the dispatcher servlet, Jackson writers, the health
# endpoint), not only those of the context refresh.
#   deploy/aot-training.sh app.aot -XX:CompileThresholdScaling=3 -jar app.jar
# (the JVM options of the image's ENTRYPOINT, so that the training records what a start will do).
# Needs bash only (no curl in the JRE image): HTTP over bash's /dev/tcp.
set -euo pipefail
out=$1; shift
port=${AOT_TRAINING_PORT:-18089}
java -XX:AOTCacheOutput="$out" "$@" --server.port="$port" --logging.level.root=WARN &
pid=$!
get() { # path: succeeds when the answer is 200 and contains "UP" or a profile
  exec 3<>"/dev/tcp/127.0.0.1/$port" || return 1
  printf 'GET %s HTTP/1.0\r\nHost: localhost\r\n\r\n' "$1" >&3
  grep -qE '"status":"UP"|"name":"v6' <&3
}
for _ in $(seq 600); do
  kill -0 "$pid" 2>/dev/null || { echo "training run: the service exited" >&2; exit 1; }
  get /actuator/health 2>/dev/null && break
  sleep 0.2
done
get /api/v1/profiles
kill -TERM "$pid"
wait "$pid"
test -s "$out"
