#!/bin/sh
# Orders (issue 12), end to end: the tenant's order patterns find the order
# in a new ticket's subject or body (bounded on hostile text), an agent sets
# and clears it by mail (not a forger), maildeskctl sets and clears it,
# every change is an event with its source, and the order shows in ticket
# list/show (--json), notifications and templates; rules test and set it;
# the team's order reminder fires once; the tenant's order subject titles
# tickets started about an order. Postfix's smtp-sink stands in for mail
# servers.
set -u
. "$top_srcdir/t/e2e-lib.sh"
. "$top_srcdir/t/md-instance.sh"

[ "$(id -u)" = 0 ] || { echo "skipped: smtp-sink needs -u as root here"; exit 77; }
sink_start
md_instance_init "$MD_TEST_TMP/md" || { echo "setup failed"; exit 99; }
md_daemon_start || exit 99
trap 'md_daemon_stop; kill $SINK_PID 2>/dev/null' EXIT

lmtp() { swaks --silent 2 --protocol LMTP --server 127.0.0.1 --port "$MD_LMTP_PORT" "$@" >/dev/null 2>&1; }
latest_for() { ls -t $(mail_for "$1") 2>/dev/null | head -1; }
customer() { # customer SUBJECT BODY [MSGID]
	lmtp --from carla@customer.example --to support@demo.example \
		--header "From: Carla Customer <carla@customer.example>" --header "Subject: $1" \
		--header "Message-Id: <${3:-$(date +%s%N)}@customer.example>" --body "$2"
}
num() { sql "select number from tickets where subject = '$1'"; }
order_of() { sql "select coalesce(order_ref, '-') from tickets where number = $1"; }
events() { sql "select string_agg(e.kind || ' ' || e.actor || ' ' || e.detail, ' | ' order by e.id) from ticket_events e join tickets t on t.id = e.ticket_id where t.number = $1 and e.kind in ('order', 'shipment', 'sku', 'order_reminder', 'order_reminder.off')"; }

# --- 1. no patterns: nothing is extracted
customer "Where is order 5555?" "Nothing to see."
T0=$(num 'Where is order 5555?')
assert_eq "without patterns nothing is extracted" "-" "$(order_of "$T0")"

# --- patterns are checked when set: a bad one is named with its offset
out=$(md_ctl tenant set demo --order-pattern 'order (\d+' 2>&1); rc=$?
assert_eq "a pattern that does not compile is refused (usage)" 2 "$rc"
assert_match "the refusal names the pattern and the offset" 'order pattern "order \(\\d\+" does not compile at offset [0-9]+' "$out"
assert_eq "and nothing is stored" "{}" "$(sql "select order_patterns from tenants where name = 'demo'")"
assert_match "two patterns are stored, in order" '2 order patterns' \
	"$(md_ctl tenant set demo --order-pattern '(?i)pedido\s*#?\s*([A-Z0-9-]{3,20})' --order-pattern '\bORD-[0-9]{4,}\b')"

# --- extraction from the subject (first capture group), and from the body (whole match)
customer "Pedido #ES-1042 no ha llegado" "Hola, no me llega."
T1=$(num 'Pedido #ES-1042 no ha llegado')
assert_eq "the order is found in the subject (first group)" "ES-1042" "$(order_of "$T1")"
assert_match "an event says it was extracted" '^order mail ES-1042 \(was none, by extract\)$' "$(events "$T1")"
customer "Problem with my purchase" "Hello,
my reference is ORD-98765 and it is late."
T2=$(num 'Problem with my purchase')
assert_eq "the order is found in the body (whole match)" "ORD-98765" "$(order_of "$T2")"
customer "A question" "No reference at all in this mail."
T3=$(num 'A question')
assert_eq "a mail that matches nothing gets no order" "-" "$(order_of "$T3")"

# --- a reply to a ticket without an order is read too; one with an order is not
lmtp --from carla@customer.example --to support@demo.example --header "From: carla@customer.example" \
	--header "Subject: Re: [#$T3] A question" --body "Sorry: pedido 7788."
assert_eq "a reply to a ticket without an order fills it" "7788" "$(order_of "$T3")"
lmtp --from carla@customer.example --to support@demo.example --header "From: carla@customer.example" \
	--header "Subject: Re: [#$T3] A question" --body "Or was it pedido 9999?"
assert_eq "a reply to a ticket with an order does not change it" "7788" "$(order_of "$T3")"

# --- hostile: a catastrophic pattern on a long body is bounded; the mail is stored
md_ctl tenant set demo --order-pattern '(a+)+b' >/dev/null
long=$(head -c 60000 /dev/zero | tr '\0' a)
start=$(date +%s)
customer "Hostile" "$long"
took=$(( $(date +%s) - start ))
T4=$(num 'Hostile')
assert_match "a backtracking pattern on a long body is stopped: the mail is stored" '^[0-9]+$' "$T4"
assert_eq "and it gets no order" "-" "$(order_of "$T4")"
[ "$took" -lt 20 ] && e2e_ok "the delivery did not hang on the pattern (${took}s)" || e2e_fail "delivery took ${took}s"
assert_match "--no-order-pattern clears them" 'no order patterns' "$(md_ctl tenant set demo --no-order-pattern)"
assert_eq "and none are left" "{}" "$(sql "select order_patterns from tenants where name = 'demo'")"

# --- 2. maildeskctl ticket order: set, clear, shipment and sku, with events
assert_eq "ticket order sets it" "ticket $T0: order A-1" "$(md_ctl ticket order "$T0" A-1)"
assert_eq "ticket order --clear clears it" "ticket $T0: order cleared" "$(md_ctl ticket order "$T0" --clear --by ana@demo.example)"
md_ctl ticket order "$T0" B-2 --shipment SHP-9 --sku SKU-3 >/dev/null
assert_eq "the order, shipment and SKU are stored" "B-2 SHP-9 SKU-3" \
	"$(sql "select order_ref || ' ' || shipment_ref || ' ' || sku from tickets where number = $T0")"
assert_eq "each change is an event with its actor, source and old value" \
	"order maildeskctl A-1 (was none, by cli) | order ana@demo.example cleared (was A-1, by cli) | order maildeskctl B-2 (was none, by cli) | shipment maildeskctl SHP-9 (was none, by cli) | sku maildeskctl SKU-3 (was none, by cli)" \
	"$(events "$T0")"
out=$(md_ctl ticket order "$T0" 'bad ref' 2>&1); rc=$?
assert_eq "a reference with a space is refused (usage)" 2 "$rc"
assert_match "with a specific message" 'order "bad ref" is not valid: contains a space' "$out"
out=$(md_ctl ticket order "$T0" "$(head -c 65 /dev/zero | tr '\0' 7)" 2>&1); rc=$?
assert_match "a reference longer than 64 is refused" 'longer than 64 characters' "$out"
assert_eq "and the order stays" "B-2" "$(order_of "$T0")"
assert_eq "setting the same order again changes nothing" "ticket $T0: nothing changed" "$(md_ctl ticket order "$T0" B-2)"

# --- 3. list (column, --order filter), show, --json
out=$(md_ctl ticket list)
assert_match "ticket list has an order column" '^number .* order$' "$out"
assert_match "with the order of each ticket" "^$T1 .* ES-1042\$" "$out"
out=$(md_ctl ticket list --order ES-1042 --json)
assert_eq "--order filters by order" "$T1 ES-1042" \
	"$(printf '%s' "$out" | /usr/bin/python3 -c 'import json,sys; j=json.load(sys.stdin); print(" ".join(str(x) for t in j for x in (t["number"], t["order"])))')"
assert_eq "--order with an unknown order lists nothing" "[]" "$(md_ctl ticket list --order NOPE --json)"
out=$(md_ctl ticket show "$T0")
assert_match "ticket show prints the order" '^Order: +B-2$' "$out"
assert_match "and the shipment" '^Shipment: +SHP-9$' "$out"
assert_match "and the SKU" '^SKU: +SKU-3$' "$out"
assert_match "ticket show of a ticket without one prints -" '^Order: +-$' "$(md_ctl ticket show "$T4")"
out=$(md_ctl ticket show "$T0" --json)
assert_eq "ticket show --json has order, shipment, sku" "B-2 SHP-9 SKU-3" \
	"$(printf '%s' "$out" | /usr/bin/python3 -c 'import json,sys; j=json.load(sys.stdin); print(j["order"], j["shipment"], j["sku"])')"
out=$(md_ctl ticket show "$T1" --json)
assert_eq "without shipment and SKU, --json has the order only" "ES-1042 False False" \
	"$(printf '%s' "$out" | /usr/bin/python3 -c 'import json,sys; j=json.load(sys.stdin); print(j["order"], "shipment" in j, "sku" in j)')"

# --- notifications show it
wait_count ana@demo.example 1
n=$(grep -l "ticket $T1, " $(mail_for ana@demo.example) | head -1)
assert_match "the agent's notification shows the order" '^Order: ES-1042$' "$(cat "$n")"
md_ctl ticket assign "$T1" ana@demo.example >/dev/null
for _i in $(seq 1 100); do
	a=$(grep -l "Ticket $T1, .* is now assigned to you" $(mail_for ana@demo.example) 2>/dev/null | head -1)
	[ -n "$a" ] && break
	sleep 0.1
done
assert_match "so does the mail that a ticket is now the agent's" '^Order: ES-1042$' "$(cat "$a" 2>/dev/null)"

# --- 2. #order by mail: an agent answers the notification of ticket T2
reply_to=$(sed -n 's/^Reply-To: \(support+[^ ]*@demo\.example\).*/\1/p' "$(grep -l "ticket $T2, " $(mail_for ana@demo.example) | head -1)" | head -1)
assert_match "the notification has the agent's reply address" '^support\+' "$reply_to"
lmtp --from ana@demo.example --to "$reply_to" --header "From: Ana <ana@demo.example>" \
	--header "Subject: Re: [#$T2] Problem with my purchase" --body "#order ORD-11111"
assert_eq "#order by the agent sets the order" "ORD-11111" "$(order_of "$T2")"
assert_match "as an event by the agent, source agent" 'order ana@demo.example ORD-11111 \(was ORD-98765, by agent\)' "$(events "$T2")"
before=$(count_for ana@demo.example)
lmtp --from ana@demo.example --to "$reply_to" --header "From: Ana <ana@demo.example>" \
	--header "Subject: Re: [#$T2] Problem with my purchase" --body "#order $(head -c 70 /dev/zero | tr '\0' 9)"
wait_count ana@demo.example $((before + 1))
qp() { /usr/bin/python3 -c 'import quopri,sys; sys.stdout.write(quopri.decodestring(sys.stdin.buffer.read()).decode("utf-8", "replace"))' < "$1"; }
assert_match "a bad #order is answered with the specific error" '#order: "9+\.\.\." is not an order reference: longer than 64 characters' \
	"$(qp "$(latest_for ana@demo.example)")"
assert_eq "and the order stays" "ORD-11111" "$(order_of "$T2")"
# a forged From on the agent's own reply address: stored as untrusted, no change
lmtp --from mallory@evil.example --to "$reply_to" --header "From: Ana <mallory@evil.example>" \
	--header "Subject: Re: [#$T2] Problem with my purchase" --body "#order EVIL-1"
assert_eq "a forged #order is stored as untrusted" "untrusted" "$(sql "select kind from messages where text_body like '#order EVIL-1%'")"
assert_eq "and does not change the order" "ORD-11111" "$(order_of "$T2")"
# a customer writing "#order" to the team's alias changes nothing either
lmtp --from carla@customer.example --to support@demo.example --header "From: carla@customer.example" \
	--header "Subject: Re: [#$T2] Problem with my purchase" --body "#order CUST-1"
assert_eq "a customer's #order is text, not a command" "ORD-11111" "$(order_of "$T2")"
lmtp --from ana@demo.example --to "$reply_to" --header "From: Ana <ana@demo.example>" \
	--header "Subject: Re: [#$T2] Problem with my purchase" --body "#order -"
assert_eq "#order - clears it" "-" "$(order_of "$T2")"
assert_match "as an event" 'order ana@demo.example cleared \(was ORD-11111, by agent\)' "$(events "$T2")"

# --- 3. templates: {{ticket.order}}
printf 'Your order {{ticket.order}} (ticket {{ticket.number}}) is on its way.\n' > "$MD_TEST_TMP/tpl.txt"
md_ctl template add shipped --team support --tenant demo --file "$MD_TEST_TMP/tpl.txt" >/dev/null
printf '#template shipped\n' > "$MD_TEST_TMP/reply.txt"
before=$(count_for carla@customer.example)
md_ctl ticket reply "$T1" --from ana@demo.example --file "$MD_TEST_TMP/reply.txt" >/dev/null
wait_count carla@customer.example $((before + 1))
assert_match "{{ticket.order}} becomes the order in a reply" "Your order ES-1042 \\(ticket $T1\\) is on its way" \
	"$(cat "$(latest_for carla@customer.example)")"

# --- 6. the order subject: tickets started about an order
out=$(md_ctl ticket new --team support --to dora@customer.example --order ES-2000 --from ana@demo.example --file "$MD_TEST_TMP/tpl.txt" 2>&1); rc=$?
assert_eq "ticket new --order without --subject and no order subject fails" "1 maildeskctl: the tenant has no order subject (tenant set --order-subject): give --subject" "$rc $out"
out=$(md_ctl tenant set demo --order-subject 'No {order}' 2>&1); rc=$?
assert_match "an order subject with {order} is taken" "titled \"No {order}\"" "$out"
out=$(md_ctl tenant set demo --order-subject 'Sin pedido' 2>&1); rc=$?
assert_eq "an order subject without {order} is refused" 2 "$rc"
md_ctl tenant set demo --order-subject 'El pedido {order}: su consulta' >/dev/null
T5=$(md_ctl ticket new --team support --to dora@customer.example --order ES-2000 --from ana@demo.example --file "$MD_TEST_TMP/reply.txt")
assert_eq "ticket new --order is titled by the order subject" "El pedido ES-2000: su consulta" \
	"$(sql "select subject from tickets where number = $T5")"
assert_eq "and has the order" "ES-2000" "$(order_of "$T5")"
wait_count dora@customer.example 1
assert_match "its first mail carries that subject" '^Subject: .*El pedido ES-2000: su consulta' "$(cat "$(latest_for dora@customer.example)")"
assert_match "and {{ticket.order}} in its text" 'Your order ES-2000' "$(cat "$(latest_for dora@customer.example)")"

# --- 4. rules: order conditions and actions, in rule test and in real delivery
md_ctl tenant set demo --order-pattern '\b(VIP-[0-9]+)\b' >/dev/null
cat > "$MD_TEST_TMP/rules.txt" <<'RULES'
rule "vip orders" on ticket.created
  if order matches "^VIP-"
  then
    tag "vip-order"
    no order reminder
end
rule "no order yet" on ticket.created
  if order is empty and subject contains "sin pedido"
  then
    set order "UNKNOWN-1"
end
rule "known" on ticket.created
  if order is not empty
  then
    tag "has-order"
end
RULES
cat > "$MD_TEST_TMP/msg.eml" <<'MSG'
From: Carla <carla@customer.example>
To: support@demo.example
Subject: Consulta sin pedido

Hola.
MSG
out=$(md_ctl rule test --team support --tenant demo "$MD_TEST_TMP/rules.txt" "$MD_TEST_TMP/msg.eml")
assert_match "rule test: order is empty matches and sets the order" 'set order "UNKNOWN-1"' "$out"
assert_match "rule test: a later rule sees the order set" 'tag "has-order"' "$out"
out=$(md_ctl rule test --team support --tenant demo --order VIP-9 "$MD_TEST_TMP/rules.txt" "$MD_TEST_TMP/msg.eml")
assert_match "rule test --order: order matches" 'tag "vip-order"' "$out"
assert_match "rule test --order: no order reminder" 'no order reminder' "$out"
assert_no_match "rule test --order: order is empty does not match" 'UNKNOWN-1' "$out"
printf 'rule "bad" on ticket.created then set order "a b" end\n' > "$MD_TEST_TMP/bad.txt"
out=$(md_ctl rule load "$MD_TEST_TMP/bad.txt" --team support 2>&1); rc=$?
assert_match "rule load refuses an invalid order reference with its position" 'bad\.txt:1:[0-9]+: .*order "a b" is not valid' "$out"
md_ctl rule load "$MD_TEST_TMP/rules.txt" --team support >/dev/null
sleep 1
customer "VIP-77 arrived broken" "Please help."
T6=$(num 'VIP-77 arrived broken')
assert_eq "delivery: the extracted order is seen by the rules" "has-order vip-order" \
	"$(sql "select string_agg(g.tag, ' ' order by g.tag) from ticket_tags g join tickets t on t.id = g.ticket_id where t.number = $T6")"
assert_eq "and 'no order reminder' turned the reminder off" "t" "$(sql "select order_reminder_off from tickets where number = $T6")"
customer "Consulta sin pedido" "No tengo el número."
T7=$(num 'Consulta sin pedido')
assert_eq "delivery: set order by a rule" "UNKNOWN-1" "$(order_of "$T7")"
assert_match "recorded with the rule as actor and source rule" 'order rule:no order yet UNKNOWN-1 \(was none, by rule\)' "$(events "$T7")"

# --- 5. the order reminder: once, to the agents, an event; never twice, never when turned off
md_ctl tenant set demo --no-order-pattern >/dev/null
md_ctl rule load "$MD_TEST_TMP/rules.txt" --team support >/dev/null
customer "Reminder please" "No order here."
T8=$(num 'Reminder please')
cat > "$MD_TEST_TMP/off.txt" <<'RULES'
rule "quiet" on ticket.created if subject contains "quiet" then no order reminder end
RULES
md_ctl rule load "$MD_TEST_TMP/off.txt" --team support >/dev/null
sleep 1
customer "Be quiet" "No order either."
T9=$(num 'Be quiet')
assert_eq "no reminder while the team has none set" 0 "$(sql "select count(*) from ticket_events where kind = 'order_reminder'")"
out=$(md_ctl team set support --tenant demo --order-reminder-after 2x 2>&1); rc=$?
assert_eq "a bad duration is refused" 2 "$rc"
before=$(grep -l 'Order missing' $(mail_for ana@demo.example) 2>/dev/null | wc -l)
assert_match "team set --order-reminder-after sets it" 'reminds its agents once' "$(md_ctl team set support --tenant demo --order-reminder-after 2s)"
wait_sql "select count(*) from ticket_events e join tickets t on t.id = e.ticket_id where t.number = $T8 and e.kind = 'order_reminder'" 1
assert_eq "the reminder fires for an open ticket without an order" 1 \
	"$(sql "select count(*) from ticket_events e join tickets t on t.id = e.ticket_id where t.number = $T8 and e.kind = 'order_reminder'")"
for _i in $(seq 1 100); do
	grep -q "ticket $T8, Reminder please" $(grep -l 'Order missing' $(mail_for ana@demo.example) 2>/dev/null) /dev/null 2>/dev/null && break
	sleep 0.1
done
r=$(grep -l "ticket $T8, Reminder please" $(grep -l 'Order missing' $(mail_for ana@demo.example)) | head -1)
assert_match "the agent is mailed about it" 'This ticket has no order yet' "$(cat "$r" 2>/dev/null)"
sql "select pg_notify('maildesk_timers', '')" >/dev/null
sleep 3
sql "select pg_notify('maildesk_timers', '')" >/dev/null
sleep 1
assert_eq "it fires exactly once" 1 \
	"$(sql "select count(*) from ticket_events e join tickets t on t.id = e.ticket_id where t.number = $T8 and e.kind = 'order_reminder'")"
assert_eq "and one mail" 1 "$(grep -l "ticket $T8, Reminder please" $(grep -l 'Order missing' $(mail_for ana@demo.example)) | wc -l)"
assert_eq "not for a ticket a rule turned it off for" 0 \
	"$(sql "select count(*) from ticket_events e join tickets t on t.id = e.ticket_id where t.number = $T9 and e.kind = 'order_reminder'")"
assert_eq "not for a ticket with an order" 0 \
	"$(sql "select count(*) from ticket_events e join tickets t on t.id = e.ticket_id where t.number = $T1 and e.kind = 'order_reminder'")"
# a ticket that gets its order in time is never reminded
md_ctl team set support --tenant demo --order-reminder-after 1h >/dev/null
customer "Late order" "Nothing yet."
T10=$(num 'Late order')
md_ctl ticket order "$T10" L-1 >/dev/null
sql "update tickets set created_at = now() - interval '2 hours' where number = $T10" >/dev/null
sql "select pg_notify('maildesk_timers', '')" >/dev/null
sleep 2
assert_eq "not for a ticket that got its order before the time" 0 \
	"$(sql "select count(*) from ticket_events e join tickets t on t.id = e.ticket_id where t.number = $T10 and e.kind = 'order_reminder'")"
assert_match "off turns it off" 'no order reminder' "$(md_ctl team set support --tenant demo --order-reminder-after off)"

e2e_done
