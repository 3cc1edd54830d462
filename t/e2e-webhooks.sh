#!/bin/sh
# Webhooks out, end to end (issue 13): a receiver written with Python's
# standard library (t/webhook-receiver.py) verifies every signature with
# the few lines maildesk-webhooks(7) shows. Mail ingested over LMTP (swaks)
# and an agent's mailed answer arrive as signed events; a wrong secret fails
# verification; a receiver that is down gets every event later, in order
# per ticket; a rotation verifies with either secret during its overlap;
# deliveries, retry and replay work; a brand's connection webhook gets the
# brand's events, none while disconnected, and its waiting ones after a
# reconnect; two daemons never send one delivery twice.
set -u
. "$top_srcdir/t/e2e-lib.sh"
. "$top_srcdir/t/md-instance.sh"

[ "$(id -u)" = 0 ] || { echo "skipped: smtp-sink needs -u as root here"; exit 77; }
PY=/usr/bin/python3
RDIR="$MD_TEST_TMP/receiver"
mkdir -p "$RDIR"
RPORT=$(md_free_port)
R_PID=
receiver_start() {
	$PY "$top_srcdir/t/webhook-receiver.py" "$RPORT" "$RDIR" &
	R_PID=$!
	for _i in $(seq 1 50); do
		$PY -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1)' "$RPORT" \
			2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
receiver_stop() { [ -z "$R_PID" ] || { kill "$R_PID"; wait "$R_PID" 2>/dev/null; R_PID=; }; }

sink_start
MD_EXTRA_CONF="webhook_retry_min = 1s
webhook_timeout = 3s"
md_instance_init "$MD_TEST_TMP/md" || { echo "setup failed"; exit 99; }
trap 'md_daemon_stop; receiver_stop; kill $SINK_PID $D2_PID 2>/dev/null' EXIT
D2_PID=
receiver_start || { echo "receiver did not start"; exit 99; }

# rlog NAME [FILTER]: the receiver's log for NAME, one line per request:
# "type ticket verified delivery event_id".
rlog() {
	[ -f "$RDIR/log-$1" ] || return 0
	$PY -c 'import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    print(r["type"], r["ticket"], "verified" if r["verified"] else "refused", r["delivery"], r["event_id"])' "$RDIR/log-$1"
}
# wait_rlog NAME REGEX COUNT: until COUNT lines of the log match (30 s).
wait_rlog() {
	for _i in $(seq 1 300); do
		[ "$(rlog "$1" | grep -Ec -- "$2")" -ge "$3" ] && return 0
		sleep 0.1
	done
	return 1
}
lmtp() { swaks --silent 2 --protocol LMTP --server 127.0.0.1 --port "$MD_LMTP_PORT" "$@" >/dev/null 2>&1; }
ALL=ticket.created,message.received,agent.replied,ticket.status_changed,ticket.assigned

# --- maildeskctl refuses what it cannot send to
md_ctl webhook add ftp://127.0.0.1/x --tenant demo --events $ALL >/dev/null 2>&1
assert_eq "a URL that is not http(s) is a usage error" 2 $?
md_ctl webhook add "http://127.0.0.1:$RPORT/a" --tenant demo --events ticket.created,ticket.exploded \
	>"$MD_TEST_TMP/out" 2>&1
assert_eq "an unknown event is a usage error" 2 $?
assert_match "which names it" 'unknown event in --events: "ticket.exploded"' "$(cat "$MD_TEST_TMP/out")"

# --- add: the id and the secret, once
out=$(md_ctl webhook add "http://127.0.0.1:$RPORT/a" --tenant demo --events $ALL)
assert_match "webhook add prints the id" '^webhook [0-9]+ added \(tenant demo\)$' "$out"
WA=$(printf '%s\n' "$out" | sed -n 's/^webhook \([0-9]*\) added.*/\1/p')
SA=$(printf '%s\n' "$out" | sed -n 's/^secret: //p')
assert_match "and a secret" '^whsec_[0-9a-f]{64}$' "$SA"
printf '%s\n' "$SA" > "$RDIR/secret-a"
assert_no_match "show never prints the secret" "$SA" "$(md_ctl webhook show "$WA"; md_ctl webhook list --json)"
# A second webhook whose receiver holds a wrong secret.
out=$(md_ctl webhook add "http://127.0.0.1:$RPORT/b" --tenant demo --events ticket.created)
WB=$(printf '%s\n' "$out" | sed -n 's/^webhook \([0-9]*\) added.*/\1/p')
echo "whsec_0000000000000000000000000000000000000000000000000000000000000000" > "$RDIR/secret-b"

md_daemon_start || exit 99

# --- mail over LMTP: ticket.created then message.received, signed
lmtp --from carla@customer.example --to support@demo.example \
	--header "From: Carla Customer <carla@customer.example>" --header "Subject: Lamp broken" \
	--header "Message-Id: <c1@customer.example>" --body "The lamp arrived broken."
T=$(sql "select number from tickets where subject = 'Lamp broken'")
wait_rlog a "^message.received $T verified" 1
assert_match "ticket.created arrives verified" "^ticket.created $T verified" "$(rlog a)"
assert_match "message.received arrives verified" "^message.received $T verified" "$(rlog a)"
assert_eq "created comes before received" "ticket.created message.received" \
	"$(rlog a | awk -v t="$T" '$2 == t { print $1 }' | head -2 | tr '\n' ' ' | sed 's/ $//')"
body=$($PY -c 'import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r["type"] == "message.received":
        b = r["body"]
        print(b["tenant"], b["ticket"]["subject"], b["ticket"]["requester"]["email"], b["ticket"]["team"],
              b["ticket"]["status"], b["message"]["from"], b["message"]["summary"], b["id"][:4], b["occurred_at"][-1])
' "$RDIR/log-a")
assert_eq "the payload names tenant, ticket, requester, team, status and the message" \
	"demo Lamp broken carla@customer.example support open carla@customer.example The lamp arrived broken. evt_ Z" "$body"
wait_rlog b "^ticket.created $T" 1
assert_match "a receiver with the wrong secret fails verification" "^ticket.created $T refused" "$(rlog b)"
wait_sql "select status from webhook_deliveries where webhook_id = $WB" failed
dl=$(md_ctl webhook deliveries "$WB" --status failed)
assert_match "the refusal is a failed delivery with its answer" "ticket.created .* failed +1 +401 +HTTP status 401" "$dl"
assert_match "each attempt is logged with the webhook id" "event=webhook.attempt delivery=[0-9]+ webhook=$WB .*code=401 result=failed" \
	"$(cat "$MD_DIR/maildeskd.log")"
assert_no_match "never with a secret" "whsec_" "$(cat "$MD_DIR/maildeskd.log")"

# --- retry after fixing the receiver's secret; replay sends the event again
DB=$(sql "select id from webhook_deliveries where webhook_id = $WB")
printf '%s\n' "$(md_ctl webhook show "$WB" >/dev/null; sql "select secret from webhooks where id = $WB")" > "$RDIR/secret-b"
assert_match "webhook retry makes a failed delivery due" "delivery $DB due now" "$(md_ctl webhook retry "$DB")"
wait_rlog b "^ticket.created $T verified $DB" 1
assert_eq "and it is delivered" delivered "$(sql "select status from webhook_deliveries where id = $DB")"
md_ctl webhook retry "$DB" >/dev/null 2>&1
assert_eq "a delivered one is not retried" 1 $?
out=$(md_ctl webhook replay "$DB")
assert_match "webhook replay makes a new delivery" "delivery $DB replayed as delivery [0-9]+" "$out"
wait_rlog b "^ticket.created $T verified" 2
assert_eq "the replay carries the same event id" 1 "$(rlog b | grep verified | awk '{ print $5 }' | sort -u | wc -l)"

# --- an agent's mailed answer: agent.replied
wait_count ana@demo.example 1
reply_to=$(sed -n "s/^Reply-To: \\(support+$T-[^ ]*@demo\\.example\\).*/\\1/p" $(mail_for ana@demo.example) | head -1)
lmtp --from ana@demo.example --to "$reply_to" --header "From: Ana <ana@demo.example>" \
	--header "Subject: Re: [#$T] Lamp broken" --body "Hello Carla, a new lamp is on its way."
wait_rlog a "^agent.replied $T verified" 1
assert_match "the agent's answer arrives as agent.replied" "^agent.replied $T verified" "$(rlog a)"
ar=$($PY -c 'import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r["type"] == "agent.replied":
        print(r["body"]["agent"]["email"], r["body"]["message"]["summary"])' "$RDIR/log-a")
assert_eq "with the agent and the answer" "ana@demo.example Hello Carla, a new lamp is on its way." "$ar"

# --- assignment and status changes from maildeskctl
md_ctl ticket assign "$T" ana@demo.example >/dev/null
md_ctl ticket close "$T" >/dev/null
wait_rlog a "^ticket.status_changed $T verified" 2
wait_rlog a "^ticket.assigned $T verified" 1
assert_match "assignment arrives as ticket.assigned" "^ticket.assigned $T verified" "$(rlog a)"
st=$($PY -c 'import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r["type"] == "ticket.status_changed":
        print(r["body"]["change"]["kind"], r["body"]["ticket"]["status"])' "$RDIR/log-a" | tail -1)
assert_eq "closing arrives as ticket.status_changed with the new status" "closed closed" "$st"

# --- a stranger's text cannot break the payload: bytes that are no UTF-8,
# quotes and line breaks in the subject, a long body (the summary is capped)
$PY -c 'import sys
sys.stdout.buffer.write(b"From: mallory@customer.example\r\nTo: support@demo.example\r\n"
    b"Subject: =?utf-8?q?quote_=22_and_=5C_back?=\r\nMessage-Id: <m1@customer.example>\r\n"
    b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
    b"bad \xff\xfe bytes \xc3\r\n" + b"x" * 100000 + b"\r\n")' > "$MD_TEST_TMP/hostile.eml"
lmtp --from mallory@customer.example --to support@demo.example --data @"$MD_TEST_TMP/hostile.eml"
M=$(sql "select number from tickets where requester_id = (select id from contacts where email = 'mallory@customer.example')")
wait_rlog a "^message.received $M verified" 1
hs=$($PY -c 'import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r["type"] == "message.received" and r["ticket"] == int(sys.argv[2]):
        m = r["body"]["message"]
        print(m["subject"], len(m["summary"].encode()) <= 500, m["summary"][:4])' "$RDIR/log-a" "$M")
assert_eq "hostile text arrives as valid JSON, the summary capped" 'quote " and \ back True bad ' "$hs"

# --- the receiver is down: every event arrives later, in order per ticket
receiver_stop
n_before=$(rlog a | wc -l)
lmtp --from dan@customer.example --to support@demo.example --header "From: dan@customer.example" \
	--header "Subject: Order late" --header "Message-Id: <d1@customer.example>" --body "Where is it?"
for i in 2 3 4; do
	lmtp --from dan@customer.example --to support@demo.example --header "From: dan@customer.example" \
		--header "Subject: Re: Order late" --header "Message-Id: <d$i@customer.example>" \
		--header "In-Reply-To: <d1@customer.example>" --header "References: <d1@customer.example>" --body "Still waiting ($i)"
done
lmtp --from eve@customer.example --to support@demo.example --header "From: eve@customer.example" \
	--header "Subject: Other" --header "Message-Id: <e1@customer.example>" --body "Hello"
D=$(sql "select number from tickets where subject = 'Order late'")
wait_sql "select count(*) > 0 from webhook_deliveries where webhook_id = $WA and status = 'pending' and attempts >= 2" t
assert_match "a refused connection is retried, the error kept" "pending +[2-9]" "$(md_ctl webhook deliveries "$WA" --status pending)"
assert_eq "while the head waits, the ticket's later events wait unsent" 1 \
	"$(sql "select count(*) from webhook_deliveries d join tickets t on t.id = d.ticket_id where d.webhook_id = $WA and t.number = $D and d.status = 'pending' and d.attempts > 0")"
receiver_start || { echo "receiver did not restart"; exit 99; }
want=$(sql "select count(*) from webhook_deliveries where webhook_id = $WA")
wait_sql "select count(*) from webhook_deliveries where webhook_id = $WA and status = 'delivered'" "$want"
assert_eq "every event arrives once the receiver is back" "$want" "$(rlog a | grep -c verified)"
got=$(rlog a | awk -v t="$D" '$2 == t { print $4 }' | tr '\n' ' ')
sorted=$(rlog a | awk -v t="$D" '$2 == t { print $4 }' | sort -n | tr '\n' ' ')
assert_eq "in order for the ticket (deliveries by id)" "$sorted" "$got"
assert_eq "the ticket's four messages all arrived" 4 "$(rlog a | awk -v t="$D" '$1 == "message.received" && $2 == t' | wc -l)"

# --- rotation: during the overlap either secret verifies
out=$(md_ctl webhook rotate "$WA" --overlap 1h)
SA2=$(printf '%s\n' "$out" | sed -n 's/^webhook [0-9]*: new secret: //p')
assert_match "rotate prints the new secret" '^whsec_[0-9a-f]{64}$' "$SA2"
printf '%s\n' "$SA2" > "$RDIR/secret-a"
md_ctl ticket reopen "$T" >/dev/null
wait_rlog a "^ticket.status_changed $T verified" 3
assert_eq "the new secret verifies" 3 "$(rlog a | grep -c "^ticket.status_changed $T verified")"
printf '%s\n' "$SA" > "$RDIR/secret-a"
md_ctl ticket close "$T" >/dev/null
wait_rlog a "^ticket.status_changed $T verified" 4
assert_eq "and the old one, during the overlap" 4 "$(rlog a | grep -c "^ticket.status_changed $T verified")"
md_ctl webhook rotate "$WA" --overlap 0 >/dev/null
md_ctl ticket reopen "$T" >/dev/null
wait_rlog a "^ticket.status_changed $T refused" 1
assert_match "after an overlap of 0 an old secret fails" "^ticket.status_changed $T refused" "$(rlog a)"
SA3=$(sql "select secret from webhooks where id = $WA")
printf '%s\n' "$SA3" > "$RDIR/secret-a"

# --- a connection's webhook (issues 13, 14): "connection add --webhook"
# makes a webhook of the brand for every event; disconnect stops it at once
# (nothing queued, pending deliveries wait) and reconnect lets them go.
md_ctl tenant add wh >/dev/null
md_ctl tenant add acme >/dev/null
md_ctl team add ops --tenant wh --alias ops@wh.example >/dev/null
md_ctl team add support --tenant acme --alias support@acme.example >/dev/null
out=$(md_ctl connection add --provider wh --brand acme --support-owner brand --webhook "http://127.0.0.1:$RPORT/conn")
CC=$(printf '%s\n' "$out" | sed -n 's/^connection \([0-9]*\) added.*/\1/p')
assert_match "connection add --webhook makes a webhook" '^webhook [0-9]+ added \(every event of the brand\)$' "$out"
CW=$(printf '%s\n' "$out" | sed -n 's/^webhook \([0-9]*\) added.*/\1/p')
SC=$(printf '%s\n' "$out" | sed -n 's/^secret: //p')
assert_match "and prints its secret once" '^whsec_[0-9a-f]{64}$' "$SC"
printf '%s\n' "$SC" > "$RDIR/secret-conn"
assert_eq "the webhook is the brand's, for every event, active, linked to the connection" "acme|5|t|$CC" \
	"$(sql "select te.name, cardinality(w.events), w.active, w.connection_id from webhooks w join tenants te on te.id = w.tenant_id where w.id = $CW")"
show=$(md_ctl connection show "$CC")
assert_match "connection show names the webhook" "^webhook +$CW$" "$show"
assert_no_match "but never its secret" "$SC" "$show$(md_ctl connection show "$CC" --json)"
ac() { lmtp --from "$1@customer.example" --to support@acme.example --header "From: $1@customer.example" \
	--header "Subject: Acme $1" --header "Message-Id: <acme-$1@customer.example>" --body "about my order"
	sql "select number from tickets where subject = 'Acme $1'"; }
# conn_rows NUMBER: the connection webhook's deliveries of a ticket.
conn_rows() { sql "select count(*) from webhook_deliveries d join tickets t on t.tenant_id = d.tenant_id and t.id = d.ticket_id where d.webhook_id = $CW and t.number = $1"; }
T1=$(ac one)
wait_rlog conn "^ticket.created $T1 verified" 1
assert_match "brand mail arrives at the connection's webhook, signed" "^ticket.created $T1 verified" "$(rlog conn)"
# The provider's own mail is not the brand's: its events never go there.
lmtp --from dora@customer.example --to ops@wh.example --header "From: dora@customer.example" \
	--header "Subject: Provider own" --body "not acme's"
TP=$(sql "select number from tickets where subject = 'Provider own'")
assert_eq "the provider's own ticket queues nothing for the brand's webhook" 0 "$(conn_rows "$TP")"
# webhook rotate works on it.
md_ctl webhook rotate "$CW" --overlap 0 >/dev/null
printf '%s\n' "$(sql "select secret from webhooks where id = $CW")" > "$RDIR/secret-conn"
# A delivery that is pending when the connection is disconnected.
echo 500 > "$RDIR/status-conn"
T2=$(ac two)
wait_sql "select count(*) > 0 from webhook_deliveries d join tickets t on t.tenant_id = d.tenant_id and t.id = d.ticket_id where d.webhook_id = $CW and t.number = $T2 and d.last_code = 500" t
md_ctl connection disconnect "$CC" >/dev/null
rm -f "$RDIR/status-conn"
assert_eq "disconnect makes the webhook inactive at once" f "$(sql "select active from webhooks where id = $CW")"
T3=$(ac three)
assert_eq "after disconnect brand mail queues no delivery" 0 "$(conn_rows "$T3")"
# The sender keeps going for the other webhooks (a, still active) meanwhile.
lmtp --from eve@customer.example --to support@demo.example --header "From: eve@customer.example" \
	--header "Subject: While disconnected" --body "hello"
TD=$(sql "select number from tickets where subject = 'While disconnected'")
wait_rlog a "^ticket.created $TD verified" 1
# t2: T2's deliveries as "status attempts" and how many requests the receiver saw of it.
t2() { sql "select string_agg(distinct d.status, ',') || ' ' || sum(d.attempts) from webhook_deliveries d join tickets t on t.tenant_id = d.tenant_id and t.id = d.ticket_id where d.webhook_id = $CW and t.number = $T2"
	rlog conn | awk -v t="$T2" '$2 == t' | grep -c .; }
wait_sql "select count(*) from webhook_deliveries where webhook_id = $CW and claimed_by <> ''" 0
before=$(t2)
sleep 3 # three retry intervals (webhook_retry_min = 1s) for a wrong send to show
assert_match "the pending deliveries wait while disconnected" "^pending " "$before"
assert_eq "none is sent" "$before" "$(t2)"
md_ctl connection reconnect "$CC" >/dev/null
assert_eq "reconnect makes it active again" t "$(sql "select active from webhooks where id = $CW")"
wait_sql "select string_agg(distinct d.status, ',') from webhook_deliveries d join tickets t on t.tenant_id = d.tenant_id and t.id = d.ticket_id where d.webhook_id = $CW and t.number = $T2" delivered
assert_match "and the waiting deliveries go" "^ticket.created $T2 verified" "$(rlog conn)"
T4=$(ac four)
wait_rlog conn "^ticket.created $T4 verified" 1
assert_match "new brand mail flows again" "^ticket.created $T4 verified" "$(rlog conn)"
assert_eq "what happened while disconnected is never sent" 0 "$(rlog conn | awk -v t="$T3" '$2 == t' | grep -c .)"
# connection set --webhook: a new URL keeps the webhook and its secret; "" removes it.
md_ctl connection set "$CC" --webhook "http:///no-host" >"$MD_TEST_TMP/out" 2>&1
assert_eq "a webhook URL without a host is a usage error, as for webhook add" 2 $?
assert_match "which says so" 'with a host' "$(cat "$MD_TEST_TMP/out")"
out=$(md_ctl connection set "$CC" --webhook "http://127.0.0.1:$RPORT/conn2")
assert_match "set --webhook URL repoints the same webhook" "^webhook $CW now sends to the new URL" "$out"
assert_eq "to the new URL" "http://127.0.0.1:$RPORT/conn2" "$(sql "select url from webhooks where id = $CW")"
md_ctl connection set "$CC" --webhook '' >/dev/null
assert_eq "set --webhook '' removes it" 0 "$(sql "select count(*) from webhooks where id = $CW")"
assert_match "and connection show says none" "^webhook +-$" "$(md_ctl connection show "$CC")"
# A webhook made while the connection is disconnected starts inactive.
md_ctl connection disconnect "$CC" >/dev/null
out=$(md_ctl connection set "$CC" --webhook "http://127.0.0.1:$RPORT/conn")
CW2=$(printf '%s\n' "$out" | sed -n 's/^webhook \([0-9]*\) added.*/\1/p')
assert_match "set --webhook on a connection without one makes one, with its secret" '^secret: whsec_' "$out"
assert_eq "inactive, as its connection" f "$(sql "select active from webhooks where id = '$CW2'")"
md_ctl connection reconnect "$CC" >/dev/null
assert_eq "and active after reconnect" t "$(sql "select active from webhooks where id = '$CW2'")"

# --- two daemons on one database never send a delivery twice
sed -e "s/^lmtp_listen = .*/lmtp_listen = 127.0.0.1:$(md_free_port)/" \
	-e "s/^smtp_listen = .*/smtp_listen = 127.0.0.1:$(md_free_port)/" "$MD_CONF" > "$MD_DIR/d2.conf"
"$top_builddir/daemon/maildeskd" -c "$MD_DIR/d2.conf" 2>>"$MD_DIR/d2.log" &
D2_PID=$!
receiver_stop
for i in $(seq 1 20); do
	lmtp --from "c$i@customer.example" --to support@demo.example --header "From: c$i@customer.example" \
		--header "Subject: Burst $i" --header "Message-Id: <burst$i@customer.example>" --body "burst $i"
done
receiver_start || exit 99
want=$(sql "select count(*) from webhook_deliveries where webhook_id = $WA")
wait_sql "select count(*) from webhook_deliveries where webhook_id = $WA and status <> 'pending'" "$want"
burst=$(rlog a | awk '$3 == "verified"' | grep -c .)
uniq=$(rlog a | awk '$3 == "verified" { print $4 }' | sort -u | grep -c .)
assert_eq "no delivery arrived twice" "$burst" "$uniq"
assert_match "both daemons sent some" "event=webhook.attempt" "$(cat "$MD_DIR/d2.log")"

e2e_done
