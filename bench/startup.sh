#!/usr/bin/env bash
# Goal 5 (issue 13): time from launching the JVM to the first healthy answer of /actuator/health,
# for one or more command lines compared side by side (README, "Startup").
#   bench/startup.sh [-n RUNS] [-p PORT] NAME DIR 'command line' [NAME DIR 'command line' ...]
# Each command line runs in its directory DIR (an AOT cache only serves the class path it was
# trained with, relative paths included), e.g. in the image's extracted layout, the command line of
# the Dockerfile's ENTRYPOINT against the plain jar:
#   bench/startup.sh -n 5 image /tmp/pinlab 'java -XX:AOTCache=app.aot -XX:CompileThresholdScaling=3 -jar app.jar' \
#                         plain /tmp/pinlab 'java -Dspring.aot.enabled=false -jar app.jar'
# On a shared machine, as root, `chrt -r 1 bench/startup.sh ...` runs the bench and the JVMs it
# starts before every ordinary process: each start sees two idle cores (README, "Startup").
# Each round starts every command once, in turn (so a change of load hits all of them alike), and
# stops it after its first "UP". Per start it records the wall milliseconds and the CPU milliseconds
# the JVM used up to that answer (user + system of all its threads, /proc/PID/stat; on a shared
# machine CPU time varies much less than wall time). Prints every run, then per command the median
# and range of both, the ratio of its median to the first command's, and the load average.
set -euo pipefail
runs=5 port=18700  # bench/wrk-mixed.sh uses 18500
while getopts n:p: o; do case $o in n) runs=$OPTARG ;; p) port=$OPTARG ;; *) exit 2 ;; esac; done
shift $((OPTIND - 1))
(( $# >= 3 && $# % 3 == 0 )) || { sed -n '3,11p' "$0" >&2; exit 2; }
names=() dirs=() cmds=()
while (( $# )); do names+=("$1"); dirs+=("$2"); cmds+=("$3"); shift 3; done
out=$(mktemp) log=$(mktemp); pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -f "$out" "$log"' EXIT

# start DIR CMD: prints "wall cpu" in milliseconds at its first healthy answer, then stops it
start() {
  local t0 wall utime stime
  ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "port $port is in use (-p PORT)" >&2; exit 1; }
  t0=$(date +%s%N)
  (cd "$1" && eval "exec $2 --server.port=$port --logging.level.root=WARN") >"$log" 2>&1 &
  pid=$!
  until curl -sf "http://127.0.0.1:$port/actuator/health" 2>/dev/null | grep -q '"UP"'; do
    kill -0 "$pid" 2>/dev/null || { echo "server exited: $2" >&2; exit 1; }
    sleep 0.02
  done
  wall=$(( ($(date +%s%N) - t0) / 1000000 ))
  # fields 14 and 15 of /proc/PID/stat (after the parenthesised command name): utime, stime in ticks
  read -r utime stime < <(sed 's/.*) //' "/proc/$pid/stat" | awk '{print $12, $13}')
  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=
  # an AOT cache the JVM cannot use (another class path, a jar rebuilt after training) only costs
  # an error line and a slow start: say so instead of timing it silently
  grep -m1 -E '\]\[(error|warning) *\]\[(aot|cds)' "$log" >&2 && echo "  (the line above is from: $2)" >&2
  echo "$wall $(( (utime + stime) * 1000 / $(getconf CLK_TCK) ))"
}

echo "start: $(date -u +%H:%M:%S) load average $(uptime | sed 's/.*load average: //')"
for r in $(seq "$runs"); do
  for i in "${!cmds[@]}"; do
    read -r wall cpu < <(start "${dirs[$i]}" "${cmds[$i]}")
    printf '%-12s run %d: %6d ms wall %6d ms CPU\n' "${names[$i]}" "$r" "$wall" "$cpu"
    echo "$i $wall $cpu" >>"$out"
  done
done
echo "end:   $(date -u +%H:%M:%S) load average $(uptime | sed 's/.*load average: //')"
printf '%-12s %18s %18s %10s %10s\n' command 'wall ms (min-max)' 'CPU ms (min-max)' 'wall/1st' 'CPU/1st'
awk -v names="${names[*]}" '
  { w[$1] = w[$1] " " $2; c[$1] = c[$1] " " $3 }
  function med(s, a, n, i, j, t) { n = split(substr(s, 2), a, " ")
    for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j-1] + 0 > a[j] + 0; j--) { t = a[j]; a[j] = a[j-1]; a[j-1] = t }
    lo = a[1]; hi = a[n]; return n % 2 ? a[(n+1)/2] : (a[n/2] + a[n/2+1]) / 2 }
  END { split(names, nm, " ")
    for (i = 0; i in w; i++) { mw = med(w[i]); wl = lo; wh = hi; mc = med(c[i]); cl = lo; ch = hi
      if (i == 0) { bw = mw; bc = mc }
      printf "%-12s %6d (%5d-%5d) %6d (%5d-%5d) %10.2f %10.2f\n", nm[i+1], mw, wl, wh, mc, cl, ch, mw / bw, mc / bc } }' "$out"
