# shellcheck shell=bash
# pgtest_start exports GOVSCORE_TEST_DATABASE_URL for the tests (see scripts/test).

pgtest_ready() { # URL
  if command -v psql >/dev/null 2>&1; then
    psql "$1" -Atqc 'select 1' >/dev/null 2>&1
  elif command -v pg_isready >/dev/null 2>&1; then
    pg_isready -d "$1" >/dev/null 2>&1
  else
    return 1
  fi
}

pgtest_find_bin() { # name
  local b
  if b=$(command -v "$1" 2>/dev/null); then echo "$b"; return 0; fi
  for b in /usr/lib/postgresql/*/bin/"$1"; do
    [ -x "$b" ] && { echo "$b"; return 0; }
  done
  return 1
}

pgtest_throwaway() {
  local initdb pgctl dir port=55432 as=()
  initdb=$(pgtest_find_bin initdb) || return 1
  pgctl=$(pgtest_find_bin pg_ctl) || return 1
  dir=$(mktemp -d /tmp/govscore-pg.XXXXXX)
  if [ "$(id -u)" = 0 ]; then
    chown postgres: "$dir"
    as=(runuser -u postgres --)
  fi
  "${as[@]}" "$initdb" -D "$dir/data" -U postgres -A trust --no-sync >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; return 1; }
  "${as[@]}" "$pgctl" -D "$dir/data" -l "$dir/server.log" -w -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null || { cat "$dir/server.log" >&2; return 1; }
  PGTEST_STOP=("${as[@]}" "$pgctl" -D "$dir/data" -m immediate stop)
  PGTEST_DIR=$dir
  trap 'pgtest_stop' EXIT
  export GOVSCORE_TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
  echo "scripts/test: started a throwaway PostgreSQL cluster on port $port" >&2
}

pgtest_stop() {
  if [ -n "${PGTEST_DIR:-}" ]; then
    "${PGTEST_STOP[@]}" >/dev/null 2>&1 || true
    rm -rf "$PGTEST_DIR"
  fi
}

pgtest_start() {
  if [ -n "${GOVSCORE_TEST_DATABASE_URL:-}" ]; then
    pgtest_ready "$GOVSCORE_TEST_DATABASE_URL" && return 0
    echo "scripts/test: GOVSCORE_TEST_DATABASE_URL is set but the server does not answer" >&2
    [ "${CI:-}" = true ] && exit 1
    return 0
  fi
  local local_url="postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
  if pgtest_ready "$local_url"; then
    export GOVSCORE_TEST_DATABASE_URL="$local_url"
    return 0
  fi
  # A stopped Debian cluster on this machine: try to start it.
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start >/dev/null 2>&1 || true
    if pgtest_ready "$local_url"; then
      export GOVSCORE_TEST_DATABASE_URL="$local_url"
      return 0
    fi
  fi
  if pgtest_throwaway && pgtest_ready "$GOVSCORE_TEST_DATABASE_URL"; then
    return 0
  fi
  if [ "${CI:-}" = true ]; then
    echo "scripts/test: no PostgreSQL server could be found or started (CI=true: failing)" >&2
    exit 1
  fi
  echo "scripts/test: no PostgreSQL server; database tests will be skipped" >&2
}
