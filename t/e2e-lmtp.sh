#!/bin/sh
# End to end over LMTP: the real maildeskd against a real PostgreSQL, driven
# by clients we did not write (swaks, Postfix's smtp-source). Asserts what
# the client is told and what PostgreSQL holds.
set -u
. "$top_srcdir/t/e2e-lib.sh"
. "$top_srcdir/t/md-instance.sh"

MD_EXTRA_CONF="max_recipients = 3
message_size_limit = 64k
idle_timeout = 3s
db_timeout = 2s"
MD_LMTP_UNIX="$MD_TEST_TMP/lmtp.sock"
md_instance_init "$MD_TEST_TMP/md" || { echo "setup failed"; exit 99; }
md_ctl team add sales --tenant demo --alias sales@demo.example >/dev/null
md_daemon_start || exit 99
trap 'md_daemon_stop' EXIT

lmtp() { swaks --protocol LMTP --server 127.0.0.1 --port "$MD_LMTP_PORT" --timeout 30 "$@" 2>&1; }
tickets() { sql "select count(*) from tickets"; }
messages() { sql "select count(*) from messages"; }

# --- one customer mail becomes one ticket with subject, body, requester
out=$(lmtp --from carla@customer.example --to support@demo.example \
	--header "Subject: Lamp not delivered" --header "From: Carla <carla@customer.example>" \
	--header "Message-Id: <first@customer.example>" --body "Where is my lamp?")
assert_match "a mail to a team alias is accepted with 250 after DATA" '^<[-~] +250 2\.0\.0 .*ticket [0-9]+' "$out"
assert_eq "one ticket was created" 1 "$(tickets)"
assert_eq "the subject is the ticket title" "Lamp not delivered" "$(sql "select subject from tickets")"
assert_match "the body is the first message" 'Where is my lamp\?' "$(sql "select text_body from messages")"
assert_eq "the requester is the sender" "carla@customer.example" \
	"$(sql "select c.email from tickets t join contacts c on c.id = t.requester_id and c.tenant_id = t.tenant_id")"
assert_eq "the raw bytes are kept" 1 "$(sql "select count(*) from raw_messages where position('Where is my lamp?' in convert_from(data, 'UTF8')) > 0")"
assert_match "the delivery is logged with its ticket number" 'event=delivery .*status=stored ticket=[0-9]+' "$(cat "$MD_DIR/maildeskd.log")"

# --- unknown recipient
out=$(lmtp --from carla@customer.example --to nobody@demo.example --body x)
assert_match "an unknown recipient gets 550 5.1.1" '550 5\.1\.1' "$out"

# --- one reply per recipient after DATA, in RCPT order, duplicates included
cat > "$MD_TEST_TMP/two-teams.eml" <<'MSG'
From: Dora <dora@customer.example>
To: support@demo.example, sales@demo.example
Subject: Quote and a complaint
Message-Id: <two-teams@customer.example>

Two teams should each get a ticket.
MSG
before=$(tickets)
out=$(lmtp --from dora@customer.example --to support@demo.example,sales@demo.example,support@demo.example \
	--data @"$MD_TEST_TMP/two-teams.eml")
n250=$(printf '%s\n' "$out" | grep -cE '^<[-~] +250 2\.0\.0 .*(ticket|delivered)')
assert_eq "three recipients (one twice) get three replies after DATA" 3 "$n250"
assert_eq "a message to two teams' aliases makes one ticket in each team" $((before + 2)) "$(tickets)"
assert_eq "the raw message is stored once" 1 \
	"$(sql "select count(*) from raw_messages where position('Two teams should' in convert_from(data, 'UTF8')) > 0")"

# --- redelivery of the same message creates nothing new
before_t=$(tickets); before_m=$(messages)
out=$(lmtp --from dora@customer.example --to support@demo.example --data @"$MD_TEST_TMP/two-teams.eml")
assert_match "a redelivered message is answered 250" '^<[-~] +250 2\.0\.0' "$out"
assert_eq "a redelivery creates no ticket" "$before_t" "$(tickets)"
assert_eq "a redelivery creates no message" "$before_m" "$(messages)"

# --- limits
out=$(lmtp --from a@customer.example --to support@demo.example,sales@demo.example,support@demo.example,sales@demo.example --body x)
assert_match "the recipient past max_recipients gets 452 4.5.3" '452 4\.5\.3' "$out"
head -c 100000 /dev/zero | tr '\0' 'a' | fold -w 76 > "$MD_TEST_TMP/big.txt"
before_m=$(messages)
out=$(lmtp --from a@customer.example --to support@demo.example --body "$MD_TEST_TMP/big.txt")
assert_match "a message over message_size_limit gets 552 5.3.4" '552 5\.3\.4' "$out"
assert_eq "an oversize message is not stored" "$before_m" "$(messages)"

# --- malformed mail is stored, flagged and answered 250
printf 'Subject: broken\r\nContent-Type: multipart/mixed; boundary="zz"\r\n\r\n--zz\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!notbase64\r\n' > "$MD_TEST_TMP/broken.eml"
out=$(lmtp --from a@customer.example --to support@demo.example --data @"$MD_TEST_TMP/broken.eml")
assert_match "a malformed message is answered 250" '^<[-~] +250 2\.0\.0' "$out"
assert_match "a malformed message is stored with its defects" 'missing-boundary' "$(sql "select defects from messages where subject = 'broken'")"

# --- Postfix's smtp-source, LMTP mode, 4 sessions in parallel
before=$(tickets)
/usr/sbin/smtp-source -L -s 4 -m 40 -l 2000 -f load@customer.example -t support@demo.example \
	127.0.0.1:"$MD_LMTP_PORT" > "$MD_TEST_TMP/smtp-source.out" 2>&1
assert_eq "smtp-source exits 0" 0 $?
assert_eq "40 messages from smtp-source make 40 tickets" $((before + 40)) "$(tickets)"

# --- the unix socket listener (Postfix's lmtp:unix:...)
before=$(tickets)
/usr/sbin/smtp-source -L -s 2 -m 6 -f unix@customer.example -t sales@demo.example \
	unix:"$MD_LMTP_UNIX" > "$MD_TEST_TMP/smtp-source-unix.out" 2>&1
assert_eq "smtp-source over the unix socket exits 0" 0 $?
assert_eq "6 messages over the unix socket make 6 tickets" $((before + 6)) "$(tickets)"

# --- an idle client is told 421 4.4.2 and disconnected
out=$(/usr/bin/python3 - "$MD_LMTP_PORT" <<'PY'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=20)
data = b""
start = time.time()
while True:
    chunk = s.recv(4096)
    if not chunk:
        break
    data += chunk
print(data.decode(errors="replace").replace("\r", ""))
print("closed-after=%d" % round(time.time() - start))
PY
)
assert_match "an idle session gets 421 4.4.2" '^421 4\.4\.2 ' "$out"
assert_match "and is closed by the server, not before idle_timeout" '^closed-after=([3-9]|[1-9][0-9])$' "$out"

# --- PostgreSQL stops mid-run: 451, then recovery without a restart
sh "$top_srcdir/t/pg-cluster.sh" stop "$MD_TEST_TMP/pg"
before_fail=$(date +%s)
out=$(lmtp --from e@customer.example --to support@demo.example --header "Subject: during outage" --body "x")
assert_match "with PostgreSQL down the client is told 451 4.3.0" '451 4\.3\.0' "$out"
assert_no_match "with PostgreSQL down nothing is acknowledged with 250 after DATA" '^<[-~] +250 2\.0\.0 .*ticket' "$out"
eval "$(PG_FSYNC=off sh "$top_srcdir/t/pg-cluster.sh" start "$MD_TEST_TMP/pg")"
out=$(lmtp --from e@customer.example --to support@demo.example --header "Subject: after outage" --body "x")
assert_match "after PostgreSQL is back the daemon reconnects and accepts mail" '^<[-~] +250 2\.0\.0' "$out"
assert_eq "only the mail sent after recovery is stored" "0 1" \
	"$(sql "select count(*) filter (where subject = 'during outage'), count(*) filter (where subject = 'after outage') from tickets" | tr '|' ' ')"

# --- PostgreSQL slow past db_timeout: 451 and nothing half-written
psql -X -q -c "begin; lock table tickets in access exclusive mode; select pg_sleep(8); commit;" >/dev/null 2>&1 &
locker=$!
sleep 1
before_m=$(messages)
out=$(lmtp --from s@customer.example --to support@demo.example --header "Subject: while slow" --body "x")
assert_match "a store slower than db_timeout is answered 451 4.3.0" '451 4\.3\.0' "$out"
wait $locker
assert_eq "a timed-out store leaves nothing behind" "$before_m" "$(messages)"
assert_match "the deferral is logged with its reason" 'event=delivery .*status=deferred reply=451 error=.*statement timeout' "$(cat "$MD_DIR/maildeskd.log")"
out=$(lmtp --from s@customer.example --to support@demo.example --header "Subject: after slow" --body "x")
assert_match "once PostgreSQL is fast again mail is accepted" '^<[-~] +250 2\.0\.0' "$out"

# --- SIGTERM while a message is being transferred: it is finished and
# stored, then the session gets 421 and the daemon exits 0.
out=$(/usr/bin/python3 - "$MD_LMTP_PORT" "$MD_DAEMON_PID" <<'PY'
import os, signal, socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=20)
f = s.makefile("rb")
def reply():
    lines = []
    while True:
        line = f.readline().decode().rstrip("\r\n")
        lines.append(line)
        if len(line) < 4 or line[3] != "-":
            return lines
reply()
for cmd in (b"LHLO t\r\n", b"MAIL FROM:<t@customer.example>\r\n", b"RCPT TO:<support@demo.example>\r\n", b"DATA\r\n"):
    s.sendall(cmd)
    reply()
s.sendall(b"Subject: in flight at shutdown\r\n")
time.sleep(0.3)
os.kill(int(sys.argv[2]), signal.SIGTERM)
time.sleep(0.5)
s.sendall(b"\r\nthe rest\r\n.\r\n")
print("\n".join(reply()))
print("\n".join(reply()))
PY
)
assert_match "the message in transfer at SIGTERM is accepted" '^250 2\.0\.0 ' "$out"
assert_match "then the session is told 421 4.3.2" '^421 4\.3\.2 ' "$out"
assert_eq "and it is stored" 1 "$(sql "select count(*) from tickets where subject = 'in flight at shutdown'")"
md_daemon_stop
assert_eq "maildeskd exits 0 on SIGTERM" 0 $?
trap - EXIT
e2e_done
