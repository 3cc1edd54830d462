#!/bin/sh
# Issue 12's lifecycle and finding things, end to end over LMTP and
# maildeskctl: an agent's answer (by mail and from the shell) makes a ticket
# pending, #open keeps it open, #solve and "ticket solve" solve it (its
# ticket.solved rules run), a customer's reply reopens it, and a solved
# ticket closes once after the team's --close-after. Then the requester's
# own list, full-text search in Spanish and English (stemming) with exact
# matches on number, order and requester first, and "contact show".
set -u
. "$top_srcdir/t/e2e-lib.sh"
. "$top_srcdir/t/md-instance.sh"

md_instance_init "$MD_TEST_TMP/md" || { echo "setup failed"; exit 99; }
md_daemon_start || exit 99
trap 'md_daemon_stop' EXIT
tmp=$MD_TEST_TMP

lmtp() { swaks --silent 2 --protocol LMTP --server 127.0.0.1 --port "$MD_LMTP_PORT" "$@" >/dev/null 2>&1; }
# customer FROM SUBJECT BODY [TO]: a customer's mail.
customer() {
	lmtp --from "$1" --to "${4:-support@demo.example}" --header "From: <$1>" --header "Subject: $2" --body "$3"
}
# agent_mail N BODY: ana answers ticket N from her client, through her signed reply address.
agent_mail() {
	lmtp --from ana@demo.example --to "$(md_ctl ticket address "$1" --agent ana@demo.example)" \
		--header "From: Ana <ana@demo.example>" --header "Subject: Re: [#$1]" --body "$2"
}
status_of() { sql "select status from tickets where number = $1"; }
number_of() { sql "select number from tickets where subject = '$1'"; }
events_of() { sql "select string_agg(e.kind || ' ' || e.actor, ',' order by e.id) from ticket_events e join tickets t on t.id = e.ticket_id where t.number = $1 and e.kind in ($2)"; }
replies_of() { sql "select count(*) from messages m join tickets t on t.id = m.ticket_id where t.number = $1 and m.kind = 'reply'"; }

# A ticket.solved rule that tags: the rule event is visible as a tag.
cat > "$tmp/rules.txt" <<'RULES'
rule "Solved" on ticket.solved
  then
    tag "was-solved"
end
RULES
md_ctl rule load "$tmp/rules.txt" --team support >/dev/null || { echo "rule load failed"; exit 99; }

# --- an agent's answer by mail: pending (awaiting the customer)
customer carla@customer.example "Pedido no recibido" "Hola, mi pedido no ha llegado todavía."
T1=$(number_of "Pedido no recibido")
assert_eq "a new ticket is open" open "$(status_of "$T1")"
agent_mail "$T1" "Hola Carla, lo revisamos."
assert_eq "an agent's answer by mail makes it pending" pending "$(status_of "$T1")"
assert_eq "with a pending event by the agent" "pending ana@demo.example" "$(events_of "$T1" "'pending'")"
assert_eq "and the answer goes to the customer" 1 "$(replies_of "$T1")"

# --- the customer answers: open again
customer carla@customer.example "Re: [#$T1] Pedido no recibido" "Sigo esperando."
assert_eq "a customer's reply to a pending ticket reopens it" open "$(status_of "$T1")"
assert_match "recorded as reopened" 'reopened' "$(events_of "$T1" "'reopened'")"

# --- #open: the answer leaves it open
agent_mail "$T1" "#open
Seguimos mirando."
assert_eq "#open keeps the ticket open" open "$(status_of "$T1")"
assert_eq "while the answer is still sent" 2 "$(replies_of "$T1")"

# --- #solve by mail: solved, the ticket.solved rule runs
agent_mail "$T1" "#solve
Ya está enviado."
assert_eq "#solve marks it solved" solved "$(status_of "$T1")"
assert_eq "with its event" "solved ana@demo.example" "$(events_of "$T1" "'solved'")"
assert_eq "and the ticket.solved rule tagged it" "was-solved" \
	"$(sql "select g.tag from ticket_tags g join tickets t on t.id = g.ticket_id where t.number = $T1")"
assert_eq "the tag is recorded as the rule's" "tagged rule:Solved" "$(events_of "$T1" "'tagged'")"
assert_eq "an answer with #solve is sent too" 3 "$(replies_of "$T1")"

# --- a customer's reply to a solved ticket reopens it
customer carla@customer.example "Re: [#$T1] Pedido no recibido" "No, todavía no llegó."
assert_eq "a customer's reply to a solved ticket reopens it" open "$(status_of "$T1")"

# --- maildeskctl ticket reply: pending too; ticket solve: solved
echo "Lo reenviamos hoy." > "$tmp/answer.txt"
assert_match "ticket reply queues the answer" 'answer queued' \
	"$(md_ctl ticket reply "$T1" --from ana@demo.example --file "$tmp/answer.txt")"
assert_eq "an answer with maildeskctl makes it pending" pending "$(status_of "$T1")"
printf '#open\nUn momento.\n' > "$tmp/answer2.txt"
md_ctl ticket reopen "$T1" >/dev/null
md_ctl ticket reply "$T1" --from ana@demo.example --file "$tmp/answer2.txt" >/dev/null
assert_eq "#open in a maildeskctl answer keeps it open" open "$(status_of "$T1")"

# --- close-after: a solved ticket closes once, by the timer
assert_match "team set --close-after sets it" 'solved tickets close after 2s' \
	"$(md_ctl team set support --tenant demo --close-after 2s)"
md_ctl team set support --tenant demo --close-after 3x >/dev/null 2>&1
assert_eq "a bad --close-after is a usage error" 2 $?
assert_match "ticket solve solves it" "ticket $T1 solved" "$(md_ctl ticket solve "$T1" --by ana@demo.example)"
md_ctl ticket solve "$T1" >/dev/null 2>&1
assert_eq "solving a solved ticket fails" 1 $?
assert_eq "each solve is recorded" "solved ana@demo.example,solved ana@demo.example" "$(events_of "$T1" "'solved'")"
wait_sql "select status from tickets where number = $T1" closed
assert_eq "after --close-after the timer closes it" closed "$(status_of "$T1")"
sleep 3
assert_eq "exactly once, recorded as the timer's" "closed timer" "$(events_of "$T1" "'closed'")"

# --- a second and a third ticket of carla: open, and pending
customer carla@customer.example "Factura duplicada" "Me cobraron dos veces el pedido. Ver también el ticket $T1."
T2=$(number_of "Factura duplicada")
customer carla@customer.example "Cambio de dirección" "Quiero cambiar la dirección de entrega."
T3=$(number_of "Cambio de dirección")
agent_mail "$T3" "Claro, ¿cuál es la nueva dirección?"
md_ctl ticket order "$T2" A-1042 >/dev/null
assert_eq "ticket order gives the second ticket an order (orders' command)" 0 $?
customer dora@customer.example "Otra cosa" "Nada que ver."

# --- the requester's list
list=$(md_ctl ticket list --requester carla@customer.example --tenant demo)
assert_match "the requester's list shows an open ticket as Open" "^ *$T2 +A-1042 +Open " "$list"
assert_match "a pending one as Awaiting your reply" "^ *$T3 .*Awaiting your reply" "$list"
assert_match "a closed one as Solved" "^ *$T1 .*Solved" "$list"
assert_no_match "and only the requester's tickets" 'Otra cosa' "$list"
json=$(md_ctl ticket list --requester carla@customer.example --tenant demo --json)
assert_eq "--json gives number, order, status and state" "$T3 None Awaiting your reply awaiting|$T2 A-1042 Open open|$T1 None Solved solved" \
	"$(printf '%s' "$json" | /usr/bin/python3 -c 'import json,sys; print("|".join("%s %s %s %s" % (r["number"], r["order"], r["status"], r["state"]) for r in json.load(sys.stdin)))')"
assert_eq "with created and last activity" "True True" \
	"$(printf '%s' "$json" | /usr/bin/python3 -c 'import json,sys; r=json.load(sys.stdin)[0]; print(r["created"].endswith("Z"), r["last_activity"] >= r["created"])')"
assert_eq "--status awaiting filters" "$T3" \
	"$(md_ctl ticket list --requester carla@customer.example --status awaiting --json | /usr/bin/python3 -c 'import json,sys; print(" ".join(str(r["number"]) for r in json.load(sys.stdin)))')"
md_ctl ticket list --requester carla@customer.example --status pending >/dev/null 2>&1
assert_eq "a status the requester does not see is a usage error" 2 $?

# --- search: Spanish stemming
search() { md_ctl ticket search "$@" --json | /usr/bin/python3 -c 'import json,sys; print(" ".join("%s:%s" % (r["number"], r["match"]) for r in json.load(sys.stdin)))'; }
md_ctl tenant set demo --search-language klingon >/dev/null 2>&1
assert_eq "an unknown search language is refused" 1 $?
md_ctl tenant set demo --search-language "spanish'; drop table tickets; --" >/dev/null 2>&1
assert_eq "a search language that is no name is a usage error" 2 $?
assert_match "tenant set --search-language spanish indexes the messages again" 'search language spanish \([0-9]+ messages indexed again\)' \
	"$(md_ctl tenant set demo --search-language spanish)"
assert_eq "\"pedidos\" finds the messages that say \"pedido\" (body words, Spanish stemming)" "$T1:text $T2:text" \
	"$(search pedidos --tenant demo | tr ' ' '\n' | sort | tr '\n' ' ' | sed 's/ $//')"
assert_eq "a word of one body finds its ticket only" "$T3:text" "$(search 'dirección de entrega' --tenant demo)"
assert_eq "a word nobody wrote finds nothing" "" "$(search bicicleta --tenant demo)"

# --- exact matches first
assert_eq "the order reference matches exactly" "$T2:order" "$(search A-1042 --tenant demo)"
assert_eq "the ticket number first, then the text that names it" "$T1:number $T2:text" "$(search "$T1" --tenant demo)"
assert_eq "the requester's address finds their tickets" "3 requester" \
	"$(search carla@customer.example --tenant demo | tr ' ' '\n' | sed 's/.*://' | sort | uniq -c | sed 's/^ *//')"
assert_eq "--limit and --offset page" "$T2:text" "$(search "$T1" --tenant demo --limit 1 --offset 1)"
md_ctl ticket search pedido --limit 0 >/dev/null 2>&1
assert_eq "--limit 0 is a usage error" 2 $?
assert_eq "search text is data, never SQL" "" "$(search "'); drop table tickets; --" --tenant demo)"
assert_eq "the tickets are all still there" 4 "$(sql "select count(*) from tickets")"

# --- search: English stemming, in another tenant
md_ctl tenant add shop >/dev/null
md_ctl team add help --tenant shop --alias help@shop.example >/dev/null
md_ctl tenant set shop --search-language english >/dev/null
customer erin@customer.example "Where is my parcel" "My parcel was shipped last week and never arrived." help@shop.example
E1=$(number_of "Where is my parcel")
assert_eq "\"shipping\" finds \"shipped\" (English stemming)" "$E1:text" "$(search shipping --tenant shop)"
assert_eq "each tenant searches only its own tickets" "" "$(search shipping --tenant demo)"
assert_eq "and the other way round" "" "$(search pedidos --tenant shop)"
customer carla@customer.example "Otra tienda" "Hola desde la otra tienda." help@shop.example
assert_eq "the requester's list of one tenant leaves out the other's tickets" "3" \
	"$(md_ctl ticket list --requester carla@customer.example --tenant demo --json | /usr/bin/python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')"
assert_eq "and the other tenant lists only its own" "Otra tienda" \
	"$(md_ctl ticket list --requester carla@customer.example --tenant shop --json | /usr/bin/python3 -c 'import json,sys; print(" ".join(r["subject"] for r in json.load(sys.stdin)))')"

# --- contact show
show=$(md_ctl contact show carla@customer.example --tenant demo)
assert_match "contact show names the contact" '^Contact: carla@customer\.example' "$show"
assert_match "with the count of their tickets" '^Tickets \(3\):' "$show"
assert_match "and their orders" '^ *A-1042 +1 ' "$show"
assert_eq "--json: tickets, orders and last activity" "3 A-1042 True" \
	"$(md_ctl contact show carla@customer.example --tenant demo --json | /usr/bin/python3 -c 'import json,sys; c=json.load(sys.stdin); print(len(c["tickets"]), " ".join(o["order"] for o in c["orders"]), c["last_activity"] == max(t["last_activity"] for t in c["tickets"]))')"
md_ctl contact show nobody@customer.example --tenant demo >/dev/null 2>&1
assert_eq "an unknown contact fails" 1 $?

md_daemon_stop
assert_eq "maildeskd exits 0" 0 $?
trap - EXIT
e2e_done
