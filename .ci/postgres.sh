# Sourced by .ci/run: a throwaway PostgreSQL 15 server for the tests, on 127.0.0.1 and a free port.
# Exports PAPERBOT_TEST_POSTGRES (an Npgsql connection string); postgres_stop removes the cluster.

postgres_start() {
  local bin
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
    echo "PostgreSQL: installing the server from Debian packages"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null) || return 1
    bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  fi

  PG_DIR=$(mktemp -d /tmp/paperbot-pg.XXXXXX)
  chmod 755 "$PG_DIR"
  local password port
  password=$(head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
  printf '%s\n' "$password" > "$PG_DIR/pwfile"
  # initdb refuses to run as root: the cluster belongs to the postgres user.
  local as=()
  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
    chown -R postgres "$PG_DIR"
    as=(runuser -u postgres --)
  fi
  "${as[@]}" "$bin/initdb" -D "$PG_DIR/data" -U paperbot --pwfile="$PG_DIR/pwfile" --auth=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$PG_DIR/initdb.log" 2>&1 \
    || { cat "$PG_DIR/initdb.log"; return 1; }
  rm -f "$PG_DIR/pwfile"
  "${as[@]}" "$bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $PG_DIR -c max_connections=200 -c fsync=off" start >/dev/null \
    || { cat "$PG_DIR/server.log"; return 1; }
  PG_BIN=$bin
  PG_AS=("${as[@]}")
  export PAPERBOT_TEST_POSTGRES="Host=127.0.0.1;Port=$port;Username=paperbot;Password=$password;Database=postgres"
  echo "PostgreSQL: $("$bin/postgres" --version) on 127.0.0.1:$port"
}

postgres_stop() {
  [ -n "${PG_DIR:-}" ] || return 0
  "${PG_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null 2>&1
  rm -rf "$PG_DIR"
}
