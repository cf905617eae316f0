#!/usr/bin/env bash
# Starts a throwaway PostgreSQL server on 127.0.0.1 for the test suite and prints the URL to use as
# CVI_TEST_POSTGRES_URL. Prints nothing (exit 0) when no PostgreSQL server binaries are installed,
# so the PostgreSQL tests are skipped rather than failing. Usage: eval "$(bash .ci/postgres.sh)"
set -euo pipefail
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
  echo "# no PostgreSQL server found; PostgreSQL tests will be skipped" >&2
  exit 0
fi
port=${CVI_TEST_PG_PORT:-54329}
dir=$(mktemp -d /tmp/cvi-pg.XXXXXX)
run=()
if [ "$(id -u)" = 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
  chown postgres "$dir"
  run=(runuser -u postgres --)
fi
"${run[@]}" "$bindir/initdb" -D "$dir/data" -U cvi --auth=trust -E UTF8 >/dev/null
"${run[@]}" "$bindir/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
  -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
"$bindir/createdb" -h 127.0.0.1 -p "$port" -U cvi cvi_test
echo "export CVI_TEST_POSTGRES_URL='postgresql+psycopg://cvi@127.0.0.1:$port/cvi_test'"
echo "export CVI_TEST_PG_STOP='${run[*]} $bindir/pg_ctl -D $dir/data -m fast stop'"
