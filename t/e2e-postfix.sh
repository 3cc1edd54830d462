#!/bin/sh
# End to end with Postfix as the MTA: a private Postfix instance (its own
# config, queue and log under $MD_TEST_TMP) accepts mail over SMTP and hands
# it to the real maildeskd over LMTP, the way a site deploys maildesk.
# Asserts what Postfix logs (sent / bounced / deferred, with maildesk's
# replies) and what PostgreSQL holds, including retries after an outage and
# after a reply lost in transit.
set -u
. "$top_srcdir/t/e2e-lib.sh"
. "$top_srcdir/t/md-instance.sh"

if [ "$(id -u)" != 0 ]; then
	echo "skipped: needs root for a private Postfix instance"
	exit 77
fi
for _bin in /usr/sbin/postfix /usr/sbin/postconf /usr/sbin/postqueue; do
	[ -x "$_bin" ] || { echo "skipped: $_bin not installed (apt-get install postfix)"; exit 77; }
done

md_instance_init "$MD_TEST_TMP/md" || { echo "setup failed"; exit 99; }
md_ctl team add sales --tenant demo --alias sales@demo.example >/dev/null
md_ctl team add billing --tenant demo --alias billing@demo.example >/dev/null
md_daemon_start || exit 99

PF_DIR="$MD_TEST_TMP/postfix"
PF_SMTP_PORT=$(md_free_port)
PROXY_PORT=$(md_free_port)
PF_TMPQ=
PROXY_PID=

# Stops everything this test started; runs on any exit.
cleanup() {
	if [ -f "${PF_ETC:-/nonexistent}/main.cf" ]; then
		/usr/sbin/postfix -c "$PF_ETC" stop >/dev/null 2>&1
	fi
	[ -z "$PROXY_PID" ] || { kill "$PROXY_PID" 2>/dev/null; wait "$PROXY_PID" 2>/dev/null; }
	md_daemon_stop
	if [ -n "$PF_TMPQ" ]; then
		rm -f "$MD_TEST_TMP/postfix"
		mkdir -p "$MD_TEST_TMP/postfix"
		cp -r "$PF_TMPQ/etc" "$PF_TMPQ/maillog" "$MD_TEST_TMP/postfix/" 2>/dev/null
		rm -rf "$PF_TMPQ"
	fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# The Postfix daemons run as "postfix" and must reach their directories;
# when a parent of $MD_TEST_TMP is closed to that user, the instance lives
# under /tmp instead, with $MD_TEST_TMP/postfix a link to it.
mkdir -p "$PF_DIR"
if ! runuser -u postfix -- test -x "$PF_DIR"; then
	PF_TMPQ=$(mktemp -d /tmp/mdpostfix.XXXXXX)
	chmod 755 "$PF_TMPQ"
	rmdir "$PF_DIR" && ln -s "$PF_TMPQ" "$PF_DIR"
	PF_DIR=$PF_TMPQ
fi
PF_ETC="$PF_DIR/etc"
PF_LOG="$PF_DIR/maillog"
PF_QUEUE="$PF_DIR/queue"
PF_DATA="$PF_DIR/data"
mkdir -p "$PF_ETC" "$PF_QUEUE" "$PF_DATA"
chown postfix "$PF_DATA"

# A transport override routes billing@ through the reply-dropping proxy.
printf 'billing@demo.example lmtp:inet:127.0.0.1:%s\n' "$PROXY_PORT" > "$PF_ETC/transport"

cat > "$PF_ETC/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $PF_QUEUE
data_directory = $PF_DATA
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
virtual_transport = lmtp:inet:127.0.0.1:$MD_LMTP_PORT
transport_maps = texthash:$PF_ETC/transport
default_transport = discard:no mail leaves this test instance
relay_transport = discard:no mail leaves this test instance
maillog_file = $PF_LOG
maillog_file_prefixes = $PF_DIR
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 2s
lmtp_data_done_timeout = 20s
EOF

cat > "$PF_ETC/master.cf" <<EOF
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

# A TCP proxy in front of maildeskd that, in its first session only, drops
# the reply to the end of DATA and cuts the connection: the "lost reply
# after commit" case that makes Postfix deliver the same message twice.
/usr/bin/python3 - "$PROXY_PORT" "$MD_LMTP_PORT" > "$MD_TEST_TMP/proxy.log" 2>&1 <<'PY' &
import socket, sys, threading
listen = socket.socket()
listen.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listen.bind(("127.0.0.1", int(sys.argv[1])))
listen.listen(8)
sessions = 0
def serve(client, drop):
    server = socket.create_connection(("127.0.0.1", int(sys.argv[2])))
    state = {"sent_dot": False, "tail": b""}
    def upstream():
        try:
            while True:
                data = client.recv(65536)
                if not data:
                    break
                tail = state["tail"] + data
                if b"\r\n.\r\n" in tail:
                    state["sent_dot"] = True
                state["tail"] = tail[-4:]
                server.sendall(data)
            server.shutdown(socket.SHUT_WR)
        except OSError:
            pass
    threading.Thread(target=upstream, daemon=True).start()
    while True:
        data = server.recv(65536)
        if not data:
            break
        if drop and state["sent_dot"]:
            print("dropped reply: %r" % data, flush=True)
            break
        client.sendall(data)
    for s in (client, server):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        s.close()
while True:
    conn, _ = listen.accept()
    sessions += 1
    threading.Thread(target=serve, args=(conn, sessions == 1), daemon=True).start()
PY
PROXY_PID=$!

out=$(/usr/sbin/postfix -c "$PF_ETC" check 2>&1 && /usr/sbin/postfix -c "$PF_ETC" start 2>&1)
assert_eq "a private Postfix instance starts (postfix -c DIR start)" 0 $?
[ "$E2E_FAILED" = 0 ] || { printf '%s\n' "$out"; sed 's/^/#   /' "$PF_LOG"; e2e_done; }
for _i in $(seq 1 100); do
	/usr/bin/python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1)' \
		"$PF_SMTP_PORT" 2>/dev/null && break
	sleep 0.1
done

submit() { swaks --server 127.0.0.1 --port "$PF_SMTP_PORT" --timeout 30 "$@" 2>&1; }
queue_id() { printf '%s\n' "$1" | sed -n 's/.* 250 2\.0\.0 Ok: queued as \([0-9A-Za-z]*\).*/\1/p' | tail -n 1; }
tickets() { sql "select count(*) from tickets"; }
messages() { sql "select count(*) from messages"; }

# wait_log QUEUEID REGEX [COUNT]: waits (at most 30 s) until COUNT (default
# 1) maillog lines of that queue id match REGEX, then prints its lines.
wait_log() {
	for _i in $(seq 1 300); do
		[ "$(grep -E " $1: .*$2" "$PF_LOG" 2>/dev/null | wc -l)" -ge "${3:-1}" ] && break
		sleep 0.1
	done
	grep " $1: " "$PF_LOG" 2>/dev/null
}

# wait_log_flushing QUEUE-ID REGEX: as wait_log (at most 60 s), asking
# Postfix to retry deferred mail every 2 s (a destination that just failed
# may otherwise wait for the next queue scan).
wait_log_flushing() {
	for _i in $(seq 1 600); do
		[ "$(grep -E " $1: .*$2" "$PF_LOG" 2>/dev/null | wc -l)" -ge 1 ] && break
		[ $((_i % 20)) = 0 ] && /usr/sbin/postqueue -c "$PF_ETC" -f >/dev/null 2>&1
		sleep 0.1
	done
	grep " $1: " "$PF_LOG" 2>/dev/null
}

# wait_sql QUERY EXPECTED: waits (at most 30 s) for QUERY to give EXPECTED.
wait_sql() {
	for _i in $(seq 1 300); do
		[ "$(sql "$1")" = "$2" ] && break
		sleep 0.1
	done
}

relay_md="relay=127\.0\.0\.1\[127\.0\.0\.1\]:$MD_LMTP_PORT"

# --- one mail through Postfix becomes one ticket
out=$(submit --from carla@customer.example --to support@demo.example \
	--header "Subject: Via Postfix" --header "Message-Id: <pf-one@customer.example>" --body "Lamp is broken.")
qid=$(queue_id "$out")
assert_match "Postfix's smtpd queues a mail for support@" '^[0-9A-F]+$' "$qid"
log=$(wait_log "$qid" 'status=(sent|bounced|deferred)')
assert_match "Postfix delivers it over LMTP to maildeskd: status=sent with maildesk's ticket reply" \
	"to=<support@demo\.example>, $relay_md, .*status=sent \(250 2\.0\.0 .*ticket [0-9]+" "$log"
wait_sql "select count(*) from tickets where subject = 'Via Postfix'" 1
assert_eq "exactly one ticket exists for it" 1 "$(sql "select count(*) from tickets where subject = 'Via Postfix'")"
assert_match "maildeskd logs the delivery" 'event=delivery .*status=stored ticket=[0-9]+' "$(cat "$MD_DIR/maildeskd.log")"

# --- one mail to two team aliases: one LMTP transaction, a ticket per team
out=$(submit --from dora@customer.example --to support@demo.example,sales@demo.example \
	--header "Subject: Two teams via Postfix" --header "Message-Id: <pf-two@customer.example>" --body "Quote and complaint.")
qid=$(queue_id "$out")
log=$(wait_log "$qid" 'status=(sent|bounced|deferred)' 2)
assert_match "the support@ copy is sent over LMTP" "to=<support@demo\.example>, $relay_md, .*status=sent \(250 2\.0\.0 " "$log"
assert_match "the sales@ copy is sent over LMTP" "to=<sales@demo\.example>, $relay_md, .*status=sent \(250 2\.0\.0 " "$log"
assert_eq "a mail to two teams' aliases makes one ticket in each team" "sales support" \
	"$(sql "select string_agg(tm.name, ' ' order by tm.name) from tickets t join teams tm on tm.tenant_id = t.tenant_id and tm.id = t.team_id where t.subject = 'Two teams via Postfix'")"
assert_eq "its raw message is stored once" 1 \
	"$(sql "select count(*) from raw_messages where position('Quote and complaint.' in convert_from(data, 'UTF8')) > 0")"

# --- unknown alias: maildeskd's 550 5.1.1 makes Postfix bounce it
before_t=$(tickets); before_m=$(messages)
out=$(submit --from erin@customer.example --to nobody@demo.example --header "Subject: To nobody" --body "x")
qid=$(queue_id "$out")
log=$(wait_log "$qid" 'status=(sent|bounced|deferred)')
assert_match "a mail to an unknown alias bounces with maildesk's 550 5.1.1" \
	"to=<nobody@demo\.example>, $relay_md, .*status=bounced \(.*550 5\.1\.1" "$log"
assert_eq "nothing is stored for it (tickets)" "$before_t" "$(tickets)"
assert_eq "nothing is stored for it (messages)" "$before_m" "$(messages)"

# --- PostgreSQL down: 451 4.3.0, Postfix defers; flushed later, stored once
sh "$top_srcdir/t/pg-cluster.sh" stop "$MD_TEST_TMP/pg"
out=$(submit --from fay@customer.example --to support@demo.example \
	--header "Subject: During outage via Postfix" --header "Message-Id: <pf-outage@customer.example>" --body "x")
qid=$(queue_id "$out")
log=$(wait_log "$qid" 'status=(sent|bounced|deferred)')
assert_match "with PostgreSQL down Postfix defers the mail with maildesk's 451 4.3.0" \
	"to=<support@demo\.example>, $relay_md, .*status=deferred \(.*451 4\.3\.0" "$log"
assert_no_match "and does not report it sent" 'status=sent' "$log"
assert_match "the mail stays in Postfix's queue" "^$qid" "$(/usr/sbin/postqueue -c "$PF_ETC" -p 2>&1)"
eval "$(PG_FSYNC=off sh "$top_srcdir/t/pg-cluster.sh" start "$MD_TEST_TMP/pg")"
# (Postfix may retry as soon as PostgreSQL is back, so what the outage left
# behind is judged by maildeskd's log and by the exactly-once count below.)
assert_match "maildeskd answered 451 without storing anything" \
	'event=(rcpt|delivery) .*reply=451' "$(cat "$MD_DIR/maildeskd.log")"
/usr/sbin/postqueue -c "$PF_ETC" -f
log=$(wait_log_flushing "$qid" 'status=sent')
assert_match "after PostgreSQL is back and the queue is flushed, the mail is sent" \
	"to=<support@demo\.example>, $relay_md, .*status=sent \(250 2\.0\.0 .*ticket [0-9]+" "$log"
assert_eq "the deferred mail is stored exactly once" 1 \
	"$(sql "select count(*) from tickets where subject = 'During outage via Postfix'")"

# --- reply lost after commit: Postfix retries, maildesk does not duplicate
out=$(submit --from gus@customer.example --to billing@demo.example \
	--header "Subject: Reply lost via Postfix" --header "Message-Id: <pf-lost@customer.example>" --body "x")
qid=$(queue_id "$out")
log=$(wait_log_flushing "$qid" 'status=(sent|bounced)')
assert_match "a reply lost after DATA makes Postfix defer and warn of a duplicate" \
	'to=<billing@demo\.example>, .*status=deferred \(lost connection .* while sending end of data -- message may be sent more than once\)' "$log"
assert_match "Postfix's retry is answered 250 by maildeskd" \
	"to=<billing@demo\.example>, relay=127\.0\.0\.1\[127\.0\.0\.1\]:$PROXY_PORT, .*status=sent \(250 2\.0\.0 .*ticket [0-9]+" "$log"
assert_match "the proxy really dropped maildesk's reply" 'dropped reply: .*250 2\.0\.0' "$(cat "$MD_TEST_TMP/proxy.log")"
assert_eq "the message delivered twice is one ticket with one message" "1 1" \
	"$(sql "select count(distinct t.id), count(m.id) from tickets t join messages m on m.ticket_id = t.id and m.tenant_id = t.tenant_id where t.subject = 'Reply lost via Postfix'" | tr '|' ' ')"

assert_eq "Postfix's queue is empty at the end" "" \
	"$(/usr/sbin/postqueue -c "$PF_ETC" -p 2>&1 | grep -E '^[0-9A-F]+[*!]? ')"
e2e_done
