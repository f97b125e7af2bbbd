#!/bin/sh
# Create the demo data directory from the real Guancheng data shipped in
# data/, unless it exists already: the official divisions, the district
# boundary, both category dictionaries, generated unit grids, the sample
# configuration (departments, routing, time limits, holiday calendars), one
# user per role, and a history replayed from 2,000 real 311 cases.
# The data is built in DIR.partial and renamed at the end, so an
# interrupted run leaves no half-made directory behind.
# usage: scripts/demo.sh CITYGRID_BINARY DATA_DIR
set -eu
bin=$1
dir=$2
here=$(cd "$(dirname "$0")/.." && pwd)

if [ -f "$dir/citygrid.db" ]; then
  echo "demo: using the existing data in '$dir' (remove it to start afresh)"
  exit 0
fi
tmp="$dir.partial"
rm -rf "$tmp"
cg() { "$bin" --data "$tmp" "$@"; }
cg init
cg import divisions "$here/data/guancheng-divisions.csv"
cg import boundary "$here/data/zhengzhou-districts-wgs84.geojson" --crs wgs84 --code 410104
cg import categories "$here/data/categories-cjt214.csv"
cg import categories "$here/data/categories-gb47678.csv"
cg grid generate --cell 100
cg import departments "$here/data/config/departments.csv"
cg import routing "$here/data/config/routing.csv"
cg import limits "$here/data/config/limits.csv"
for f in "$here"/data/calendar/cn-*.csv; do cg import calendar "$f"; done
cg import buckets "$here/data/config/eval-buckets.csv"
cg import weights "$here/data/config/eval-weights.csv"
cg import flag-rules "$here/data/config/flag-rules.csv"
# No road network is public for the district: road segments (路长制) are
# generated along the grid lattice, marked as generated.
cg segment generate --spacing 1000

# One user per role. Field and street staff work in 北下街 (410104001);
# the grid worker in its first community.
cg user add gridworker  --role grid_worker  --name 网格员张伟 --scope 410104001001 >/dev/null
cg user add operator    --role operator     --name 受理员李娜 >/dev/null
cg user add shiftleader --role shift_leader --name 值班长王强 >/dev/null
cg user add dispatcher  --role dispatcher   --name 派遣员刘洋 >/dev/null
cg user add dept-hwc    --role department   --name 环卫中心陈静 --dept hwc >/dev/null
cg user add street      --role street       --name 北下街街道赵敏 --scope 410104001 >/dev/null
cg user add community   --role community    --name 社区孙丽 --scope 410104001001 >/dev/null
cg user add roadchief   --role road_chief   --name 路长周杰 --scope 410104001 >/dev/null
cg user add leader      --role leader       --name 区领导吴刚 >/dev/null
cg user add citizen     --role public       --name 市民 >/dev/null
cg user add admin       --role admin        --name 管理员 >/dev/null
cg user list
# A password for each, random to this demo, kept beside the data (readable
# by its owner only) and printed by 'make run'.
umask 077
: > "$tmp/demo-passwords.txt"
for u in gridworker operator shiftleader dispatcher dept-hwc street community \
         roadchief leader citizen admin; do
  pw=$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
  printf '%s\n' "$pw" | cg user passwd "$u" >/dev/null
  printf '%-12s %s\n' "$u" "$pw" >> "$tmp/demo-passwords.txt"
done
umask 022

cg import cases "$here/data/sample-cases.csv" --map "$here/data/config/nyc311-categories.csv" --fit
cg verify
cg report refresh
mv "$tmp" "$dir"
echo "demo: data ready in '$dir'"
