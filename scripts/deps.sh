#!/bin/sh
# Install the Debian packages citygrid needs to build, test and run.
# Idempotent and quiet: it asks dpkg what is missing and installs only
# that, so a second run on a ready machine prints nothing and takes no time.
# Run as root (make run / make check call it); CI calls it through make check.
set -eu

PKGS="build-essential cmake pkg-config git ca-certificates
libsqlite3-dev sqlite3 libmicrohttpd-dev libjansson-dev libsodium-dev
libgeos-dev libcmocka-dev libxlsxwriter-dev libxml2-dev unzip libpq-dev
zlib1g-dev libpng-dev libjpeg62-turbo-dev libwebp-dev postgresql
postgresql-contrib wrk nginx-light curl chromium valgrind fonts-wqy-microhei"

missing=""
# Node.js may come from another packaging that bundles npm (and conflicts
# with Debian's npm package): ask for the commands, not the packages.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  missing="nodejs npm"
fi
for p in $PKGS; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
    missing="$missing $p"
  fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
  echo "deps: missing packages:$missing" >&2
  echo "deps: run 'make deps' as root, or install them with apt-get" >&2
  exit 1
fi
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
