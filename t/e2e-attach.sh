#!/bin/sh
# Attachments through the mail loop, end to end (issue 12): a customer's
# files reach the agents' notification byte for byte (within the team's
# --notify-attach-max; above it they are listed with the command that
# fetches them), an agent's answer by mail and "ticket reply --attach"
# bring the agent's files to the customer byte for byte with both DKIM
# signatures verifying, "message show --raw" gives back the delivered bytes
# and "attachment get" the original file, and a stranger's file name
# (a path, CR/LF, bidi controls, RFC 2231, 300 characters) is harmless in
# a notification and on disk. Postfix's smtp-sink stands in for every mail
# server; the mail it caught is read with Python's email module.
set -u
. "$top_srcdir/t/e2e-lib.sh"
. "$top_srcdir/t/md-instance.sh"
. "$top_srcdir/t/dkim-dns-stub.sh"
. "$top_srcdir/t/dkim-verify.sh"

[ "$(id -u)" = 0 ] || { echo "skipped: smtp-sink and dnsmasq need root here"; exit 77; }
for p in /usr/sbin/smtp-sink /usr/sbin/dnsmasq /usr/sbin/opendkim /usr/bin/dkimverify; do
	[ -x "$p" ] || { echo "skipped: $p not installed"; exit 77; }
done

SHARED=mail.helpdesk.example
KEYDIR="$MD_TEST_TMP/dkim-keys"
mkdir -m 700 "$KEYDIR"
DNS_STUB_PORT=$(md_free_port)
sink_start
MD_EXTRA_CONF="dkim_key_dir = $KEYDIR
shared_domain = $SHARED
dns_resolver = 127.0.0.1:$DNS_STUB_PORT
dns_trust_anchor ="
md_instance_init "$MD_TEST_TMP/md" || { echo "setup failed"; exit 99; }
trap 'md_daemon_stop; dns_stub_stop; kill $SINK_PID 2>/dev/null' EXIT
. "$top_srcdir/t/dkim-domains.sh"
domain_add "$SHARED" --shared || { echo "domain add failed"; exit 99; }
dns_stub_start || exit 99
domain_verify "$SHARED"
md_daemon_start || exit 99

M="/usr/bin/python3 $top_srcdir/t/attach-mail.py"
W="$MD_TEST_TMP/w"
mkdir -p "$W"
lmtp() { swaks --silent 2 --protocol LMTP --server 127.0.0.1 --port "$MD_LMTP_PORT" "$@"; }
sha() { sha256sum "$1" | cut -d' ' -f1; }
# settled: nothing is being sent (the sink may still write the last mail).
settled() {
	for _i in $(seq 1 300); do
		[ "$(sql "select count(*) from outbound where state = 'sending'")" = 0 ] && return 0
		sleep 0.1
	done
}
# newest ADDR N NAME: waits for the N-th mail to ADDR and copies the newest
# as it was sent (CRLF) to $W/NAME.eml.
newest() {
	wait_count "$1" "$2"
	settled
	dkim_crlf "$(ls -t $(mail_for "$1") | head -1)" "$W/$3.eml"
}
# Both DKIM signatures of a mail as sent verify with both verifiers.
verified() {
	assert_eq "$1: dkimverify passes rsa-sha256 and ed25519-sha256" "pass pass" \
		"$(dkim_py "$2" 0) $(dkim_py "$2" 1)"
	assert_eq "$1: OpenDKIM passes both" "pass rsa-sha256 $SHARED
pass ed25519-sha256 $SHARED" "$(dkim_od "$2")"
}

head -c 200000 /dev/urandom > "$W/photo.bin"
head -c 300000 /dev/urandom > "$W/big.bin"
head -c 50000 /dev/urandom > "$W/answer.bin"
head -c 20000 /dev/urandom > "$W/cli.bin"
printf 'line one\r\nline two  \r\n\r\n.\r\n' > "$W/note.txt"

# --- 1. a customer's binary file reaches the notification byte for byte
$M make "$W/c1.eml" "Carla <carla@customer.example>" support@demo.example "Broken lamp" "<c1@customer.example>" \
	"Photo attached." "$W/photo.bin" photo.jpg image/jpeg "$W/note.txt" "notes.txt" text/plain
lmtp --from carla@customer.example --to support@demo.example --data @"$W/c1.eml" >/dev/null
T=$(sql "select number from tickets where subject = 'Broken lamp'")
newest ana@demo.example 1 n1
parts=$($M parts "$W/n1.eml")
assert_match "the notification carries the photo, bytes unchanged" "^$(sha "$W/photo.bin") image/jpeg 'photo.jpg'$" "$parts"
assert_match "and the text file, CRLF and trailing blanks unchanged" "^$(sha "$W/note.txt") text/plain 'notes.txt'$" "$parts"
body=$($M body "$W/n1.eml")
P1=$(sql "select a.id from attachments a join messages m on m.id = a.message_id where m.message_id = 'c1@customer.example' and a.filename = 'photo.jpg'")
assert_match "its text lists each attachment with its id, type and size" "^  \\[id $P1\\] photo\\.jpg  image/jpeg  200000 bytes$" "$body"
assert_match "and says they are attached" '^They are attached to this mail\.$' "$body"
verified "a notification with attachments" "$W/n1.eml"

# --- 2. above the team's limit they are listed, not carried
assert_match "team set --notify-attach-max sets the limit" 'carry attachments up to 262144 bytes' \
	"$(md_ctl team set support --tenant demo --notify-attach-max 256k)"
assert_eq "the limit is stored" 262144 "$(sql "select notify_attach_max from teams where name = 'support'")"
$M make "$W/c2.eml" "Dora <dora@customer.example>" support@demo.example "Big file" "<c2@customer.example>" \
	"A big one." "$W/big.bin" big.bin application/octet-stream
lmtp --from dora@customer.example --to support@demo.example --data @"$W/c2.eml" >/dev/null
newest ana@demo.example 2 n2
assert_eq "above the limit the notification carries no attachment" "" "$($M parts "$W/n2.eml")"
body=$($M body "$W/n2.eml")
B=$(sql "select a.id from attachments a join messages m on m.id = a.message_id where m.message_id = 'c2@customer.example'")
assert_match "it lists the file" "^  \\[id $B\\] big\\.bin  application/octet-stream  300000 bytes$" "$body"
assert_match "says why it is not attached" "over team \"support\"'s limit of 262144 bytes" "$body"
assert_match "and how to fetch it" '^Fetch one with: maildeskctl attachment get ID -o FILE$' "$body"
assert_match "a bad size is refused" 'invalid --notify-attach-max' \
	"$(md_ctl team set support --tenant demo --notify-attach-max 5X 2>&1)"

# --- 3. maildeskctl gives back the stored bytes
MID=$(sql "select id from messages where message_id = 'c1@customer.example'")
md_ctl message show "$MID" --raw > "$W/raw1.eml"
{ cat "$W/c1.eml"; printf '\r\n'; } > "$W/c1-delivered.eml"
assert_eq "message show --raw is the delivered message, byte for byte" "$(sha "$W/c1-delivered.eml")" "$(sha "$W/raw1.eml")"
assert_match "ticket show lists the attachments with their ids" "^  photo\\.jpg  image/jpeg  200000 bytes  sha256 [0-9a-f]{64}  id $P1$" \
	"$(md_ctl ticket show "$T")"
assert_match "and each message with its id" "^=== Message 1 of [0-9]+ \\(in, id $MID\\) ===$" "$(md_ctl ticket show "$T")"
md_ctl attachment get "$P1" > "$W/got.bin"
assert_eq "attachment get writes the original file to standard output" "$(sha "$W/photo.bin")" "$(sha "$W/got.bin")"
md_ctl attachment get "$B" -o "$W/big-got.bin" >/dev/null
assert_eq "attachment get -o FILE writes it there" "$(sha "$W/big.bin")" "$(sha "$W/big-got.bin")"
assert_match "an unknown attachment is an error" 'attachment 999999 not found' "$(md_ctl attachment get 999999 2>&1)"

# --- 4. a stranger's file names are harmless
hostile=$(printf '../../etc/x\r\nX-Evil: yes')
bidi=$(printf 'invoice\342\200\256fdp.exe')
long=$(printf 'L%.0s' $(seq 1 300)).txt
$M make "$W/c3.eml" "Eve <eve@customer.example>" support@demo.example "Names" "<c3@customer.example>" \
	"Files." "$W/note.txt" "$hostile" application/octet-stream "$W/note.txt" "$bidi" application/octet-stream \
	"$W/note.txt" "Factura año.pdf" application/pdf "$W/note.txt" "$long" text/plain
lmtp --from eve@customer.example --to support@demo.example --data @"$W/c3.eml" >/dev/null
newest ana@demo.example 3 n3
parts=$($M parts "$W/n3.eml")
body=$($M body "$W/n3.eml")
assert_no_match "no carried name keeps a slash, CR or LF" "'.*(/|\\\\r|\\\\n).*'$" "$parts"
assert_match "the path in a name is flattened" "'_\\.\\._etc_x__X-Evil: yes'$" "$parts"
assert_no_match "a CR/LF in a name does not start a header line in the notification" '^X-Evil' "$(tr -d '\r' < "$W/n3.eml")"
assert_match "the listed name is the flattened one" '\] _\.\._etc_x__X-Evil: yes  application/octet-stream' "$body"
assert_match "a bidi control in a listed name is shown as _" '\] invoice_fdp\.exe  ' "$body"
assert_match "an RFC 2231 name is decoded" '\] Factura año\.pdf  application/pdf' "$body"
assert_eq "a 300-character name is cut to 255 bytes, keeping its extension" "255 .txt" \
	"$(sql "select octet_length(filename) || ' ' || right(filename, 4) from attachments where filename like 'LLL%'")"
H=$(sql "select a.id from attachments a join messages m on m.id = a.message_id where m.message_id = 'c3@customer.example' order by a.id limit 1")
mkdir -p "$W/out" "$W/etc"
md_ctl attachment get "$H" -o "$W/out" >/dev/null
assert_eq "attachment get -o DIR writes inside DIR, under the cleaned name" "_.._etc_x__X-Evil: yes" "$(ls "$W/out")"
assert_eq "and nothing outside it" "" "$(ls "$W/etc")"
assert_eq "with the original bytes" "$(sha "$W/note.txt")" "$(sha "$W/out/_.._etc_x__X-Evil: yes")"
assert_match "a second get into DIR does not overwrite the file" 'File exists' "$(md_ctl attachment get "$H" -o "$W/out" 2>&1)"
rm -f "$W/out/"*
ln -s "$W/etc/target" "$W/out/_.._etc_x__X-Evil: yes"
md_ctl attachment get "$H" -o "$W/out" >/dev/null 2>&1
assert_eq "nor write through a symbolic link planted there" "" "$(ls "$W/etc")"

# --- 5. the agent's answer by mail carries the agent's files to the customer
reply_to=$(tr -d '\r' < "$W/n1.eml" | sed -e ':a' -e 'N' -e '$!ba' -e 's/\n[ \t]\+/ /g' |
	sed -n "s/^Reply-To: *\\(support\\.demo+[^ ]*@$SHARED\\).*/\\1/p" | head -1)
$M make "$W/a1.eml" "Ana <ana@demo.example>" "$reply_to" "Re: [#$T] Broken lamp" "<a1@demo.example>" \
	"Here is the return label." "$W/answer.bin" label.pdf application/pdf "$W/note.txt" "steps.txt" text/plain
lmtp --from ana@demo.example --to "$reply_to" --data @"$W/a1.eml" >/dev/null
newest carla@customer.example 1 r1
parts=$($M parts "$W/r1.eml")
assert_match "the agent's file reaches the customer byte for byte" "^$(sha "$W/answer.bin") application/pdf 'label.pdf'$" "$parts"
assert_match "and the text file too" "^$(sha "$W/note.txt") text/plain 'steps.txt'$" "$parts"
assert_match "with the answer" 'Here is the return label' "$($M body "$W/r1.eml")"
verified "an answer with attachments" "$W/r1.eml"
assert_eq "the sent mail is stored with its attachments" 2 \
	"$(sql "select count(*) from attachments a join messages m on m.id = a.message_id join tickets t on t.id = m.ticket_id where t.number = $T and m.direction = 'out'")"

# --- 6. ticket reply --attach does the same from the shell
printf 'The invoice, as promised.\n' > "$W/answer.txt"
cp "$W/cli.bin" "$W/invoice.pdf"
assert_match "ticket reply --attach queues the answer" "ticket $T: answer queued" \
	"$(md_ctl ticket reply "$T" --from ana@demo.example --file "$W/answer.txt" --attach "$W/invoice.pdf" --attach "$W/note.txt")"
newest carla@customer.example 2 r2
parts=$($M parts "$W/r2.eml")
assert_match "the file reaches the customer byte for byte, typed by its name" "^$(sha "$W/cli.bin") application/pdf 'invoice.pdf'$" "$parts"
assert_match "every --attach goes" "^$(sha "$W/note.txt") text/plain 'note.txt'$" "$parts"
verified "ticket reply --attach" "$W/r2.eml"
printf '#note\nInternal.\n' > "$W/note-cmd.txt"
assert_match "--attach with a #note is refused (it would be lost)" 'a note is never sent' \
	"$(md_ctl ticket reply "$T" --from ana@demo.example --file "$W/note-cmd.txt" --attach "$W/note.txt" 2>&1)"
OUT=$(sql "select m.id from messages m join tickets t on t.id = m.ticket_id where t.number = $T and m.direction = 'out' order by m.id desc limit 1")
md_ctl message show "$OUT" --raw > "$W/raw-out.eml"
assert_eq "message show --raw of our own mail is what was queued" \
	"$(sql "select encode(sha256(data), 'hex') from outbound where message_id = (select message_id from messages where id = $OUT)")" \
	"$(sha "$W/raw-out.eml")"

# --- 7. a notification never carries attachments with --notify-attach-max 0
md_ctl team set support --tenant demo --notify-attach-max 0 >/dev/null
$M make "$W/c4.eml" "Carla <carla@customer.example>" support@demo.example "Small file" "<c4@customer.example>" \
	"Tiny." "$W/note.txt" tiny.txt text/plain
lmtp --from carla@customer.example --to support@demo.example --data @"$W/c4.eml" >/dev/null
newest ana@demo.example 4 n4
assert_eq "with the limit 0 nothing is carried" "" "$($M parts "$W/n4.eml")"
assert_match "and the notification says so" 'sends no attachments with notifications' "$($M body "$W/n4.eml")"

e2e_done
