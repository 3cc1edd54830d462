#!/bin/sh
# Snooze wake-ups and SLA breaches with two daemons on one database (each
# ticket wakes once, at its time, and after downtime), a customer reply
# that wakes a ticket first, rule reloads on NOTIFY, and agent status by
# mail to the team's control address. No relay: queued mail stays in the
# outbound table, where the test reads it.
set -u
. "$top_srcdir/t/e2e-lib.sh"
. "$top_srcdir/t/md-instance.sh"

md_instance_init "$MD_TEST_TMP/md" || { echo "setup failed"; exit 99; }
md_ctl agent add bob@demo.example --name "Bob" --team support --tenant demo >/dev/null
MD2_CONF="$MD_DIR/maildesk2.conf"
MD2_LMTP_PORT=$(md_free_port)
sed -e "s/^lmtp_listen = .*/lmtp_listen = 127.0.0.1:$MD2_LMTP_PORT/" \
	-e "s/^smtp_listen = .*/smtp_listen = 127.0.0.1:$(md_free_port)/" "$MD_CONF" > "$MD2_CONF"
MD2_PID=
# The second daemon, same database, other ports; waits until it listens.
md2_start() {
	"$top_builddir/daemon/maildeskd" -c "$MD2_CONF" 2>>"$MD_DIR/maildeskd2.log" &
	MD2_PID=$!
	for _i in $(seq 1 100); do
		grep -q 'event=timers.listen status=ok' "$MD_DIR/maildeskd2.log" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
md2_stop() { [ -z "$MD2_PID" ] || { kill -TERM "$MD2_PID"; wait "$MD2_PID"; MD2_PID=; }; }
trap 'md_daemon_stop; md2_stop' EXIT
# Waits until the timers of the first daemon listen.
md_timers_wait() {
	for _i in $(seq 1 100); do
		grep -q 'event=timers.listen status=ok' "$MD_DIR/maildeskd.log" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

lmtp() { swaks --silent 2 --protocol LMTP --server 127.0.0.1 --port "$MD_LMTP_PORT" "$@" >/dev/null 2>&1; }
# new_ticket SUBJECT: a customer mail, prints the ticket number.
new_ticket() {
	lmtp --from carla@customer.example --to support@demo.example \
		--header "From: Carla <carla@customer.example>" --header "Subject: $1" \
		--header "Message-Id: <$1@customer.example>" --body "About $1."
	sql "select number from tickets where subject = '$1'"
}
# wait_sql QUERY EXPECTED: until the query gives EXPECTED (at most 30 s).
ev() { sql "select count(*) from ticket_events e join tickets t on t.id = e.ticket_id where t.number = $1 and $2"; }
ana=$(sql "select id from agents where email = 'ana@demo.example'")
bob=$(sql "select id from agents where email = 'bob@demo.example'")
# Mail queued to an agent since outbound row FIRST, of KIND.
queued_to() { sql "select count(*) from outbound where id > $1 and rcpts = array['$2'] and kind = '$3'"; }

md_daemon_start || exit 99
md2_start || { echo "the second daemon did not start"; exit 99; }
md_timers_wait || { echo "the first daemon's timers do not listen"; exit 99; }

# --- three snoozed tickets, two daemons: each wakes once, at its time
T1=$(new_ticket "wake one"); T2=$(new_ticket "wake two"); T3=$(new_ticket "wake three")
sql "update tickets set assignee_id = $ana where number in ($T1, $T2, $T3)" >/dev/null
first=$(sql "select coalesce(max(id), 0) from outbound")
sql "update tickets set status = 'snoozed', snooze_until = now() + interval '3 seconds' where number in ($T1, $T2)" >/dev/null
sql "update tickets set status = 'snoozed', snooze_until = now() + interval '4 seconds' where number = $T3" >/dev/null
until1=$(sql "select snooze_until from tickets where number = $T1")
until3=$(sql "select snooze_until from tickets where number = $T3")
wait_sql "select count(*) from tickets where number in ($T1, $T2, $T3) and status = 'open'" 3
assert_eq "the three snoozed tickets are open again" 3 \
	"$(sql "select count(*) from tickets where number in ($T1, $T2, $T3) and status = 'open' and snooze_until is null")"
for t in $T1 $T2 $T3; do
	assert_eq "ticket $t has exactly one woke event, by the timer" 1 "$(ev "$t" "e.kind = 'woke' and e.actor = 'timer'")"
done
assert_eq "none woke before its snooze time" 0 \
	"$(sql "select count(*) from ticket_events e join tickets t on t.id = e.ticket_id where e.kind = 'woke'
	       and ((t.number in ($T1, $T2) and e.at < '$until1') or (t.number = $T3 and e.at < '$until3'))")"
assert_eq "each woke within 15 s of its time (the timer, not the 60 s poll)" 0 \
	"$(sql "select count(*) from ticket_events e join tickets t on t.id = e.ticket_id where e.kind = 'woke'
	       and ((t.number in ($T1, $T2) and e.at > timestamptz '$until1' + interval '15 seconds')
	         or (t.number = $T3 and e.at > timestamptz '$until3' + interval '15 seconds'))")"
assert_eq "the assignee got one notification per ticket" 3 "$(queued_to "$first" ana@demo.example notification)"
assert_eq "the team did not (the ticket has an assignee)" 0 "$(queued_to "$first" bob@demo.example notification)"
assert_match "the notification says the snooze ended" "Snooze ended: ticket $T1" \
	"$(sql "select convert_from(data, 'UTF8') from outbound where id > $first and kind = 'notification'")"
woken=$(cat "$MD_DIR/maildeskd.log" "$MD_DIR/maildeskd2.log" |
	sed -n 's/.*event=timers.fired woke=\([0-9]*\).*/\1/p' | awk '{ n += $1 } END { print n + 0 }')
assert_eq "the two daemons woke three tickets between them" 3 "$woken"

# --- snoozed while no daemon runs: woken right after the start
md_daemon_stop; md2_stop
T4=$(sql "insert into tickets (tenant_id, team_id, subject, requester_id, assignee_id, status, snooze_until)
	  select tenant_id, team_id, 'while down', requester_id, assignee_id, 'snoozed', now() + interval '1 second'
	  from tickets where number = $T1 returning number")
sleep 2
assert_eq "while the daemons are down it stays snoozed" snoozed "$(sql "select status from tickets where number = $T4")"
started=$(sql "select now()")
md_daemon_start || exit 99
md2_start || exit 99
wait_sql "select status from tickets where number = $T4" open
assert_eq "after the start the overdue ticket wakes, once" 1 "$(ev "$T4" "e.kind = 'woke' and e.actor = 'timer'")"
assert_eq "right after the start (catch-up)" 1 \
	"$(ev "$T4" "e.kind = 'woke' and e.at >= '$started' and e.at < timestamptz '$started' + interval '15 seconds'")"

# --- a customer reply before the time wakes it; the timer does not again
T5=$(new_ticket "reply first")
sql "update tickets set status = 'snoozed', snooze_until = now() + interval '3 seconds' where number = $T5" >/dev/null
until5=$(sql "select snooze_until from tickets where number = $T5")
lmtp --from carla@customer.example --to support@demo.example \
	--header "From: Carla <carla@customer.example>" --header "Subject: Re: reply first" \
	--header "In-Reply-To: <reply first@customer.example>" --body "Any news?"
assert_eq "the customer's reply reopens the snoozed ticket and clears its wake time" "open|" \
	"$(sql "select status, snooze_until from tickets where number = $T5")"
wait_sql "select now() > timestamptz '$until5' + interval '3 seconds'" t
assert_eq "one woke event, from the reply" "1|mail" \
	"$(sql "select count(*), min(e.actor) from ticket_events e join tickets t on t.id = e.ticket_id
	       where t.number = $T5 and e.kind = 'woke'")"

# --- an SLA target past due: breached once, sla.breached rules run once
tenant=$(sql "select id from tenants where name = 'demo'")
sql "insert into rule_sets (tenant_id, team_id, source) values ($tenant, null,
	'rule \"late\" on sla.breached then tag \"late\" end')" >/dev/null
T6=$(new_ticket "slow one")
sql "update tickets set first_response_due = now() + interval '2 seconds' where number = $T6" >/dev/null
due6=$(sql "select first_response_due from tickets where number = $T6")
# Due times send no NOTIFY (the daemons look every 60 s); a tool that sets
# them directly may say so on the channel, as this test does.
sql "select pg_notify('maildesk_timers', '')" >/dev/null
wait_sql "select first_response_breached_at is not null from tickets where number = $T6" t
assert_eq "the breach is recorded once, naming the target" "1|first_response" \
	"$(sql "select count(*), min(e.detail) from ticket_events e join tickets t on t.id = e.ticket_id
	       where t.number = $T6 and e.kind = 'sla.breached'")"
assert_eq "not before the due time" t "$(sql "select first_response_breached_at >= '$due6' from tickets where number = $T6")"
assert_eq "the sla.breached rule tagged it" late \
	"$(sql "select string_agg(g.tag, ' ') from ticket_tags g join tickets t on t.id = g.ticket_id where t.number = $T6")"
assert_eq "the rule ran once" 1 "$(ev "$T6" "e.actor = 'rule:late'")"

# --- rule reload: the next delivery uses the new rules, without restart
T7=$(new_ticket "before reload")
assert_eq "the old rules tag nothing on a new ticket" "" \
	"$(sql "select string_agg(g.tag, ' ') from ticket_tags g join tickets t on t.id = g.ticket_id where t.number = $T7")"
c1=$(grep -c 'event=rules.changed' "$MD_DIR/maildeskd.log")
sql "update rule_sets set source = 'rule \"fresh\" on ticket.created then tag \"fresh\" end', version = version + 1
	where tenant_id = $tenant" >/dev/null
for _i in $(seq 1 100); do [ "$(grep -c 'event=rules.changed' "$MD_DIR/maildeskd.log")" -gt "$c1" ] && break; sleep 0.1; done
assert_match "the daemon hears of the new rules" 'event=rules.changed' "$(cat "$MD_DIR/maildeskd.log")"
T8=$(new_ticket "after reload")
assert_eq "the next delivery uses them" fresh \
	"$(sql "select string_agg(g.tag, ' ') from ticket_tags g join tickets t on t.id = g.ticket_id where t.number = $T8")"

# --- agent status by mail to the agent's own signed control address
# (the plain support+control@ needs our mail server's DMARC pass:
# t/e2e-trust-control.sh)
ctl_ana=$(md_ctl agent show ana@demo.example | sed -n 's/^control address (support): //p')
tickets=$(sql "select count(*) from tickets")
first=$(sql "select coalesce(max(id), 0) from outbound")
lmtp --from ana@demo.example --to "$ctl_ana" \
	--header "From: Ana <ana@demo.example>" --header "Subject: status" --body "#status away"
assert_eq "#status away sets it" away "$(sql "select status from agents where id = $ana")"
assert_eq "the mail makes no ticket" "$tickets" "$(sql "select count(*) from tickets")"
assert_eq "the agent gets a confirmation" 1 "$(queued_to "$first" ana@demo.example explanation)"
assert_match "which says what happened" 'ana@demo\.example is now away' \
	"$(sql "select convert_from(data, 'UTF8') from outbound where id > $first")"
sha=$(grep 'event=control' "$MD_DIR/maildeskd.log" | tail -1 | sed 's/.*sha256=\([0-9a-f]*\).*/\1/')
assert_eq "the raw mail is kept, its hash logged" 1 "$(sql "select count(*) from raw_messages where sha256 = '$sha'")"

first=$(sql "select coalesce(max(id), 0) from outbound")
lmtp --from mallory@evil.example --to support+control@demo.example \
	--header "From: Mallory <mallory@evil.example>" --header "Subject: status" --body "#status online"
assert_eq "a stranger changes no status" away "$(sql "select status from agents where id = $ana")"
assert_eq "and gets no answer" 0 "$(sql "select count(*) from outbound where id > $first")"
assert_match "the refusal is logged" 'event=control .*refused: not an agent' "$(cat "$MD_DIR/maildeskd.log")"

lmtp --from ana@demo.example --to "$ctl_ana" \
	--header "From: Ana <ana@demo.example>" --header "Subject: status" --body "#status sleeping"
assert_eq "an unknown status changes nothing" away "$(sql "select status from agents where id = $ana")"
assert_match "and the agent is told" 'Nothing was changed: that is not a status' \
	"$(sql "select convert_from(data, 'UTF8') from outbound where id > $first")"

# offline-and-reassign: ana's open tickets go to bob (online), who is told
sql "update agents set status = 'online' where id = $ana" >/dev/null
mine=$(sql "select count(*) from tickets where assignee_id = $ana and status in ('open', 'pending', 'snoozed')")
first=$(sql "select coalesce(max(id), 0) from outbound")
lmtp --from ana@demo.example --to "$ctl_ana" \
	--header "From: Ana <ana@demo.example>" --header "Subject: bye" --body "#status offline-and-reassign"
assert_eq "offline-and-reassign stores offline" offline "$(sql "select status from agents where id = $ana")"
assert_eq "ana had open tickets" t "$([ "$mine" -gt 0 ] && echo t || echo f)"
assert_eq "all of them went to bob" "0|$mine" \
	"$(sql "select count(*) filter (where assignee_id = $ana), count(*) filter (where assignee_id = $bob)
	       from tickets where number in ($T1, $T2, $T3, $T4)")"
assert_eq "bob is told of each" "$mine" "$(queued_to "$first" bob@demo.example explanation)"

# --- at the end, still exactly once
for t in $T1 $T2 $T3 $T4; do
	assert_eq "ticket $t still woke by the timer exactly once" 1 "$(ev "$t" "e.kind = 'woke' and e.actor = 'timer'")"
done
assert_eq "no timer failures" 0 "$(sql "select count(*) from ticket_events where kind = 'timer.failed'")"
md2_stop
e2e_done
