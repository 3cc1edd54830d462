#!/bin/sh
# Socket activation (issue 16, point 3): the service manager holds the LMTP
# unix socket and passes it to maildeskd (sd_listen_fds). systemd itself is
# not PID 1 here, so systemd's own systemd-socket-activate passes it, as
# maildeskd.socket would: it listens, and starts maildeskd when the first
# client connects. Asserts that maildeskd uses the passed socket (mail sent
# before maildeskd ran becomes a ticket), and refuses a socket whose address
# maildesk.conf does not list.
set -u
. "$top_srcdir/t/e2e-lib.sh"
. "$top_srcdir/t/md-instance.sh"

MD_LMTP_UNIX="$MD_TEST_TMP/lmtp.sock"
md_instance_init "$MD_TEST_TMP/md" || { echo "setup failed"; exit 99; }
LOG="$MD_DIR/maildeskd.log"
: > "$LOG"

# wait_for PATTERN: polls the log (10 s).
wait_for() {
	for _i in $(seq 1 100); do
		grep -q "$1" "$LOG" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# --- the passed socket is used for lmtp_listen = unix:PATH
systemd-socket-activate -l "$MD_LMTP_UNIX" \
	"$top_builddir/daemon/maildeskd" -c "$MD_CONF" 2>>"$LOG" &
ACT_PID=$!
trap 'kill -TERM $ACT_PID 2>/dev/null; wait $ACT_PID 2>/dev/null' EXIT
for _i in $(seq 1 100); do [ -S "$MD_LMTP_UNIX" ] && break; sleep 0.1; done
assert_eq "nothing runs maildeskd before a client connects" 0 "$(grep -c 'event=ready' "$LOG")"
out=$(swaks --protocol LMTP --socket "$MD_LMTP_UNIX" --timeout 30 --from carla@customer.example \
	--to support@demo.example --header "Subject: Activated" --header "Message-Id: <act1@customer.example>" \
	--body "Sent before maildeskd ran." 2>&1)
assert_match "mail sent to the socket before maildeskd started is answered 250 after DATA" \
	'<[-~] +250 2\.0\.0 .*ticket [0-9]+' "$out"
assert_eq "and becomes a ticket" 1 "$(sql "select count(*) from messages where message_id = 'act1@customer.example'")"
wait_for 'event=ready' || e2e_fail "maildeskd got ready"
assert_match "maildeskd says the listener's socket was passed to it" \
	"event=listen listener=lmtp:unix:$MD_LMTP_UNIX trusted=yes activated=yes" "$(cat "$LOG")"
assert_match "the listeners it binds itself are not marked activated" \
	"event=listen listener=lmtp:127\\.0\\.0\\.1:$MD_LMTP_PORT trusted=yes\$" "$(cat "$LOG")"
kill -TERM "$ACT_PID"
wait "$ACT_PID"
assert_eq "maildeskd exits 0 on SIGTERM" 0 $?

# --- a passed socket maildesk.conf does not name stops the start
: > "$LOG"
systemd-socket-activate -l "$MD_TEST_TMP/other.sock" \
	"$top_builddir/daemon/maildeskd" -c "$MD_CONF" 2>>"$LOG" &
ACT_PID=$!
for _i in $(seq 1 100); do [ -S "$MD_TEST_TMP/other.sock" ] && break; sleep 0.1; done
/usr/bin/python3 -c 'import socket, sys; s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.recv(10)' \
	"$MD_TEST_TMP/other.sock" 2>/dev/null
wait "$ACT_PID"
rc=$?
trap - EXIT
assert_eq "maildeskd refuses to start (exit 1)" 1 "$rc"
assert_match "and says which socket matches no listener" \
	'event=listen.error error="a socket passed by the service manager \(fd 3\) has an address that no lmtp_listen or smtp_listen names"' \
	"$(cat "$LOG")"
assert_eq "it never got ready" 0 "$(grep -c 'event=ready' "$LOG")"

md_instance_stop
e2e_done
