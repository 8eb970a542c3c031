#!/usr/bin/env bash
# Checks the deployment files: the systemd units verify cleanly, nginx accepts the site
# configuration, and both agree on the FastCGI socket path.
#
#   tests/deploy/check-units.sh MOFANG_FCGI_EXECUTABLE
#
# The executable (the built mofang-fcgi) stands in for /usr/bin/mofang-fcgi: systemd-analyze
# verify rejects an ExecStart= that does not exist. Exit 0 when everything is clean.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PATH=$PATH:/usr/sbin:/sbin

fail() {
    echo "check-units: FAIL: $*" >&2
    exit 1
}

(($# == 1)) || {
    echo "usage: tests/deploy/check-units.sh MOFANG_FCGI_EXECUTABLE" >&2
    exit 2
}
executable=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
[[ -x $executable && -f $executable ]] || fail "not an executable file: $1"
[[ $executable != *[[:space:]]* ]] || fail "executable path contains white space: $executable"

scratch=$(mktemp -d "${TMPDIR:-/tmp}/mofang-check-units.XXXXXX")
trap 'rm -rf "$scratch"' EXIT

# --- systemd ---------------------------------------------------------------------------------
cp "$repo/systemd/mofang-fcgi.socket" "$repo/systemd/mofang-fcgi.service" "$repo/systemd/mofang-worker.service" \
    "$scratch/"
sed -i "s|^ExecStart=/usr/bin/mofang-fcgi |ExecStart=$executable |" "$scratch/mofang-fcgi.service"
grep -q "^ExecStart=$executable " "$scratch/mofang-fcgi.service" ||
    fail "systemd/mofang-fcgi.service has no 'ExecStart=/usr/bin/mofang-fcgi ...' line"
# The worker is built next to mofang-fcgi.
worker=$(dirname "$executable")/mofang-worker
[[ -x $worker ]] || fail "no mofang-worker next to $executable"
sed -i "s|^ExecStart=/usr/bin/mofang-worker |ExecStart=$worker |" "$scratch/mofang-worker.service"
grep -q "^ExecStart=$worker " "$scratch/mofang-worker.service" ||
    fail "systemd/mofang-worker.service has no 'ExecStart=/usr/bin/mofang-worker ...' line"

status=0
# --recursive-errors=no: judge these two units, not whatever else is installed (mariadb.service,
# targets); --man=no: no man(1) needed.
output=$(cd "$scratch" && systemd-analyze verify --recursive-errors=no --man=no \
    "$scratch/mofang-fcgi.socket" "$scratch/mofang-fcgi.service" "$scratch/mofang-worker.service" 2>&1) || status=$?
# systemd-analyze reports unknown keys and unparsable values as warnings and still exits 0, so
# every line about our units counts as a failure. Lines about the user and group "mofang" are
# the exception: that user is created at deployment (README.md), not on build machines, and
# whether it exists says nothing about the unit files.
problems=$(grep -E 'mofang-(fcgi|worker)' <<<"$output" |
    grep -viE "(user|group)[^:]*mofang|mofang[^:]*(user|group)|SocketUser|SocketGroup" || true)
if ((status != 0)) || [[ -n $problems ]]; then
    printf '%s\n' "$output" >&2
    fail "systemd-analyze verify (exit $status)"
fi
echo "check-units: systemd units verify cleanly"

# --- nginx -----------------------------------------------------------------------------------
# The port is never bound: nginx -t only parses and checks.
prefix=$scratch/nginx
mkdir -p "$prefix"
"$repo/scripts/lib/nginx-conf" --prefix "$prefix" --port 8080 --socket "$scratch/fcgi.sock" \
    >"$prefix/nginx.conf" || fail "scripts/lib/nginx-conf"
if ! output=$(nginx -t -q -p "$prefix/" -c "$prefix/nginx.conf" -e "$prefix/error.log" 2>&1); then
    printf '%s\n' "$output" >&2
    fail "nginx -t on the configuration from scripts/lib/nginx-conf"
fi
echo "check-units: nginx accepts the site configuration"

# --- the socket path both sides use -----------------------------------------------------------
socketPath=$(sed -n 's/^ListenStream=//p' "$repo/systemd/mofang-fcgi.socket")
grep -qE "^[[:space:]]*server unix:$socketPath;" "$repo/nginx/mofang.conf" ||
    fail "nginx/mofang.conf does not pass to the socket of mofang-fcgi.socket ($socketPath)"
echo "check-units: nginx and systemd agree on $socketPath"
