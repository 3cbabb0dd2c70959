# Shared by bench/wrk-mixed.sh and bench/wrk-stores.sh, which source it after setting
# $work (a scratch directory), $N (sessions to create) and $JAVA.

servers=()

# start_server NAME PORT [extra server arguments]: $JAR (default target/pinlab-*.jar) on PORT, its log in
# $work/NAME.log; returns once it answers /actuator/health. Rate limits are off (the bench drives
# thousands of requests a second from one address) unless RATE_LIMITS=on: then they are on, with
# limits no client reaches, to count what the buckets cost.
start_server() {
  local name=$1 port=$2; shift 2
  local limits=(--pinlab.rate-limit.enabled=false)
  [ "${RATE_LIMITS:-off}" = on ] && limits=(--pinlab.rate-limit.per-ip=1000000000 --pinlab.rate-limit.per-session=1000000)
  $JAVA ${JAVA_OPTS:-} -jar ${JAR:-target/pinlab-*.jar} --server.port="$port" "${limits[@]}" \
      --pinlab.sessions.per-client.max-live=100000 --pinlab.sessions.per-client.creations-per-minute=100000 \
      --logging.level.root=WARN "$@" >"$work/$name.log" 2>&1 &
  servers+=($!)
  until curl -sf "http://127.0.0.1:$port/actuator/health" >/dev/null; do
    kill -0 "${servers[-1]}" 2>/dev/null || { cat "$work/$name.log"; exit 1; }
    sleep 0.2
  done
}

stop_servers() {
  local s
  for s in "${servers[@]}"; do kill "$s" 2>/dev/null && wait "$s" 2>/dev/null; done
  return 0
}

# make_sessions FILE URL: N sessions on the server at URL, "sid token" per line in FILE; prints
# the address a 16 KiB mmap of the first session returns (unmapped again), which bench/mixed.lua uses.
make_sessions() {
  local b=$2/api/v1 sid token addr
  for _ in $(seq "$N"); do
    curl -sf -X POST "$b/sessions" -H 'Content-Type: application/json' -d '{"profile":"v6.18"}' \
      | sed -E 's/.*"id":"([^"]+)".*"token":"([^"]+)".*/\1 \2/'
    echo
  done >"$1"
  read -r sid token <"$1"
  addr=$(curl -sf -X POST "$b/sessions/$sid/processes/1/mmap" -H "Authorization: Bearer $token" \
    -H 'Content-Type: application/json' \
    -d '{"length":16384,"prot":["PROT_READ","PROT_WRITE"],"flags":["MAP_PRIVATE","MAP_ANONYMOUS"]}' \
    | sed -E 's/.*"addr":"([^"]+)".*/\1/')
  curl -sf -X POST "$b/sessions/$sid/processes/1/munmap" -H "Authorization: Bearer $token" \
    -H 'Content-Type: application/json' -d "{\"addr\":\"$addr\",\"length\":16384}" >/dev/null
  echo "$addr"
}

# rps: the Requests/sec figure of wrk's output on stdin
rps() { sed -nE 's/^Requests\/sec: *([0-9.]+).*/\1/p'; }
