#!/bin/sh
# bench/http.sh — the HTTP server on loopback under wrk -t2 -c64, in one
# run: (a) GET /healthz; (b) POST /api/v1/cases, each 201 committed
# durably (synchronous FULL); (c) GET /api/v1/cases, a page of 50 with a
# filter, on a store of CASES cases; (d) nginx serving a small static file,
# the reference. Prints `name: value` lines, the ratios last.
# usage: bench/http.sh BUILD_DIR [CASES] [SECONDS]
set -eu
build=$(cd "${1:-build}" && pwd)
cases=${2:-1000000}
secs=${3:-10}
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
cleanup() {
  [ -f "$tmp/nginx.pid" ] && kill "$(cat "$tmp/nginx.pid")" 2>/dev/null || :
  [ -n "${cg:-}" ] && kill "$cg" 2>/dev/null || :
  sleep 1
  rm -rf "$tmp"
}
trap cleanup EXIT

# the store: the real district with CASES cases dispatched (bench_cases)
"$build/bench_cases" "$cases" "$tmp/store" >/dev/null
printf 'a long password\n' > "$tmp/pw"
"$build/citygrid" --data "$tmp/store" user add op --role operator >/dev/null
"$build/citygrid" --data "$tmp/store" user passwd op < "$tmp/pw" >/dev/null

# nginx, one worker, a small static file
mkdir -p "$tmp/www"
chmod 755 "$tmp" "$tmp/www"  # nginx workers run as another user
printf '{"status":"ok"}\n' > "$tmp/www/index.json"
cat > "$tmp/nginx.conf" <<CONF
worker_processes 1;
daemon on;
pid $tmp/nginx.pid;
error_log $tmp/nginx.err;
events { worker_connections 1024; }
http {
  access_log off;
  server { listen 127.0.0.1:18480; root $tmp/www; }
}
CONF
nginx -c "$tmp/nginx.conf" -p "$tmp"

# citygrid, its access log thrown away
"$build/citygrid" --data "$tmp/store" serve --port 0 > "$tmp/serve.log" 2>&1 &
cg=$!
for _ in $(seq 100); do
  grep -q "listening on" "$tmp/serve.log" 2>/dev/null && break
  sleep 0.1
done
port=$(sed -n 's/.*listening on http:\/\/127.0.0.1:\([0-9]*\).*/\1/p' "$tmp/serve.log")
token=$(curl -s -X POST -H 'Content-Type: application/json' \
  -d '{"login":"op","password":"a long password"}' \
  "http://127.0.0.1:$port/api/v1/login" | sed 's/.*"token":"\([0-9a-f]*\)".*/\1/')

cat > "$tmp/post.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $token"
request = function()
  local lat = 34.710 + math.random() * 0.020
  local lon = 113.720 + math.random() * 0.020
  local body = string.format('{"scheme":"gb47678","kind":"matter",' ..
    '"code":"06036","lat":%.6f,"lon":%.6f,"description":"bench"}', lat, lon)
  return wrk.format(nil, nil, nil, body)
end
LUA
cat > "$tmp/get.lua" <<LUA
wrk.headers["Authorization"] = "Bearer $token"
LUA

# run NAME URL [SCRIPT]: prints NAME.per_s and NAME.p99_ms
run() {
  out=$(wrk -t2 -c64 -d"${secs}s" --latency ${3:+-s "$3"} "$2")
  rps=$(printf '%s\n' "$out" | awk '/Requests\/sec/ {print $2}')
  p99=$(printf '%s\n' "$out" | awk '$1 == "99%" {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v/=1000} else if (v ~ /ms$/) sub(/ms/,"",v); else if (v ~ /s$/) {sub(/s/,"",v); v*=1000}; print v}')
  non2xx=$(printf '%s\n' "$out" | awk '/Non-2xx/ {print $NF}')
  echo "$1.per_s: $rps"
  echo "$1.p99_ms: $p99"
  [ -n "$non2xx" ] && echo "$1.non_2xx: $non2xx"
  eval "rps_$(echo "$1" | tr . _)=$rps"
}
echo "http.cases_in_store: $cases"
run http.nginx_static "http://127.0.0.1:18480/index.json"
run http.healthz "http://127.0.0.1:$port/healthz"
run http.post_cases "http://127.0.0.1:$port/api/v1/cases" "$tmp/post.lua"
run http.list_cases "http://127.0.0.1:$port/api/v1/cases?state=dispatched&limit=50" "$tmp/get.lua"
echo "http.ratio.healthz_over_nginx: $(echo "$rps_http_healthz $rps_http_nginx_static" | awk '{printf "%.2f", $1/$2}')"
echo "http.ratio.post_over_nginx: $(echo "$rps_http_post_cases $rps_http_nginx_static" | awk '{printf "%.3f", $1/$2}')"
