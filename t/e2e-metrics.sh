#!/bin/sh
# End to end for the Prometheus endpoint (issue 16, point 6): maildeskd with
# metrics_listen on a loopback port takes mail (stored, duplicate, unknown
# recipient, a store past db_timeout), sends outbound mail to Postfix's
# smtp-sink (accepting, then refusing), wakes a snoozed ticket; then
# /metrics is parsed by prometheus_client's text parser (Debian's
# python3-prometheus-client) and every number is checked against what was
# done. Also: 404/405, the listener bound only where configured, off by
# default, a bad address refused at start.
set -u
. "$top_srcdir/t/e2e-lib.sh"
. "$top_srcdir/t/md-instance.sh"

/usr/bin/python3 -c 'import prometheus_client.parser' 2>/dev/null ||
	{ echo "skipped: python3-prometheus-client not installed"; exit 77; }
[ -x /usr/sbin/smtp-sink ] || { echo "skipped: smtp-sink not installed (apt-get install postfix)"; exit 77; }

M_PORT=$(md_free_port)
sink_start
MD_EXTRA_CONF="metrics_listen = 127.0.0.1:$M_PORT
db_timeout = 2s"
md_instance_init "$MD_TEST_TMP/md" || { echo "setup failed"; exit 99; }
cleanup() { kill "$SINK_PID" 2>/dev/null; md_daemon_stop; }
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

URL="http://127.0.0.1:$M_PORT/metrics"
scrape() { /usr/bin/python3 "$top_srcdir/t/metrics-scrape.py" "$URL"; }
# metric NAME{LABELS}: the value of one sample of the last scrape ("" if absent).
metric() { printf '%s\n' "$SCRAPE" | awk -v k="$1" '$1 == k { print $2 }'; }
http_code() {
	/usr/bin/python3 - "$@" <<'PY'
import sys, urllib.request, urllib.error
req = urllib.request.Request(sys.argv[1], method=sys.argv[2], data=b"" if sys.argv[2] == "POST" else None)
try:
    print(urllib.request.urlopen(req, timeout=5).status)
except urllib.error.HTTPError as e:
    print(e.code)
except OSError as e:
    print("refused")
PY
}
lmtp() {
	swaks --protocol LMTP --server 127.0.0.1 --port "$MD_LMTP_PORT" --from carla@customer.example "$@" 2>&1
}

# --- configuration: a bad address stops the start, naming the key
printf 'database = %s\nmetrics_listen = localhost:x\nsecret_file = %s\nlmtp_listen = 127.0.0.1:%s\n' \
	"$MD_DATABASE" "$MD_DIR/secret" "$(md_free_port)" > "$MD_TEST_TMP/bad.conf"
out=$("$top_builddir/daemon/maildeskd" -c "$MD_TEST_TMP/bad.conf" 2>&1)
assert_match "a metrics_listen that is not IP:PORT is refused at start" 'metrics_listen: "localhost:x" is not IP:PORT' "$out"

md_daemon_start || exit 99

SCRAPE=$(scrape) || { e2e_fail "the first scrape parses"; e2e_done; }
e2e_ok "the first scrape parses with prometheus_client"
assert_eq "nothing counted before any mail" "" "$(metric 'maildesk_messages_total{reason=stored,result=accepted}')"
assert_eq "the database gauges are read" 1.0 "$(metric 'maildesk_database_up{}')"
assert_eq "no database error yet" 0.0 "$(metric 'maildesk_database_errors_total{}')"
assert_eq "no rule evaluated yet" 0.0 "$(metric 'maildesk_rule_evaluations_total{}')"
assert_eq "GET / is 404" 404 "$(http_code "http://127.0.0.1:$M_PORT/" GET)"
assert_eq "POST /metrics is 405" 405 "$(http_code "$URL" POST)"
assert_eq "the listener is bound to 127.0.0.1 only" refused "$(http_code "http://[::1]:$M_PORT/metrics" GET)"

printf 'rule "Seen" on ticket.created\n  if subject contains "m"\n  then\n    tag "seen"\nend\n' > "$MD_TEST_TMP/rules.txt"
md_ctl rule load "$MD_TEST_TMP/rules.txt" --team support >/dev/null || e2e_fail "a rule is loaded"
sleep 1

# --- inbound: 3 stored, 1 duplicate, 2 unknown recipients, 1 deferred
for i in 1 2 3; do
	out=$(lmtp --to support@demo.example --header "Subject: m$i" --header "Message-ID: <m$i@customer.example>" --body "b$i")
	assert_match "message $i is stored" '250 2\.0\.0' "$out"
done
printf 'From: carla@customer.example\r\nTo: support@demo.example\r\nSubject: twice\r\nMessage-ID: <twice@customer.example>\r\n\r\nsame bytes\r\n.\r\n' > "$MD_TEST_TMP/twice.eml"
for i in 1 2; do
	out=$(lmtp --to support@demo.example --data "$MD_TEST_TMP/twice.eml")
	assert_match "the same bytes, delivery $i, are taken" '250 2\.' "$out"
done
out=$(lmtp --to nobody@demo.example,nobody2@demo.example --header "Subject: x" --body x)
assert_match "unknown recipients are refused" '550 5\.1\.1' "$out"
psql -X -q -c "begin; lock table tickets in access exclusive mode; select pg_sleep(5); commit;" >/dev/null 2>&1 &
LOCK_PID=$!
sleep 0.5
out=$(lmtp --to support@demo.example --header "Subject: slow" --body slow)
assert_match "a store past db_timeout is deferred" '451 4\.3\.0' "$out"
wait "$LOCK_PID"

SCRAPE=$(scrape)
stored=$(metric 'maildesk_messages_total{reason=stored,result=accepted}')
dup=$(metric 'maildesk_messages_total{reason=duplicate,result=accepted}')
assert_eq "accepted/stored counts the stored messages" 4.0 "$stored"
assert_eq "accepted/duplicate counts the redelivery of the same bytes" 1.0 "$dup"
assert_eq "refused/no_such_user counts the unknown recipients" 2.0 "$(metric 'maildesk_messages_total{reason=no_such_user,result=refused}')"
assert_eq "deferred/tempfail counts the store past db_timeout" 1.0 "$(metric 'maildesk_messages_total{reason=tempfail,result=deferred}')"
assert_match "rule evaluations are counted (new tickets ran the rule)" '^[1-9][0-9]*\.0$' "$(metric 'maildesk_rule_evaluations_total{}')"
assert_eq "the rule did run on those tickets" t "$(sql "select count(*) >= 3 from ticket_tags where tag = 'seen'")"
assert_match "the statement past db_timeout is a database error" '^[1-9][0-9]*\.0$' "$(metric 'maildesk_database_errors_total{}')"
rt_count=$(metric 'maildesk_database_round_trip_seconds_count{}' | awk '{ print $1 + 0 }')
rt_fast=$(metric 'maildesk_database_round_trip_seconds_bucket{le=1}' | awk '{ print $1 + 0 }')
assert_match "database round trips are counted" '^[1-9][0-9]+$' "$rt_count"
assert_eq "the statement that waited out db_timeout (2s) is in no bucket up to 1s" 1 \
	"$(awk "BEGIN { print ($rt_count - $rt_fast >= 1) }")"
accepted=$(awk "BEGIN { print $stored + ${dup:-0} }")
assert_eq "the latency histogram has one observation per accepted recipient" "$accepted" \
	"$(metric 'maildesk_delivery_duration_seconds_count{}' | awk '{ print $1 + 0 }')"
assert_eq "its +Inf bucket equals its count" "$(metric 'maildesk_delivery_duration_seconds_count{}')" \
	"$(metric 'maildesk_delivery_duration_seconds_bucket{le=+Inf}')"
assert_eq "no LMTP session is open after the clients left" 0.0 "$(metric 'maildesk_sessions_open{listener=lmtp}')"

# --- sessions open while a client is connected
/usr/bin/python3 - "$MD_LMTP_PORT" "$URL" "$top_srcdir/t/metrics-scrape.py" > "$MD_TEST_TMP/open.txt" <<'PY'
import socket, subprocess, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.recv(512)
out = subprocess.run(["/usr/bin/python3", sys.argv[3], sys.argv[2]], capture_output=True, text=True).stdout
print(out)
s.close()
PY
assert_match "an open LMTP session shows in sessions_open" '^maildesk_sessions_open\{listener=lmtp\} 1\.0$' "$(cat "$MD_TEST_TMP/open.txt")"

# --- outbound: 2 sent, then a refusing relay: 1 failed
ticket=$(sql "select number from tickets order by id desc limit 1")
for i in 1 2; do
	printf 'From: support@demo.example\r\nTo: dora@customer.example\r\nSubject: out%s\r\n\r\nhi\r\n' "$i" > "$MD_TEST_TMP/out$i.eml"
	md_ctl queue inject --tenant demo --from support@demo.example --to dora@customer.example --file "$MD_TEST_TMP/out$i.eml" >/dev/null
done
wait_sql "select count(*) from outbound where state not in ('sent', 'failed')" 0 || e2e_fail "the queue empties"
n_sent=$(sql "select count(*) from outbound where state = 'sent'")
kill "$SINK_PID"; wait "$SINK_PID" 2>/dev/null
/usr/sbin/smtp-sink -u nobody -f RCPT 127.0.0.1:"$SINK_PORT" 50 &
SINK_PID=$!
sleep 0.5
md_ctl queue inject --tenant demo --from support@demo.example --to dora@customer.example --file "$MD_TEST_TMP/out1.eml" >/dev/null

# --- a ticket snoozed for 1 s and one for an hour: one wakes (a timer fires)
sql "update tickets set status = 'snoozed', snooze_until = now() + interval '1 second' where number = $ticket" >/dev/null
sql "update tickets set status = 'snoozed', snooze_until = now() + interval '1 hour' where number = (select min(number) from tickets)" >/dev/null
wait_sql "select status from tickets where number = $ticket" open || e2e_fail "the snoozed ticket woke"
# (the wake-up notifies the agent: one more mail for the refusing relay)
sleep 1
wait_sql "select count(*) from outbound where state not in ('sent', 'failed')" 0 || e2e_fail "the queue empties again"
n_failed=$(sql "select count(*) from outbound where state = 'failed'")

SCRAPE=$(scrape)
# The stored mail also queued acknowledgements: every row was tried once.
assert_match "the injected mails and the acknowledgements were sent" '^([3-9]|[1-9][0-9])$' "$n_sent"
assert_match "the mail to the refusing relay failed" '^[1-9]$' "$n_failed"
assert_eq "outbound sent counts each sent row once" "$n_sent.0" "$(metric 'maildesk_outbound_total{result=sent}')"
assert_eq "outbound failed counts each failed row once" "$n_failed.0" "$(metric 'maildesk_outbound_total{result=failed}')"
assert_eq "no outbound attempt was deferred" "" "$(metric 'maildesk_outbound_total{result=deferred}')"
assert_eq "queue depth: sent rows (from PostgreSQL)" "$n_sent.0" "$(metric 'maildesk_outbound_queue{state=sent}')"
assert_eq "queue depth: failed rows" "$n_failed.0" "$(metric 'maildesk_outbound_queue{state=failed}')"
assert_eq "queue depth: nothing deferred" 0.0 "$(metric 'maildesk_outbound_queue{state=deferred}')"
assert_eq "oldest deferred age is 0 with nothing deferred" 0.0 "$(metric 'maildesk_outbound_oldest_deferred_seconds{}')"
assert_eq "snoozed tickets (from PostgreSQL)" 1.0 "$(metric 'maildesk_tickets_snoozed{}')"
assert_eq "timers fired counts the wake-up" 1.0 "$(metric 'maildesk_timers_fired_total{}')"

# --- maildeskctl status: the daemon (from its heartbeat, every 10 s) and the same numbers
version=$("$top_builddir/daemon/maildeskd" -V | awk '{ print $2 }')
for _i in $(seq 1 150); do
	out=$(md_ctl status)
	printf '%s\n' "$out" | grep -q '^  maildesk_timers_fired_total 1$' && break
	sleep 0.1
done
assert_match "status lists the daemon with its pid and version" "^1 daemon alive" "$out"
assert_match "status names the daemon's pid and version" "pid $MD_DAEMON_PID maildeskd $version " "$out"
assert_match "status has the stored count of /metrics" '^  maildesk_messages_total\{result="accepted",reason="stored"\} 4$' "$out"
assert_match "status has the refused count" '^  maildesk_messages_total\{result="refused",reason="no_such_user"\} 2$' "$out"
assert_match "status has the outbound sent count" "^  maildesk_outbound_total\\{result=\"sent\"\\} $n_sent\$" "$out"
assert_match "status has the queue by state" "^outbound queue: queued=0 sending=0 sent=$n_sent deferred=0 failed=$n_failed\$" "$out"
assert_match "status has the snoozed tickets" '^snoozed tickets: 1$' "$out"
assert_match "status has the timers fired" '^  maildesk_timers_fired_total 1$' "$out"
assert_match "status: no session open" '^  maildesk_sessions_open\{listener="lmtp"\} 0$' "$out"
json=$(md_ctl status --json)
assert_eq "status --json: the daemon's version" "$version" \
	"$(printf '%s' "$json" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["daemons"][0]["version"])')"
assert_eq "status --json: summed counters" 4.0 \
	"$(printf '%s' "$json" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["counters"]["maildesk_messages_total{result=\"accepted\",reason=\"stored\"}"])')"
sql "update daemons set heartbeat_at = now() - interval '1 minute'" >/dev/null
assert_match "a daemon silent for 30 s is not listed" '^0 daemons alive' "$(md_ctl status)"

# --- a deferred row's age
sql "update outbound set state = 'deferred', next_attempt_at = now() + interval '1 hour', created_at = now() - interval '100 seconds' where id = (select max(id) from outbound where state = 'failed')" >/dev/null
SCRAPE=$(scrape)
assert_eq "queue depth: one deferred row" 1.0 "$(metric 'maildesk_outbound_queue{state=deferred}')"
assert_match "oldest deferred age in seconds" '^10[0-9]\.' "$(metric 'maildesk_outbound_oldest_deferred_seconds{}')"

# --- PostgreSQL down: the endpoint still answers, database_up 0
sh "$top_srcdir/t/pg-cluster.sh" stop "$MD_TEST_TMP/pg" >/dev/null 2>&1
SCRAPE=$(scrape)
assert_eq "with PostgreSQL down the scrape still parses, database_up 0" 0.0 "$(metric 'maildesk_database_up{}')"
assert_eq "and the in-memory counters are still there" 4.0 "$(metric 'maildesk_messages_total{reason=stored,result=accepted}')"

eval "$(PG_FSYNC=off sh "$top_srcdir/t/pg-cluster.sh" start "$MD_TEST_TMP/pg")"
SCRAPE=$(scrape)
assert_eq "PostgreSQL back: the metrics connection is made again" 1.0 "$(metric 'maildesk_database_up{}')"
wait_sql "select count(*) from daemons where pid = $MD_DAEMON_PID and heartbeat_at > now() - interval '30 seconds'" 1 ||
	e2e_fail "the heartbeat resumes after PostgreSQL is back"
pid=$MD_DAEMON_PID
md_daemon_stop
assert_eq "after SIGTERM the daemon's row is gone" 0 "$(sql "select count(*) from daemons where pid = $pid")"
assert_match "and status lists no daemon" '^0 daemons alive' "$(md_ctl status)"
assert_eq "after SIGTERM the endpoint is closed" refused "$(http_code "$URL" GET)"
e2e_done
