#!/bin/sh
# Idempotency-Key on every POST (issue 13), against the real daemon and
# PostgreSQL with curl: 10 concurrent retries of one event WITHOUT an id
# (which nothing else deduplicates), of one chat transcript and of one web
# form submission, each with one key, store one message and give the 10
# clients one same answer; the same key with another body is 422
# idempotency-key-reused on each route; a form's keys are its path's (the
# same key on another form is another submission); the key's records older
# than http_idempotency_ttl are deleted by the daemon's purge at start, and
# a retry after that is a new request.
set -u
. "$top_srcdir/t/e2e-lib.sh"
. "$top_srcdir/t/md-instance.sh"

HTTP_PORT=$(md_free_port)
MD_EXTRA_CONF="http_listen = 127.0.0.1:$HTTP_PORT
http_rate_per_address = 0
http_rate_per_key = 0
http_idempotency_ttl = 2h"
export MD_EXTRA_CONF
URL="http://127.0.0.1:$HTTP_PORT"
md_instance_init "$MD_TEST_TMP/md" || { echo "setup failed"; exit 99; }
md_ctl form add quick --team support --tenant demo --min-fill 0 --field email:required:email \
	--field message:required:text >/dev/null
md_ctl form add other --team support --tenant demo --min-fill 0 --field email:required:email \
	--field message:required:text >/dev/null
KEY=$(md_ctl apikey add --tenant demo --scope intake 2>/dev/null)
W="$MD_TEST_TMP/work"
mkdir -p "$W"
md_daemon_start || exit 99
trap 'md_daemon_stop' EXIT
T=https://maildesk.invalid/problems

# post_json PATH FILE KEY [OUT]: the status; the body in OUT (default $W/body).
post_json() {
	curl -s -o "${4:-$W/body}" -w '%{http_code}' -X POST -H "Authorization: Bearer $KEY" \
		-H 'Content-Type: application/json' -H "Idempotency-Key: $3" --data-binary @"$2" "$URL$1"
}
# post_form FORM BODY KEY [OUT]: the same for a urlencoded form post.
post_form() {
	curl -s -o "${4:-$W/body}" -w '%{http_code}' -X POST -H "Idempotency-Key: $3" --data-binary "$2" "$URL/v1/forms/$1"
}
# race NAME CMD...: runs CMD 10 times at once, CMD's output and its answer's
# body in $W/NAME.code.I and $W/NAME.I.
race() {
	_name=$1
	shift
	_pids=
	for _i in 1 2 3 4 5 6 7 8 9 10; do
		{ "$@" "$W/$_name.$_i"; echo; } > "$W/$_name.code.$_i" &
		_pids="$_pids $!"
	done
	# Only the curls: a bare wait would wait for the daemon too.
	for _p in $_pids; do wait "$_p"; done
}
# msgs ORDER: messages of the tickets of that order.
msgs() { sql "select count(*) from messages m join tickets t on t.id = m.ticket_id where t.order_ref = '$1'"; }

# --- an event without an id: only the key keeps a retry from a second message
cat > "$W/ev.json" <<'JSON'
{"type": "rating.bad_with_comment", "order": "I-1", "customer": {"email": "ida@buyer.example"}, "rating": 1, "comment": "roto"}
JSON
# post_nokey FILE: an event without Idempotency-Key; the status.
post_nokey() {
	curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $KEY" \
		-H 'Content-Type: application/json' --data-binary @"$1" "$URL/v1/events"
}
assert_eq "an event without an id and without a key" 201 "$(post_nokey "$W/ev.json")"
sed 's/"I-1"/"I-2"/' "$W/ev.json" > "$W/ev2.json"
race ev post_json /v1/events "$W/ev2.json" ev-key
assert_eq "10 concurrent retries of one event with one key: one message" 1 "$(msgs I-2)"
assert_eq "every answer 201" 201 "$(cat "$W"/ev.code.* | sort -u)"
assert_eq "and the same body" 1 "$(cat "$W"/ev.[0-9]* | sort -u | wc -l)"
assert_match "the first's: a new draft" '"result": ?"new", ?"draft": ?true, ?"ticket": ?[0-9]+' "$(cat "$W/ev.1")"
assert_eq "one record for the key" 1 "$(sql "select count(*) from http_idempotency where idem_key = 'ev-key'")"
assert_eq "a later retry: the first answer" 201 "$(post_json /v1/events "$W/ev2.json" ev-key)"
assert_eq "the same body" "$(cat "$W/ev.1")" "$(cat "$W/body")"
assert_eq "still one message" 1 "$(msgs I-2)"
sed 's/roto/muy roto/' "$W/ev2.json" > "$W/ev3.json"
assert_eq "the same key with another event: 422" 422 "$(post_json /v1/events "$W/ev3.json" ev-key)"
assert_match "problem idempotency-key-reused" "$T/idempotency-key-reused" "$(cat "$W/body")"
assert_eq "and nothing stored" 1 "$(msgs I-2)"
assert_eq "without a key the same event is stored again (joined)" 200 "$(post_nokey "$W/ev.json")"
assert_eq "(a second message: what the key prevents)" 2 "$(msgs I-1)"

# --- a chat transcript
cat > "$W/chat.json" <<'JSON'
{"chat_id": "c-idem", "participants": [{"id": "u1", "role": "customer", "email": "chad@buyer.example"}],
 "messages": [{"from": "u1", "at": "2026-12-06T10:00:00Z", "text": "hola"}]}
JSON
race chat post_json /v1/chat/transcripts "$W/chat.json" chat-key
assert_eq "10 concurrent retries of one chat: one ticket" 1 "$(sql "select count(*) from tickets where chat_id = 'c-idem'")"
assert_eq "with one message" 1 "$(sql "select count(*) from messages m join tickets t on t.id = m.ticket_id where t.chat_id = 'c-idem'")"
assert_eq "every answer 201" 201 "$(cat "$W"/chat.code.* | sort -u)"
assert_eq "and the same body (new, not duplicate)" 1 "$(cat "$W"/chat.[0-9]* | sort -u | wc -l)"
assert_match "the first's" '"result": ?"new"' "$(cat "$W/chat.1")"
sed 's/hola/adios/' "$W/chat.json" > "$W/chat2.json"
assert_eq "the same key with another transcript: 422" 422 "$(post_json /v1/chat/transcripts "$W/chat2.json" chat-key)"
assert_match "problem idempotency-key-reused" "$T/idempotency-key-reused" "$(cat "$W/body")"

# --- a web form (public: the key is scoped to the form's path)
STAMP=$(curl -s "$URL/v1/forms/quick" | sed -n 's/.*name="md_stamp" value="\([^"]*\)".*/\1/p')
FB="md_stamp=$STAMP&email=fran%40buyer.example&message=una+vez"
race form post_form quick "$FB" form-key
assert_eq "10 concurrent retries of one form post: one ticket" 1 \
	"$(sql "select count(*) from tickets t join contacts c on c.id = t.requester_id where c.email = 'fran@buyer.example'")"
assert_eq "every answer 201" 201 "$(cat "$W"/form.code.* | sort -u)"
assert_eq "and the same body" 1 "$(cat "$W"/form.[0-9]* | sort -u | wc -l)"
assert_eq "the record is the form's path's" "/v1/forms/quick|true" \
	"$(sql "select public_path || '|' || (api_key_id is null) from http_idempotency where idem_key = 'form-key'")"
assert_eq "a browser's retry gets the thank-you page of the same ticket" 201 \
	"$(curl -s -o "$W/page" -w '%{http_code}' -H 'Accept: text/html' -H 'Idempotency-Key: form-key' --data-binary "$FB" "$URL/v1/forms/quick")"
assert_match "naming the ticket" "Your message is ticket $(sed -n 's/.*"ticket": *\([0-9]*\).*/\1/p' "$W/form.1")\." "$(cat "$W/page")"
assert_eq "the same key with another body: 422" 422 "$(post_form quick "$FB+dos" form-key)"
assert_match "problem idempotency-key-reused" "$T/idempotency-key-reused" "$(cat "$W/body")"
OSTAMP=$(curl -s "$URL/v1/forms/other" | sed -n 's/.*name="md_stamp" value="\([^"]*\)".*/\1/p')
assert_eq "the same key on another form is its own submission" 201 \
	"$(post_form other "md_stamp=$OSTAMP&email=fran%40buyer.example&message=una+vez" form-key)"
assert_eq "two tickets of the customer now" 2 \
	"$(sql "select count(*) from tickets t join contacts c on c.id = t.requester_id where c.email = 'fran@buyer.example'")"

# --- the purge: records older than http_idempotency_ttl (2h) go at start
sql "update http_idempotency set created_at = now() - interval '3 hours' where idem_key in ('ev-key', 'chat-key')"
kept=$(sql "select count(*) from http_idempotency where idem_key not in ('ev-key', 'chat-key')")
md_daemon_stop
md_daemon_start || exit 99
if wait_sql "select count(*) from http_idempotency where idem_key in ('ev-key', 'chat-key')" 0; then
	e2e_ok "the records older than http_idempotency_ttl are deleted"
else
	e2e_fail "the records older than http_idempotency_ttl are deleted"
fi
assert_eq "the younger ones are kept" "$kept" "$(sql "select count(*) from http_idempotency")"
assert_match "and the purge is logged" 'event=http.idempotency_purged rows=2 ttl=7200' "$(cat "$MD_DIR/maildeskd.log")"
assert_eq "a retry after the purge is a new request" 200 "$(post_json /v1/events "$W/ev2.json" ev-key)"
assert_match "joining the order's draft" '"result": ?"joined"' "$(cat "$W/body")"
assert_eq "with a second message" 2 "$(msgs I-2)"

e2e_done
