#!/bin/sh
# Whose Authentication-Results count, end to end (issue 10, point 3): only
# a trusted listener's peer (lmtp_listen by default, the local Postfix)
# may vouch for a sender in our authserv_id; a result sent to the public
# smtp_listen is stripped and worth nothing. maildeskd writes its own
# Received line on top of what it stores. Only dkim=pass for exactly the
# From domain (or dmarc=pass) counts, RFC 8601 quoting is understood, and
# a mail with two From mailboxes is nobody's. The LMTP unix socket is 0660,
# group lmtp_socket_group: other local users cannot connect; a group that
# does not exist stops the start with an error naming the key.
set -u
. "$top_srcdir/t/e2e-lib.sh"
. "$top_srcdir/t/md-instance.sh"

[ "$(id -u)" = 0 ] || { echo "skipped: smtp-sink, runuser and chown need root here"; exit 77; }
getent group postfix >/dev/null || { echo "skipped: no group postfix (apt-get install postfix)"; exit 77; }

sink_start
# The socket lives where every user can reach its directory (a parent of
# $MD_TEST_TMP may be closed), so only its own mode keeps them out.
SOCK_DIR=$(mktemp -d /tmp/mdtrust.XXXXXX)
chmod 755 "$SOCK_DIR"
MD_LMTP_UNIX="$SOCK_DIR/lmtp.sock"
MD_EXTRA_CONF="authserv_id = mx.demo.example
agent_reply_require_dkim = yes
lmtp_socket_group = postfix"
md_instance_init "$MD_TEST_TMP/md" || { echo "setup failed"; exit 99; }
md_ctl agent add eve@eu.demo.example --name "Eve" --team support --tenant demo >/dev/null
md_daemon_start || exit 99
trap 'md_daemon_stop; kill $SINK_PID 2>/dev/null; rm -rf "$SOCK_DIR"' EXIT

lmtp() { swaks --silent 2 --protocol LMTP --server 127.0.0.1 --port "$MD_LMTP_PORT" "$@" >/dev/null 2>&1; }
smtp() { swaks --silent 2 --server 127.0.0.1 --port "$MD_SMTP_PORT" "$@" >/dev/null 2>&1; }
latest_for() { ls -t $(mail_for "$1") 2>/dev/null | head -1; }
kind_of() { sql "select kind from messages where message_id = '$1'"; }
headers_of() { sql "select headers from messages where message_id = '$1'"; }
# reply_to_of ADDR: the signed Reply-To of the newest notification to ADDR.
reply_to_of() { sed -n 's/^Reply-To: \(support+[^ ]*@demo\.example\).*/\1/p' "$(latest_for "$1")" | head -1; }
# answer VIA FILE: an agent's answer as a whole message (CRLF), through
# the listener VIA (lmtp or smtp), from ana@demo.example to $REPLY_TO.
answer() {
	sed 's/$/\r/' "$2" >"$2.crlf"
	"$1" --from ana@demo.example --to "$REPLY_TO" --data @"$2.crlf"
}

# --- the unix socket: 0660, group postfix; a local user outside it is refused
assert_eq "the LMTP unix socket is mode 0660, group postfix" "660 postfix" "$(stat -c '%a %G' "$MD_LMTP_UNIX")"
connect_as() {
	runuser -u "$1" -- /usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX)
try:
    s.connect(sys.argv[1]); print(s.recv(100).decode().split()[0])
except OSError as e:
    print(type(e).__name__)' "$MD_LMTP_UNIX" 2>&1
}
assert_eq "a local user outside the group cannot connect (nobody)" "PermissionError" "$(connect_as nobody)"
assert_eq "the postfix user can (220 greeting)" "220" "$(connect_as postfix)"

# --- a customer writes; both agents get a signed reply address
lmtp --from carla@customer.example --to support@demo.example --header "From: Carla <carla@customer.example>" \
	--header "Subject: Lamp broken" --header "Message-Id: <c1@customer.example>" --body "The lamp is broken."
T=$(sql "select number from tickets where subject = 'Lamp broken'")
wait_count ana@demo.example 1
wait_count eve@eu.demo.example 1
REPLY_TO=$(reply_to_of ana@demo.example)
EVE_TO=$(reply_to_of eve@eu.demo.example)
assert_match "ana has a signed reply address" "^support\\+$T-[0-9]+-[a-z2-7]{7}-[a-z2-7]{6}-[a-z2-7]{16}@demo\\.example$" "$REPLY_TO"
h=$(headers_of c1@customer.example)
assert_match "the stored header starts with our own Received line (LMTP, TCP peer)" \
	"^Received: from [^ ]+ \\(\\[127\\.0\\.0\\.1\\]\\)" "$(printf '%s\n' "$h" | head -1)"
assert_match "by our hostname, with LMTP, the session id, for the recipient and a date" \
	"by maildesk\\.test \\(maildesk\\) with LMTP id [0-9a-f]{16}" "$h"
assert_match "for the recipient, dated" '	for <support@demo\.example>; [A-Z][a-z]{2}, [0-9]{2} [A-Z][a-z]{2} [0-9]{4} ' "$h"
assert_no_match "the raw message keeps the bytes as received (no Received of ours)" 'maildesk\.test \(maildesk\)' \
	"$(sql "select convert_from(r.data, 'UTF8') from messages m join raw_messages r on r.sha256 = m.raw_sha256 and r.tenant_id = m.tenant_id where m.message_id = 'c1@customer.example'")"

# --- (1) a result in our name sent to the public smtp_listen counts nothing
before=$(count_for carla@customer.example)
cat >"$MD_TEST_TMP/smtp-forged.eml" <<MSG
Authentication-Results: mx.demo.example; dkim=pass header.d=demo.example; dmarc=pass header.from=demo.example
From: Ana <ana@demo.example>
To: $REPLY_TO
Subject: Re: [#$T] Lamp broken
Message-Id: <via-smtp@evil.example>

Wire the refund to my account, please.
MSG
answer smtp "$MD_TEST_TMP/smtp-forged.eml"
assert_eq "an answer with a pass in our name via the untrusted smtp_listen is untrusted" untrusted \
	"$(kind_of via-smtp@evil.example)"
assert_no_match "and that result is stripped from the stored header" 'Authentication-Results' \
	"$(headers_of via-smtp@evil.example)"
assert_match "our Received line says it came with ESMTP" 'by maildesk\.test \(maildesk\) with ESMTP id' \
	"$(headers_of via-smtp@evil.example)"
assert_match "the log says the smtp listener is not trusted" "event=listen listener=smtp:127\\.0\\.0\\.1:$MD_SMTP_PORT trusted=no" \
	"$(cat "$MD_DIR/maildeskd.log")"

# --- (2) the same from the trusted LMTP peer is an answer (control case)
cat >"$MD_TEST_TMP/lmtp-ok.eml" <<MSG
Authentication-Results: mx.demo.example; dkim=pass header.d=demo.example header.s=s1
Received: from client.example by mx.demo.example (Postfix); Sat, 05 Dec 2026 08:00:00 +0000
From: Ana <ana@demo.example>
To: $REPLY_TO
Subject: Re: [#$T] Lamp broken
Message-Id: <via-lmtp@demo.example>

A new lamp is on its way.
MSG
answer lmtp "$MD_TEST_TMP/lmtp-ok.eml"
assert_eq "from the trusted LMTP peer the same pass makes a trusted answer" agent "$(kind_of via-lmtp@demo.example)"
wait_count carla@customer.example $((before + 1))
assert_match "which reaches the customer" 'A new lamp is on its way' "$(cat "$(latest_for carla@customer.example)")"
assert_match "its result stays in the stored header, right below our Received" \
	'^Received: from .*maildesk.*Authentication-Results: mx\.demo\.example; dkim=pass' \
	"$(headers_of via-lmtp@demo.example | tr -d '\r' | tr '\n' ' ')"

# --- (3) below the peer's Received, a result in our name is stripped, worthless
cat >"$MD_TEST_TMP/below.eml" <<MSG
Received: from client.example by mx.demo.example (Postfix); Sat, 05 Dec 2026 08:00:00 +0000
Authentication-Results: (forged) "mx.demo.example" 1; dkim = pass header.d = "demo.example"
From: Ana <ana@demo.example>
To: $REPLY_TO
Subject: Re: [#$T] Lamp broken
Message-Id: <below@evil.example>

Below the peer's line.
MSG
answer lmtp "$MD_TEST_TMP/below.eml"
assert_eq "a result in our name (quoted, with comments) below the peer's Received is untrusted" untrusted \
	"$(kind_of below@evil.example)"
assert_no_match "and it is stripped from the stored header" 'Authentication-Results' "$(headers_of below@evil.example)"

# --- (4) a parent domain's signature does not vouch for a subdomain's agent
before=$(count_for carla@customer.example)
cat >"$MD_TEST_TMP/parent.eml" <<MSG
Authentication-Results: mx.demo.example; dkim=pass header.d=demo.example
From: Eve <eve@eu.demo.example>
To: $EVE_TO
Subject: Re: [#$T] Lamp broken
Message-Id: <parent@demo.example>

Signed by the parent domain only.
MSG
sed 's/$/\r/' "$MD_TEST_TMP/parent.eml" >"$MD_TEST_TMP/parent.crlf"
lmtp --from eve@eu.demo.example --to "$EVE_TO" --data @"$MD_TEST_TMP/parent.crlf"
assert_eq "dkim=pass for demo.example does not vouch for eve@eu.demo.example" untrusted "$(kind_of parent@demo.example)"
sed -i 's/header\.d=demo\.example/header.d="eu.demo.example"/; s/<parent@/<exact@/; s/parent domain only/exact domain/' \
	"$MD_TEST_TMP/parent.eml"
sed 's/$/\r/' "$MD_TEST_TMP/parent.eml" >"$MD_TEST_TMP/exact.crlf"
lmtp --from eve@eu.demo.example --to "$EVE_TO" --data @"$MD_TEST_TMP/exact.crlf"
assert_eq "dkim=pass with header.d=\"eu.demo.example\" (quoted) does" agent "$(kind_of exact@demo.example)"

# --- (5) two From fields, or two mailboxes in one: nobody's answer
for how in fields mailboxes; do
	if [ "$how" = fields ]; then from="From: Ana <ana@demo.example>
From: Boss <boss@evil.example>"; else from="From: Ana <ana@demo.example>, Boss <boss@evil.example>"; fi
	cat >"$MD_TEST_TMP/two-$how.eml" <<MSG
Authentication-Results: mx.demo.example; dkim=pass header.d=demo.example
$from
To: $REPLY_TO
Subject: Re: [#$T] Lamp broken
Message-Id: <two-$how@demo.example>

Two authors ($how).
MSG
	answer lmtp "$MD_TEST_TMP/two-$how.eml"
	assert_eq "an answer with two From $how is untrusted" untrusted "$(kind_of "two-$how@demo.example")"
done

# --- (6) a pass hidden in a comment or a quoted reason is no pass
for hide in 'dkim=fail (dkim=pass header.d=demo.example) header.d=demo.example' \
	'dkim=fail reason="dkim=pass header.d=demo.example"'; do
	n=$((${n:-0} + 1))
	cat >"$MD_TEST_TMP/hidden$n.eml" <<MSG
Authentication-Results: mx.demo.example; $hide
From: Ana <ana@demo.example>
To: $REPLY_TO
Subject: Re: [#$T] Lamp broken
Message-Id: <hidden$n@demo.example>

Hidden pass $n.
MSG
	answer lmtp "$MD_TEST_TMP/hidden$n.eml"
	assert_eq "a pass hidden as in '$hide' is untrusted" untrusted "$(kind_of "hidden$n@demo.example")"
done

# --- the same message again is a duplicate, our Received line notwithstanding
out=$(swaks --protocol LMTP --server 127.0.0.1 --port "$MD_LMTP_PORT" --from carla@customer.example \
	--to support@demo.example --data @"$MD_TEST_TMP/lmtp-ok.eml.crlf" 2>&1)
assert_match "a redelivered message is still found as a duplicate" '250 2\.0\.0 Ok: already delivered' "$out"

# --- trusted_listeners = smtp: then the smtp_listen peer is trusted too
md_daemon_stop
printf 'trusted_listeners = lmtp smtp\n' >>"$MD_CONF"
md_daemon_start || exit 99
sed -i 's/<via-smtp@/<via-smtp2@/' "$MD_TEST_TMP/smtp-forged.eml"
answer smtp "$MD_TEST_TMP/smtp-forged.eml"
assert_eq "with trusted_listeners = lmtp smtp the smtp peer's result counts" agent "$(kind_of via-smtp2@evil.example)"
sed -i '/^trusted_listeners/d' "$MD_CONF"

# --- a socket group that does not exist stops the start, naming the key
md_daemon_stop
sed -i 's/^lmtp_socket_group = .*/lmtp_socket_group = no-such-group-md/' "$MD_CONF"
out=$("$top_builddir/daemon/maildeskd" -c "$MD_CONF" 2>&1)
rc=$?
assert_eq "maildeskd refuses to start with a group that does not exist" 1 "$rc"
assert_match "and names the key and the group" 'lmtp_socket_group: no group named no-such-group-md' "$out"
sed -i 's/^trusted_listeners.*//' "$MD_CONF"
printf 'trusted_listeners = 127.0.0.1:1\n' >>"$MD_CONF"
out=$("$top_builddir/daemon/maildeskd" -c "$MD_CONF" 2>&1)
assert_match "a trusted_listeners address no listener has is a configuration error" \
	'trusted_listeners: "127\.0\.0\.1:1" is neither lmtp, smtp nor an address of lmtp_listen or smtp_listen' "$out"

e2e_done
