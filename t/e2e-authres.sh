#!/bin/sh
# Authentication-Results as a real site gets them (issue 10, point 3): a
# private Postfix runs the real OpenDKIM milter (verify mode, AuthservID =
# maildesk's authserv_id, keys from a dnsmasq DNS stub) and relays over
# LMTP to maildeskd's unix socket (0660, group postfix: Postfix's lmtp
# client gets in through the group). OpenDKIM's header lands where it
# really does, on top of Postfix's Received line, and maildeskd's own
# Received goes on top of both. Then:
#   (a) an agent's answer DKIM-signed for the agent's domain (python3-dkim's
#       dkimsign) is trusted and reaches the customer (smtp-sink);
#   (b) the same answer unsigned, with a result in our name forged by the
#       sender (plain, quoted with comments, malformed), or signed and then
#       altered, is untrusted, and no forged result is stored: OpenDKIM
#       removes the results in its name it can parse, and leaves the others
#       below Postfix's Received line, where maildeskd strips them;
#   (c) a forged result sent straight to the untrusted smtp_listen is
#       stripped from the stored header and untrusted.
set -u
. "$top_srcdir/t/e2e-lib.sh"
. "$top_srcdir/t/md-instance.sh"
. "$top_srcdir/t/dkim-dns-stub.sh"

[ "$(id -u)" = 0 ] || { echo "skipped: needs root for a private Postfix instance"; exit 77; }
for p in /usr/sbin/postfix /usr/sbin/postqueue /usr/sbin/opendkim /usr/sbin/dnsmasq /usr/sbin/smtp-sink \
	/usr/bin/dkimsign /usr/bin/openssl; do
	[ -x "$p" ] || { echo "skipped: $p not installed"; exit 77; }
done

# Everything Postfix's users must reach lives under one directory in /tmp
# (a parent of $MD_TEST_TMP may be closed to them).
PF_DIR=$(mktemp -d /tmp/mdauthres.XXXXXX)
chmod 755 "$PF_DIR"
PF_ETC="$PF_DIR/etc"
PF_LOG="$PF_DIR/maillog"
OD_DIR="$PF_DIR/opendkim"
mkdir -p "$PF_ETC" "$PF_DIR/queue" "$PF_DIR/data" "$OD_DIR"
chown postfix "$PF_DIR/data"
PF_SMTP_PORT=$(md_free_port)
OD_PID=

sink_start
MD_LMTP_UNIX="$PF_DIR/maildesk-lmtp.sock"
MD_EXTRA_CONF="authserv_id = mx.demo.example
agent_reply_require_dkim = yes
lmtp_socket_group = postfix"
md_instance_init "$MD_TEST_TMP/md" || { echo "setup failed"; exit 99; }

cleanup() {
	/usr/sbin/postfix -c "$PF_ETC" stop >/dev/null 2>&1
	[ -z "$OD_PID" ] || { kill "$OD_PID" 2>/dev/null; wait "$OD_PID" 2>/dev/null; }
	md_daemon_stop
	dns_stub_stop
	kill "$SINK_PID" 2>/dev/null
	cp -r "$PF_ETC" "$PF_LOG" "$OD_DIR/opendkim.log" "$MD_TEST_TMP/" 2>/dev/null
	rm -rf "$PF_DIR"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
md_daemon_start || exit 99

# --- the agents' domain key in the DNS stub
openssl genrsa -out "$MD_TEST_TMP/demo.key" 2048 2>/dev/null
pub=$(openssl rsa -in "$MD_TEST_TMP/demo.key" -pubout 2>/dev/null | grep -v '^-----' | tr -d '\n')
dns_stub_txt s1._domainkey.demo.example "v=DKIM1; k=rsa; p=$pub"
dns_stub_start || exit 99

# --- OpenDKIM as a verifying milter, in maildesk's authserv-id
cat >"$OD_DIR/opendkim.conf" <<EOF
Mode v
AuthservID mx.demo.example
Socket local:$OD_DIR/opendkim.sock
UMask 000
Nameservers 127.0.0.1@$DNS_STUB_PORT
Background no
Syslog no
LogResults yes
EOF
/usr/sbin/opendkim -x "$OD_DIR/opendkim.conf" -f >"$OD_DIR/opendkim.log" 2>&1 &
OD_PID=$!

cat >"$PF_ETC/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $PF_DIR/queue
data_directory = $PF_DIR/data
mail_owner = postfix
setgid_group = postdrop
myhostname = mx.postfix.test
mydomain = postfix.test
myorigin = \$myhostname
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
mydestination =
local_recipient_maps =
alias_maps =
alias_database =
relayhost =
biff = no
smtpd_relay_restrictions = permit_mynetworks reject_unauth_destination
virtual_mailbox_domains = demo.example
virtual_mailbox_maps =
virtual_transport = lmtp:unix:$MD_LMTP_UNIX
default_transport = discard:no mail leaves this test instance
relay_transport = discard:no mail leaves this test instance
smtpd_milters = unix:$OD_DIR/opendkim.sock
milter_default_action = tempfail
maillog_file = $PF_LOG
maillog_file_prefixes = $PF_DIR
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 2s
EOF
cat >"$PF_ETC/master.cf" <<EOF
127.0.0.1:$PF_SMTP_PORT inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOF
for _i in $(seq 1 50); do [ -S "$OD_DIR/opendkim.sock" ] && break; sleep 0.1; done
assert_eq "OpenDKIM listens on its milter socket" yes "$([ -S "$OD_DIR/opendkim.sock" ] && echo yes)"
out=$(/usr/sbin/postfix -c "$PF_ETC" check 2>&1 && /usr/sbin/postfix -c "$PF_ETC" start 2>&1)
assert_eq "a private Postfix instance with the OpenDKIM milter starts" 0 $?
[ "$E2E_FAILED" = 0 ] || { printf '%s\n' "$out"; cat "$OD_DIR/opendkim.log"; e2e_done; }
for _i in $(seq 1 100); do
	/usr/bin/python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1)' \
		"$PF_SMTP_PORT" 2>/dev/null && break
	sleep 0.1
done

# submit FILE: the message (LF lines made CRLF) into Postfix as ana@demo.example
# to $REPLY_TO (or $2); prints Postfix's queue id.
submit() {
	sed 's/$/\r/' "$1" >"$1.crlf"
	swaks --server 127.0.0.1 --port "$PF_SMTP_PORT" --timeout 30 --from ana@demo.example --to "${2:-$REPLY_TO}" \
		--data @"$1.crlf" 2>&1 | sed -n 's/.* 250 2\.0\.0 Ok: queued as \([0-9A-Za-z]*\).*/\1/p' | tail -n 1
}
# sent QUEUEID: waits (30 s) until Postfix says how the delivery went; prints that line.
sent() {
	for _i in $(seq 1 300); do
		grep -qE " $1: to=.*status=(sent|bounced|deferred)" "$PF_LOG" 2>/dev/null && break
		sleep 0.1
	done
	grep -E " $1: to=.*status=" "$PF_LOG" | tail -1
}
kind_of() { wait_sql "select count(*) from messages where message_id = '$1'" 1; sql "select kind from messages where message_id = '$1'"; }
headers_of() { sql "select headers from messages where message_id = '$1'" | tr -d '\r'; }
latest_for() { ls -t $(mail_for "$1") 2>/dev/null | head -1; }
# signed NAME BODY: ana's answer, DKIM-signed for demo.example by python3-dkim.
answer_text() {
	printf 'From: Ana <ana@demo.example>\nTo: %s\nSubject: Re: [#%s] Lamp broken\nDate: Sat, 05 Dec 2026 09:00:00 +0000\nMessage-ID: <%s@demo.example>\n\n%s\n' \
		"$REPLY_TO" "$T" "$1" "$2"
}
signed() {
	answer_text "$1" "$2" | sed 's/$/\r/' | /usr/bin/dkimsign s1 demo.example "$MD_TEST_TMP/demo.key" | tr -d '\r' \
		>"$MD_TEST_TMP/$1.eml"
	echo "$MD_TEST_TMP/$1.eml"
}

# --- a customer writes through Postfix; Ana is notified
cat >"$MD_TEST_TMP/c1.eml" <<MSG
From: Carla <carla@customer.example>
To: support@demo.example
Subject: Lamp broken
Message-ID: <c1@customer.example>

The lamp is broken.
MSG
qid=$(submit "$MD_TEST_TMP/c1.eml" support@demo.example)
assert_match "Postfix delivers over LMTP to maildeskd's 0660 socket (group postfix)" \
	"relay=[^,]*\\[$MD_LMTP_UNIX\\].*status=sent \\(250 2\\.0\\.0 " "$(sent "$qid")"
T=$(sql "select number from tickets where subject = 'Lamp broken'")
wait_count ana@demo.example 1
REPLY_TO=$(sed -n 's/^Reply-To: \(support+[^ ]*@demo\.example\).*/\1/p' "$(latest_for ana@demo.example)" | head -1)
assert_match "the notification carries Ana's signed reply address" "^support\\+$T-" "$REPLY_TO"
h=$(headers_of c1@customer.example)
assert_match "our own Received is on top: from Postfix's LHLO name, local socket, with LMTP" \
	'^Received: from mx\.postfix\.test \(local\)$' "$(printf '%s\n' "$h" | head -1)"
assert_match "Postfix's own Received follows it" 'by mx\.postfix\.test \(Postfix\) with ESMTP' "$h"

# --- (a) signed for demo.example: OpenDKIM says pass, the answer is trusted
before=$(count_for carla@customer.example)
f=$(signed a-signed "A new lamp is on its way.")
qid=$(submit "$f")
assert_match "the signed answer passes Postfix" 'status=sent \(250 ' "$(sent "$qid")"
assert_eq "(a) an answer DKIM-signed for the agent's domain is trusted" agent "$(kind_of a-signed@demo.example)"
wait_count carla@customer.example $((before + 1))
assert_match "(a) and reaches the customer" 'A new lamp is on its way' "$(cat "$(latest_for carla@customer.example)")"
h=$(headers_of a-signed@demo.example)
layout=$(printf '%s\n' "$h" | grep -E '^(Received|Authentication-Results):' | head -3 | cut -d: -f1 | paste -sd' ' -)
assert_eq "OpenDKIM's result lands between our Received and Postfix's" \
	"Received Authentication-Results Received" "$layout"
assert_match "it is OpenDKIM's own pass for header.d=demo.example" \
	'^Authentication-Results: mx\.demo\.example;' "$(printf '%s\n' "$h" | grep -m1 '^Authentication-Results')"
assert_match "...dkim=pass for demo.example" 'dkim=pass .*header\.d=demo\.example' "$(printf '%s\n' "$h" | tr '\n' ' ')"

# --- (b) unsigned, with a result in our name forged by the sender
before=$(count_for carla@customer.example)
for form in 'mx.demo.example; dkim=pass header.d=demo.example' \
	'(our mx) "mx.demo.example" 1; dkim = pass (good) header.d = "demo.example"' \
	'(c) "mx.demo.example"; dkim=pass header.d=demo.example (unclosed' \
	'mx.demo.example; dkim=pass header.d=demo.example; =' \
	'"mx.demo.example; dkim=pass header.d=demo.example' \
	'mx.demo.example (; dkim=pass header.d=demo.example' \
	'(c) mx.demo.example; dkim=pass header.d=demo.example; ='; do
	n=$((${n:-0} + 1))
	{ printf 'Authentication-Results: %s\n' "$form"; answer_text "b-forged$n" "Wire the refund to me ($n)."; } \
		>"$MD_TEST_TMP/b$n.eml"
	qid=$(submit "$MD_TEST_TMP/b$n.eml")
	sent "$qid" >/dev/null
	assert_eq "(b) forged '$form' without a signature: untrusted" untrusted "$(kind_of "b-forged$n@demo.example")"
	assert_no_match "(b) and no result in our name is stored for it" 'mx\.demo\.example' \
		"$(headers_of "b-forged$n@demo.example" | grep -i -A3 '^Authentication-Results')"
	raw=$(sql "select convert_from(r.data, 'UTF8') from messages m join raw_messages r on r.sha256 = m.raw_sha256 and r.tenant_id = m.tenant_id where m.message_id = 'b-forged$n@demo.example'" | tr -d '\r')
	if printf '%s\n' "$raw" | grep -q '^Authentication-Results'; then
		echo "# OpenDKIM left form $n in place (it cannot parse it): maildeskd stripped it"
		assert_match "(b) it stood below Postfix's Received line" \
			'by mx\.postfix\.test \(Postfix\).*Authentication-Results: ' "$(printf '%s\n' "$raw" | tr '\n' ' ')"
	else
		echo "# OpenDKIM removed form $n itself"
	fi
done
assert_match "OpenDKIM leaves a field in our name it cannot parse below Postfix's header (b7)..." \
	'^Authentication-Results: \(c\) mx\.demo\.example; dkim=pass header\.d=demo\.example; =' \
	"$(sql "select convert_from(r.data, 'UTF8') from messages m join raw_messages r on r.sha256 = m.raw_sha256 and r.tenant_id = m.tenant_id where m.message_id = 'b-forged7@demo.example'" | tr -d '\r')"
assert_no_match "...and maildeskd strips it from the stored header" 'Authentication-Results' \
	"$(headers_of b-forged7@demo.example)"
# signed, then altered in transit: OpenDKIM says fail
f=$(signed b-altered "The replacement ships today.")
sed -i 's/ships today/ships never/' "$f"
{ printf 'Authentication-Results: mx.demo.example; dkim=pass header.d=demo.example\n'; cat "$f"; } >"$f.forged"
qid=$(submit "$f.forged")
sent "$qid" >/dev/null
assert_eq "(b) a signed answer altered after signing, with a forged pass on top: untrusted" untrusted \
	"$(kind_of b-altered@demo.example)"
assert_match "(b) OpenDKIM's own verdict is what is stored: fail" 'dkim=fail' "$(headers_of b-altered@demo.example)"
assert_no_match "(b) the forged pass is gone" 'dkim=pass' "$(headers_of b-altered@demo.example)"
sleep 1
assert_eq "(b) nothing forged reaches the customer" "$before" "$(count_for carla@customer.example)"

# --- (c) a forged result sent straight to the untrusted smtp_listen
{ printf 'Authentication-Results: mx.demo.example; dkim=pass header.d=demo.example\n'; answer_text c-direct "Straight in."; } |
	sed 's/$/\r/' >"$MD_TEST_TMP/c.eml"
swaks --silent 2 --server 127.0.0.1 --port "$MD_SMTP_PORT" --from ana@demo.example --to "$REPLY_TO" \
	--data @"$MD_TEST_TMP/c.eml" >/dev/null 2>&1
assert_eq "(c) a forged pass sent to smtp_listen is untrusted" untrusted "$(kind_of c-direct@demo.example)"
assert_no_match "(c) and stripped from the stored header" 'Authentication-Results' "$(headers_of c-direct@demo.example)"
assert_match "(c) our Received says where it came from" '^Received: from [^ ]+ \(\[127\.0\.0\.1\]\)' \
	"$(headers_of c-direct@demo.example | head -1)"

assert_eq "Postfix's queue is empty at the end" "" \
	"$(/usr/sbin/postqueue -c "$PF_ETC" -p 2>&1 | grep -E '^[0-9A-F]+[*!]? ')"
e2e_done
