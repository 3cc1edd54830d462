#!/bin/sh
# `make run`: maildesk on an embedded default. A private PostgreSQL cluster in
# run/ under the build folder, a demo tenant with team "support"
# (support@demo.example) and agent ana@demo.example, maildeskd in the
# foreground on 127.0.0.1, one sample customer mail delivered over LMTP with
# swaks, and the resulting ticket shown with maildeskctl. Ctrl-C stops the
# daemon and the cluster. With MD_RUN_ONCE=1 it stops by itself after
# showing the ticket (used by the test suite).
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$(pwd)}"
export top_srcdir top_builddir
. "$top_srcdir/t/md-instance.sh"

port_free() {
	/usr/bin/python3 -c 'import socket,sys; s=socket.socket(); s.bind(("127.0.0.1",int(sys.argv[1])))' "$1" 2>/dev/null
}
[ -z "${MD_LMTP_PORT:-}" ] && port_free 2424 && MD_LMTP_PORT=2424
[ -z "${MD_SMTP_PORT:-}" ] && port_free 2525 && MD_SMTP_PORT=2525
run_dir=${MD_RUN_DIR:-$top_builddir/run}

cleanup() {
	rc=$1
	trap - INT TERM EXIT
	echo
	echo "==> stopping maildeskd and PostgreSQL"
	md_instance_stop
	exit "$rc"
}
trap 'cleanup 0' INT TERM
trap 'cleanup $?' EXIT

echo "==> preparing a private PostgreSQL cluster and the demo data in $run_dir"
md_instance_init "$run_dir" || { echo "make run: setup failed" >&2; exit 1; }
echo "==> starting maildeskd (config $MD_CONF)"
: > "$MD_DIR/maildeskd.log"
md_daemon_start || exit 1
tail -n +1 -f "$MD_DIR/maildeskd.log" >&2 &
tail_pid=$!
echo "==> maildeskd is listening: LMTP 127.0.0.1:$MD_LMTP_PORT, SMTP 127.0.0.1:$MD_SMTP_PORT"
echo "==> a customer writes to support@demo.example (swaks over LMTP)"
swaks --silent 2 --protocol LMTP --server 127.0.0.1 --port "$MD_LMTP_PORT" \
	--from carla@customer.example --to support@demo.example \
	--header "Subject: My order #1042 has not arrived" \
	--header "From: Carla Customer <carla@customer.example>" \
	--body "Hello, I ordered a lamp two weeks ago and it has not arrived yet. Can you help?" ||
	echo "make run: the sample mail was not accepted" >&2
sleep 0.3
echo "==> tickets (maildeskctl ticket list):"
md_ctl ticket list
number=$(md_ctl ticket list --json | /usr/bin/python3 -c 'import json,sys; t=json.load(sys.stdin); print(t[0]["number"] if t else "")')
if [ -n "$number" ]; then
	echo "==> ticket $number (maildeskctl ticket show $number):"
	md_ctl ticket show "$number"
fi
kill "$tail_pid" 2>/dev/null
if [ "${MD_RUN_ONCE:-0}" = 1 ]; then
	[ -n "$number" ] || exit 1
	exit 0
fi
echo "==> maildeskd keeps running; send more mail, e.g.:"
echo "    swaks --protocol LMTP --server 127.0.0.1 --port $MD_LMTP_PORT --to support@demo.example"
echo "    (Ctrl-C stops maildeskd and PostgreSQL)"
tail -n 0 -f "$MD_DIR/maildeskd.log" >&2 &
wait "$MD_DAEMON_PID"
