#!/bin/sh
# Intake beyond mail (issue 13, intake 1-3), end to end against the real
# daemon and PostgreSQL with smtp-sink as the relay. maildeskctl part:
# forms are added, listed, shown and removed (bad specs refused); a chat
# transcript becomes a ticket whose first message is the transcript, the
# customer its requester and acknowledged; the same transcript posted again
# changes nothing, a longer one adds to the same ticket; a shop's event
# opens a DRAFT ticket (drafts folder, tagged by type, ticket.created rules
# see event.type), nothing is mailed to the customer until an agent
# answers (then pending and the answer is mailed); a second event of the
# same order and type joins it; a disabled type is ignored, an unknown one
# refused. HTTP part (when http_listen is built): see below.
set -u
. "$top_srcdir/t/e2e-lib.sh"
. "$top_srcdir/t/md-instance.sh"

[ "$(id -u)" = 0 ] || { echo "skipped: smtp-sink needs -u as root here"; exit 77; }
sink_start
HTTP_PORT=$(md_free_port)
MD_EXTRA_CONF="http_listen = 127.0.0.1:$HTTP_PORT
http_rate_per_address = 0
http_rate_per_key = 0"
export MD_EXTRA_CONF
URL="http://127.0.0.1:$HTTP_PORT"
md_instance_init "$MD_TEST_TMP/md" || { echo "setup failed"; exit 99; }
md_ctl team add shop --tenant demo --alias shop@demo.example >/dev/null
md_ctl agent add sam@demo.example --name "Sam" --team shop --tenant demo >/dev/null
md_ctl tenant add other >/dev/null
md_ctl team add help --tenant other --alias help@other.example >/dev/null
W="$MD_TEST_TMP/work"
mkdir -p "$W"
printf 'Thanks, {{customer.email}}: ticket {{ticket.number}}.\n' > "$W/ack.txt"
md_ctl template add ack --team support --tenant demo --file "$W/ack.txt" >/dev/null
md_ctl team set support --tenant demo --autoack ack >/dev/null
md_ctl template add ack --team shop --tenant demo --file "$W/ack.txt" >/dev/null
md_ctl team set shop --tenant demo --autoack ack >/dev/null
md_daemon_start || exit 99
trap 'md_daemon_stop; kill $SINK_PID 2>/dev/null' EXIT

# ctl_err ARGS...: runs maildeskctl, keeps stdout in $out, stderr in $err, the status in $rc.
ctl_err() { md_ctl "$@" >"$W/out" 2>"$W/err"; rc=$?; out=$(cat "$W/out"); err=$(cat "$W/err"); }
# tsql NUMBER EXPR: EXPR of ticket NUMBER (alias t).
tsql() { sql "select $2 from tickets t where t.number = $1"; }

# --- forms: add, list, show, errors
ctl_err form add contact --team support --tenant demo --title 'Contact us' --field name:required \
	--field email:required:email --field order --field subject --field message:required:text
assert_eq "form add exits 0" 0 "$rc"
assert_match "and says so" 'form "contact" added to team "support"' "$out"
ctl_err form add contact --team help --tenant other --field email:required
assert_eq "a form name is unique across tenants" 1 "$rc"
assert_match "saying it exists" 'form "contact" exists already' "$err"
ctl_err form add nomail --team support --tenant demo --field name:required
assert_eq "a form without an email field is refused" 1 "$rc"
assert_match "saying why" 'exactly one email field' "$err"
ctl_err form add bad --team support --tenant demo --field email:required:big
assert_eq "an unknown field word is refused" 1 "$rc"
assert_match "naming it" 'unknown or repeated word "big"' "$err"
ctl_err form add 'Bad Name' --team support --tenant demo --field email:required
assert_eq "a form name outside [a-z0-9_-] is a usage error" 2 "$rc"
ctl_err form add hp --team support --tenant demo --field email:required --field website
assert_eq "the honeypot's name cannot be a field" 1 "$rc"
assert_match "form list shows the form" '^demo +contact +support +Contact us +name:required:line ' \
	"$(md_ctl form list --tenant demo)"
assert_match "form list --json shows every field" \
	'"fields": "name:required:line email:required:email order:order subject:line message:required:text"' \
	"$(md_ctl form list --tenant demo --json)"
assert_eq "form list --tenant other has none of demo's" "[]" "$(md_ctl form list --tenant other --json | tr -d ' \n')"
assert_match "form show --json" '"type": "email"' "$(md_ctl form show contact --json)"
md_ctl form add gone --team help --tenant other --field email:required >/dev/null
ctl_err form remove gone --tenant demo
assert_eq "another tenant's form cannot be removed" 1 "$rc"
ctl_err form remove gone --tenant other
assert_eq "form remove" 0 "$rc"

# --- chat transcripts
cat > "$W/chat1.json" <<'JSON'
{"chat_id": "c-100", "participants": [
  {"id": "u1", "role": "customer", "name": "Carla", "email": "carla@buyer.example"},
  {"id": "a1", "role": "agent", "name": "Bot Bob"}],
 "messages": [
  {"from": "u1", "at": "2026-12-06T10:00:00Z", "text": "Mi pedido 1042 no llegó"},
  {"from": "a1", "at": "2026-12-06T10:00:30Z", "text": "/ticket"}]}
JSON
ctl_err chat post --tenant demo --file "$W/chat1.json"
assert_eq "chat post exits 0" 0 "$rc"
assert_match "a new ticket" '^[0-9]+ new$' "$out"
C1=${out% new}
assert_eq "the requester is the customer" carla@buyer.example \
	"$(tsql "$C1" "(select c.email from contacts c where c.id = t.requester_id)")"
assert_eq "the chat id is stored" c-100 "$(tsql "$C1" chat_id)"
assert_eq "the subject names the customer" "Chat with Carla" "$(tsql "$C1" subject)"
body=$(sql "select m.text_body from messages m join tickets t on t.id = m.ticket_id where t.number = $C1")
assert_match "the first message is the transcript" '^\[2026-12-06T10:00:00Z\] Carla \(customer\):$' "$body"
assert_match "with every message" '^/ticket$' "$body"
assert_eq "stored as customer mail, matched as chat" "in customer chat" \
	"$(sql "select m.direction || ' ' || m.kind || ' ' || m.match_reason from messages m join tickets t on t.id = m.ticket_id where t.number = $C1")"
wait_count carla@buyer.example 1
assert_eq "the customer is acknowledged" 1 "$(count_for carla@buyer.example)"
ctl_err chat post --tenant demo --file "$W/chat1.json"
assert_eq "the same transcript again is a duplicate of the same ticket" "$C1 duplicate" "$out"
sed 's/"text": "\/ticket"}]}/"text": "\/ticket"}, {"from": "u1", "at": "2026-12-06T10:01:00Z", "text": "Gracias"}]}/' \
	"$W/chat1.json" > "$W/chat2.json"
ctl_err chat post --tenant demo --file "$W/chat2.json"
assert_eq "a longer transcript joins the chat's ticket" "$C1 joined" "$out"
assert_eq "which now has two messages" 2 \
	"$(sql "select count(*) from messages m join tickets t on t.id = m.ticket_id where t.number = $C1")"
assert_eq "one chat.reposted event" 1 \
	"$(sql "select count(*) from ticket_events e join tickets t on t.id = e.ticket_id where t.number = $C1 and e.kind = 'chat.reposted'")"
ctl_err chat post --tenant other --file "$W/chat1.json"
assert_match "the same chat id in another tenant is another ticket" '^[0-9]+ new$' "$out"
printf '{"chat_id": "c-2", "participants": [{"id": "u1", "role": "customer", "email": "x@y.example"}], "messages": [{"from": "u9", "text": "hi"}]}' > "$W/bad.json"
ctl_err chat post --tenant demo --file "$W/bad.json"
assert_eq "a message from no participant is refused" 1 "$rc"
assert_match "naming the member" 'messages\[0\]\.from: no participant' "$err"
printf '{"chat_id": "c-3", "color": 1}' > "$W/bad.json"
ctl_err chat post --tenant demo --file "$W/bad.json"
assert_match "an unknown member is named" '"color": unknown member' "$err"

# --- shop events: drafts
cat > "$W/rules.txt" <<'RULES'
rule "bad ratings go to the shop" on ticket.created
  if event.type is "rating.bad_with_comment"
  then
    set priority high
    tag "rated"
end
RULES
md_ctl rule load --team shop --tenant demo "$W/rules.txt" >/dev/null
ctl_err event-type set demo rating.bad_with_comment --team shop --subject 'Valoración mala del pedido {order}'
assert_eq "event-type set" 0 "$rc"
cat > "$W/ev1.json" <<'JSON'
{"type": "rating.bad_with_comment", "id": "ev-1", "order": "1042", "occurred_at": "2026-12-06T11:00:00Z",
 "customer": {"email": "dora@buyer.example", "name": "Dora"}, "rating": 1, "comment": "Llegó roto"}
JSON
before=$(ls "$SINK_DIR" | wc -l)
ctl_err event post --tenant demo --file "$W/ev1.json"
assert_match "an event makes a draft" '^[0-9]+ new draft$' "$out"
E1=${out% new draft}
assert_eq "status draft, order and type, in the type's team" "draft 1042 rating.bad_with_comment shop" \
	"$(tsql "$E1" "t.status || ' ' || t.order_ref || ' ' || t.event_type || ' ' || (select name from teams m where m.id = t.team_id)")"
assert_eq "the subject from the type's template" "Valoración mala del pedido 1042" "$(tsql "$E1" subject)"
assert_eq "tagged by its type, and by the ticket.created rule that saw event.type" "rated,rating-bad-with-comment" \
	"$(sql "select string_agg(g.tag, ',' order by g.tag) from ticket_tags g join tickets t on t.id = g.ticket_id where t.number = $E1")"
assert_eq "the rule set the priority" 2 "$(tsql "$E1" priority)"
assert_match "the text has the comment" '^Llegó roto$' \
	"$(sql "select m.text_body from messages m join tickets t on t.id = m.ticket_id where t.number = $E1")"
assert_match "ticket list --folder drafts shows it" "^$E1 +demo +shop +draft " "$(md_ctl ticket list --folder drafts)"
assert_no_match "the open folder does not" "^$E1 " "$(md_ctl ticket list --folder open)"
assert_no_match "nor the requester's own list (GET /v1/tickets shares it): a draft is internal" "^$E1 " \
	"$(md_ctl ticket list --requester dora@buyer.example --tenant demo)"
wait_count sam@demo.example 1
assert_eq "the team's agent is notified" 1 "$(count_for sam@demo.example)"
sleep 1
assert_eq "nothing is mailed to the customer" 0 "$(count_for dora@buyer.example)"
ctl_err event post --tenant demo --file "$W/ev1.json"
assert_eq "the same event again is a duplicate" "$E1 duplicate" "$out"
sed 's/"ev-1"/"ev-2"/; s/Llegó roto/Y mal embalado/' "$W/ev1.json" > "$W/ev2.json"
ctl_err event post --tenant demo --file "$W/ev2.json"
assert_eq "a second event of the same order and type joins the ticket" "$E1 joined" "$out"
assert_eq "it stays a draft" draft "$(tsql "$E1" status)"
sed 's/"1042"/"2001"/' "$W/ev2.json" > "$W/ev3.json"
ctl_err event post --tenant demo --file "$W/ev3.json"
assert_match "another order is another draft" '^[0-9]+ new draft$' "$out"
printf 'Lo sentimos, Dora: le enviamos otro.\n' > "$W/answer.txt"
md_ctl ticket reply "$E1" --from sam@demo.example --file "$W/answer.txt" >/dev/null
assert_eq "the agent's first answer makes it pending" pending "$(tsql "$E1" status)"
assert_match "and the requester's list shows it now" "^$E1 " "$(md_ctl ticket list --requester dora@buyer.example --tenant demo)"
wait_count dora@buyer.example 1
assert_match "and the answer reaches the customer" 'le enviamos otro' "$(cat $(mail_for dora@buyer.example))"
md_ctl event-type set demo order.action_required --enabled no >/dev/null
printf '{"type": "order.action_required", "order": "7", "customer": {"email": "e@buyer.example"}}' > "$W/ev4.json"
ctl_err event post --tenant demo --file "$W/ev4.json"
assert_eq "a disabled type is ignored" "ignored (the event type is disabled)" "$out"
assert_eq "nothing stored" 0 "$(sql "select count(*) from tickets where order_ref = '7'")"
printf '{"type": "shop.custom", "order": "8", "customer": {"email": "e@buyer.example"}}' > "$W/ev5.json"
ctl_err event post --tenant demo --file "$W/ev5.json"
assert_eq "an unknown type is refused" 1 "$rc"
assert_match "saying how to add it" 'unknown event type "shop.custom"' "$err"
md_ctl event-type set demo shop.custom --tag custom >/dev/null
ctl_err event post --tenant demo --file "$W/ev5.json"
assert_match "a tenant-defined type once set" '^[0-9]+ new draft$' "$out"
list=$(md_ctl event-type list --tenant demo)
assert_match "event-type list: a builtin type" '^demo +order.action_required +yes +no ' "$list"
assert_match "and the tenant's own" '^demo +shop.custom +no +yes +custom ' "$list"
assert_no_match "--tenant filters" '^other ' "$list"
# --- concurrency: 10 events of one order and type at once make one draft;
# 10 posts of one new chat at once make one ticket
for i in 1 2 3 4 5 6 7 8 9 10; do
	sed "s/\"ev-1\"/\"par-$i\"/; s/\"1042\"/\"P-77\"/; s/Llegó roto/Roto $i/" "$W/ev1.json" > "$W/par$i.json"
	sed "s/c-100/c-par/; s/Gracias/Gracias $i/" "$W/chat2.json" > "$W/cpar$i.json"
done
pids=
for i in 1 2 3 4 5 6 7 8 9 10; do md_ctl event post --tenant demo --file "$W/par$i.json" > "$W/par$i.out" 2>&1 & pids="$pids $!"; done
wait $pids
assert_eq "10 events at once: one ticket for the order and type" 1 \
	"$(sql "select count(*) from tickets where order_ref = 'P-77' and event_type = 'rating.bad_with_comment'")"
assert_eq "with the 10 messages" 10 \
	"$(sql "select count(*) from messages m join tickets t on t.id = m.ticket_id where t.order_ref = 'P-77'")"
assert_eq "every post answered" 10 "$(cat "$W"/par*.out | grep -cE '^[0-9]+ (new draft|joined)$')"
pids=
for i in 1 2 3 4 5 6 7 8 9 10; do md_ctl chat post --tenant demo --file "$W/cpar$i.json" > "$W/cpar$i.out" 2>&1 & pids="$pids $!"; done
wait $pids
assert_eq "10 posts of a new chat at once: one ticket" 1 "$(sql "select count(*) from tickets where chat_id = 'c-par'")"
assert_eq "every post answered" 10 "$(cat "$W"/cpar*.out | grep -cE '^[0-9]+ (new|joined)$')"

# --- HTTP: forms (public), chat transcripts and events (intake key)
md_ctl form add quick --team support --tenant demo --min-fill 0 --field email:required:email \
	--field order --field message:required:text >/dev/null
KEY=$(md_ctl apikey add --tenant demo --scope intake 2>/dev/null)
page=$(curl -s "$URL/v1/forms/contact")
assert_match "GET /v1/forms/contact serves the form" '<textarea id="md-message" name="message"' "$page"
assert_match "with the honeypot" 'name="website"' "$page"
STAMP=$(printf '%s\n' "$page" | sed -n 's/.*name="md_stamp" value="\([^"]*\)".*/\1/p')
assert_match "and a signed stamp" '^[0-9]+\.[0-9a-f]{64}$' "$STAMP"
assert_eq "an unknown form is 404" 404 "$(curl -s -o /dev/null -w '%{http_code}' "$URL/v1/forms/nosuch")"
post_form() { curl -s -o "$W/body" -w '%{http_code}' "$@"; }
assert_eq "too fast: 422" 422 "$(post_form --data-urlencode "md_stamp=$STAMP" -d 'name=Ana&email=ana%40x.example&message=Hola' "$URL/v1/forms/contact")"
assert_match "problem form-too-fast" '"type": ?"https://maildesk.invalid/problems/form-too-fast"' "$(cat "$W/body")"
QSTAMP=$(curl -s "$URL/v1/forms/quick" | sed -n 's/.*name="md_stamp" value="\([^"]*\)".*/\1/p')
assert_eq "the honeypot filled: 422" 422 "$(post_form --data-urlencode "md_stamp=$QSTAMP" -d 'website=x&email=ana%40x.example&message=Hola' "$URL/v1/forms/quick")"
assert_match "problem form-spam" 'problems/form-spam' "$(cat "$W/body")"
assert_eq "a forged stamp: 400" 400 "$(post_form -d "md_stamp=1.$(printf '%064d' 0)&email=ana%40x.example&message=Hola" "$URL/v1/forms/quick")"
assert_match "problem form-stamp" 'problems/form-stamp' "$(cat "$W/body")"
assert_eq "an unknown field, a bad email, a missing field: 422" 422 \
	"$(post_form --data-urlencode "md_stamp=$QSTAMP" -d 'admin=1&email=nope' "$URL/v1/forms/quick")"
body=$(cat "$W/body")
assert_match "each field named: unknown" '"field": ?"admin", ?"code": ?"unknown"' "$body"
assert_match "invalid email" '"field": ?"email", ?"code": ?"invalid"' "$body"
assert_match "required message" '"field": ?"message", ?"code": ?"required"' "$body"
# A form's address is typed by anyone: by default it gets no acknowledgement
# (the tenant's --autoack-unauthenticated decides, as for unauthenticated mail).
assert_eq "a submission to a tenant that acknowledges only authenticated requesters: 201" 201 \
	"$(post_form --data-urlencode "md_stamp=$QSTAMP" -d 'email=victim%40elsewhere.example&message=WIN+A+PRIZE&website=' "$URL/v1/forms/quick")"
F0=$(sed -n 's/.*"ticket": *\([0-9]*\).*/\1/p' "$W/body")
assert_eq "its typed-in address gets no acknowledgement" 0 \
	"$(sql "select count(*) from outbound o join tickets t on t.id = o.ticket_id where t.number = ${F0:-0} and o.kind = 'ack'")"
md_ctl tenant set demo --autoack-unauthenticated yes >/dev/null || echo "# tenant set failed"
assert_eq "a good submission: 201" 201 "$(post_form --data-urlencode "md_stamp=$QSTAMP" -d 'email=fay%40buyer.example&order=Q-9&message=Hola%0Aque+tal&website=' "$URL/v1/forms/quick")"
F1=$(sed -n 's/.*"ticket": *\([0-9]*\).*/\1/p' "$W/body")
assert_eq "the form's ticket: requester, order, team" "fay@buyer.example Q-9 support" \
	"$(tsql "$F1" "(select email from contacts c where c.id = t.requester_id) || ' ' || t.order_ref || ' ' || (select name from teams m where m.id = t.team_id)")"
assert_eq "and its acknowledgement is queued with it" 1 \
	"$(sql "select count(*) from outbound o join tickets t on t.id = o.ticket_id where t.number = $F1 and o.kind = 'ack' and o.rcpts = array['fay@buyer.example']")"

printf 'label' > "$W/label.txt"
assert_eq "multipart with a file: 201" 201 "$(post_form -F "md_stamp=$QSTAMP" -F email=gil@buyer.example -F 'message=see file' -F "attachment=@$W/label.txt" "$URL/v1/forms/quick")"
F2=$(sed -n 's/.*"ticket": *\([0-9]*\).*/\1/p' "$W/body")
assert_eq "the file is stored with the message" label.txt \
	"$(sql "select a.filename from attachments a join messages m on m.id = a.message_id join tickets t on t.id = m.ticket_id where t.number = $F2")"
assert_eq "chat without a key: 401" 401 "$(post_form -H 'Content-Type: application/json' --data-binary @"$W/chat1.json" "$URL/v1/chat/transcripts")"
sed 's/c-100/c-http/' "$W/chat1.json" > "$W/chat-http.json"
assert_eq "chat with the intake key: 201" 201 "$(post_form -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' --data-binary @"$W/chat-http.json" "$URL/v1/chat/transcripts")"
assert_eq "posted again: 200 duplicate" 200 "$(post_form -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' --data-binary @"$W/chat-http.json" "$URL/v1/chat/transcripts")"
assert_match "saying so" '"result": ?"duplicate"' "$(cat "$W/body")"
printf '{"chat_id": "x", "participants": 3}' > "$W/badchat.json"
assert_eq "a bad transcript: 422" 422 "$(post_form -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' --data-binary @"$W/badchat.json" "$URL/v1/chat/transcripts")"
sed 's/"ev-1"/"ev-http"/; s/"1042"/"H-1"/' "$W/ev1.json" > "$W/ev-http.json"
assert_eq "an event: 201" 201 "$(post_form -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' --data-binary @"$W/ev-http.json" "$URL/v1/events")"
assert_match "a draft" '"draft": ?true' "$(cat "$W/body")"
sed -i 's/"shop.custom"/"nope.type"/' "$W/ev5.json"
assert_eq "an unknown type: 422" 422 "$(post_form -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' --data-binary @"$W/ev5.json" "$URL/v1/events")"
assert_match "the field is type" '"field": ?"type"' "$(cat "$W/body")"

# --- a real browser (chromium through chromedriver) fills and sends the form
if [ -x /usr/bin/chromedriver ]; then
	out=$(/usr/bin/python3 "$top_srcdir/t/intake-browser.py" "$URL/v1/forms/contact" 3.5 name=Hugo \
		email=hugo@buyer.example order=B-55 'message=Sent from a browser' 2>&1)
	assert_match "the browser shows the thank-you page" 'Your message is ticket [0-9]+' "$out"
	B1=$(printf '%s\n' "$out" | sed -n 's/.*Your message is ticket \([0-9]*\).*/\1/p')
	assert_eq "the browser's ticket" "hugo@buyer.example B-55" \
		"$(tsql "${B1:-0}" "(select email from contacts c where c.id = t.requester_id) || ' ' || t.order_ref")"
	assert_eq "and its acknowledgement is queued with it" 1 \
		"$(sql "select count(*) from outbound o join tickets t on t.id = o.ticket_id where t.number = ${B1:-0} and o.kind = 'ack'")"
else
	e2e_fail "chromium-driver is not installed (build-aux/deps.sh check)"
fi

wait_count fay@buyer.example 1 || wait_count fay@buyer.example 1
assert_eq "the form's acknowledgement reaches the relay" 1 "$(count_for fay@buyer.example)"
wait_count hugo@buyer.example 1 || wait_count hugo@buyer.example 1
assert_eq "and the browser's acknowledgement mail" 1 "$(count_for hugo@buyer.example)"

e2e_done
