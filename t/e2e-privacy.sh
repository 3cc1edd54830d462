#!/bin/sh
# Privacy (issue 14), end to end over LMTP and maildeskctl: "contact
# export" writes a zip with a customer's tickets, messages, raw mail,
# attachments (byte for byte) and the mail sent to them, and nothing of
# another customer's; "contact erase" leaves no trace of the address, its
# text or its files in any table (pg_dump --data-only of the database)
# while the ticket count stays and another customer's data stays; the
# per-tenant retention purges old raw mail and attachment contents and
# keeps young ones and contents a young message still carries, by hand
# ("retention purge") and by maildeskd. The zip is read with Python's
# zipfile module; old rows are made old with SQL (no test waits for time).
set -u
. "$top_srcdir/t/e2e-lib.sh"
. "$top_srcdir/t/md-instance.sh"

M_PORT=$(md_free_port)
MD_EXTRA_CONF="metrics_listen = 127.0.0.1:$M_PORT"
md_instance_init "$MD_TEST_TMP/md" || { echo "setup failed"; exit 99; }
md_daemon_start || exit 99
trap 'md_daemon_stop' EXIT
W="$MD_TEST_TMP/w"
mkdir -p "$W"
M="/usr/bin/python3 $top_srcdir/t/attach-mail.py"
PY=/usr/bin/python3

lmtp() { swaks --silent 2 --protocol LMTP --server 127.0.0.1 --port "$MD_LMTP_PORT" "$@" >/dev/null 2>&1; }
number_of() { sql "select number from tickets where subject = '$1'"; }
hex() { printf '%s' "$1" | od -An -tx1 | tr -d ' \n'; }
# zip_names ZIP: its member names; zip_cat ZIP NAME: one member's bytes.
zip_names() { $PY -c 'import sys, zipfile; print("\n".join(zipfile.ZipFile(sys.argv[1]).namelist()))' "$1"; }
zip_cat() { $PY -c 'import sys, zipfile; sys.stdout.buffer.write(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]))' "$1" "$2"; }
# zip_grep ZIP BYTES_HEX: the members that hold those bytes.
zip_grep() {
	$PY -c 'import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
print("\n".join(n for n in z.namelist() if bytes.fromhex(sys.argv[2]) in z.read(n)))' "$1" "$2"
}

# --- the customers' mail: carla (two tickets, a photo), bob (one ticket
# that copies carla, one of his own with his own file)
head -c 3000 /dev/urandom > "$W/photo.bin"
head -c 3000 /dev/urandom > "$W/bob.bin"
# A webhook whose receiver never answers: its queued payloads name her.
md_ctl webhook add --tenant demo http://127.0.0.1:9/hook --events ticket.created,message.received >/dev/null ||
	echo "# webhook add failed"
$M make "$W/c1.eml" "Carla Quintana <carla@customer.example>" support@demo.example "Lampara rota" \
	"<c1@customer.example>" "Mi lampara llego rota, zebra-quokka-7731." "$W/photo.bin" photo.jpg image/jpeg
lmtp --from carla@customer.example --to support@demo.example --data @"$W/c1.eml"
printf 'echo pwned\n' > "$W/evil.sh"
$M make "$W/c2.eml" "Carla Quintana <carla@customer.example>" support@demo.example "Segundo pedido" \
	"<c2@customer.example>" "Otro pedido, zebra-quokka-7731 otra vez." "$W/evil.sh" "../../../tmp/evil.sh" text/plain
lmtp --from carla@customer.example --to support@demo.example --data @"$W/c2.eml"
$M make "$W/b1.eml" "Bob <bob@other.example>" "support@demo.example, Carla <carla@customer.example>" \
	"Pedido compartido" "<b1@other.example>" "Bob writes with Carla in copy."
lmtp --from bob@other.example --to support@demo.example --data @"$W/b1.eml"
$M make "$W/b2.eml" "Bob <bob@other.example>" support@demo.example "Bob solo" "<b2@other.example>" \
	"bob-private-phrase here." "$W/bob.bin" bob.pdf application/pdf
lmtp --from bob@other.example --to support@demo.example --data @"$W/b2.eml"
T1=$(number_of "Lampara rota")
T2=$(number_of "Segundo pedido")
TB=$(number_of "Pedido compartido")
TP=$(number_of "Bob solo")
assert_match "four tickets were made" '^[0-9]+ [0-9]+ [0-9]+ [0-9]+$' "$T1 $T2 $TB $TP"
printf 'Hola Carla, te mandamos otra lampara. agent-answer-4242\n' > "$W/answer.txt"
md_ctl ticket reply "$T1" --from ana@demo.example --file "$W/answer.txt" >/dev/null
assert_eq "the answer to carla is queued (no relay)" 1 \
	"$(sql "select count(*) from outbound where 'carla@customer.example' = any(rcpts) and kind = 'reply'")"

# --- contact export
out=$(md_ctl contact export carla@customer.example 2>&1)
assert_eq "export without --tenant is a usage error" 2 "$?"
assert_match "naming --tenant" 'give --tenant' "$out"
out=$(md_ctl contact export nobody@customer.example --tenant demo --output "$W/x.zip" 2>&1)
assert_match "export of an unknown contact says so" '^maildeskctl: no contact nobody@customer\.example in tenant "demo"$' "$out"
out=$(md_ctl contact export carla@customer.example --tenant demo --output "$W/carla.zip" 2>&1)
assert_match "export reports what it wrote" '^contact carla@customer\.example: 3 tickets, [0-9]+ messages, 2 attachments, 1 outbound mails written to .*carla\.zip$' "$out"
Z="$W/carla.zip"
assert_eq "the zip is the owner's alone" 600 "$(stat -c %a "$Z")"
names=$(zip_names "$Z")
for n in contact.json tickets.json messages.mbox outbound.mbox; do
	assert_match "the zip holds $n" "^$n\$" "$names"
done
assert_eq "a stranger's file name never leaves attachments/ nor climbs up" "" \
	"$(printf '%s\n' "$names" | grep -E '(^|/)\.\.(/|$)|^/|^attachments/.*/' )"
assert_match "it is a plain name there" '^attachments/[0-9]+-[^/]*evil\.sh$' "$names"
att=$(printf '%s\n' "$names" | grep '^attachments/.*photo')
assert_match "the attachment is under its id and name" '^attachments/[0-9]+-photo\.jpg$' "$att"
assert_eq "the attachment is byte for byte the customer's file" "$(sha256sum < "$W/photo.bin")" \
	"$(zip_cat "$Z" "$att" | sha256sum)"
m1=$(sql "select m.id from messages m join tickets t on t.id = m.ticket_id where t.number = $T1 and m.kind = 'customer'")
md_ctl message show "$m1" --tenant demo --raw > "$W/m1.raw"
assert_eq "raw/ID.eml is the raw mail as stored, byte for byte" "$(sha256sum < "$W/m1.raw")" \
	"$(zip_cat "$Z" "raw/$m1.eml" | sha256sum)"
mbox=$(zip_cat "$Z" messages.mbox)
assert_match "messages.mbox starts each mail with a From line" '^From carla@customer\.example [A-Z][a-z]{2} [A-Z][a-z]{2} ' "$mbox"
assert_match "messages.mbox holds carla's text" 'zebra-quokka-7731' "$mbox"
assert_match "outbound.mbox holds the answer sent to her" 'agent-answer-4242' "$(zip_cat "$Z" outbound.mbox)"
tickets=$(zip_cat "$Z" tickets.json)
nums=$(printf '%s' "$tickets" | $PY -c 'import json, sys; print(" ".join(str(t["number"]) + ":" + t["role"] for t in json.load(sys.stdin)))')
assert_eq "tickets.json has her tickets and the one she is copied on" "$T1:requester $T2:requester $TB:participant" "$nums"
assert_match "tickets.json has the messages' text" 'Otro pedido, zebra-quokka-7731' "$tickets"
assert_eq "nothing in the zip holds bob's own ticket's text" "" "$(zip_grep "$Z" "$(hex bob-private-phrase)")"
assert_eq "nothing in the zip holds bob's file" "" "$(zip_grep "$Z" "$(head -c 64 "$W/bob.bin" | od -An -tx1 | tr -d ' \n')")"
assert_eq "nothing in the zip names bob's own ticket" "" "$(printf '%s' "$tickets" | grep -c "Bob solo" | grep -v '^0$')"
contact=$(zip_cat "$Z" contact.json)
assert_match "contact.json names the contact" '"email": "carla@customer\.example"' "$contact"
out=$(md_ctl contact export carla@customer.example --tenant demo --output "$Z" 2>&1)
assert_match "an existing file is never overwritten" 'carla\.zip: exists already' "$out"

# --- contact erase
tickets_before=$(sql "select count(*) || '/' || string_agg(status, ',' order by number) from tickets")
out=$(md_ctl contact erase carla@customer.example --tenant demo 2>&1)
assert_eq "erase without --confirm fails" 1 "$?"
assert_match "and says what it would reach, changing nothing" 'on 3 tickets .* nothing changed: to erase it all, run again with --confirm carla@customer\.example' "$out"
assert_eq "the contact is still there" 1 "$(sql "select count(*) from contacts where email = 'carla@customer.example'")"
out=$(md_ctl contact erase carla@customer.example --tenant demo --confirm bob@other.example 2>&1)
assert_eq "a --confirm of another address is a usage error" 2 "$?"
out=$(md_ctl contact erase carla@customer.example --tenant demo --confirm Carla@Customer.example 2>&1)
assert_match "erase reports the placeholder and counts" '^contact carla@customer\.example in tenant "demo" erased as erased-[0-9]+@invalid \(erasure [0-9]+\): 2 tickets kept without their text, [0-9]+ messages emptied, [0-9]+ raw mails, 2 attachment contents and [0-9]+ outbound mails removed$' "$out"
assert_eq "bob's webhook payloads stay" t "$(sql "select count(*) > 0 from webhook_deliveries where payload like '%bob@other.example%'")"
pg_dump --data-only > "$W/dump.sql" 2>/dev/null
assert_eq "no table holds the address (pg_dump --data-only)" 0 "$(grep -ic 'carla@customer\.example' "$W/dump.sql")"
assert_eq "no table holds her name" 0 "$(grep -c 'Quintana' "$W/dump.sql")"
assert_eq "no table holds her text" 0 "$(grep -c 'zebra-quokka' "$W/dump.sql")"
assert_eq "no bytea holds her text" 0 "$(grep -c "$(hex zebra-quokka)" "$W/dump.sql")"
assert_eq "no bytea holds her second file" 0 "$(grep -c "$(hex 'echo pwned')" "$W/dump.sql")"
assert_eq "no bytea holds her file" 0 "$(grep -c "$(head -c 64 "$W/photo.bin" | od -An -tx1 | tr -d ' \n')" "$W/dump.sql")"
assert_eq "no table holds the answer to her" 0 "$(grep -c 'agent-answer-4242' "$W/dump.sql")"
assert_match "bob's own text is still there" 'bob-private-phrase' "$(cat "$W/dump.sql")"
assert_match "bob's file is still there" "$(head -c 64 "$W/bob.bin" | od -An -tx1 | tr -d ' \n')" "$(cat "$W/dump.sql")"
assert_eq "the tickets, their count and statuses stay" "$tickets_before" \
	"$(sql "select count(*) || '/' || string_agg(status, ',' order by number) from tickets")"
assert_match "the ticket bob copied her on keeps his text" 'Bob writes with Carla in copy' \
	"$(sql "select text_body from messages m join tickets t on t.id = m.ticket_id where t.number = $TB")"
assert_eq "she is no participant of bob's ticket any more" 0 \
	"$(sql "select count(*) from ticket_participants p join tickets t on t.id = p.ticket_id where t.number = $TB and p.contact_id = (select id from contacts where email like 'erased-%')")"
assert_eq "the erasure is recorded with the address's hash only" \
	"$(printf carla@customer.example | sha256sum | cut -d' ' -f1)|2" \
	"$(sql "select address_sha256 || '|' || tickets from contact_erasures")"
assert_eq "the requester's tickets record the erasure" 2 "$(sql "select count(*) from ticket_events where kind = 'erased'")"
assert_eq "the unsent answer is failed, never sent" "failed|0" \
	"$(sql "select state || '|' || octet_length(data) from outbound where kind = 'reply'")"
# A retried delivery of her mail (Postfix lost our answer) stays a duplicate
# and brings no raw bytes back.
lmtp --from carla@customer.example --to support@demo.example --data @"$W/c1.eml"
assert_match "a retried delivery after the erase is a duplicate" 'message_id="c1@customer\.example" status=duplicate' \
	"$(cat "$MD_DIR/maildeskd.log")"
assert_eq "and brings no raw bytes back" "0" \
	"$(sql "select sum(octet_length(r.data)) from raw_messages r join messages m on m.raw_sha256 = r.sha256 join tickets t on t.id = m.ticket_id where t.number = $T1 and m.direction = 'in'")"
assert_eq "nor her contact" 0 "$(sql "select count(*) from contacts where email = 'carla@customer.example'")"
sql "insert into contacts (tenant_id, email) select id, 'ana@demo.example' from tenants where name = 'demo'"
out=$(md_ctl contact erase ana@demo.example --tenant demo --confirm ana@demo.example 2>&1)
assert_match "an agent's address is refused" 'ana@demo\.example is an agent of tenant "demo": not erased' "$out"
# An address with regular-expression characters replaces only itself.
lmtp --from eve@x.example --to support@demo.example --header "From: <eve@x.example>" \
	--header "Cc: <d.ra+1@x.example>" --header "Subject: Regex" \
	--body "Ask d.ra+1@x.example, not dXra+1@x.example nor d.ra+11@x.exampleZ."
out=$(md_ctl contact erase D.ra+1@x.example --tenant demo --confirm d.ra+1@x.example 2>&1)
assert_match "a participant is erased" 'erased as erased-[0-9]+@invalid' "$out"
assert_match "only its own address is replaced" '^Ask erased-[0-9]+@invalid, not dXra\+1@x\.example nor d\.ra\+11@x\.exampleZ\.$' \
	"$(sql "select text_body from messages where subject = 'Regex'")"
out=$(md_ctl contact show carla@customer.example --tenant demo 2>&1)
assert_match "contact show no longer finds her" 'no contact carla@customer\.example' "$out"
lmtp --from carla@customer.example --to support@demo.example --header "From: <carla@customer.example>" \
	--header "Subject: Vuelvo" --body "Hola de nuevo."
assert_eq "her next mail starts afresh" 1 "$(sql "select count(*) from contacts where email = 'carla@customer.example'")"

# --- retention
out=$(md_ctl tenant set demo --inbound-retention 5m 2>&1)
assert_eq "a retention under an hour is a usage error" 2 "$?"
out=$(md_ctl tenant set demo --inbound-retention 30d --attachment-retention 60d 2>&1)
assert_match "tenant set --inbound-retention" '^tenant "demo": raw inbound mail purged after 30d \(2592000 seconds\)$' "$out"
assert_match "tenant set --attachment-retention" '^tenant "demo": attachment purged after 60d' "$out"
# old_msg SUBJECT AGE: the message of that subject (and its raw mail and
# attachment contents) received AGE ago.
old_msg() {
	sql "update messages set received_at = now() - interval '$2' where subject = '$1';
	     update raw_messages set created_at = now() - interval '$2' where sha256 in
		(select raw_sha256 from messages where subject = '$1');
	     update blobs set created_at = now() - interval '$2' where sha256 in
		(select a.sha256 from attachments a join messages m on m.id = a.message_id where m.subject = '$1')"
}
raw_kept() { sql "select bool_and(r.purged_at is null and octet_length(r.data) > 0) from raw_messages r join messages m on m.raw_sha256 = r.sha256 where m.subject = '$1'"; }
blob_kept() { sql "select bool_and(b.purged_at is null and octet_length(b.data) > 0) from blobs b join attachments a on a.sha256 = b.sha256 join messages m on m.id = a.message_id where m.subject = '$1'"; }
head -c 2000 /dev/urandom > "$W/shared.bin"
head -c 2000 /dev/urandom > "$W/old.bin"
$M make "$W/r1.eml" "Dora <dora@x.example>" support@demo.example "Old one" "<r1@x.example>" "old text" \
	"$W/old.bin" old.pdf application/pdf
$M make "$W/r2.eml" "Dora <dora@x.example>" support@demo.example "Old shared" "<r2@x.example>" "shared text" \
	"$W/shared.bin" shared.pdf application/pdf
$M make "$W/r3.eml" "Eve <eve@x.example>" support@demo.example "Young shared" "<r3@x.example>" "young text" \
	"$W/shared.bin" shared.pdf application/pdf
$M make "$W/r4.eml" "Eve <eve@x.example>" support@demo.example "Middle" "<r4@x.example>" "middle text" \
	"$W/bob.bin" again.pdf application/pdf
for f in r1 r2 r3 r4; do lmtp --from x@x.example --to support@demo.example --data @"$W/$f.eml"; done
old_msg "Old one" "90 days"
old_msg "Old shared" "90 days"
old_msg "Middle" "45 days"
out=$(md_ctl retention purge --tenant demo 2>&1)
assert_eq "retention purge purges the old raw mails and the old content" \
	"3 raw mails and 1 attachment content purged" "$out"
assert_eq "old raw mail loses its bytes" f "$(raw_kept "Old one")"
assert_eq "old attachment content loses its bytes" f "$(blob_kept "Old one")"
assert_eq "a content a young message also carries stays" t "$(blob_kept "Old shared")"
assert_eq "raw mail younger than 30 days stays" t "$(raw_kept "Young shared")"
assert_eq "an attachment younger than 60 days stays" t "$(blob_kept "Middle")"
assert_eq "the purged rows stay (names, sizes)" "old.pdf|2000" \
	"$(sql "select filename || '|' || size from attachments a join messages m on m.id = a.message_id where m.subject = 'Old one'")"
out=$(md_ctl message show "$(sql "select id from messages where subject = 'Old one'")" --tenant demo 2>&1)
assert_match "message show of purged raw mail says so" 'purged|not found' "$out"
# The same file arriving again brings its bytes back.
$M make "$W/r5.eml" "Dora <dora@x.example>" support@demo.example "Old again" "<r5@x.example>" "again" \
	"$W/old.bin" old.pdf application/pdf
lmtp --from x@x.example --to support@demo.example --data @"$W/r5.eml"
assert_eq "a purged content that arrives again is stored again" t "$(blob_kept "Old again")"
out=$(md_ctl retention purge 2>&1)
assert_eq "a second purge finds nothing" "0 raw mails and 0 attachment contents purged" "$out"

# --- maildeskd purges at start
old_msg "Young shared" "40 days"
md_daemon_stop
md_daemon_start || exit 99
if wait_sql "select bool_and(r.purged_at is not null) from raw_messages r join messages m on m.raw_sha256 = r.sha256 where m.subject = 'Young shared'" t; then
	e2e_ok "maildeskd purges old raw mail when it starts"
else
	e2e_fail "maildeskd purges old raw mail when it starts"
fi
assert_match "maildeskd logs the purge" 'event=inbound\.purged raw=1 attachments=0' "$(cat "$MD_DIR/maildeskd.log")"
metrics=$($PY -c 'import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1]).read().decode())' \
	"http://127.0.0.1:$M_PORT/metrics")
assert_match "and counts it in its metrics" '^maildesk_inbound_purged_total\{kind="raw"\} 1$' "$metrics"
md_daemon_stop
assert_eq "maildeskd stops cleanly with the purge timer" 0 "$?"
out=$(md_ctl tenant set demo --inbound-retention off --attachment-retention off 2>&1)
assert_match "retention off" 'raw inbound mail kept for ever' "$out"

e2e_done
