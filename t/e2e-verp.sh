#!/bin/sh
# Only a real delivery report to a VERP return path changes delivery state:
# the null envelope sender AND a multipart/report with a delivery-status
# part. A human reply, an auto-reply from <>, or a forged "report" with a
# sender is stored on the ticket as a message with the event
# mail.verp-not-report, and the outbound row stays as it was.
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

# report BOUNDARY-TYPE STATUS-PART-TYPE MESSAGE-ID: a report-shaped mail
report() {
	cat <<MSG
From: Mail Delivery System <MAILER-DAEMON@mx.customer.example>
To: $verp
Subject: Undelivered Mail Returned to Sender
Message-Id: <$3@mx.customer.example>
MIME-Version: 1.0
Content-Type: $1; report-type=delivery-status; boundary="B"

--B
Content-Type: text/plain

Your message could not be delivered.
--B
Content-Type: $2

Reporting-MTA: dns; mx.customer.example

Final-Recipient: rfc822; carla@customer.example
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 <carla@customer.example>: mailbox unavailable
--B--
MSG
}
stored() { sql "select t.number || ' ' || m.kind from messages m join tickets t on t.id = m.ticket_id where m.message_id = '$1'"; }
events() { sql "select count(*) from ticket_events e join tickets t on t.id = e.ticket_id where t.number = $T and e.kind = '$1'"; }

# --- a forged report: the right shape, but an envelope sender
report multipart/report message/delivery-status forged1 > "$MD_TEST_TMP/forged.eml"
lmtp --from mallory@evil.example --to "$verp" --data @"$MD_TEST_TMP/forged.eml"
assert_eq "a report with a non-null envelope sender does not fail the mail" "$sent_state" "$(state)"
assert_eq "it is stored on the ticket as an ordinary message" "$T customer" "$(stored forged1@mx.customer.example)"
assert_eq "with the event mail.verp-not-report" 1 "$(events mail.verp-not-report)"
assert_eq "and no mail.bounced event" 0 "$(events mail.bounced)"

# --- a human reply to the return path
lmtp --from carla@customer.example --to "$verp" --header "From: Carla <carla@customer.example>" \
	--header "Subject: Re: Lamp broken" --header "Message-Id: <human1@customer.example>" --body "Thanks, but failed: no."
assert_eq "a human reply to the return path changes no delivery state" "$sent_state" "$(state)"
assert_eq "it is stored on the ticket" "$T customer" "$(stored human1@customer.example)"
assert_eq "with its own mail.verp-not-report event" 2 "$(events mail.verp-not-report)"

# --- an auto-reply from the null sender, plain text
lmtp --from '<>' --to "$verp" --header "From: carla@customer.example" --header "Auto-Submitted: auto-replied" \
	--header "Subject: Out of office" --header "Message-Id: <auto1@customer.example>" --body "Action: failed"
assert_eq "an auto-reply from <> that is no multipart/report changes nothing" "$sent_state" "$(state)"
assert_eq "it is stored on the ticket" "$T customer" "$(stored auto1@customer.example)"

# --- null sender, multipart/report, but no delivery-status part
report multipart/report text/plain noparts1 > "$MD_TEST_TMP/noparts.eml"
lmtp --from '<>' --to "$verp" --data @"$MD_TEST_TMP/noparts.eml"
assert_eq "a report without a delivery-status part changes nothing" "$sent_state" "$(state)"
# --- null sender, a delivery-status part, but not multipart/report
report multipart/mixed message/delivery-status mixed1 > "$MD_TEST_TMP/mixed.eml"
lmtp --from '<>' --to "$verp" --data @"$MD_TEST_TMP/mixed.eml"
assert_eq "a delivery-status part in a multipart/mixed changes nothing" "$sent_state" "$(state)"
assert_eq "each of the five left an event" 5 "$(events mail.verp-not-report)"
assert_eq "none was treated as a bounce" 0 "$(events mail.bounced)"

# --- the real thing: <> and multipart/report with message/delivery-status
report multipart/report message/delivery-status real1 > "$MD_TEST_TMP/real.eml"
lmtp --from '<>' --to "$verp" --data @"$MD_TEST_TMP/real.eml"
assert_match "a real delivery report marks the mail failed" '^failed\|bounced: .*5\.1\.1' "$(state)"
assert_eq "it is kept on the ticket as a bounce" "$T bounce" "$(stored real1@mx.customer.example)"
assert_eq "with the event mail.bounced" 1 "$(events mail.bounced)"
assert_eq "and no further mail.verp-not-report" 5 "$(events mail.verp-not-report)"
md_daemon_stop
assert_eq "maildeskd exits 0" 0 $?
trap 'kill $SINK_PID 2>/dev/null' EXIT
e2e_done
