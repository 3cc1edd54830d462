# Shell functions shared by `make run`, the end-to-end tests and the
# benchmarks: a maildesk instance in a directory of its own, with its own
# PostgreSQL cluster, configuration and daemon. Source it, then:
#   md_instance_init DIR       cluster + config + schema + demo tenant/team/agent
#   md_daemon_start [ARGS]     starts maildeskd in the background, waits for READY
#   md_daemon_stop             SIGTERM and wait
#   md_ctl ARGS...             maildeskctl on this instance
#   md_free_port               prints a free TCP port on 127.0.0.1
# Needs: top_srcdir and top_builddir set.

md_free_port() {
	/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

md_ctl() {
	"$top_builddir/daemon/maildeskctl" -c "$MD_CONF" "$@"
}

# Writes the configuration; MD_EXTRA_CONF may hold extra "key = value" lines.
md_write_conf() {
	head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$MD_DIR/secret"
	chmod 600 "$MD_DIR/secret"
	{
		echo "database = $MD_DATABASE"
		echo "lmtp_listen = 127.0.0.1:$MD_LMTP_PORT${MD_LMTP_UNIX:+, unix:$MD_LMTP_UNIX}"
		echo "smtp_listen = 127.0.0.1:$MD_SMTP_PORT"
		echo "hostname = maildesk.test"
		echo "secret_file = $MD_DIR/secret"
		# No relay unless a test brings its own sink: queued mail stays queued.
		echo "relay_host = ${MD_RELAY_HOST:-}"
		[ -z "${MD_EXTRA_CONF:-}" ] || printf '%s\n' "$MD_EXTRA_CONF"
	} > "$MD_CONF"
}

md_instance_init() {
	MD_DIR=$1
	mkdir -p "$MD_DIR"
	MD_DIR=$(cd "$MD_DIR" && pwd)
	MD_CONF="$MD_DIR/maildesk.conf"
	if [ -z "${MD_DATABASE:-}" ]; then
		eval "$(sh "$top_srcdir/t/pg-cluster.sh" start "$MD_DIR/pg")" || return 1
		MD_OWN_PG=1
	fi
	MD_LMTP_PORT=${MD_LMTP_PORT:-$(md_free_port)}
	MD_SMTP_PORT=${MD_SMTP_PORT:-$(md_free_port)}
	export MD_DIR MD_CONF MD_LMTP_PORT MD_SMTP_PORT
	md_write_conf
	md_ctl db migrate >/dev/null || return 1
	md_ctl tenant add demo >/dev/null 2>&1 || true
	md_ctl team add support --tenant demo --alias support@demo.example >/dev/null 2>&1 || true
	md_ctl agent add ana@demo.example --name "Ana Agent" --team support --tenant demo >/dev/null 2>&1 || true
}

# Starts the daemon and waits until it accepts LMTP connections.
md_daemon_start() {
	# The log is appended to across restarts: wait for a ready line of
	# this start, not one left by the previous.
	_ready=$(grep -c 'event=ready' "$MD_DIR/maildeskd.log" 2>/dev/null)
	"$top_builddir/daemon/maildeskd" -c "$MD_CONF" "$@" 2>>"$MD_DIR/maildeskd.log" &
	MD_DAEMON_PID=$!
	for _i in $(seq 1 100); do
		_now=$(grep -c 'event=ready' "$MD_DIR/maildeskd.log" 2>/dev/null)
		if [ "${_now:-0}" -gt "${_ready:-0}" ]; then
			return 0
		fi
		kill -0 "$MD_DAEMON_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "maildeskd did not start; its log:" >&2
	cat "$MD_DIR/maildeskd.log" >&2
	return 1
}

md_daemon_stop() {
	[ -n "${MD_DAEMON_PID:-}" ] || return 0
	kill -TERM "$MD_DAEMON_PID" 2>/dev/null
	wait "$MD_DAEMON_PID"
	_rc=$?
	MD_DAEMON_PID=
	return $_rc
}

md_instance_stop() {
	md_daemon_stop
	if [ -n "${MD_OWN_PG:-}" ]; then
		sh "$top_srcdir/t/pg-cluster.sh" stop "$MD_DIR/pg"
	fi
}
