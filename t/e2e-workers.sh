#!/bin/sh
# End to end: one owner of the pool threads' PostgreSQL connections (issue
# 11 point 4, daemon/workers.h). Mail, outbound sends and timer batches run
# in the same pool; a thread holds at most one connection whatever it runs,
# so the daemon's backends stay within the pool size plus the fixed extras
# of maildeskd(8) (three LISTEN connections, the heartbeat's and the
# webhook sender's). A reload that changes the database settings moves
# every thread to them at once: idle connections made under the old
# settings are closed by the reload, the webhook sender's at its next pass.
set -u
. "$top_srcdir/t/e2e-lib.sh"
. "$top_srcdir/t/md-instance.sh"

SINK=/usr/sbin/smtp-sink
[ -x "$SINK" ] || { echo "skipped: $SINK not installed (apt-get install postfix)"; exit 77; }
[ -n "${MD_DATABASE:-}" ] || { echo "needs t/test-env"; exit 99; }
BASE_DB=$MD_DATABASE
MD_DATABASE="$BASE_DB application_name=mdw_old"
SINK_PORT=$(md_free_port)
MD_RELAY_HOST="127.0.0.1:$SINK_PORT"
# Pool: db_workers 2 + outbound (2 sends, a claim, the purge) + timers 3
# + IMAP channels 2 = 11.
POOL=11
EXTRAS=5
MD_EXTRA_CONF="db_workers = 2
outbound_concurrency = 2"
md_instance_init "$MD_TEST_TMP/md" || { echo "setup failed"; exit 99; }
SINK_USER=
[ "$(id -u)" != 0 ] || SINK_USER="-u nobody"
$SINK $SINK_USER "127.0.0.1:$SINK_PORT" 100 > "$MD_TEST_TMP/sink.log" 2>&1 &
SINK_PID=$!
SAMPLER=
trap 'md_daemon_stop; kill $SINK_PID 2>/dev/null; [ -z "$SAMPLER" ] || kill $SAMPLER 2>/dev/null' EXIT
md_daemon_start || exit 99

backends() { sql "select count(*) from pg_stat_activity where application_name = '$1'"; }

# --- under load: mail (each a new ticket, so a notification to the
# online agent is sent through the sink) and timer batches (NOTIFY)
( while :; do backends mdw_old; sleep 0.1; done ) > "$MD_TEST_TMP/samples" &
SAMPLER=$!
seq 1 40 | xargs -P 8 -I N swaks --silent 2 --protocol LMTP --server 127.0.0.1 --port "$MD_LMTP_PORT" \
	--from "c-N@customer.example" --to support@demo.example --header "Subject: load N" >/dev/null 2>&1 &
LOAD=$!
for i in $(seq 1 30); do sql "notify maildesk_timers" >/dev/null; sleep 0.1; done
wait $LOAD
for i in $(seq 1 100); do
	[ "$(sql "select count(*) from outbound where state in ('queued', 'sending')")" = 0 ] && break
	sleep 0.2
done
kill $SAMPLER; SAMPLER=
assert_eq "the 40 mails became 40 tickets" 40 "$(sql "select count(*) from tickets where subject like 'load %'")"
assert_match "notifications were sent through the pool meanwhile" '^[1-9]' \
	"$(sql "select count(*) from outbound where state = 'sent'")"
max=$(sort -n "$MD_TEST_TMP/samples" | tail -1)
echo "# most backends at once: $max (pool $POOL + extras $EXTRAS)"
assert_match "backends were sampled under load" '^[1-9]' "$max"
[ "$max" -le $((POOL + EXTRAS)) ] && ok=yes || ok=no
assert_eq "at most one connection per pool thread plus the fixed extras ($max)" yes "$ok"

# --- a reload with other database settings moves every thread
sed -i "s|^database = .*|database = $BASE_DB application_name=mdw_new|" "$MD_CONF"
kill -HUP "$MD_DAEMON_PID"
for i in $(seq 1 50); do grep -q 'event=workers.reload' "$MD_DIR/maildeskd.log" && break; sleep 0.1; done
assert_match "the reload closed the idle pool connections" 'event=workers.reload closed=[1-9][0-9]* open=0' \
	"$(grep 'event=workers.reload' "$MD_DIR/maildeskd.log")"
for i in $(seq 1 50); do [ "$(backends mdw_old)" = 1 ] && break; sleep 0.1; done
assert_eq "only the heartbeat (kept until a restart) is left on the old settings" 1 "$(backends mdw_old)"
out=$(swaks --protocol LMTP --server 127.0.0.1 --port "$MD_LMTP_PORT" --from c@customer.example \
	--to support@demo.example --header "Subject: after reload" 2>&1)
assert_match "mail after the reload is stored" '^<[-~] +250 2\.0\.0 ' "$out"
assert_match "the pool now connects with the new settings" '^[1-9]' "$(backends mdw_new)"
assert_eq "still only the heartbeat on the old settings" 1 "$(backends mdw_old)"

md_daemon_stop
assert_match "the exit closes the pool's connections" 'event=workers.closed connections=[0-9]' \
	"$(cat "$MD_DIR/maildeskd.log")"
e2e_done
