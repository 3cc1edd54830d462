#!/bin/sh
# A private PostgreSQL cluster for tests, benchmarks and `make run`.
#   t/pg-cluster.sh start DIR   creates (once) and starts a cluster in DIR and
#                               prints shell assignments for PGHOST, PGPORT,
#                               PGUSER, PGDATABASE and MD_DATABASE (a conninfo)
#   t/pg-cluster.sh stop DIR    stops it (fast shutdown)
#   t/pg-cluster.sh kill DIR    stops it immediately (simulates a crash)
#   t/pg-cluster.sh remove DIR  stops it and deletes its data and socket folder
# PostgreSQL refuses to run as root, so when invoked as root the server runs
# as the unprivileged user "nobody" (or $MD_PG_USER). The socket lives in a
# short directory under /tmp because socket paths are limited to 107 bytes.
# A cluster whose data folder vanished (a reboot cleared /tmp) is made anew.
# Environment: PG_BINDIR (default /usr/lib/postgresql/15/bin), PG_FSYNC
# (on|off, default on), MD_PG_DATA_IN_TMP=1 (keep the data under /tmp even
# when DIR is reachable, as it is when DIR's parents are closed to the server
# user).
set -eu
cmd=${1:?usage: pg-cluster.sh start|stop|kill|remove DIR}
dir=${2:?usage: pg-cluster.sh start|stop|kill|remove DIR}
PG_BINDIR=${PG_BINDIR:-/usr/lib/postgresql/15/bin}
[ -x "$PG_BINDIR/pg_ctl" ] || PG_BINDIR=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | tail -n 1)
[ -x "$PG_BINDIR/pg_ctl" ] || { echo "pg-cluster: no PostgreSQL server found (apt-get install postgresql-15)" >&2; exit 1; }

as_pg() {
	if [ "$(id -u)" = 0 ]; then
		runuser -u "${MD_PG_USER:-nobody}" -- "$@"
	else
		"$@"
	fi
}

mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

case $cmd in
start)
	if [ ! -f "$dir/sockdir" ]; then
		mktemp -d /tmp/mdpg.XXXXXX > "$dir/sockdir"
	fi
	sock=$(cat "$dir/sockdir")
	mkdir -p "$sock"
	data="$dir/data"
	# The data lived under /tmp and is gone: start afresh, not fail.
	if [ -L "$data" ] && [ ! -e "$data" ]; then
		rm -f "$data"
	fi
	if [ ! -e "$data" ] && [ "${MD_PG_DATA_IN_TMP:-0}" = 1 ]; then
		alt=$(mktemp -d /tmp/mdpgdata.XXXXXX)
		ln -s "$alt" "$data"
	fi
	if [ "$(id -u)" = 0 ]; then
		chown "${MD_PG_USER:-nobody}" "$sock"
		# The server user must reach the data directory; when a parent
		# folder is closed to it, keep the data under /tmp instead.
		if [ ! -e "$data" ] && ! runuser -u "${MD_PG_USER:-nobody}" -- test -x "$dir"; then
			alt=$(mktemp -d /tmp/mdpgdata.XXXXXX)
			ln -s "$alt" "$data"
		fi
		mkdir -p "$data"
		chown -R "${MD_PG_USER:-nobody}" "$(readlink -f "$data")"
	fi
	# Through the link, not the closed parent, when the data is in /tmp.
	data=$(readlink -f "$data")
	if [ ! -f "$data/PG_VERSION" ]; then
		as_pg "$PG_BINDIR/initdb" -D "$data" -U maildesk -A trust -E UTF8 --locale=C.UTF-8 \
			>"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
	fi
	if ! as_pg "$PG_BINDIR/pg_ctl" -D "$data" status >/dev/null 2>&1; then
		as_pg "$PG_BINDIR/pg_ctl" -D "$data" -w -t 60 -l "$data/server.log" \
			-o "-c listen_addresses='' -c unix_socket_directories='$sock' -c fsync=${PG_FSYNC:-on} -c max_connections=200 -c log_min_messages=warning" \
			start >/dev/null || { cat "$data/server.log" >&2; exit 1; }
	fi
	if ! "$PG_BINDIR/psql" -h "$sock" -U maildesk -d postgres -Atqc "select 1 from pg_database where datname='maildesk'" | grep -q 1; then
		"$PG_BINDIR/createdb" -h "$sock" -U maildesk maildesk
	fi
	echo "PGHOST='$sock'; PGPORT=5432; PGUSER=maildesk; PGDATABASE=maildesk; MD_DATABASE='host=$sock port=5432 user=maildesk dbname=maildesk'; export PGHOST PGPORT PGUSER PGDATABASE MD_DATABASE"
	;;
stop|kill|remove)
	if [ -d "$dir/data" ]; then
		mode=fast
		[ "$cmd" = kill ] && mode=immediate
		as_pg "$PG_BINDIR/pg_ctl" -D "$(readlink -f "$dir/data")" -m $mode -w stop >/dev/null 2>&1 || true
	fi
	if [ "$cmd" = remove ]; then
		# Keep the server's log beside the test's own files.
		[ -f "$dir/data/server.log" ] && cp "$dir/data/server.log" "$dir/server.log"
		[ -L "$dir/data" ] && rm -rf "$(readlink -f "$dir/data")"
		rm -rf "$dir/data"
		[ -f "$dir/sockdir" ] && rm -rf "$(cat "$dir/sockdir")" "$dir/sockdir"
	fi
	;;
*)
	echo "usage: pg-cluster.sh start|stop|kill|remove DIR" >&2
	exit 2
	;;
esac
