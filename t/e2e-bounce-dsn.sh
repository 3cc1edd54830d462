#!/bin/sh
# A hostile delivery report to the VERP return path of one of our answers
# (issue 11): its delivery-status part has a per-message group, a first
# recipient group that is only "delayed", then the recipient that failed
# with a folded Diagnostic-Code, a field named only by prefix
# ("Action-X:"), CR-only line ends, NUL and control bytes. lib/mime parses
# the part with the message; the bounce must be filed for the failed
# recipient with the whole diagnostic, cleaned, and the daemon must go on.
# A report whose recipients are all "delayed" changes no delivery state.
set -u
. "$top_srcdir/t/e2e-lib.sh"
. "$top_srcdir/t/md-instance.sh"

[ "$(id -u)" = 0 ] || { echo "skipped: smtp-sink needs -u as root here"; exit 77; }
sink_start
md_instance_init "$MD_TEST_TMP/md" || { echo "setup failed"; exit 99; }
md_daemon_start || exit 99
trap 'md_daemon_stop; kill $SINK_PID 2>/dev/null' EXIT

lmtp() { swaks --silent 2 --protocol LMTP --server 127.0.0.1 --port "$MD_LMTP_PORT" "$@" >/dev/null 2>&1; }
latest_for() { ls -t $(mail_for "$1") 2>/dev/null | head -1; }

# --- a customer writes, the agent answers: the answer goes out with a VERP return path
lmtp --from carla@customer.example --to support@demo.example \
	--header "From: Carla <carla@customer.example>" --header "Subject: Lamp broken" \
	--header "Message-Id: <c1@customer.example>" --body "The lamp is broken."
T=$(sql "select number from tickets where subject = 'Lamp broken'")
wait_count ana@demo.example 1
reply_to=$(sed -n 's/^Reply-To: \(support+[^ ]*@demo\.example\).*/\1/p' "$(latest_for ana@demo.example)" | head -1)
lmtp --from ana@demo.example --to "$reply_to" --header "From: Ana <ana@demo.example>" \
	--header "Subject: Re: [#$T] Lamp broken" --body "A new lamp is on its way."
wait_count carla@customer.example 1
verp=$(sed -n 's/^X-Mail-Args: <\(support+b[0-9]*-[a-z2-7]*@demo\.example\)>.*/\1/p' "$(latest_for carla@customer.example)")
assert_match "the answer has a signed VERP return path" '^support\+b[0-9]+-[a-z2-7]{16}@demo\.example$' "$verp"
state() { sql "select state || '|' || coalesce(last_error, '') from outbound where kind = 'reply'"; }
assert_eq "the answer is sent" "sent|" "$(state | sed 's/|.*/|/')"
sent_state=$(state)
events() { sql "select count(*) from ticket_events e join tickets t on t.id = e.ticket_id where t.number = $T and e.kind = '$1'"; }

# send_report MESSAGE-ID KIND: one report from <> over LMTP as raw bytes
# (swaks would rewrite the line ends); prints the reply to the data.
# KIND attack: the hostile report; delayed: every recipient only delayed.
send_report() {
	/usr/bin/python3 - "$MD_LMTP_PORT" "$verp" "$1" "$2" <<'PY'
import socket, sys
port, rcpt, mid, kind = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
per_message = b"Reporting-MTA: dns; mx.customer.example\r\nArrival-Date: Sat, 5 Dec 2026 10:00:00 +0000\r\n\r\n"
delayed = b"Final-Recipient: rfc822; other@customer.example\r\nAction: delayed\r\nStatus: 4.4.1\r\n"
failed = (b"Action-X: delivered\r"
          b"Final-Recipient: rfc822;\r carla@customer.example\r"
          b"Original-Recipient: rfc822; Carla@customer.example\r"
          b"Action: failed\x01\r"
          b"Status: 5.1.1\r"
          b"Diagnostic-Code: smtp; 550 5.1.1 <carla@customer.example>:\r\n"
          b"\tmailbox\x00unavailable\x7f(over quota)\r\n")
status = per_message + delayed + (b"\r\n" + failed if kind == "attack" else b"")
msg = (b"From: Mail Delivery System <MAILER-DAEMON@mx.customer.example>\r\n"
       b"To: " + rcpt.encode() + b"\r\n"
       b"Subject: Undelivered Mail Returned to Sender\r\n"
       b"Message-Id: <" + mid.encode() + b">\r\n"
       b"MIME-Version: 1.0\r\n"
       b"Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\r\n\r\n"
       b"--B\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
       b"--B\r\nContent-Type: message/delivery-status\r\n\r\n" + status + b"--B--\r\n")
s = socket.create_connection(("127.0.0.1", port), timeout=30)
f = s.makefile("rb")
def reply():
    while True:
        line = f.readline().decode(errors="replace").rstrip("\r\n")
        if len(line) < 4 or line[3] != "-":
            return line
reply()
for cmd in (b"LHLO t\r\n", b"MAIL FROM:<>\r\n", b"RCPT TO:<" + rcpt.encode() + b">\r\n", b"DATA\r\n"):
    s.sendall(cmd)
    reply()
s.sendall(msg + b".\r\n")
print(reply())
s.sendall(b"QUIT\r\n")
PY
}

# --- all recipients only delayed: a report, no failure
out=$(send_report delayed1@mx.customer.example delayed)
assert_match "a report of a delayed delivery is taken" '^250 2\.0\.0' "$out"
assert_eq "it changes no delivery state" "$sent_state" "$(state)"
assert_eq "it is recorded as mail.report" 1 "$(events mail.report)"

# --- the hostile report
out=$(send_report attack1@mx.customer.example attack)
assert_match "the hostile report is taken with 250" '^250 2\.0\.0' "$out"
assert_eq "the failed recipient's facts are filed, whole and cleaned, not the delayed one's" \
	"failed|bounced: rfc822; carla@customer.example: 5.1.1 smtp; 550 5.1.1 <carla@customer.example>: mailbox unavailable (over quota)" \
	"$(state)"
assert_eq "with the event mail.bounced" 1 "$(events mail.bounced)"
assert_eq "the report is kept on the ticket as a bounce" "$T bounce" \
	"$(sql "select t.number || ' ' || m.kind from messages m join tickets t on t.id = m.ticket_id where m.message_id = 'attack1@mx.customer.example'")"
assert_match "the event text holds no control byte" '^[[:print:]]+$' \
	"$(sql "select detail from ticket_events e join tickets t on t.id = e.ticket_id where t.number = $T and e.kind = 'mail.bounced'")"

# --- the daemon goes on
lmtp --from dora@customer.example --to support@demo.example --header "Subject: After the report" --body "x"
assert_eq "the daemon still takes mail" 1 "$(sql "select count(*) from tickets where subject = 'After the report'")"
md_daemon_stop
assert_eq "maildeskd exits 0" 0 $?
trap 'kill $SINK_PID 2>/dev/null' EXIT
e2e_done
