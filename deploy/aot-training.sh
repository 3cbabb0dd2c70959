#!/usr/bin/env bash
# AOT cache training run (Dockerfile; README "Startup"): starts the service with
# -XX:AOTCacheOutput, waits for the first healthy answer, asks for the profiles, runs a typical lab
# (a session that chains mmap 16 KiB -> write a page -> pin it FOLL_WRITE|FOLL_LONGTERM -> release
# -> munmap, the workload of bench/wrk-mixed.sh, ROUNDS times, then an unknown field for a 400
# problem answer), and stops it with SIGTERM; the JVM writes the cache as it exits. The cache then
# holds the classes loaded and linked, and the method profiles (JEP 515), of the start and of those
# first answers (dispatcher servlet, Jackson readers and writers, validation, the health endpoint).
#   deploy/aot-training.sh app.aot -jar app.jar
# Needs bash only (no curl in the JRE image): HTTP/1.0 over bash's /dev/tcp.
set -euo pipefail
out=$1; shift
port=${AOT_TRAINING_PORT:-18089} rounds=${AOT_TRAINING_ROUNDS:-20}
java -XX:AOTCacheOutput="$out" "$@" --server.port="$port" --logging.level.root=WARN &
pid=$!
# http METHOD PATH [BODY [TOKEN]]: prints the answer (status line, headers, body)
http() {
  local body=${3:-}
  exec 3<>"/dev/tcp/127.0.0.1/$port" || return 1
  printf '%s %s HTTP/1.0\r\nHost: localhost\r\n%sContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s' \
    "$1" "$2" "${4:+Authorization: Bearer $4$'\r\n'}" "${#body}" "$body" >&3
  cat <&3
  exec 3<&-
}
# field NAME: the first string or number value of "NAME" in the JSON on stdin
field() { grep -oE "\"$1\":\"?[^\",}]*" | head -1 | sed -E 's/^"[^"]*":"?//'; }
for _ in $(seq 600); do
  kill -0 "$pid" 2>/dev/null || { echo "training run: the service exited" >&2; exit 1; }
  http GET /actuator/health 2>/dev/null | grep -q '"status":"UP"' && break
  sleep 0.2
done
http GET /api/v1/profiles | grep -q '"name":"v6'
s=$(http POST /api/v1/sessions '{"profile":"v6.18"}')
sid=$(field id <<<"$s") token=$(field token <<<"$s")
b=/api/v1/sessions/$sid/processes/1
for _ in $(seq "$rounds"); do
  addr=$(http POST "$b/mmap" '{"length":16384,"prot":["PROT_READ","PROT_WRITE"],"flags":["MAP_PRIVATE","MAP_ANONYMOUS"]}' "$token" | field addr)
  http POST "$b/access" "{\"addr\":\"$addr\",\"length\":4096,\"access\":\"write\",\"value\":42}" "$token" >/dev/null
  pin=$(http POST "$b/gup" "{\"call\":\"pin_user_pages_fast\",\"start\":\"$addr\",\"nrPages\":1,\"gupFlags\":[\"FOLL_WRITE\",\"FOLL_LONGTERM\"]}" "$token" | grep -oE '"pin":\{"id":[0-9]+' | grep -oE '[0-9]+$')
  http POST "/api/v1/sessions/$sid/pins/$pin/release" '{"how":"unpin_user_pages"}' "$token" >/dev/null
  http POST "$b/munmap" "{\"addr\":\"$addr\",\"length\":16384}" "$token" | grep -q '^HTTP/1.1 200'
done
http POST "$b/mmap" '{"lenght":4096}' "$token" | grep -q '^HTTP/1.1 400'
http GET /actuator/health | grep -q '"status":"UP"'
kill -TERM "$pid"
wait "$pid"
test -s "$out"
