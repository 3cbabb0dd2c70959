#!/usr/bin/env bash
# Goal 5 (issue 13): time from launching the JVM to the first healthy answer of /actuator/health.
#   bench/startup.sh PORT java [JVM flags...] -jar app.jar
# Prints the milliseconds, then stops the server. Run it a few times and from the same directory
# layout as the Docker image (see README, "Startup").
set -euo pipefail
port=$1; shift
start=$(date +%s%N)
"$@" --server.port="$port" --logging.level.root=WARN >/dev/null 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null' EXIT
until curl -sf "http://127.0.0.1:$port/actuator/health" 2>/dev/null | grep -q '"UP"'; do
  kill -0 $pid 2>/dev/null || { echo "server exited"; exit 1; }
  sleep 0.02
done
echo "$(( ($(date +%s%N) - start) / 1000000 )) ms"
