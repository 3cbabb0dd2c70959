#!/usr/bin/env bash
# Goal 5 (issue 13): time from launching the JVM to the first healthy answer of /actuator/health.
#   bench/startup.sh PORT java [JVM flags...] -jar app.jar
# Prints the wall milliseconds and the CPU milliseconds the JVM used up to that answer (user +
# system, /proc/PID/stat; on a shared machine it varies much less than wall time) and the load
# average, then stops the server. Run it a few times, from the same directory layout as the
# Docker image (see README, "Startup").
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
wall=$(( ($(date +%s%N) - start) / 1000000 ))
# fields 14 and 15 of /proc/PID/stat (after the parenthesised command name): utime, stime in ticks
read -r utime stime < <(sed 's/.*) //' "/proc/$pid/stat" | awk '{print $12, $13}')
cpu=$(( (utime + stime) * 1000 / $(getconf CLK_TCK) ))
echo "$wall ms wall, $cpu ms CPU, load average $(uptime | sed 's/.*load average: //')"
