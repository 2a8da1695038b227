#!/usr/bin/env bash
# Server-side render time of each role's home dashboard, the vulnerability
# dashboard and the findings worklist, measured with the load tool hey
# against a running `bulwark serve` on a copy of a benchmark store.
#
#   scripts/render-time.sh STORE.db [REQUESTS] [CONCURRENCY]
#
# STORE.db is a SQLite store built by the sqldb benchmarks (for example
# $TMPDIR/bulwark-bench-portfolio-150000-1000x1000.db, made by
# `go test ./sqldb -run XXX -bench Rematch`). The copy gets one user per
# role at the organisation root; each signs in once and the pages are then
# requested REQUESTS times (default 200), CONCURRENCY at a time (default 2).
# Prints p50/p95/p99 per page and role.
set -euo pipefail
cd "$(dirname "$0")/.."
store=${1:?usage: scripts/render-time.sh STORE.db [REQUESTS] [CONCURRENCY]}
requests=${2:-200}
concurrency=${3:-2}
export PATH="$PATH:/usr/local/go/bin:$(go env GOPATH)/bin"

command -v hey >/dev/null || go install github.com/rakyll/hey@v0.1.5
command -v curl >/dev/null || { echo "render-time: curl is needed" >&2; exit 2; }

work=$(mktemp -d)
pid=""
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

echo "copying $store" >&2
sqlite3 "$store" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null 2>&1 || true
cp "$store" "$work/bulwark.db"
go build -o "$work/bulwark" ./cmd/bulwark
bulwark() { "$work/bulwark" "$@" --data "$work"; }
bulwark migrate >/dev/null

root=$(sqlite3 "$work/bulwark.db" "SELECT id FROM scopes WHERE parent_id IS NULL")
roles="developer bu-security product-security auditor psirt supplier-manager admin"
password="render-time-$RANDOM-password"
for role in $roles; do
  echo "$password" | bulwark user create --name "load-$role" --scope "$root" --role "$role" --password-stdin --reason "render-time measurement" >/dev/null
done

port=$((20000 + RANDOM % 20000))
base="http://127.0.0.1:$port"
"$work/bulwark" serve --data "$work" --addr "127.0.0.1:$port" >"$work/serve.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do curl -fs "$base/readyz" >/dev/null && break; sleep 0.2; done

# signin prints a session cookie header for a user.
signin() {
  local jar="$work/jar-$1"
  local csrf
  csrf=$(curl -fs -c "$jar" "$base/login" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -n 1)
  curl -fs -b "$jar" -c "$jar" -o /dev/null --data-urlencode "csrf=$csrf" --data-urlencode "name=$1" \
    --data-urlencode "password=$password" --data-urlencode "next=/" "$base/login"
  awk '$0 !~ /^#/ || $0 ~ /^#HttpOnly_/ { sub(/^#HttpOnly_/, ""); if (NF >= 7) printf "%s=%s; ", $6, $7 }' "$jar"
}

# pct prints hey's latency at a percentile (hey writes "95%% in 0.0123 secs").
pct() { sed -n "s/^  $1%*  *in \([0-9.]*\) secs/\1/p" "$work/hey.txt" | head -n 1; }

measure() { # cookie path label
  local cookie=$1 path=$2 label=$3
  # One request first, so that the dashboards' snapshot exists, and to make
  # sure the page is the signed-in one rather than the login form.
  local status
  status=$(curl -s -o "$work/page.html" -w '%{http_code}' -H "Cookie: $cookie" "$base$path")
  if [ "$status" != 200 ] || ! grep -q 'class="who-name"' "$work/page.html"; then
    echo "render-time: $path as $label answers $status, not a signed-in page:" >&2
    sed -e 's/<[^>]*>//g' "$work/page.html" | grep -v '^\s*$' | head -n 20 >&2
    tail -n 5 "$work/serve.log" >&2
    exit 1
  fi
  hey -n "$requests" -c "$concurrency" -H "Cookie: $cookie" "$base$path" >"$work/hey.txt"
  local ok
  ok=$(sed -n 's/^  \[200\][[:space:]]*\([0-9]*\) responses/\1/p' "$work/hey.txt")
  printf '%-18s %-24s %8s %8s %8s  %s/%s ok\n' "$label" "$path" "$(pct 50)" "$(pct 95)" "$(pct 99)" "${ok:-0}" "$requests"
}

findings=$(sqlite3 "$work/bulwark.db" "SELECT COUNT(*) FROM findings")
releases=$(sqlite3 "$work/bulwark.db" "SELECT COUNT(*) FROM releases")
echo "store: $releases releases, $findings findings; $requests requests, $concurrency at a time (seconds)"
printf '%-18s %-24s %8s %8s %8s\n' role page p50 p95 p99
for role in ${ROLES:-$roles}; do
  cookie=$(signin "load-$role")
  measure "$cookie" / "$role"
done
cookie=$(signin load-product-security)
measure "$cookie" /vulnerabilities product-security
measure "$cookie" /findings product-security
measure "$cookie" "/findings?sort=age" product-security
cookie=$(signin load-bu-security)
measure "$cookie" "/findings?open=true" bu-security
