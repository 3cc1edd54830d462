#!/bin/sh
# End to end for the outbound queue: maildeskd hands queued mail to a relay
# we did not write, Postfix's smtp-sink on 127.0.0.1, made to answer 2xx,
# 4xx, 5xx or to drop the connection. Asserts what the sink received and
# what PostgreSQL holds: the exact message, sent only after a 2xx to the end
# of data, deferral and retry, failure with the relay's reply, exactly-once
# delivery with two daemons on one database, and in-flight sends finishing
# on SIGTERM.
set -u
. "$top_srcdir/t/e2e-lib.sh"
. "$top_srcdir/t/md-instance.sh"

SINK=/usr/sbin/smtp-sink
[ -x "$SINK" ] || { echo "skipped: $SINK not installed (apt-get install postfix)"; exit 77; }

SINK_PORT=$(md_free_port)
SINK_PID=
MD2_PID=
MD_RELAY_HOST="127.0.0.1:$SINK_PORT"
MD_EXTRA_CONF="outbound_concurrency = 3"
md_instance_init "$MD_TEST_TMP/md" || { echo "setup failed"; exit 99; }

# smtp-sink drops root privileges to "nobody", who must be able to write the
# dumps; a parent of $MD_TEST_TMP may be closed to it.
SINK_DIR="$MD_TEST_TMP/sink"
SINK_USER=
if [ "$(id -u)" = 0 ]; then
	SINK_USER="-u nobody"
	SINK_DIR=$(mktemp -d /tmp/md-outbound-sink.XXXXXX)
	chown nobody "$SINK_DIR"
fi
mkdir -p "$SINK_DIR"

cleanup() {
	sink_stop
	[ -z "$MD2_PID" ] || { kill -TERM "$MD2_PID" 2>/dev/null; wait "$MD2_PID" 2>/dev/null; }
	md_daemon_stop
	if [ "$SINK_DIR" != "$MD_TEST_TMP/sink" ]; then
		rm -rf "$MD_TEST_TMP/sink"
		cp -r "$SINK_DIR" "$MD_TEST_TMP/sink" 2>/dev/null
		rm -rf "$SINK_DIR"
	fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# Waits (at most 10 s) until something accepts TCP connections on port $1.
port_wait() {
	/usr/bin/python3 - "$1" <<'PY'
import socket, sys, time
for _ in range(100):
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.1)
sys.exit(1)
PY
}

# sink_start [SMTP-SINK OPTIONS]: a fresh sink dumping into $SINK_DIR/N/.
SINK_N=0
sink_start() {
	SINK_N=$((SINK_N + 1))
	# shellcheck disable=SC2086
	$SINK $SINK_USER -h sink.test -d "$SINK_DIR/$SINK_N/%M." "$@" "127.0.0.1:$SINK_PORT" 100 \
		>>"$MD_TEST_TMP/sink.log" 2>&1 &
	SINK_PID=$!
	port_wait "$SINK_PORT" || { echo "smtp-sink did not start"; cat "$MD_TEST_TMP/sink.log"; exit 99; }
}
sink_stop() {
	[ -n "$SINK_PID" ] || return 0
	kill "$SINK_PID" 2>/dev/null
	wait "$SINK_PID" 2>/dev/null
	SINK_PID=
}
# The messages the current sink has written.
sink_files() { find "$SINK_DIR/$SINK_N" -type f 2>/dev/null | sort; }
sink_count() { sink_files | wc -l | tr -d ' '; }
# A dump without smtp-sink's own header lines (X-* and its Received:).
sink_body() { awk 'body { print; next } /^\t.*\(smtp-sink\)/ { getline; body = 1 }' "$1"; }

# wait_state ID STATE: at most 20 s.
wait_state() {
	for _i in $(seq 1 200); do
		[ "$(sql "select state from outbound where id = $1")" = "$2" ] && return 0
		sleep 0.1
	done
	return 1
}
# wait_sql QUERY VALUE [TENTHS]: until the query returns VALUE.
wait_sql() {
	for _i in $(seq 1 "${3:-200}"); do
		[ "$(sql "$1")" = "$2" ] && return 0
		sleep 0.1
	done
	return 1
}
field() { sql "select $2 from outbound where id = $1"; }

# A message with a line that starts with a dot (dot-stuffing), 8-bit text and
# CRLF line ends, as the queue holds them.
msg_file() {
	printf 'From: Support <support@demo.example>\r\nTo: carla@customer.example\r\nSubject: %s\r\nMessage-ID: <%s@demo.example>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nHello Carla,\r\n.this line starts with a dot\r\n..and this one with two\r\n\303\251t\303\251\r\n' "$1" "$1" > "$MD_TEST_TMP/$1.eml"
	echo "$MD_TEST_TMP/$1.eml"
}
inject() { md_ctl queue inject --tenant demo --from support@demo.example "$@"; }

# --- configuration
printf 'relay_host = no-port-here\n' > "$MD_TEST_TMP/bad.conf"
out=$("$top_builddir/daemon/maildeskd" -n -c "$MD_TEST_TMP/bad.conf" 2>&1)
assert_match "a relay_host without a port is refused, naming file and line" 'bad\.conf:1: relay_host' "$out"

sink_start
md_daemon_start || exit 99

# --- delivered: the sink gets exactly the queued bytes
f=$(msg_file delivered)
id=$(inject --to carla@customer.example --to dora@customer.example --file "$f")
wait_state "$id" sent
assert_eq "a queued mail is sent" sent "$(field "$id" state)"
assert_eq "sent after a 2xx to the end of data" 250 "$(field "$id" last_code)"
assert_eq "the sink received one message" 1 "$(sink_count)"
dump=$(sink_files | head -1)
# The dump has LF line ends and one empty line after the message; an extra
# line end sent by us would show as a second one.
{ tr -d '\r' < "$f"; echo; } > "$MD_TEST_TMP/delivered.expected"
sink_body "$dump" > "$MD_TEST_TMP/delivered.got"
if cmp -s "$MD_TEST_TMP/delivered.expected" "$MD_TEST_TMP/delivered.got"; then
	e2e_ok "the relay got exactly the queued message (dots unstuffed, 8-bit intact)"
else
	e2e_fail "the relay got exactly the queued message (dots unstuffed, 8-bit intact)"
	diff "$MD_TEST_TMP/delivered.expected" "$MD_TEST_TMP/delivered.got" | sed 's/^/#   /'
fi
assert_match "the envelope sender is the row's, with a signed bounce token (VERP)" '^X-Mail-Args: <support\+b[0-9]+-[a-z2-7]{16}@demo\.example>$' "$(cat "$dump")"
assert_eq "each recipient got its RCPT TO" "2" "$(grep -c '^X-Rcpt-Args: <\(carla\|dora\)@customer\.example>$' "$dump")"
assert_match "EHLO announces the configured hostname" '^X-Helo-Args: maildesk\.test' "$(cat "$dump")"
assert_match "the send is logged" "event=outbound.sent id=$id .*code=250" "$(cat "$MD_DIR/maildeskd.log")"

# --- 4xx, then 2xx after "queue flush"
sink_stop
sink_start -r .
f=$(msg_file later)
id=$(inject --to carla@customer.example --file "$f")
wait_state "$id" deferred
assert_eq "a 4xx to the end of data defers the mail" deferred "$(field "$id" state)"
assert_eq "the 4xx is recorded" 450 "$(field "$id" last_code)"
assert_match "the relay's reply is kept" '450 4\.3\.0' "$(field "$id" last_error)"
assert_eq "a deferred mail waits for its backoff" t "$(field "$id" "next_attempt_at > now() + interval '30 seconds'")"
sink_stop
sink_start
out=$(md_ctl queue flush)
assert_match "queue flush reports the deferred mail" '^1 deferred mail due now' "$out"
wait_state "$id" sent
assert_eq "after the flush the deferred mail is sent" sent "$(field "$id" state)"
assert_eq "it took two attempts" 2 "$(field "$id" attempts)"
assert_eq "the second sink got it once" 1 "$(sink_count)"

# --- 5xx: failed, with the reply, on the ticket
swaks --protocol LMTP --server 127.0.0.1 --port "$MD_LMTP_PORT" --from carla@customer.example \
	--to support@demo.example --header "Subject: Lamp" --body "Where is my lamp?" >/dev/null 2>&1
ticket=$(sql "select number from tickets order by id desc limit 1")
sink_stop
sink_start -f RCPT
f=$(msg_file refused)
id=$(inject --to carla@customer.example --ticket "$ticket" --kind reply --file "$f")
wait_state "$id" failed
assert_eq "every recipient refused with 5xx fails the mail" failed "$(field "$id" state)"
assert_eq "the 5xx is recorded" 500 "$(field "$id" last_code)"
assert_match "last_error has the recipient and the relay's reply" '<carla@customer\.example>: 500 5\.3\.0' "$(field "$id" last_error)"
assert_match "the ticket records the failure" 'undeliverable.*500 5\.3\.0' \
	"$(sql "select kind || ' ' || detail from ticket_events where ticket_id = (select ticket_id from outbound where id = $id)")"
out=$(md_ctl queue show "$id")
assert_match "queue show has the state and the last error" '^last_error +.*500 5\.3\.0' "$out"
assert_match "queue show has the headers of the stored message" '^Subject: refused$' "$out"
claimer=$(sql "select host || '/' || pid from daemons order by heartbeat_at desc limit 1")
assert_match "queue show names the daemon that claimed the mail (host/pid/random)" \
	"^claimed_by +$claimer/[^ ]+\$" "$out"
assert_match "queue show --json has claimed_by too" "\"claimed_by\": \"$claimer/[^\"]+\"" \
	"$(md_ctl queue show "$id" --json)"
out=$(md_ctl queue list --state failed --json)
assert_match "queue list --json lists the failed mail" "\"id\": $id," "$out"
out=$(md_ctl queue retry "$id" 2>&1)
assert_match "queue retry of a failed mail queues it again" 'queued again' "$out"
wait_state "$id" failed
assert_eq "retried against the same refusing relay, it fails again" 2 "$(field "$id" attempts)"
sink_stop
sink_start
md_ctl queue retry "$id" >/dev/null
wait_state "$id" sent
assert_eq "retried once the relay takes it, it is sent" sent "$(field "$id" state)"
out=$(md_ctl queue retry "$id" 2>&1)
assert_match "a sent mail cannot be retried" 'is sent; only failed or deferred' "$out"

# --- 5xx to the end of data
sink_stop
sink_start -f .
f=$(msg_file rejected)
id=$(inject --to carla@customer.example --file "$f")
wait_state "$id" failed
assert_eq "a 5xx to the end of data fails the mail" failed "$(field "$id" state)"

# --- the relay drops the connection after the data: never "sent"
sink_stop
sink_start -q .
f=$(msg_file dropped)
id=$(inject --to carla@customer.example --file "$f")
wait_state "$id" deferred
assert_eq "a connection lost after DATA defers the mail" deferred "$(field "$id" state)"
assert_eq "it was not marked sent" "" "$(field "$id" sent_at)"
assert_eq "no reply code is recorded" "" "$(field "$id" last_code)"
assert_match "last_error says the connection was lost" 'connection lost' "$(field "$id" last_error)"

# --- some recipients refused: the others get it, the refused are noted.
# smtp-sink can neither refuse one recipient and take another nor speak TLS,
# so a few lines of Python play the relay: STARTTLS (a throwaway
# certificate), RCPT to bad* gets 550, to later* 450.
sink_stop
openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=relay.test -days 1 \
	-keyout "$MD_TEST_TMP/relay.key" -out "$MD_TEST_TMP/relay.crt" >/dev/null 2>&1 ||
	{ echo "openssl could not make a certificate"; exit 99; }
cat > "$MD_TEST_TMP/partial-relay.py" <<'PY'
import os, socket, ssl, sys
port, outdir, cert, key = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
tls.load_cert_chain(cert, key)
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", port))
srv.listen(5)
n = 0

def session(c):
    global n
    conn = {"c": c, "f": c.makefile("rb"), "tls": False}
    say = lambda s: conn["c"].sendall(s.encode() + b"\r\n")
    say("220 partial.test ESMTP")
    rcpts = []
    while True:
        raw = conn["f"].readline()
        if not raw:
            return
        cmd = raw.decode("latin-1").rstrip("\r\n")
        verb = cmd[:4].upper()
        if verb == "EHLO":
            say("250-partial.test")
            say("250 STARTTLS" if not conn["tls"] else "250 8BITMIME")
        elif cmd.upper() == "STARTTLS":
            say("220 2.0.0 go ahead")
            conn["c"] = tls.wrap_socket(conn["c"], server_side=True)
            conn["f"] = conn["c"].makefile("rb")
            conn["tls"] = True
        elif verb == "MAIL":
            rcpts = []
            say("250 2.1.0 ok")
        elif verb == "RCPT":
            addr = cmd[cmd.index("<") + 1:cmd.index(">")]
            if addr.startswith("bad"):
                say("550 5.1.1 <%s>: no such user" % addr)
            elif addr.startswith("later"):
                say("450 4.2.1 <%s>: try later" % addr)
            else:
                rcpts.append(addr)
                say("250 2.1.5 ok")
        elif verb == "DATA":
            say("354 go on")
            data = b""
            while True:
                line = conn["f"].readline()
                if line in (b".\r\n", b""):
                    break
                data += line
            n += 1
            head = "X-Rcpts: %s\nX-TLS: %s\n" % (",".join(rcpts), "yes" if conn["tls"] else "no")
            with open(os.path.join(outdir, "%d.eml" % n), "wb") as out:
                out.write(head.encode() + data)
            say("250 2.0.0 queued as P%d" % n)
        elif verb == "QUIT":
            say("221 bye")
            return
        else:
            say("502 5.5.2 what")

while True:
    c, _ = srv.accept()
    try:
        session(c)
    except (OSError, ssl.SSLError):
        pass  # a client that hung up (the port check)
    c.close()
PY
mkdir -p "$MD_TEST_TMP/partial"
/usr/bin/python3 "$MD_TEST_TMP/partial-relay.py" "$SINK_PORT" "$MD_TEST_TMP/partial" \
	"$MD_TEST_TMP/relay.crt" "$MD_TEST_TMP/relay.key" 2>>"$MD_TEST_TMP/sink.log" &
SINK_PID=$!
port_wait "$SINK_PORT" || { echo "the partial relay did not start"; exit 99; }
f=$(msg_file partial)
id=$(inject --to good@customer.example --to bad@customer.example --file "$f")
wait_state "$id" sent
assert_eq "a mail with one recipient refused is sent to the others" sent "$(field "$id" state)"
assert_eq "only the accepted recipient got it" "X-Rcpts: good@customer.example" "$(sed -n 1p "$MD_TEST_TMP/partial/1.eml")"
assert_eq "it went over STARTTLS, offered by the relay" "X-TLS: yes" "$(sed -n 2p "$MD_TEST_TMP/partial/1.eml")"
assert_match "the refused recipient is recorded in last_error" \
	'^250 2\.0\.0 queued as P1; refused: <bad@customer\.example>: 550 5\.1\.1' "$(field "$id" last_error)"
f=$(msg_file mixed)
id=$(inject --to bad@customer.example --to later@customer.example --file "$f")
wait_state "$id" deferred
assert_eq "no recipient accepted but one only for now: deferred" deferred "$(field "$id" state)"
assert_eq "with the 4xx as its code" 450 "$(field "$id" last_code)"
sink_stop

# --- two daemons on one database: every mail exactly once
sink_start
MD2_CONF="$MD_DIR/maildesk2.conf"
sed -e "s/^lmtp_listen = .*/lmtp_listen = 127.0.0.1:$(md_free_port)/" \
	-e "s/^smtp_listen = .*/smtp_listen = 127.0.0.1:$(md_free_port)/" "$MD_CONF" > "$MD2_CONF"
"$top_builddir/daemon/maildeskd" -c "$MD2_CONF" 2>>"$MD_DIR/maildeskd2.log" &
MD2_PID=$!
for _i in $(seq 1 100); do grep -q 'event=outbound.listen status=ok' "$MD_DIR/maildeskd2.log" 2>/dev/null && break; sleep 0.1; done
first=$(sql "select coalesce(max(id), 0) from outbound")
f=$(msg_file twice)
for i in $(seq 1 30); do
	sed "s/^Subject: twice/Subject: twice-$i/" "$f" > "$MD_TEST_TMP/twice-$i.eml"
	inject --to "r$i@customer.example" --file "$MD_TEST_TMP/twice-$i.eml" >/dev/null
done
wait_sql "select count(*) from outbound where id > $first and state = 'sent'" 30 600
assert_eq "with two daemons all 30 mails are sent" 30 "$(sql "select count(*) from outbound where id > $first and state = 'sent'")"
assert_eq "the relay received 30 messages" 30 "$(sink_count)"
assert_eq "each of them exactly once" 30 "$(sink_files | xargs grep -h '^Subject: twice-' | sort -u | wc -l | tr -d ' ')"
n1=$(grep -c 'event=outbound.sent' "$MD_DIR/maildeskd2.log")
echo "# the second daemon sent $n1 of them"
kill -TERM "$MD2_PID"
wait "$MD2_PID"
assert_eq "the second daemon exits 0" 0 "$?"
MD2_PID=

# --- SIGHUP: an empty relay_host stops sending, a relay set again resumes
reloads() { grep -c 'event=reload status=ok' "$MD_DIR/maildeskd.log"; }
reload_with() {
	_n=$(reloads)
	sed -i "s/^relay_host = .*/relay_host = $1/" "$MD_CONF"
	kill -HUP "$MD_DAEMON_PID"
	for _i in $(seq 1 100); do [ "$(reloads)" -gt "$_n" ] && return 0; sleep 0.1; done
	return 1
}
reload_with ""
f=$(msg_file paused)
id=$(inject --to carla@customer.example --file "$f")
assert_eq "with relay_host emptied by a reload, queued mail stays queued" queued "$(field "$id" state)"
reload_with "127.0.0.1:$SINK_PORT"
wait_state "$id" sent
assert_eq "with relay_host set again by a reload, it is sent" sent "$(field "$id" state)"

# --- SIGTERM: the send in flight finishes, nothing new is claimed
sink_stop
sink_start -w 3
f=$(msg_file inflight)
id=$(inject --to carla@customer.example --file "$f")
wait_state "$id" sending
kill -TERM "$MD_DAEMON_PID"
f=$(msg_file after-stop)
later=$(inject --to carla@customer.example --file "$f")
wait "$MD_DAEMON_PID"
assert_eq "maildeskd exits 0 after finishing the send" 0 "$?"
MD_DAEMON_PID=
assert_eq "the send in flight at SIGTERM was finished and recorded" sent "$(field "$id" state)"
log=$(cat "$MD_DIR/maildeskd.log")
assert_match "the stop came while it was in flight" 'event=outbound.stop in_flight=1' "$log"
assert_eq "mail queued after SIGTERM is not claimed" queued "$(field "$later" state)"

e2e_done
