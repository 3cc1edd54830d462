#!/bin/sh
# The HTTP API (issue 13), end to end with curl against the real daemon
# and PostgreSQL: keys made, listed and revoked by maildeskctl (a bad,
# unknown or revoked key is 401, a key of another scope 403); unknown
# paths 404, other methods 405; a body over http_max_body 413; a missing or
# wrong field 422 naming it; POST /v1/requests opens a request like
# "maildeskctl request new" and joins it for the same order and reason;
# an Idempotency-Key replays the first answer (another body with it: 422),
# also under 10 concurrent retries, and 10 concurrent requests with
# different keys for one (order, reason) make one ticket; GET /v1/tickets
# lists a requester's tickets of the key's tenant only, paged; the rate
# limit answers 429 with Retry-After; the log names the key's id, never
# the key.
set -u
. "$top_srcdir/t/e2e-lib.sh"
. "$top_srcdir/t/md-instance.sh"

HTTP_PORT=$(md_free_port)
MD_EXTRA_CONF="http_listen = 127.0.0.1:$HTTP_PORT
http_max_body = 64k
http_rate_per_address = 0
http_rate_per_key = 0"
export MD_EXTRA_CONF
md_instance_init "$MD_TEST_TMP/md" || { echo "setup failed"; exit 99; }
md_ctl team add claims --tenant demo --alias claims@demo.example >/dev/null
md_ctl reason add 'Not received' --tenant demo --team claims >/dev/null
md_ctl reason add 'Damaged' --tenant demo >/dev/null
md_ctl tenant add other >/dev/null
md_ctl team add help --tenant other --alias help@other.example >/dev/null
md_ctl reason add 'Not received' --tenant other >/dev/null
W="$MD_TEST_TMP/work"
mkdir -p "$W"
URL="http://127.0.0.1:$HTTP_PORT"

# --- keys
INTAKE=$(md_ctl apikey add --tenant demo --scope intake --name shop 2>"$W/err")
assert_match "apikey add prints a key" '^mdk_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$' "$INTAKE"
assert_match "and says it is shown once" 'shown only now' "$(cat "$W/err")"
INTAKE_ID=$(echo "$INTAKE" | cut -d_ -f2)
READ=$(md_ctl apikey add --tenant demo --scope read 2>/dev/null)
OTHER_READ=$(md_ctl apikey add --tenant other --scope read 2>/dev/null)
ADMIN=$(md_ctl apikey add --tenant demo --scope admin 2>/dev/null)
REVOKED=$(md_ctl apikey add --tenant demo --scope intake 2>/dev/null)
REVOKED_ID=$(echo "$REVOKED" | cut -d_ -f2)
assert_eq "only the key's hash is stored" 0 "$(sql "select count(*) from api_keys where key_sha256 = '$INTAKE' or key_sha256 like '%$(echo "$INTAKE" | cut -d_ -f3)%'")"
assert_eq "the stored hash is the key's SHA-256" "$(printf %s "$INTAKE" | sha256sum | cut -d' ' -f1)" \
	"$(sql "select key_sha256 from api_keys where key_id = '$INTAKE_ID'")"
assert_match "apikey revoke" "API key $REVOKED_ID revoked" "$(md_ctl apikey revoke "$REVOKED_ID")"
md_ctl apikey revoke "$REVOKED_ID" >/dev/null 2>&1
assert_eq "revoking twice fails" 1 "$?"
md_ctl apikey add --tenant demo --scope owner >/dev/null 2>&1
assert_eq "an unknown scope is a usage error" 2 "$?"
list=$(md_ctl apikey list --tenant demo)
assert_match "apikey list shows the name and scope" "$INTAKE_ID +demo +intake +shop" "$list"
assert_no_match "and never the key" "$(echo "$INTAKE" | cut -d_ -f3)" "$list"

md_daemon_start || exit 99
trap 'md_daemon_stop' EXIT

# req METHOD PATH [curl args...]: status in $code, body in $body.
req() {
	_m=$1 _p=$2
	shift 2
	code=$(curl -s -o "$W/body" -w '%{http_code}' -X "$_m" "$@" "$URL$_p")
	body=$(cat "$W/body")
}
post() { _k=$1 _b=$2; shift 2; req POST /v1/requests -H "Authorization: Bearer $_k" -H 'Content-Type: application/json' --data-binary "$_b" "$@"; }
T='https://maildesk.invalid/problems'
BODY='{"order":"1042","reason":"not received","from":"brand@shop.example","message":"The parcel never arrived."}'

# --- authentication and scopes
post '' "$BODY"
assert_eq "no key: 401" 401 "$code"
assert_match "as problem+json with its type" "\"type\":\"$T/unauthorized\"" "$body"
post "mdk_0123456789abcdef_$(printf 'A%.0s' $(seq 1 43))" "$BODY"
assert_eq "an unknown key: 401" 401 "$code"
post "$(echo "$INTAKE" | sed 's/.$/X/')" "$BODY"
assert_eq "a key with a wrong secret: 401" 401 "$code"
assert_match "not told apart from an unknown key" '"detail":"unknown key"' "$body"
post "$REVOKED" "$BODY"
assert_eq "a revoked key: 401" 401 "$code"
post "$READ" "$BODY"
assert_eq "a read key cannot post: 403" 403 "$code"
assert_match "problem forbidden" "$T/forbidden" "$body"
req GET "/v1/tickets?requester=brand@shop.example" -H "Authorization: Bearer $INTAKE"
assert_eq "an intake key cannot read: 403" 403 "$code"
ct=$(curl -s -o /dev/null -w '%{content_type}' -X POST -H 'Content-Type: application/json' --data '{}' "$URL/v1/requests")
assert_eq "problems are application/problem+json" "application/problem+json" "$ct"

# --- paths, methods, sizes, media types
req GET /v1/nothing -H "Authorization: Bearer $ADMIN"
assert_eq "an unknown path: 404" 404 "$code"
assert_match "problem not-found" "$T/not-found" "$body"
req DELETE /v1/requests -H "Authorization: Bearer $ADMIN"
assert_eq "another method: 405" 405 "$code"
head -c 70000 /dev/zero | tr '\0' a > "$W/big"
req POST /v1/requests -H "Authorization: Bearer $INTAKE" -H 'Content-Type: application/json' --data-binary @"$W/big"
assert_eq "a body over http_max_body: 413" 413 "$code"
assert_match "problem body-too-large" "$T/body-too-large" "$body"
req POST /v1/requests -H "Authorization: Bearer $INTAKE" -H 'Content-Type: application/json' -H 'Transfer-Encoding: chunked' --data-binary @"$W/big"
assert_eq "a chunked body over http_max_body: 413" 413 "$code"
req POST /v1/requests -H "Authorization: Bearer $INTAKE" -H 'Content-Type: text/plain' --data-binary "$BODY"
assert_eq "a body that is not JSON by its type: 415" 415 "$code"
post "$INTAKE" '{"order":'
assert_eq "broken JSON: 400" 400 "$code"
assert_match "problem malformed-body" "$T/malformed-body" "$body"

# --- fields
post "$INTAKE" '{"order":"1042","from":"brand@shop.example","message":"x"}'
assert_eq "a missing field: 422" 422 "$code"
assert_match "naming it" '"field":"reason"' "$body"
post "$INTAKE" '{"order":"1042","reason":"nope","from":"brand@shop.example","message":"x"}'
assert_eq "an unknown reason: 422" 422 "$code"
assert_match "naming the reason" '"field":"reason"' "$body"
post "$INTAKE" '{"order":"1042","reason":"damaged","from":"not an address","message":"x"}'
assert_eq "a bad address: 422" 422 "$code"
assert_match "naming from" '"field":"from"' "$body"
post "$INTAKE" '{"order":7,"reason":"damaged","from":"a@b.example","message":"x"}'
assert_match "a number where a string goes names the field" '"field":"order"' "$body"
post "$INTAKE" '{"order":"1","reason":"damaged","from":"a@b.example","message":"x","colour":"red"}'
assert_eq "an unknown member: 422" 422 "$code"
assert_eq "nothing was stored by refused requests" 0 "$(sql "select count(*) from tickets")"

# --- a request opens a ticket, a second joins it
post "$INTAKE" "$BODY"
assert_eq "POST /v1/requests: 201" 201 "$code"
assert_match "with the ticket" '^\{"ticket":[0-9]+,"joined":false\}$' "$body"
T1=$(echo "$body" | sed 's/.*"ticket":\([0-9]*\).*/\1/')
assert_eq "in the reason's team, with order and requester" "claims 1042 brand@shop.example" \
	"$(sql "select m.name || ' ' || t.order_ref || ' ' || c.email from tickets t join teams m on m.id = t.team_id join contacts c on c.id = t.requester_id where t.number = $T1")"
assert_eq "its event names the key's id, never the key" "api:$INTAKE_ID" \
	"$(sql "select actor from ticket_events e join tickets t on t.id = e.ticket_id where t.number = $T1 and kind = 'created'")"
post "$INTAKE" '{"order":"1042","reason":"Not received","from":"brand@shop.example","message":"Still nothing."}'
assert_eq "the same order and reason joins: 200" 200 "$code"
assert_eq "the same ticket" "{\"ticket\":$T1,\"joined\":true}" "$body"

# --- attachments
B64=$(printf 'tracking: 0042\n' | base64)
post "$INTAKE" "{\"order\":\"77\",\"reason\":\"Damaged\",\"from\":\"brand@shop.example\",\"message\":\"photo\",\"attachments\":[{\"filename\":\"label.txt\",\"content_type\":\"text/plain\",\"content_base64\":\"$B64\"}]}"
assert_eq "a request with an attachment: 201" 201 "$code"
T2=$(echo "$body" | sed 's/.*"ticket":\([0-9]*\).*/\1/')
assert_eq "the attachment byte for byte" "$(printf 'tracking: 0042\n' | sha256sum | cut -d' ' -f1)" \
	"$(sql "select a.sha256 from attachments a join messages m on m.id = a.message_id join tickets t on t.id = m.ticket_id where t.number = $T2")"
post "$INTAKE" '{"order":"78","reason":"Damaged","from":"brand@shop.example","message":"x","attachments":[{"filename":"a","content_base64":"!!"}]}'
assert_eq "bad base64: 422" 422 "$code"
assert_match "naming attachments" '"field":"attachments"' "$body"

# --- Idempotency-Key
B3='{"order":"900","reason":"Damaged","from":"idem@shop.example","message":"once"}'
post "$INTAKE" "$B3" -H 'Idempotency-Key: k-1'
assert_eq "first with a key: 201" 201 "$code"
first=$body
post "$INTAKE" "$B3" -H 'Idempotency-Key: k-1'
assert_eq "a retry answers the first status" 201 "$code"
assert_eq "and the first body" "$first" "$body"
assert_eq "one message for the order" 1 "$(sql "select count(*) from messages m join tickets t on t.id = m.ticket_id where t.order_ref = '900'")"
post "$INTAKE" '{"order":"900","reason":"Damaged","from":"idem@shop.example","message":"twice"}' -H 'Idempotency-Key: k-1'
assert_eq "the same key with another body: 422" 422 "$code"
assert_match "problem idempotency-key-reused" "$T/idempotency-key-reused" "$body"
post "$INTAKE" "$B3" -H "Idempotency-Key: $(printf 'x%.0s' $(seq 1 300))"
assert_eq "a too long key: 400" 400 "$code"
assert_match "problem bad-idempotency-key" "$T/bad-idempotency-key" "$body"

# 10 concurrent retries with one key, 10 with different keys for one order
# and reason: one ticket, and one message for the one key.
B4='{"order":"5150","reason":"Damaged","from":"race@shop.example","message":"race"}'
pids=
for i in 1 2 3 4 5 6 7 8 9 10; do
	curl -s -o "$W/same.$i" -w '%{http_code}\n' -X POST -H "Authorization: Bearer $INTAKE" \
		-H 'Content-Type: application/json' -H 'Idempotency-Key: same' --data-binary "$B4" "$URL/v1/requests" > "$W/same.code.$i" &
	pids="$pids $!"
	curl -s -o "$W/diff.$i" -w '%{http_code}\n' -X POST -H "Authorization: Bearer $INTAKE" \
		-H 'Content-Type: application/json' -H "Idempotency-Key: diff-$i" \
		--data-binary '{"order":"6160","reason":"Damaged","from":"race@shop.example","message":"race"}' "$URL/v1/requests" > "$W/diff.code.$i" &
	pids="$pids $!"
done
# Only the curls: a bare wait would wait for the daemon too.
for p in $pids; do wait "$p"; done
assert_eq "10 retries of one key: every answer the same" 1 "$(cat "$W"/same.[0-9]* | sort -u | wc -l)"
assert_eq "all of them 201" "201" "$(cat "$W"/same.code.* | sort -u)"
assert_eq "one ticket for them" 1 "$(sql "select count(*) from tickets where order_ref = '5150'")"
assert_eq "with one message" 1 "$(sql "select count(*) from messages m join tickets t on t.id = m.ticket_id where t.order_ref = '5150'")"
assert_eq "10 keys for one order and reason: one ticket" 1 "$(sql "select count(*) from tickets where order_ref = '6160'")"
assert_eq "with their 10 messages" 10 "$(sql "select count(*) from messages m join tickets t on t.id = m.ticket_id where t.order_ref = '6160'")"
assert_eq "one opened it, nine joined" "200 201" "$(cat "$W"/diff.code.* | sort -u | tr '\n' ' ' | sed 's/ $//')"

# --- GET /v1/tickets
req GET "/v1/tickets?requester=Brand@Shop.example" -H "Authorization: Bearer $READ"
assert_eq "GET /v1/tickets: 200" 200 "$code"
assert_match "lists the requester's tickets" "\"number\":$T1,\"order\":\"1042\"" "$body"
assert_match "with the requester's status words" '"state":"open"' "$body"
req GET "/v1/tickets?requester=brand@shop.example&limit=1" -H "Authorization: Bearer $READ"
assert_match "paged: one ticket and a next offset" '"limit":1,"offset":0,"next_offset":1' "$body"
req GET "/v1/tickets?requester=brand@shop.example&limit=1&offset=1" -H "Authorization: Bearer $READ"
assert_match "the last page has no next offset" '"next_offset":null' "$body"
req GET "/v1/tickets?requester=brand@shop.example&status=solved" -H "Authorization: Bearer $READ"
assert_eq "status filters" '{"tickets":[],"limit":50,"offset":0,"next_offset":null}' "$body"
req GET "/v1/tickets?requester=brand@shop.example" -H "Authorization: Bearer $OTHER_READ"
assert_eq "another tenant's key sees none of them" '{"tickets":[],"limit":50,"offset":0,"next_offset":null}' "$body"
req GET "/v1/tickets?requester=brand@shop.example&status=closed" -H "Authorization: Bearer $READ"
assert_eq "a bad status: 400" 400 "$code"
assert_match "naming it" '"field":"status"' "$body"
req GET "/v1/tickets" -H "Authorization: Bearer $READ"
assert_match "requester is required" '"field":"requester"' "$body"
req GET "/v1/tickets?requester=a@b.example&limit=100000" -H "Authorization: Bearer $READ"
assert_match "limit is bounded" '"field":"limit"' "$body"
req GET "/v1/tickets?requester=a@b.example&requester=c@d.example" -H "Authorization: Bearer $READ"
assert_eq "a parameter given twice: 400" 400 "$code"
req GET "/v1/tickets?requester=a%00@b.example" -H "Authorization: Bearer $READ"
assert_eq "an encoded NUL: 400" 400 "$code"

# --- the log and last use
LOG="$MD_DIR/maildeskd.log"
assert_match "requests are logged with the key's id" "event=http.request .*status=201 key=$INTAKE_ID tenant=" "$(cat "$LOG")"
assert_no_match "never with the key" "$(echo "$INTAKE" | cut -d_ -f3)" "$(cat "$LOG")"
assert_match "last use is recorded" "$INTAKE_ID .*127.0.0.1" "$(md_ctl apikey list --tenant demo)"

# --- rate limits (a restart with small limits)
md_daemon_stop
MD_EXTRA_CONF="http_listen = 127.0.0.1:$HTTP_PORT
http_rate_per_key = 3
http_rate_per_address = 1000"
md_write_conf
md_daemon_start || exit 99
for i in 1 2 3 4; do req GET "/v1/tickets?requester=a@b.example" -H "Authorization: Bearer $READ"; done
assert_eq "the 4th request of a key in a minute: 429" 429 "$code"
hdr=$(curl -s -D - -o /dev/null -H "Authorization: Bearer $READ" "$URL/v1/tickets?requester=a@b.example")
assert_match "with Retry-After" 'Retry-After: [0-9]+' "$hdr"
req GET "/v1/tickets?requester=a@b.example" -H "Authorization: Bearer $ADMIN"
assert_eq "another key is not limited by it" 200 "$code"
md_daemon_stop
MD_EXTRA_CONF="http_listen = 127.0.0.1:$HTTP_PORT
http_rate_per_address = 2"
md_write_conf
md_daemon_start || exit 99
for i in 1 2 3; do req GET "/v1/tickets?requester=a@b.example" -H "Authorization: Bearer $READ"; done
assert_eq "the 3rd request of an address in a minute: 429" 429 "$code"
assert_match "problem rate-limited" "$T/rate-limited" "$body"

md_daemon_stop
assert_eq "maildeskd exits 0" 0 "$?"
trap - EXIT
md_instance_stop
e2e_done
