#!/bin/sh
# bench/http.sh — the HTTP server on loopback under wrk -t2 -c64, in one
# run: (a) GET /healthz; (b) POST /api/v1/cases, each 201 committed
# durably (synchronous FULL) and holding the whole case (and, beside it,
# the same with Prefer: return=minimal); (c) GET /api/v1/cases, a page of
# 50 with a filter, on a store of CASES cases — its first seconds (the
# server's cache of rendered lists filling), then the run measured, then
# the same from a second server with that cache off, and the lists again
# while reports pour in (their worst case); (d) nginx serving a small
# static file, the reference, first and again just before and after the
# reports (which are compared with those two); the reports again to a
# server waiting with epoll instead of poll (the first of them timed
# alone: a server started again on a store that has taken reports), and
# to both with 500 idle connections open; /healthz again while slow
# searches run; and, once each, what a dashboard reads in bulk (the
# statistics, a department's first page, the map's points). Prints
# `name: value` lines, the ratios last: for each run its requests a
# second, its 99th percentile latency and the CPU time the server spent
# per request (nginx: master and worker; citygrid: all its threads),
# which says where a ratio comes from on a machine whose speed varies
# from run to run.
# usage: bench/http.sh BUILD_DIR [CASES] [SECONDS]
set -eu
build=$(cd "${1:-build}" && pwd)
cases=${2:-1000000}
secs=${3:-10}
pool=50000 # distinct reports each wrk thread sends in turn
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
cleanup() {
  [ -f "$tmp/nginx.pid" ] && kill "$(cat "$tmp/nginx.pid")" 2>/dev/null || :
  [ -n "${cg:-}" ] && kill "$cg" 2>/dev/null || :
  [ -n "${cg2:-}" ] && kill "$cg2" 2>/dev/null || :
  [ -n "${cg3:-}" ] && kill "$cg3" 2>/dev/null || :
  [ -n "${searchers:-}" ] && kill $searchers 2>/dev/null || :
  sleep 1
  rm -rf "$tmp"
}
trap cleanup EXIT

# the store: the real district with CASES cases dispatched (bench_cases)
"$build/bench_cases" "$cases" "$tmp/store" >/dev/null
printf 'a long password\n' > "$tmp/pw"
"$build/citygrid" --data "$tmp/store" user add op --role operator >/dev/null
"$build/citygrid" --data "$tmp/store" user passwd op < "$tmp/pw" >/dev/null
"$build/citygrid" --data "$tmp/store" user add dh --role department \
  --dept hwc >/dev/null
"$build/citygrid" --data "$tmp/store" user passwd dh < "$tmp/pw" >/dev/null
# the store's gigabytes on disk before measuring, not written back during
# the runs: that would slow every sync of the durable POSTs
sync

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

# serve LOG [OPTION...]: start citygrid on the store, on a free port, its
# output (the access log) in LOG; sets served_pid and served_port once it
# listens
serve() {
  log=$1
  shift
  "$build/citygrid" --data "$tmp/store" serve --port 0 "$@" > "$log" 2>&1 &
  served_pid=$!
  for _ in $(seq 100); do
    grep -q "listening on" "$log" 2>/dev/null && break
    sleep 0.1
  done
  served_port=$(sed -n 's/.*listening on http:\/\/127.0.0.1:\([0-9]*\).*/\1/p' "$log")
}
serve "$tmp/serve.log"
cg=$served_pid
port=$served_port
token=$(curl -s -X POST -H 'Content-Type: application/json' \
  -d '{"login":"op","password":"a long password"}' \
  "http://127.0.0.1:$port/api/v1/login" | sed 's/.*"token":"\([0-9a-f]*\)".*/\1/')

# reports as the district sends them: the centres of 2,000 random unit
# grids that are whole 100 m squares (a grid merged with a sliver may not
# hold the centre of its box), the 20 categories bench_cases uses, a few
# descriptions
pts=$(sqlite3 "$tmp/store/citygrid.db" "SELECT printf('{%.6f,%.6f},',
  (min_lat + max_lat) / 2, (min_lon + max_lon) / 2) FROM area
  WHERE level = 'grid' AND area_m2 BETWEEN 9900 AND 10100
  AND max_lat - min_lat < 0.00092 AND max_lon - min_lon < 0.00112
  ORDER BY random() LIMIT 2000" | tr -d '\n')
# the 20 categories bench_cases uses, as a Lua table
codes='local codes = {"06010", "06011", "06012", "06013", "06017", "06028",
  "06034", "06036", "06042", "07001", "08004", "09001", "09005", "09009",
  "09010", "01037", "01001", "02014", "03005", "06050"}'
cat > "$tmp/post.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $token"
local pts = {$pts}
$codes
local words = {"路边有暴露垃圾", "井盖缺失，有安全隐患", "路灯不亮",
  "占道经营", "下水道堵塞"}
-- each of wrk's threads makes its $pool reports before the clock starts
-- and sends them in turn (wrk's own advice for costly requests): built
-- one at a time, they cost wrk a third more CPU a request (22 µs against
-- 17), taken from the two cores the server runs on
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("id", threads)
end
local reqs, i = {}, 0
function init(args)
  math.randomseed(id)
  for k = 1, $pool do
    local p = pts[math.random(#pts)]
    local body = string.format('{"scheme":"gb47678","kind":"matter",' ..
      '"code":"%s","lat":%.6f,"lon":%.6f,"description":"%s"}',
      codes[math.random(#codes)], p[1], p[2], words[math.random(#words)])
    reqs[k] = wrk.format(nil, nil, nil, body)
  end
end
function request()
  i = i % #reqs + 1
  return reqs[i]
end
LUA
# the same reports from a client that prefers the minimal 201 (RFC 7240):
# not the target's figure, which is for the whole case in each 201, but
# what the reply's JSON costs beside it
sed 's/^wrk.method = "POST"$/&\
wrk.headers["Prefer"] = "return=minimal"/' "$tmp/post.lua" > "$tmp/post_min.lua"
# pages of 50 cases as the district's staff ask for them, each with a
# filter that matches many of the store's cases: a street's cases waiting
# to be checked on site, a category's, the overdue ones (each filter a
# tenth to all of the store: bench_cases leaves its cases to be checked)
streets=$(sqlite3 "$tmp/store/citygrid.db" \
  "SELECT printf('\"%s\",', code) FROM area WHERE level = 'street'" | tr -d '\n')
cat > "$tmp/get.lua" <<LUA
wrk.headers["Authorization"] = "Bearer $token"
local streets = {$streets}
$codes
request = function()
  local k, q = math.random(3)
  if k == 1 then
    q = "state=checking&area=" .. streets[math.random(#streets)]
  elseif k == 2 then
    q = "category=gb47678:" .. codes[math.random(#codes)]
  else
    q = "overdue=1"
  end
  return wrk.format(nil, "/api/v1/cases?limit=50&" .. q)
end
LUA
# each kind of filter must find cases: a page that comes back empty would
# measure nothing
first_street=$(echo "$streets" | cut -d'"' -f2)
for q in "state=checking&area=$first_street" "category=gb47678:06010" \
  "overdue=1"; do
  curl -s -H "Authorization: Bearer $token" \
    "http://127.0.0.1:$port/api/v1/cases?limit=50&$q" | grep -q '"no":' || {
    echo "bench/http.sh: no case matches $q" >&2
    exit 1
  }
done

# CPU time so far, in clock ticks, of the processes PIDS (all threads)
ticks() {
  for p in "$@"; do awk '{print $14 + $15}' "/proc/$p/stat"; done |
    awk '{t += $1} END {print t}'
}
hz=$(getconf CLK_TCK)

# the 99th percentile of wrk --latency's output on stdin, in milliseconds
ms99() {
  awk '$1 == "99%" {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v/=1000}
    else if (v ~ /ms$/) sub(/ms/,"",v); else if (v ~ /s$/) {sub(/s/,"",v); v*=1000}
    print v}'
}

# run NAME PIDS URL [SCRIPT]: prints NAME.per_s, NAME.p99_ms and the CPU
# time the server (processes PIDS) spent per request, in microseconds;
# for $dur seconds if set, else SECONDS
run() {
  t0=$(ticks $2)
  out=$(wrk -t2 -c64 -d"${dur:-$secs}s" --latency ${4:+-s "$4"} "$3")
  t1=$(ticks $2)
  rps=$(printf '%s\n' "$out" | awk '/Requests\/sec/ {print $2}')
  n=$(printf '%s\n' "$out" | awk '/requests in/ {print $1}')
  p99=$(printf '%s\n' "$out" | ms99)
  non2xx=$(printf '%s\n' "$out" | awk '/Non-2xx/ {print $NF}')
  echo "$1.per_s: $rps"
  echo "$1.p99_ms: $p99"
  echo "$1.server_cpu_us_per_request: $(echo "$t0 $t1 $n $hz" |
    awk '{printf "%.1f", ($2 - $1) * 1e6 / $4 / $3}')"
  [ -n "$non2xx" ] && echo "$1.non_2xx: $non2xx"
  eval "rps_$(echo "$1" | tr . _)=$rps"
  eval "p99_$(echo "$1" | tr . _)=$p99"
}
echo "http.cases_in_store: $cases"
ngx=$(cat "$tmp/nginx.pid")
for d in /proc/[0-9]*; do # the master and its worker
  [ "$(awk '{print $4}' "$d/stat" 2>/dev/null)" = "${ngx%% *}" ] &&
    ngx="$ngx ${d#/proc/}"
done
run http.nginx_static "$ngx" "http://127.0.0.1:18480/index.json"
run http.healthz "$cg" "http://127.0.0.1:$port/healthz"
# the lists first, on the store of CASES cases as bench_cases made it
# (the POSTs below add a few hundred thousand more): their first three
# seconds, while the server builds the pages and keeps them, then the run
# measured
dur=3 run http.list_cases_first_seconds "$cg" \
  "http://127.0.0.1:$port/api/v1/cases" "$tmp/get.lua"
run http.list_cases "$cg" \
  "http://127.0.0.1:$port/api/v1/cases" "$tmp/get.lua"
# ...and from a second server on the same store that keeps no lists: each
# page built for each request
serve "$tmp/serve2.log" --list-cache 0
cg2=$served_pid
run http.list_cases_uncached "$cg2" \
  "http://127.0.0.1:$served_port/api/v1/cases" "$tmp/get.lua"
kill "$cg2"
wait "$cg2" 2>/dev/null || :
# what a dashboard reads in bulk, once each on the store as built, in
# milliseconds: the statistics page's counts (an operator sees every case,
# a department the ones it had tasks of), a department's first page of its
# cases (built, not from the cache), and the map's points of open cases
dh_token=$(curl -s -X POST -H 'Content-Type: application/json' \
  -d '{"login":"dh","password":"a long password"}' \
  "http://127.0.0.1:$port/api/v1/login" | sed 's/.*"token":"\([0-9a-f]*\)".*/\1/')
once() {
  curl -s -o /dev/null --compressed -w '%{http_code} %{time_total}\n' \
    -H "Authorization: Bearer $2" "http://127.0.0.1:$port$3" |
    awk -v n="$1" '$1 != 200 {print "bench/http.sh: " n ": HTTP " $1 > "/dev/stderr"; exit 1}
      {printf "%s: %.0f\n", n, $2 * 1000}'
}
once http.stats_ms "$token" /api/v1/stats
once http.stats_department_ms "$dh_token" /api/v1/stats
once http.department_first_page_ms "$dh_token" "/api/v1/cases?limit=50"
once http.points_open_ms "$token" "/api/v1/cases/points?state=open"
# The reports: their first three seconds, while the writer's caches and
# the log fill (printed, not compared), then the runs measured, between
# two more runs of nginx: this machine's speed
# drifts over a minute by as much as a tenth, so the reports are compared
# with the mean of the nginx runs just before and just after them (both
# printed), not with the first one, minutes earlier.
dur=3 run http.post_cases_first_seconds "$cg" \
  "http://127.0.0.1:$port/api/v1/cases" "$tmp/post.lua"
run http.nginx_static_before_posts "$ngx" "http://127.0.0.1:18480/index.json"
run http.post_cases "$cg" "http://127.0.0.1:$port/api/v1/cases" "$tmp/post.lua"
run http.post_cases_minimal "$cg" "http://127.0.0.1:$port/api/v1/cases" \
  "$tmp/post_min.lua"
run http.nginx_static_after_posts "$ngx" "http://127.0.0.1:18480/index.json"
rps_nginx_posts=$(echo "$rps_http_nginx_static_before_posts $rps_http_nginx_static_after_posts" |
  awk '{printf "%.2f", ($1 + $2) / 2}')
echo "http.nginx_static_around_posts.per_s: $rps_nginx_posts"
# the same reports to a second server whose workers wait with epoll
# instead of poll (--events): the reason poll is the default. Then both
# again with 500 more connections open that send a request every ten
# seconds (a second wrk): poll looks at every one of them each time round,
# which is why epoll is there for many connections (not targets)
serve "$tmp/serve3.log" --events epoll
cg3=$served_pid
# its first report waits for what the duplicate search loads at the
# start, the open cases of its window (src/case/recent.c): on this store,
# the cases of bench_cases and the reports of the runs above
first=$(echo "$pts" | cut -d'}' -f1 | tr -d '{')
out=$(curl -s -o /dev/null -w '%{http_code} %{time_total}' -X POST \
  -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
  -d "{\"scheme\":\"gb47678\",\"kind\":\"matter\",\"code\":\"06010\",
    \"lat\":${first%,*},\"lon\":${first#*,},\"description\":\"路灯不亮\"}" \
  "http://127.0.0.1:$served_port/api/v1/cases")
[ "${out%% *}" = 201 ] || {
  echo "bench/http.sh: the first report after a restart got ${out%% *}" >&2
  exit 1
}
echo "http.first_post_after_restart_ms: $(echo "${out#* }" | awk '{printf "%.1f", $1 * 1000}')"
dur=3 run http.post_cases_epoll_first_seconds "$cg3" \
  "http://127.0.0.1:$served_port/api/v1/cases" "$tmp/post.lua" >/dev/null
run http.post_cases_epoll "$cg3" \
  "http://127.0.0.1:$served_port/api/v1/cases" "$tmp/post.lua"
printf 'function delay() return 10000 end\n' > "$tmp/idle.lua"
# idle_run NAME PID PORT: run NAME on the server PID with 500 idle clients
idle_run() {
  wrk -t1 -c500 -d"$((secs + 2))s" -s "$tmp/idle.lua" \
    "http://127.0.0.1:$3/healthz" > /dev/null &
  idle=$!
  sleep 1
  run "$1" "$2" "http://127.0.0.1:$3/api/v1/cases" "$tmp/post.lua"
  wait $idle
}
idle_run http.post_cases_500_idle "$cg" "$port"
idle_run http.post_cases_epoll_500_idle "$cg3" "$served_port"
kill "$cg3"
wait "$cg3" 2>/dev/null || :
# the lists while reports pour in (32 clients each, wrk -t1): every report
# changes the store, so each page is built again (its cases that did not
# change from the cache) — the worst case for the lists, not a target
wrk -t1 -c32 -d"${secs}s" -s "$tmp/post.lua" \
  "http://127.0.0.1:$port/api/v1/cases" > "$tmp/mixed_post.out" &
mixed=$!
out=$(wrk -t1 -c32 -d"${secs}s" --latency -s "$tmp/get.lua" \
  "http://127.0.0.1:$port/api/v1/cases")
wait $mixed
echo "http.list_cases_during_posts.per_s: $(printf '%s\n' "$out" | awk '/Requests\/sec/ {print $2}')"
echo "http.list_cases_during_posts.p99_ms: $(printf '%s\n' "$out" | ms99)"
echo "http.posts_during_lists.per_s: $(awk '/Requests\/sec/ {print $2}' "$tmp/mixed_post.out")"
# /healthz again, while four clients search, one request after another,
# for a word every case of the store holds ("市民", counted through all
# of them): the searches run on the server's pool, and /healthz, on the
# workers, should not wait for them (its p99 against the run above). Each
# search asks for another page, so that none comes from the cache.
for c in 1 2 3 4; do
  (i=$c; while :; do
    curl -s -o /dev/null -H "Authorization: Bearer $token" \
      "http://127.0.0.1:$port/api/v1/cases?q=%E5%B8%82%E6%B0%91&limit=50&offset=$i" ||
      break
    i=$((i + 4))
  done) &
  searchers="${searchers:-} $!"
done
sleep 1
run http.healthz_during_searches "$cg" "http://127.0.0.1:$port/healthz"
kill $searchers
wait $searchers 2>/dev/null || :
echo "http.ratio.healthz_over_nginx: $(echo "$rps_http_healthz $rps_http_nginx_static" | awk '{printf "%.2f", $1/$2}')"
echo "http.ratio.list_per_s_over_uncached: $(echo "$rps_http_list_cases $rps_http_list_cases_uncached" | awk '{printf "%.1f", $1/$2}')"
echo "http.ratio.post_over_nginx: $(echo "$rps_http_post_cases $rps_nginx_posts" | awk '{printf "%.3f", $1/$2}')"
echo "http.ratio.post_minimal_over_nginx: $(echo "$rps_http_post_cases_minimal $rps_nginx_posts" | awk '{printf "%.3f", $1/$2}')"
echo "http.ratio.post_poll_over_epoll: $(echo "$rps_http_post_cases $rps_http_post_cases_epoll" | awk '{printf "%.3f", $1/$2}')"
echo "http.ratio.post_poll_over_epoll_500_idle: $(echo "$rps_http_post_cases_500_idle $rps_http_post_cases_epoll_500_idle" | awk '{printf "%.3f", $1/$2}')"
echo "http.ratio.post_over_first_nginx: $(echo "$rps_http_post_cases $rps_http_nginx_static" | awk '{printf "%.3f", $1/$2}')"
echo "http.ratio.healthz_p99_during_searches_over_alone: $(echo "$p99_http_healthz_during_searches $p99_http_healthz" | awk '{printf "%.2f", $1/$2}')"
