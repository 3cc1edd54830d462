#!/bin/sh
# Requests about orders (issue 12), end to end against the real daemon and
# PostgreSQL with smtp-sink as the relay: reasons are added, listed and
# removed (refused while an open request has one); "maildeskctl request new"
# opens a ticket with the order and the reason, notifies the agents and
# acknowledges the requester like customer mail; a second request for the
# same order and reason joins the open ticket (a message and an event
# "deduplicated"), also when 20 run at once, in several rounds; after the
# ticket is closed a new request opens a new ticket; the reference is set
# later, shown and evented; ticket.created rules see the reason.
set -u
. "$top_srcdir/t/e2e-lib.sh"
. "$top_srcdir/t/md-instance.sh"

[ "$(id -u)" = 0 ] || { echo "skipped: smtp-sink needs -u as root here"; exit 77; }
sink_start
md_instance_init "$MD_TEST_TMP/md" || { echo "setup failed"; exit 99; }
md_ctl team add claims --tenant demo --alias claims@demo.example >/dev/null
md_ctl agent add carl@demo.example --name "Carl" --team claims --tenant demo >/dev/null
md_ctl tenant add other >/dev/null
md_ctl team add help --tenant other --alias help@other.example >/dev/null
W="$MD_TEST_TMP/work"
mkdir -p "$W"
printf 'Thank you, {{customer.email}}: your request is ticket {{ticket.number}}.\n' > "$W/ack.txt"
md_ctl template add ack --team support --tenant demo --file "$W/ack.txt" >/dev/null
md_ctl team set support --tenant demo --autoack ack >/dev/null
md_daemon_start || exit 99
trap 'md_daemon_stop; kill $SINK_PID 2>/dev/null' EXIT

# ctl_err ARGS...: runs maildeskctl, keeps stdout in $out, stderr in $err, the status in $rc.
ctl_err() { md_ctl "$@" >"$W/out" 2>"$W/err"; rc=$?; out=$(cat "$W/out"); err=$(cat "$W/err"); }
printf 'The parcel never arrived.\n' > "$W/text.txt"
printf 'tracking: 0042\n' > "$W/label.txt"

# --- reasons: add, names unique per tenant ignoring case, list, errors
assert_match "reason add with team and priority" 'reason "Pedido no recibido" added to tenant "demo"' \
	"$(md_ctl reason add 'Pedido no recibido' --tenant demo --team claims --priority high)"
assert_match "reason add without team or priority" 'reason "Cambiar dirección" added' \
	"$(md_ctl reason add 'Cambiar dirección' --tenant demo)"
ctl_err reason add 'CAMBIAR DIRECCIÓN' --tenant demo
assert_eq "the same name in another case is refused" 1 "$rc"
assert_match "saying it exists" 'reason "CAMBIAR DIRECCIÓN" exists already' "$err"
assert_match "another tenant may have the same name" 'added to tenant "other"' \
	"$(md_ctl reason add 'Cambiar dirección' --tenant other)"
ctl_err reason add 'Roto' --tenant demo --priority normal
assert_eq "an unknown priority is a usage error" 2 "$rc"
ctl_err reason add 'Roto' --tenant demo --team nosuch
assert_eq "an unknown team is refused" 1 "$rc"
ctl_err reason add "$(printf 'bad\tname')" --tenant demo
assert_eq "a control character in a name is a usage error" 2 "$rc"
list=$(md_ctl reason list --tenant demo)
assert_match "reason list shows team and priority" '^Pedido no recibido +claims +high +0 +0 ' "$list"
assert_match "and the reason without them" '^Cambiar dirección ' "$list"
json=$(md_ctl reason list --tenant demo --json)
assert_match "reason list --json" '"name": "Pedido no recibido"' "$json"
assert_match "with its open requests as a number" '"open_requests": 0' "$json"

# --- a request opens a ticket with order and reason, in the reason's team
ctl_err request new --tenant demo --order 1042 --reason 'pedido NO recibido' --from brand@shop.example \
	--file "$W/text.txt" --attach "$W/label.txt"
assert_eq "request new exits 0" 0 "$rc"
assert_match "it prints the number and new" '^[0-9]+ new$' "$out"
T1=${out% new}
assert_eq "the ticket has the order" 1042 "$(sql "select order_ref from tickets where number = $T1")"
assert_eq "and the reason (found ignoring case)" "Pedido no recibido" \
	"$(sql "select r.name from tickets t join reasons r on r.id = t.reason_id where t.number = $T1")"
assert_eq "the reason's team and priority" "claims 2" \
	"$(sql "select m.name || ' ' || t.priority from tickets t join teams m on m.id = t.team_id where t.number = $T1")"
assert_eq "the default subject, without an order subject template" "Order 1042: Pedido no recibido" \
	"$(sql "select subject from tickets where number = $T1")"
assert_eq "the requester is the brand" brand@shop.example \
	"$(sql "select c.email from tickets t join contacts c on c.id = t.requester_id where t.number = $T1")"
assert_eq "its first message is customer mail from the brand to the team, with the attachment" \
	"in customer brand@shop.example claims@demo.example 1" \
	"$(sql "select m.direction || ' ' || m.kind || ' ' || m.from_addr || ' ' || m.rcpt || ' ' || (select count(*) from attachments a where a.message_id = m.id) from messages m join tickets t on t.id = m.ticket_id where t.number = $T1")"
assert_eq "its text body is the file" "The parcel never arrived." \
	"$(sql "select text_body from messages m join tickets t on t.id = m.ticket_id where t.number = $T1")"
assert_eq "the attachment byte for byte" "$(sha256sum < "$W/label.txt" | cut -d' ' -f1)" \
	"$(sql "select a.sha256 from attachments a join messages m on m.id = a.message_id join tickets t on t.id = m.ticket_id where t.number = $T1")"
assert_eq "the raw message is kept" 1 \
	"$(sql "select count(*) from raw_messages r join messages m on m.raw_sha256 = r.sha256 join tickets t on t.id = m.ticket_id where t.number = $T1")"
wait_count carl@demo.example 1
assert_eq "the team's agent is notified like for mail" 1 "$(count_for carl@demo.example)"
assert_match "the notification carries the request's text" 'The parcel never arrived' "$(cat $(mail_for carl@demo.example))"
assert_eq "the agent of another team is not" 0 "$(count_for ana@demo.example)"
assert_eq "claims has no acknowledgement template: the brand gets none" 0 "$(count_for brand@shop.example)"
show=$(md_ctl ticket show "$T1")
assert_match "ticket show has the order" '^Order: +1042$' "$show"
assert_match "and the reason" '^Reason: +Pedido no recibido$' "$show"
assert_match "and no reference yet" '^Reference: +-$' "$show"
assert_match "the created event says it is a request" 'created +maildeskctl +request by brand@shop\.example for order 1042: Pedido no recibido' "$show"

# --- the requester is acknowledged like a mail-born ticket (support acknowledges)
ctl_err request new --order A-7 --reason 'Cambiar dirección' --from buyer@shop.example --file "$W/text.txt" \
	--subject 'New address for A-7' --tenant demo
T2=${out% new}
assert_match "a reason without team goes to the tenant's first team" '^[0-9]+ new$' "$out"
assert_eq "support, priority medium, the given subject" "support 1 New address for A-7" \
	"$(sql "select m.name || ' ' || t.priority || ' ' || t.subject from tickets t join teams m on m.id = t.team_id where t.number = $T2")"
wait_count buyer@shop.example 1
assert_eq "the requester gets the acknowledgement at the relay" 1 "$(count_for buyer@shop.example)"
ack=$(cat "$(mail_for buyer@shop.example)")
assert_match "it is the team's template, with the ticket number" "your request is ticket $T2\\." "$ack"
assert_match "from the team's alias, the ticket tag in its subject" "^Subject: .*\\[#$T2\\] New address for A-7" "$ack"
wait_count ana@demo.example 1
assert_eq "support's agent is notified" 1 "$(count_for ana@demo.example)"

# --- the same order and reason again: joined, a message and an event
ctl_err request new --tenant demo --order 1042 --reason 'Pedido no recibido' --from brand@shop.example \
	--file "$W/text.txt"
assert_eq "a second request for the same order and reason joins the ticket" "$T1 joined" "$out"
assert_eq "one ticket, two messages" "1 2" \
	"$(sql "select count(*), sum((select count(*) from messages m where m.ticket_id = t.id)) from tickets t where order_ref = '1042'" | tr '|' ' ')"
assert_match "the event deduplicated" 'deduplicated +maildeskctl +request by brand@shop\.example for order 1042: Pedido no recibido joined this open request' \
	"$(md_ctl ticket show "$T1")"
wait_count carl@demo.example 2
assert_eq "the agent is notified of the new message" 2 "$(count_for carl@demo.example)"
json=$(md_ctl request new --tenant demo --order 1042 --reason 'Pedido no recibido' --from brand@shop.example \
	--file "$W/text.txt" --json)
assert_match "request new --json: the number" "\"number\": $T1" "$json"
assert_match "request new --json: joined" '"joined": true' "$json"
ctl_err request new --tenant demo --order 1043 --reason 'Pedido no recibido' --from brand@shop.example --file "$W/text.txt"
assert_match "another order is another request" '^[0-9]+ new$' "$out"
# the tenant's order subject template titles a request given no subject
md_ctl tenant set demo --order-subject 'El pedido {order} necesita una acción' >/dev/null
ctl_err request new --tenant demo --order 1044 --reason 'Pedido no recibido' --from brand@shop.example --file "$W/text.txt"
assert_eq "the order subject template, with the reason after it" \
	"El pedido 1044 necesita una acción (Pedido no recibido)" \
	"$(sql "select subject from tickets where number = ${out% new}")"
md_ctl tenant set demo --no-order-subject >/dev/null
md_ctl ticket close "${out% new}" >/dev/null
ctl_err request new --tenant demo --order 1042 --reason 'Cambiar dirección' --from brand@shop.example --file "$W/text.txt"
assert_match "another reason for the same order too" '^[0-9]+ new$' "$out"
ctl_err request new --tenant other --order 1042 --reason 'Cambiar dirección' --from brand@shop.example --file "$W/text.txt"
assert_match "and the same order and reason in another tenant" '^[0-9]+ new$' "$out"
ctl_err request new --tenant demo --order 1042 --reason 'Nope' --from brand@shop.example --file "$W/text.txt"
assert_eq "an unknown reason is refused" 1 "$rc"
assert_match "naming it" 'reason "Nope" not found' "$err"
ctl_err request new --tenant demo --order 1042 --reason 'Pedido no recibido' --from brand@shop.example
assert_eq "without --file: a usage error" 2 "$rc"

# --- concurrency: 20 at once, 3 rounds, each round one order: one ticket
for round in 1 2 3; do
	i=0
	pids=
	while [ $i -lt 20 ]; do
		md_ctl request new --tenant demo --order "R$round" --reason 'Cambiar dirección' \
			--from "c$i@shop.example" --file "$W/text.txt" > "$W/par.$round.$i" 2>&1 &
		pids="$pids $!"
		i=$((i + 1))
	done
	# shellcheck disable=SC2086 # one word per process
	wait $pids
	outs=$(cat "$W"/par.$round.*)
	assert_eq "round $round: every request answered" 20 "$(printf '%s\n' "$outs" | grep -Ec '^[0-9]+ (new|joined)$')"
	assert_eq "round $round: exactly one is new" 1 "$(printf '%s\n' "$outs" | grep -c ' new$')"
	assert_eq "round $round: all name the same ticket" 1 "$(printf '%s\n' "$outs" | cut -d' ' -f1 | sort -u | wc -l | tr -d ' ')"
	assert_eq "round $round: one ticket, 20 messages, 19 deduplicated events" "1 20 19" \
		"$(sql "select count(*), sum((select count(*) from messages m where m.ticket_id = t.id)), sum((select count(*) from ticket_events e where e.ticket_id = t.id and e.kind = 'deduplicated')) from tickets t where order_ref = 'R$round'" | tr '|' ' ')"
done

# --- closed: the next request opens a new ticket; removing a reason
ctl_err reason remove 'Pedido no recibido' --tenant demo
assert_eq "removing a reason an open request has is refused" 1 "$rc"
assert_match "saying why" 'reason "Pedido no recibido" is used by 2 open requests: close them first' "$err"
md_ctl ticket close "$T1" >/dev/null
ctl_err request new --tenant demo --order 1042 --reason 'Pedido no recibido' --from brand@shop.example --file "$W/text.txt"
assert_match "after the ticket is closed a request opens a new one" '^[0-9]+ new$' "$out"
T3=${out% new}
assert_eq "a different ticket" 1 "$([ "$T3" != "$T1" ] && echo 1)"
# a reply to the closed request while the new one is open: stored on it,
# answered 250, but not reopened (one open request per order and reason;
# reopening it used to break the unique index and defer the mail for ever)
first=$(sql "select m.message_id from messages m join tickets t on t.id = m.ticket_id where t.number = $T1 order by m.id limit 1")
n1=$(sql "select count(*) from messages m join tickets t on t.id = m.ticket_id where t.number = $T1")
swaks --silent 2 --protocol LMTP --server 127.0.0.1 --port "$MD_LMTP_PORT" --from brand@shop.example \
	--to claims@demo.example --header "Subject: Re: the old request" --header "In-Reply-To: <$first>" \
	--body "Still nothing." >/dev/null
assert_eq "the reply to the closed request is accepted" 0 "$?"
assert_eq "it is stored on the closed request" $((n1 + 1)) \
	"$(sql "select count(*) from messages m join tickets t on t.id = m.ticket_id where t.number = $T1")"
assert_eq "which stays closed, the new one open" "closed open" \
	"$(sql "select (select status from tickets where number = $T1) || ' ' || (select status from tickets where number = $T3)")"
assert_eq "and says why it was not reopened" 1 \
	"$(sql "select count(*) from ticket_events e join tickets t on t.id = e.ticket_id where t.number = $T1 and e.kind = 'reopen.skipped'")"
# an agent may not reopen it either, nor take a request's order away: a
# clear refusal (by mail the same check refuses the commands: the reply
# file of "ticket reply" is read by it), never a failed transaction
ctl_err ticket reopen "$T1"
assert_eq "reopening the old request is refused" 1 "$rc"
assert_match "naming the open one" "request #$T3 for the same order and reason is open" "$err"
printf '#open\nWe will look again.\n' > "$W/reopen.txt"
ctl_err ticket reply "$T1" --from carl@demo.example --file "$W/reopen.txt"
assert_eq "so is #open in an answer" 1 "$rc"
assert_match "with the line and the reason" "line 1: #open: request #$T3 for the same order and reason is open" "$err"
assert_eq "the old request stays closed, nothing was sent" "closed 0" \
	"$(sql "select t.status || ' ' || (select count(*) from outbound o where o.ticket_id = t.id and o.kind = 'reply') from tickets t where t.number = $T1")"
ctl_err ticket order "$T3" --clear
assert_eq "a request's order cannot be cleared" 1 "$rc"
assert_match "saying why" 'a request keeps its order' "$err"
assert_eq "it keeps it" 1042 "$(sql "select order_ref from tickets where number = $T3")"
md_ctl ticket close "$T3" >/dev/null
md_ctl ticket close "$(sql "select number from tickets where order_ref = '1043'")" >/dev/null
ctl_err reason remove 'pedido no recibido' --tenant demo
assert_eq "once its requests are closed it can be removed" 0 "$rc"
assert_no_match "it is no longer listed" 'Pedido no recibido' "$(md_ctl reason list --tenant demo)"
assert_match "its closed requests keep it" '^Reason: +Pedido no recibido$' "$(md_ctl ticket show "$T1")"
ctl_err request new --tenant demo --order 1042 --reason 'Pedido no recibido' --from brand@shop.example --file "$W/text.txt"
assert_eq "a removed reason takes no request" 1 "$rc"
ctl_err reason add 'Pedido no recibido' --tenant demo
assert_eq "its name can be added again" 0 "$rc"
ctl_err reason remove 'Nope' --tenant demo
assert_eq "removing an unknown reason fails" 1 "$rc"

# --- the reference, filled in later
ctl_err request set "$T2" --reference 'CLAIM-77'
assert_eq "request set --reference" "ticket $T2: reference set to CLAIM-77" "$out"
ctl_err request set "$T2" --reference 'CLAIM-77'
assert_eq "the same again changes nothing" "ticket $T2: reference already CLAIM-77" "$out"
show=$(md_ctl ticket show "$T2")
assert_match "ticket show has it" '^Reference: +CLAIM-77$' "$show"
assert_eq "one event" 1 "$(printf '%s\n' "$show" | grep -Ec 'reference +maildeskctl +set to CLAIM-77')"
json=$(md_ctl ticket show "$T2" --json)
assert_match "ticket show --json: the request object" '"reference": "CLAIM-77"' "$json"
assert_match "with order and reason" '"reason": "Cambiar dirección"' "$json"
ctl_err request set "$T2" --reference ''
assert_eq "an empty reference clears it" "ticket $T2: reference cleared" "$out"
assert_eq "stored as NULL" "t" "$(sql "select request_ref is null from tickets where number = $T2")"
lamp=$(sql "select min(number) from tickets where reason_id is null")
if [ -z "$lamp" ]; then
	printf 'From: x@customer.example\nTo: support@demo.example\nSubject: hi\n\nhello\n' > "$W/m.eml"
	swaks --silent 2 --protocol LMTP --server 127.0.0.1 --port "$MD_LMTP_PORT" --from x@customer.example \
		--to support@demo.example --data @"$W/m.eml" >/dev/null 2>&1
	lamp=$(sql "select min(number) from tickets where reason_id is null")
fi
ctl_err request set "$lamp" --reference X
assert_eq "a ticket that is no request has no reference" 1 "$rc"
assert_match "saying so" "ticket $lamp is no request" "$err"
assert_match "its --json has request null" '"request": null' "$(md_ctl ticket show "$lamp" --json)"

# --- ticket.created rules see the reason
cat > "$W/rules.txt" <<'RULES'
rule "address changes are urgent" on ticket.created
  if reason is "Cambiar dirección"
  then
    set priority urgent
    tag "address"
end
RULES
md_ctl rule load --team support --tenant demo "$W/rules.txt" >/dev/null
ctl_err request new --tenant demo --order B-1 --reason 'cambiar dirección' --from buyer2@shop.example --file "$W/text.txt"
T4=${out% new}
assert_eq "a ticket.created rule on reason matched" "3 address" \
	"$(sql "select t.priority || ' ' || coalesce((select string_agg(tag, ',') from ticket_tags g where g.ticket_id = t.id), '') from tickets t where number = $T4")"
ctl_err request new --tenant demo --order B-2 --reason 'Pedido no recibido' --from buyer2@shop.example --file "$W/text.txt"
T5=${out% new}
assert_eq "and not for another reason" "1 " \
	"$(sql "select t.priority || ' ' || coalesce((select string_agg(tag, ',') from ticket_tags g where g.ticket_id = t.id), '') from tickets t where number = $T5")"

e2e_done
