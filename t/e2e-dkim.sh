#!/bin/sh
# DKIM end to end: customers mail in, agents answer, the answers leave
# through the outbound queue to Postfix's smtp-sink, and what the sink
# received is verified by two verifiers we did not write, python3-dkim's
# dkimverify and OpenDKIM, both fetching the public keys from a local DNS
# stub (dnsmasq) that serves the records "maildeskctl domain show" prints,
# for both algorithms: from the shared domain while the
# team's own domain is unverified, then from the verified custom domain, on
# a corpus (UTF-8 subject, attachment, a line longer than 998 bytes).
# Tampered copies fail. A key file others can read defers the mail instead
# of sending it unsigned; a key directory others can enter stops maildeskd
# from starting. The shared domain's address space is the provider's: no
# tenant gets an alias or a sending domain on or under it, its key signs
# only a tenant's own ALIASLOCAL.TENANT, and a shared address two teams
# would share is nobody's.
set -u
. "$top_srcdir/t/e2e-lib.sh"
. "$top_srcdir/t/md-instance.sh"
. "$top_srcdir/t/dkim-dns-stub.sh"
. "$top_srcdir/t/dkim-verify.sh"

[ "$(id -u)" = 0 ] || { echo "skipped: smtp-sink and dnsmasq need root here"; exit 77; }
for p in /usr/sbin/smtp-sink /usr/sbin/dnsmasq /usr/sbin/opendkim /usr/bin/dkimverify /usr/bin/openssl; do
	[ -x "$p" ] || { echo "skipped: $p not installed"; exit 77; }
done

SHARED=mail.helpdesk.example
KEYDIR="$MD_TEST_TMP/dkim-keys"
mkdir -m 700 "$KEYDIR"
DNS_STUB_PORT=$(md_free_port)
sink_start
# The stub is unsigned: no DNSSEC validation here (e2e-domain tests it).
MD_EXTRA_CONF="dkim_key_dir = $KEYDIR
shared_domain = $SHARED
dns_resolver = 127.0.0.1:$DNS_STUB_PORT
dns_trust_anchor =
log_level = debug"
md_instance_init "$MD_TEST_TMP/md" || { echo "setup failed"; exit 99; }
trap 'md_daemon_stop; dns_stub_stop; kill $SINK_PID 2>/dev/null' EXIT

lmtp() { swaks --silent 2 --protocol LMTP --server 127.0.0.1 --port "$MD_LMTP_PORT" "$@"; }
# settled: no outbound row is being sent (smtp-sink may still be writing
# a mail whose recipient line is there; at most 30 s).
settled() {
	for _i in $(seq 1 300); do
		[ "$(sql "select count(*) from outbound where state = 'sending'")" = 0 ] && return 0
		sleep 0.1
	done
}
# latest ADDR NAME: the newest mail for ADDR as sent (CRLF), in $MD_TEST_TMP/NAME.eml.
latest() {
	settled
	dkim_crlf "$(ls -t $(mail_for "$1") | head -1)" "$MD_TEST_TMP/$2.eml"
	echo "$MD_TEST_TMP/$2.eml"
}
# with_subject ADDR SUBJECT NAME: waits for a mail to ADDR with that Subject
# (at most 30 s) and copies it as sent (CRLF) to $MD_TEST_TMP/NAME.eml.
with_subject() {
	for _i in $(seq 1 300); do
		_f=$(grep -l -x "Subject: $2$(printf '\r')\{0,1\}" $(mail_for "$1") 2>/dev/null | head -1)
		[ -n "$_f" ] && break
		sleep 0.1
	done
	settled
	dkim_crlf "${_f:-/dev/null}" "$MD_TEST_TMP/$3.eml"
	echo "$MD_TEST_TMP/$3.eml"
}
reply() { # reply TICKET TEXT-FILE: Ana answers with maildeskctl
	md_ctl ticket reply "$1" --from ana@demo.example --file "$2" >/dev/null
}

# --- sending domains: keys, DNS records, verification
. "$top_srcdir/t/dkim-domains.sh"
domain_add "$SHARED" --shared || { echo "domain add $SHARED failed"; exit 99; }
domain_add demo.example --tenant demo || { echo "domain add demo.example failed"; exit 99; }
dns_stub_start || exit 99
domain_verify "$SHARED"
assert_eq "the shared domain is verified against the DNS stub" verified \
	"$(sql "select status from sending_domains where domain = '$SHARED'")"
assert_eq "the custom domain is not verified yet" pending \
	"$(sql "select status from sending_domains where domain = 'demo.example'")"

# verified WHAT FILE D: both verifiers pass both signatures of FILE, d=D.
verified() {
	assert_eq "$1: dkimverify passes the rsa-sha256 signature (the topmost)" pass "$(dkim_py "$2" 0)"
	assert_eq "$1: dkimverify passes the ed25519-sha256 signature" pass "$(dkim_py "$2" 1)"
	assert_eq "$1: OpenDKIM passes both, d=$3" "pass rsa-sha256 $3
pass ed25519-sha256 $3" "$(dkim_od "$2")"
	assert_eq "$1: rsa-sha256 on top, then ed25519-sha256" "a=rsa-sha256;
a=ed25519-sha256;" "$(grep -o '^DKIM-Signature: v=1; a=[a-z0-9-]*;' "$2" | cut -d' ' -f3)"
}

md_daemon_start || exit 99

# --- shared domain: the team's own domain is not verified
lmtp --from carla@customer.example --to support@demo.example \
	--header "From: Carla Customer <carla@customer.example>" --header "Subject: Lamp broken" \
	--header "Message-Id: <c1@customer.example>" --body "The lamp arrived broken." >/dev/null
T=$(sql "select number from tickets where subject = 'Lamp broken'")
wait_count ana@demo.example 1
n=$(latest ana@demo.example note1)
assert_match "the agent's notification comes from the shared address" "^From: .*<support\\.demo@$SHARED>" "$(cat "$n")"
verified "notification" "$n" "$SHARED"
# (the agent form of the address is long, so the field may be folded)
reply_to=$(tr -d '\r' < "$n" | sed -e ':a' -e 'N' -e '$!ba' -e 's/\n[ \t]\+/ /g' |
	sed -n "s/^Reply-To: *\\(support\\.demo+[^ ]*@$SHARED\\).*/\\1/p" | head -1)
assert_match "its Reply-To is on the shared domain too" "^support\\.demo\\+$T-[0-9]+-[a-z2-7]{7}-[a-z2-7]{6}-[a-z2-7]{16}@" "$reply_to"
assert_eq "maildeskctl ticket address prints a reply address on that shared domain" "${reply_to%%+*} ${reply_to#*@}" \
	"$(a=$(md_ctl ticket address "$T" --agent ana@demo.example); echo "${a%%+*} ${a#*@}")"
out=$(lmtp --from ana@demo.example --to "$reply_to" --header "From: Ana <ana@demo.example>" \
	--header "Subject: Re: [#$T] Lamp broken" --body "A new lamp is on its way." 2>&1)
assert_no_match "the agent's answer to the shared reply address is accepted" '^ *<~?\*\* ' "$out"
wait_count carla@customer.example 1
c=$(latest carla@customer.example shared)
assert_match "the answer comes from ALIAS.TENANT@shared_domain" "^From: .*<support\\.demo@$SHARED>" "$(cat "$c")"
verified "shared domain" "$c" "$SHARED"

lmtp --from dora@customer.example --to "support.demo@$SHARED" --header "Subject: Straight to shared" \
	--body "Hello" >/dev/null
assert_eq "mail to the shared address reaches the team" "demo support" \
	"$(sql "select n.name || ' ' || m.name from tickets t join tenants n on n.id = t.tenant_id
		join teams m on m.tenant_id = t.tenant_id and m.id = t.team_id where t.subject = 'Straight to shared'")"
for bad in "support.nobody@$SHARED" "nobody.demo@$SHARED" "support@$SHARED"; do
	assert_match "an unknown shared address ($bad) is refused" '550 5\.1\.1' \
		"$(lmtp --from x@customer.example --to "$bad" --body x 2>&1)"
done
assert_eq "and the shared address does not become a participant" 0 \
	"$(sql "select count(*) from ticket_participants p join contacts c on c.id = p.contact_id
		where c.email like '%@$SHARED'")"

# the answer to a mail to the team's control address comes from the shared
# address too, and is signed
ctl_ana=$(md_ctl agent show ana@demo.example | sed -n 's/^control address (support): //p')
lmtp --from ana@demo.example --to "$ctl_ana" --header "From: Ana <ana@demo.example>" \
	--header "Subject: status" --body "#status away" >/dev/null
n=$(with_subject ana@demo.example "Your status" control)
assert_match "the control address's confirmation comes from the shared address" \
	"^From: .*<support\\.demo@$SHARED>" "$(cat "$n")"
verified "control confirmation" "$n" "$SHARED"
sql "update agents set status = 'online' where email = 'ana@demo.example'" >/dev/null

# --- the custom domain, once verified
domain_verify demo.example
assert_eq "the custom domain is verified against the DNS stub" verified \
	"$(sql "select status from sending_domains where domain = 'demo.example'")"
printf 'Hello Carla,\n\nthe new lamp ships today.\n' >"$MD_TEST_TMP/r1.txt"
reply "$T" "$MD_TEST_TMP/r1.txt"
wait_count carla@customer.example 2
c=$(latest carla@customer.example custom)
assert_match "now the answer comes from the team's own alias" '^From: .*<support@demo\.example>' "$(cat "$c")"
verified "custom domain" "$c" demo.example

# --- corpus: UTF-8 subject
lmtp --from erik@customer.example --to support@demo.example --header "From: Erik <erik@customer.example>" \
	--header "Subject: Lampe kaputt – größer Ärger ✓" --body "Bitte helfen." >/dev/null
U=$(sql "select number from tickets where subject like 'Lampe kaputt%'")
printf 'Hallo Erik,\n\nwir schicken Ersatz. Grüße\n' >"$MD_TEST_TMP/r2.txt"
reply "$U" "$MD_TEST_TMP/r2.txt"
wait_count erik@customer.example 1
c=$(latest erik@customer.example utf8)
assert_match "the UTF-8 subject is encoded (RFC 2047)" '^Subject: .*=\?(utf-8|UTF-8)\?' "$(cat "$c")"
assert_eq "the message sent is 7-bit" 0 "$(LC_ALL=C grep -c '[^[:print:][:space:]]' "$c")"
verified "UTF-8 subject" "$c" demo.example

# --- corpus: an attachment (a new ticket with a binary file)
head -c 5000 /dev/urandom >"$MD_TEST_TMP/invoice.pdf"
printf 'Hello Fay,\n\nyour invoice is attached.\n' >"$MD_TEST_TMP/new.txt"
md_ctl ticket new --team support --tenant demo --to fay@customer.example --subject "Your invoice" \
	--from ana@demo.example --file "$MD_TEST_TMP/new.txt" --attach "$MD_TEST_TMP/invoice.pdf" >/dev/null
wait_count fay@customer.example 1
c=$(latest fay@customer.example attach)
assert_match "the mail carries the attachment" 'filename="?invoice\.pdf' "$(cat "$c")"
verified "attachment" "$c" demo.example

# --- corpus: a line longer than 998 bytes in the agent's text
{ printf 'Here is the serial list:\n'; seq -s ' ' 1 400; printf '\nThanks.\n'; } >"$MD_TEST_TMP/long.txt"
reply "$T" "$MD_TEST_TMP/long.txt"
wait_count carla@customer.example 3
c=$(latest carla@customer.example long)
assert_eq "no line of the mail sent is longer than 998 bytes" 0 "$(awk 'length($0) > 999' "$c" | wc -l)"
verified "long line" "$c" demo.example

# --- rows put in by hand (queue inject): a subdomain's From, another tenant's
# From, 8-bit bytes
inject_msg() { # inject_msg TENANT FROM TO NAME [BODY]
	printf 'From: %s\r\nTo: %s\r\nSubject: %s\r\nMessage-ID: <%s@maildesk.test>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n' \
		"$2" "$3" "$4" "$4" "${5:-Hello}" >"$MD_TEST_TMP/$4.in"
	md_ctl queue inject --tenant "$1" --from "$2" --to "$3" --file "$MD_TEST_TMP/$4.in" >/dev/null
}
inject_msg demo news@letters.demo.example gil@customer.example sub
wait_count gil@customer.example 1
c=$(latest gil@customer.example sub)
verified "From a subdomain" "$c" demo.example
md_ctl tenant add other >/dev/null
inject_msg other support@demo.example hana@customer.example foreign
wait_count hana@customer.example 1
assert_eq "another tenant's mail is not signed with demo.example's key" 0 \
	"$(grep -c '^DKIM-Signature:' "$(latest hana@customer.example foreign)")"
inject_msg other "support.demo@$SHARED" ivo@customer.example sharedforeign
wait_count ivo@customer.example 1
assert_eq "another tenant's mail From demo's shared address is not signed" 0 \
	"$(grep -c '^DKIM-Signature:' "$(latest ivo@customer.example sharedforeign)")"
other=$(sql "select id from tenants where name = 'other'")
assert_match "with a warning" \
	"level=warn event=dkim.refused tenant=$other from=\"support\\.demo@$SHARED\" detail=\"not signed: " \
	"$(cat "$MD_DIR/maildeskd.log")"
inject_msg other "support@$SHARED" ivo@customer.example sharedbare
inject_msg other "support.other@sub.$SHARED" ivo@customer.example sharedsub
for f in sharedbare sharedsub; do
	n=$(with_subject ivo@customer.example "$f" "$f")
	assert_match "$f arrived" "^Subject: $f" "$(cat "$n")"
	assert_eq "a From on or under the shared domain that is no ALIAS.TENANT is not signed ($f)" 0 \
		"$(grep -c '^DKIM-Signature:' "$n")"
done
inject_msg other "billing.other@$SHARED" jon@customer.example sharedown
wait_count jon@customer.example 1
verified "a tenant's own ALIAS.TENANT on the shared domain" "$(latest jon@customer.example sharedown)" "$SHARED"
inject_msg demo support@demo.example ida@customer.example eightbit "$(printf 'Gr\303\274\303\237e')"
wait_count ida@customer.example 1
assert_eq "a row with 8-bit bytes is still signed" 2 \
	"$(grep -c '^DKIM-Signature:' "$(latest ida@customer.example eightbit)")"
assert_match "with a warning" 'level=warn event=outbound.dkim id=[0-9]+ detail="the message has 8-bit bytes' \
	"$(cat "$MD_DIR/maildeskd.log")"

# --- tampered copies fail (both verifiers, both signatures)
good="$MD_TEST_TMP/custom.eml"
{ printf 'From: Mallory <mallory@attacker.example>\r\n'; cat "$good"; } >"$MD_TEST_TMP/t-from.eml"
last=$(grep -n 'ships today' "$good" | cut -d: -f1)
sed "${last}s/ships/shipz/" "$good" >"$MD_TEST_TMP/t-body.eml"
for t in from:'signature verification failed' body:'body hash mismatch'; do
	why=${t#*:}
	t=${t%%:*}
	f="$MD_TEST_TMP/t-$t.eml"
	assert_match "tampered ($t): dkimverify fails the rsa-sha256 signature" "^fail: .*$why" "$(dkim_py "$f" 0)"
	assert_match "tampered ($t): dkimverify fails the ed25519-sha256 signature" "^fail: .*$why" "$(dkim_py "$f" 1)"
	assert_eq "tampered ($t): OpenDKIM fails both" "fail rsa-sha256 demo.example
fail ed25519-sha256 demo.example" "$(dkim_od "$f")"
done

# --- a key others can read: deferred, never sent unsigned
rsa_key=$(sql "select key_file from dkim_selectors where domain = 'demo.example' and algorithm = 'rsa-sha256'")
chmod 644 "$KEYDIR/$rsa_key"
printf 'This one waits.\n' >"$MD_TEST_TMP/r3.txt"
reply "$T" "$MD_TEST_TMP/r3.txt"
id=$(sql "select max(id) from outbound")
wait_sql "select state from outbound where id = $id" deferred
assert_eq "a key file open to others defers the mail" deferred "$(sql "select state from outbound where id = $id")"
assert_match "the row's last_error names the key file and its mode" "DKIM key .*$rsa_key has mode 0644" \
	"$(sql "select last_error from outbound where id = $id")"
assert_match "the log says so loudly" "level=error event=outbound.dkim id=$id status=failed" "$(cat "$MD_DIR/maildeskd.log")"
assert_eq "nothing was sent unsigned" 3 "$(count_for carla@customer.example)"
chmod 600 "$KEYDIR/$rsa_key"
md_ctl queue retry "$id" >/dev/null
wait_count carla@customer.example 4
verified "after the key's mode is fixed" "$(latest carla@customer.example retried)" demo.example

# --- the shared domain's address space is the provider's
md_ctl team add evil --tenant other --alias help@other.example >/dev/null
for addr in "support.demo@$SHARED" "x@sub.$SHARED" "Support.Demo@MAIL.HELPDESK.EXAMPLE."; do
	out=$(md_ctl team alias add evil "$addr" --tenant other 2>&1)
	rc=$?
	assert_eq "team alias add $addr is refused" 1 "$rc"
	assert_match "and says why ($addr)" "is on the provider's shared domain $SHARED" "$out"
done
out=$(md_ctl team add evil2 --tenant other --alias ok@other.example --alias "support.demo@$SHARED" 2>&1)
assert_match "team add --alias on the shared domain is refused" "is on the provider's shared domain" "$out"
assert_eq "and makes no team" 0 "$(sql "select count(*) from teams where name = 'evil2'")"
for d in "$SHARED" "sub.$SHARED" "SUB.Mail.Helpdesk.Example."; do
	out=$(md_ctl domain add "$d" --tenant other 2>&1)
	rc=$?
	assert_eq "domain add $d --tenant other is refused" 1 "$rc"
	assert_match "and says why ($d)" "the provider's shared domain $SHARED \\(shared_domain\\): no tenant may own it" "$out"
done
assert_eq "no tenant owns a domain on or under the shared domain" 0 \
	"$(sql "select count(*) from sending_domains where tenant_id is not null and (domain = '$SHARED' or domain like '%.$SHARED')")"
assert_eq "nothing of those was written" 0 "$(sql "select count(*) from team_aliases where address like '%$SHARED'")"
# an alias row on the shared domain from before the refusal takes no mail
evil_team=$(sql "select id from teams where name = 'evil'")
sql "insert into team_aliases (tenant_id, team_id, address) values ($other, $evil_team, 'support.demo@$SHARED')" >/dev/null
lmtp --from kai@customer.example --to "support.demo@$SHARED" --header "Subject: Not for evil" --body x >/dev/null
assert_eq "an old alias on the shared domain does not take the tenant's shared address" "demo support" \
	"$(sql "select n.name || ' ' || m.name from tickets t join tenants n on n.id = t.tenant_id
		join teams m on m.tenant_id = t.tenant_id and m.id = t.team_id where t.subject = 'Not for evil'")"
sql "delete from team_aliases where address = 'support.demo@$SHARED'" >/dev/null

# two teams of one tenant whose oldest aliases share a local part: the
# shared address would be both's, so neither sends from it, and it is nobody's
md_ctl team add shop --tenant demo --alias support@demo-shop.example >/dev/null
md_ctl agent add ola@demo.example --name Ola --team shop --tenant demo >/dev/null
lmtp --from lea@customer.example --to support@demo-shop.example --header "Subject: Shop lamp" \
	--body "Where is it?" >/dev/null
wait_count ola@demo.example 1
n=$(latest ola@demo.example shop)
assert_match "the second team sends from its own alias" '^From: .*<support@demo-shop\.example>' "$(cat "$n")"
assert_eq "which is not signed (its domain is no sending domain)" 0 "$(grep -c '^DKIM-Signature:' "$n")"
assert_match "mail to the shared address both would have is refused" '550 5\.1\.1' \
	"$(lmtp --from x@customer.example --to "support.demo@$SHARED" --body x 2>&1)"

# --- no sending domain at all: unsigned, as before, logged once at debug level
md_ctl tenant add "Big Shop" >/dev/null
md_ctl team add help --tenant "Big Shop" --alias help@bigshop.example >/dev/null
md_ctl agent add gus@bigshop.example --name Gus --team help --tenant "Big Shop" >/dev/null
for i in 1 2; do
	lmtp --from hal@customer.example --to help@bigshop.example --header "Subject: Shop question $i" \
		--body "Where is my order?" >/dev/null
done
wait_count gus@bigshop.example 2
n=$(latest gus@bigshop.example plain)
assert_match "a tenant name that is no atom keeps the alias as From" '^From: .*<help@bigshop\.example>' "$(cat "$n")"
assert_eq "and such mail is not signed" 0 "$(grep -c '^DKIM-Signature:' "$n")"
assert_eq "logged once per domain at debug level" 1 \
	"$(grep -c 'level=debug event=dkim.unsigned from_domain=bigshop\.example' "$MD_DIR/maildeskd.log")"

# --- a key directory others can enter: maildeskd refuses to start
md_daemon_stop
chmod 755 "$KEYDIR"
out=$("$top_builddir/daemon/maildeskd" -c "$MD_CONF" 2>&1)
rc=$?
assert_eq "maildeskd refuses to start with dkim_key_dir mode 0755" 1 "$rc"
assert_match "and names the directory and the fix" "$KEYDIR has mode 0755.*chmod 700" "$out"
chmod 700 "$KEYDIR"

e2e_done
