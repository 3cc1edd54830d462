#!/bin/sh
# Three maildeskd on one PostgreSQL, under load at once: conversations
# delivered over LMTP by a client that behaves like Postfix with several
# destinations (t/scaleout-client.py: a deferral is tried at the next
# daemon, and some accepted messages are sent twice), smtp-source bursts,
# agent answers, snoozed tickets waking during the run and notifications to
# an online agent, all sent to Postfix's smtp-sink. One daemon is killed
# with SIGKILL while it has sessions and claimed outbound mail; then
# PostgreSQL itself is killed and restarted under load. Afterwards: every
# accepted message is stored once, one ticket per conversation, every
# wake-up fired once, every mail reached the sink once (by Message-ID),
# nothing is left in flight past outbound_claim_timeout.
#
# The daemon that is killed sends to a relay of its own that never greets
# (a socket nobody accepts on): its claimed mail is then certainly not
# handed over when it dies, so "exactly once" is decidable. (A daemon killed
# between the relay's 250 and its commit sends that mail twice, by design:
# README, "Outbound queue".)
set -u
. "$top_srcdir/t/e2e-lib.sh"
. "$top_srcdir/t/md-instance.sh"

[ "$(id -u)" = 0 ] || { echo "skipped: smtp-sink needs -u as root here"; exit 77; }
[ -x /usr/sbin/smtp-source ] || { echo "skipped: smtp-source not installed (apt-get install postfix)"; exit 77; }
PY=/usr/bin/python3
CONV=300       # conversations (two messages each) in the first round
CONV2=60       # in the round with the PostgreSQL restart
CLAIM_S=10     # outbound_claim_timeout: the margin over the longest relay session
RELAY_S=1      # relay_timeout: a claim is stale after RELAY_S x (12 + recipients) + CLAIM_S
SNOOZED=20

sink_start
TARPIT_PORT=$(md_free_port)
$PY -c 'import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(64); time.sleep(600)' "$TARPIT_PORT" &
TARPIT_PID=$!

MD_EXTRA_CONF="outbound_claim_timeout = ${CLAIM_S}s
relay_timeout = ${RELAY_S}s
db_workers = 4"
md_instance_init "$MD_TEST_TMP/md" || { echo "setup failed"; exit 99; }
sql "update agents set status = 'online' where email = 'ana@demo.example'" >/dev/null

# Daemon I (1..3): same database, secret and settings; its own ports, log,
# and for daemon 3 the relay that never greets.
PORT1=$MD_LMTP_PORT
PORT2=$(md_free_port)
PORT3=$(md_free_port)
cp "$MD_CONF" "$MD_DIR/d1.conf"
for i in 2 3; do
	eval port=\$PORT$i
	sed -e "s/^lmtp_listen = .*/lmtp_listen = 127.0.0.1:$port/" \
		-e "s/^smtp_listen = .*/smtp_listen = 127.0.0.1:$(md_free_port)/" "$MD_CONF" > "$MD_DIR/d$i.conf"
done
sed -i "s/^relay_host = .*/relay_host = 127.0.0.1:$TARPIT_PORT/" "$MD_DIR/d3.conf"
PID1= PID2= PID3=
# d_start I: starts daemon I, waits until its timers and sender listen.
d_start() {
	_log="$MD_DIR/d$1.log"
	_n=$(grep -c 'event=timers.listen status=ok' "$_log" 2>/dev/null)
	"$top_builddir/daemon/maildeskd" -c "$MD_DIR/d$1.conf" 2>>"$_log" &
	eval PID$1=$!
	for _i in $(seq 1 200); do
		[ "$(grep -c 'event=timers.listen status=ok' "$_log" 2>/dev/null)" -gt "${_n:-0}" ] &&
			grep -q 'event=ready' "$_log" && return 0
		sleep 0.1
	done
	echo "daemon $1 did not start"; cat "$_log"
	return 1
}
# d_stop I: SIGTERM; its exit status in STOPPED.
d_stop() {
	eval _p=\$PID$1
	STOPPED=0
	[ -n "$_p" ] || return 0
	kill -TERM "$_p" 2>/dev/null
	wait "$_p"
	STOPPED=$?
	eval PID$1=
}
cleanup() {
	for i in 1 2 3; do eval p=\$PID$i; [ -z "$p" ] || kill -9 "$p" 2>/dev/null; done
	kill "$SINK_PID" "$TARPIT_PID" 2>/dev/null
	[ -z "${CLIENT:-}" ] || kill "$CLIENT" 2>/dev/null
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
for i in 1 2 3; do d_start $i || exit 99; done

# --- snoozed tickets, waking while the load runs (assigned to ana: each
# wake-up mails her "Snooze ended")
swaks --silent 2 --protocol LMTP --server 127.0.0.1 --port "$PORT1" --from seed@customer.example \
	--to support@demo.example --header "Subject: seed" --body "seed" >/dev/null 2>&1
ana=$(sql "select id from agents where email = 'ana@demo.example'")
SNOOZE_TICKETS=$(sql "insert into tickets (tenant_id, team_id, subject, requester_id, assignee_id, status, snooze_until)
	select tenant_id, team_id, 'sleeper ' || g, requester_id, $ana, 'snoozed', now() + interval '3 seconds' + g * interval '400 ms'
	from tickets, generate_series(1, $SNOOZED) g where subject = 'seed' returning number" | tr '\n' ' ')

# --- the load: conversations over LMTP across the three daemons, and a
# burst of smtp-source to each
mkdir -p "$MD_TEST_TMP/round1"
$PY "$top_srcdir/t/scaleout-client.py" "$PORT1,$PORT2,$PORT3" "$MD_TEST_TMP/round1" $CONV 6 60 &
CLIENT=$!
BURSTS=
for i in 1 2 3; do
	eval port=\$PORT$i
	/usr/sbin/smtp-source -L -s 2 -m 30 -M client.test -f burst@customer.example -t support@demo.example \
		-S "burst $i" 127.0.0.1:"$port" >"$MD_TEST_TMP/burst$i.log" 2>&1 &
	BURSTS="$BURSTS $!"
done

# --- agent answers (maildeskctl ticket reply) to the first tickets of the
# load, while it runs
wait_sql "select count(*) >= 10 from tickets where subject ~ '^load [0-9]+\$'" t
REPLIED=$(sql "select number from tickets where subject ~ '^load [0-9]+\$' order by id limit 10" | tr '\n' ' ')
echo "We are on it." > "$MD_TEST_TMP/answer.txt"
(
	for t in $REPLIED; do
		md_ctl ticket reply "$t" --from ana@demo.example --file "$MD_TEST_TMP/answer.txt" >/dev/null ||
			echo "# ticket reply $t failed"
	done
) &
REPLIES=$!

# --- SIGKILL daemon 3 while it has sessions and claimed outbound rows
# (the others send in milliseconds: a claim older than 300 ms is daemon 3's)
# A claim of daemon 3 lasts about relay_timeout (1 s) before the tarpit's
# silence defers it, so the count is taken right before the kill, not
# long before it (a loaded machine once took longer than that in between).
stuck="select count(*) from outbound where state = 'sending' and claimed_at < now() - interval '300 ms'"
wait_sql "select count(*) >= 60 from messages where message_id like 'load-%'" t
inflight3=0
for _i in $(seq 1 600); do
	inflight3=$(sql "$stuck")
	[ "$inflight3" -gt 0 ] && break
	sleep 0.05
done
sessions3=$(( $(grep -c 'event=session.start' "$MD_DIR/d3.log") - $(grep -c 'event=session.end' "$MD_DIR/d3.log") ))
running=$([ -e "$MD_TEST_TMP/round1/results" ] && echo done || echo running)
kill -KILL "$PID3"
wait "$PID3" 2>/dev/null
PID3=
killed_at=$(sql "select now()")
echo "# killed daemon 3 with $sessions3 sessions open and $inflight3 mails claimed"
assert_eq "the load was still running when daemon 3 was killed" running "$running"
assert_eq "daemon 3 had sessions open when killed" t "$([ "$sessions3" -gt 0 ] && echo t || echo f)"
assert_eq "daemon 3 had claimed outbound mail in flight when killed" t "$([ "$inflight3" -gt 0 ] && echo t || echo f)"

wait "$CLIENT"
CLIENT=
for b in $BURSTS $REPLIES; do wait "$b"; done

# --- ingest: every accepted message stored exactly once, one ticket each
R="$MD_TEST_TMP/round1/results"
assert_eq "every message of every conversation was accepted in the end" 0 \
	"$(awk '$2 !~ /retry/ && $3 != 250' "$R" | wc -l | tr -d ' ')"
assert_eq "every retry of an accepted message was answered 250" 0 \
	"$(awk '$2 ~ /retry/ && $3 != 250' "$R" | wc -l | tr -d ' ')"
assert_eq "all $((CONV * 2)) messages are stored" $((CONV * 2)) \
	"$(sql "select count(distinct message_id) from messages where message_id like 'load-%'")"
assert_eq "each exactly once" "" \
	"$(sql "select message_id from messages where message_id like 'load-%' group by 1 having count(*) <> 1")"
assert_eq "one ticket per conversation" "$CONV" "$(sql "select count(*) from tickets where subject ~ '^load [0-9]+\$'")"
assert_eq "both messages of each conversation on its ticket" "" \
	"$(sql "select split_part(message_id, '-', 2) from messages where message_id like 'load-%'
	       group by 1 having count(distinct ticket_id) <> 1")"
# The ticket each 250 named (retries included) is the one that holds it.
awk '$3 == 250 { if (match($0, /ticket [0-9]+/)) print $1, substr($0, RSTART + 7, RLENGTH - 7) }' "$R" |
	sort -u > "$MD_TEST_TMP/told"
sql "select split_part(m.message_id, '-', 2) || ' ' || t.number from messages m join tickets t on t.id = m.ticket_id
	where m.message_id like 'load-%' group by 1" | sort -u > "$MD_TEST_TMP/stored"
if cmp -s "$MD_TEST_TMP/told" "$MD_TEST_TMP/stored"; then
	e2e_ok "every 250 named the ticket that holds the message"
else
	e2e_fail "every 250 named the ticket that holds the message"
	diff "$MD_TEST_TMP/told" "$MD_TEST_TMP/stored" | head -20 | sed 's/^/#   /'
fi
retried=$(awk '$2 ~ /retry/' "$R" | wc -l | tr -d ' ')
echo "# $retried accepted messages were delivered a second time"
for i in 1 2; do
	assert_eq "the smtp-source burst to surviving daemon $i is stored, 30 tickets" 30 \
		"$(sql "select count(*) from tickets where subject = 'burst $i'")"
done
assert_eq "the burst to the killed daemon is stored at most once per message" "" \
	"$(sql "select message_id from messages where subject = 'burst 3' group by 1 having count(*) <> 1")"

# --- the killed daemon's mail is taken over once its claim is stale
left="select count(*) from outbound where state in ('queued', 'sending', 'deferred')"
for _w in 1 2 3; do wait_sql "$left" 0 && break; done   # up to 90 s: past the stale window
assert_eq "nothing is left queued, sending or deferred" 0 "$(sql "$left")"
assert_eq "nothing failed" 0 "$(sql "select count(*) from outbound where state = 'failed'")"
assert_eq "the claims daemon 3 held were taken over, after the stale-claim window" t \
	"$(sql "select count(*) >= $inflight3 and bool_and(sent_at >= timestamptz '$killed_at' - interval '2 seconds')
	       from outbound where attempts > 1")"

# --- timers: each snoozed ticket woke once, its assignee told once
wait_sql "select count(*) from tickets where subject like 'sleeper %' and status = 'open'" $SNOOZED
assert_eq "every snoozed ticket woke exactly once, by a timer" "" \
	"$(sql "select t.number from tickets t left join ticket_events e on e.ticket_id = t.id and e.kind = 'woke'
	       where t.subject like 'sleeper %' group by 1 having count(e.id) <> 1 or bool_or(e.actor <> 'timer')")"
woken=$(cat "$MD_DIR"/d[123].log | sed -n 's/.*event=timers.fired woke=\([0-9]*\).*/\1/p' | awk '{ n += $1 } END { print n + 0 }')
assert_eq "the daemons logged $SNOOZED wake-ups between them" "$SNOOZED" "$woken"

# --- every mail queued reached the sink exactly once (by Message-ID)
msgid() { awk 'tolower($0) ~ /^message-id:/ { sub(/^[^<]*</, ""); sub(/>.*/, ""); print; exit }' "$1"; }
for f in "$SINK_DIR"/*; do msgid "$f"; done | sort > "$MD_TEST_TMP/sink-ids"
sql "select message_id from outbound" | sort > "$MD_TEST_TMP/queued-ids"
assert_eq "the sink has no mail twice" "" "$(uniq -d "$MD_TEST_TMP/sink-ids" | head -5)"
if cmp -s "$MD_TEST_TMP/sink-ids" "$MD_TEST_TMP/queued-ids"; then
	e2e_ok "the sink got exactly the $(wc -l < "$MD_TEST_TMP/queued-ids") queued mails"
else
	e2e_fail "the sink got exactly the queued mails"
	diff "$MD_TEST_TMP/queued-ids" "$MD_TEST_TMP/sink-ids" | head -20 | sed 's/^/#   /'
fi
for t in $SNOOZE_TICKETS; do
	n=$(grep -l -E "Snooze ended: ticket $t([^0-9]|\$)" "$SINK_DIR"/* 2>/dev/null | wc -l | tr -d ' ')
	[ "$n" = 1 ] || e2e_fail "ticket $t's wake-up reached ana $n times"
done
e2e_ok "each wake-up reached ana exactly once"
assert_eq "each agent answer reached its customer once" "" \
	"$(for t in $REPLIED; do
		c=$(sql "select c.email from tickets t join contacts c on c.id = t.requester_id where t.number = $t")
		[ "$(count_for "$c")" = 1 ] || echo "$t"
	done)"
assert_eq "ana got one notification per customer message, and one per wake-up" \
	"$((CONV * 2 + 1 + SNOOZED))" \
	"$(sql "select count(*) from outbound where kind = 'notification' and rcpts = array['ana@demo.example']
	       and ticket_id in (select id from tickets where subject ~ '^(load [0-9]+|seed|sleeper [0-9]+)\$')")"

# --- the killed daemon comes back (with the common relay) and takes part
kill "$TARPIT_PID"
sed -i "s/^relay_host = .*/relay_host = $MD_RELAY_HOST/" "$MD_DIR/d3.conf"
d_start 3 || exit 99
assert_match "maildeskctl status lists the restarted daemon" "[^0-9]$PID3[^0-9]" "$(md_ctl status)"

# --- PostgreSQL killed and restarted under load: deferrals, reconnects,
# and still exactly once
mkdir -p "$MD_TEST_TMP/round2"
$PY "$top_srcdir/t/scaleout-client.py" "$PORT1,$PORT2,$PORT3" "$MD_TEST_TMP/round2" $CONV2 6 60 1000 &
CLIENT=$!
wait_sql "select count(*) >= 20 from messages where message_id like 'load-1%' and message_id ~ '^load-1[0-9]{3}-'" t
sh "$top_srcdir/t/pg-cluster.sh" kill "$MD_TEST_TMP/pg"
sleep 1 # PostgreSQL stays down a moment: deliveries meanwhile are deferred
eval "$(PG_FSYNC=off sh "$top_srcdir/t/pg-cluster.sh" start "$MD_TEST_TMP/pg")"
wait "$CLIENT"
CLIENT=
R2="$MD_TEST_TMP/round2/results"
deferred=$(cat "$MD_DIR"/d[123].log | grep -c 'event=delivery .*status=deferred reply=451')
echo "# $deferred deliveries were deferred (451) around the PostgreSQL restart"
assert_eq "deliveries during the outage were deferred with 451" t "$([ "$deferred" -gt 0 ] && echo t || echo f)"
assert_eq "after the restart every message was accepted" 0 "$(awk '$3 != 250' "$R2" | wc -l | tr -d ' ')"
assert_eq "and is stored exactly once, one ticket per conversation" "$((CONV2 * 2)) $CONV2" \
	"$(sql "select count(*), count(distinct ticket_id) from messages where message_id ~ '^load-1[0-9]{3}-'" | tr '|' ' ')"
# Mail whose send met the outage (DKIM keys are read from PostgreSQL) was
# deferred for a minute; flush it, as an administrator would. A sender
# thread's first statement on its dead connection fails too (one more
# deferral each, see the report), so flush until nothing is left.
for _f in $(seq 1 40); do   # up to one deferral per pool thread of each daemon (13 each)
	wait_sql "select count(*) from outbound where state in ('queued', 'sending')" 0
	[ "$(sql "$left")" = 0 ] && break
	md_ctl queue flush >/dev/null
done
sql "select id, state, attempts, claimed_by, last_error from outbound where state in ('queued', 'sending', 'deferred')" | sed "s/^/# left: /"
assert_eq "the daemons reconnected and sent everything queued" 0 "$(sql "$left")"
for f in "$SINK_DIR"/*; do msgid "$f"; done | sort > "$MD_TEST_TMP/sink-ids"
sql "select message_id from outbound" | sort > "$MD_TEST_TMP/queued-ids"
assert_eq "still no mail twice at the sink, none missing" "$(wc -l < "$MD_TEST_TMP/queued-ids") " \
	"$(wc -l < "$MD_TEST_TMP/sink-ids") $(uniq -d "$MD_TEST_TMP/sink-ids" | head -3)"

for i in 1 2 3; do d_stop $i; assert_eq "daemon $i stops cleanly" 0 "$STOPPED"; done
e2e_done
