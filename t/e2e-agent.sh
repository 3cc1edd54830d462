#!/bin/sh
# Agents work from their mail client, end to end: a customer mails in, the
# agents are notified (Postfix's smtp-sink stands in for everybody's mail
# server), an agent answers the notification from "their client" (swaks),
# and the customer's copy arrives threaded, signed off, without the quoted
# notification. Commands change the ticket; forged replies reach nobody.
set -u
. "$top_srcdir/t/e2e-lib.sh"
. "$top_srcdir/t/md-instance.sh"

[ "$(id -u)" = 0 ] || { echo "skipped: smtp-sink needs -u as root here"; exit 77; }
sink_start
md_instance_init "$MD_TEST_TMP/md" || { echo "setup failed"; exit 99; }
md_ctl agent add bob@demo.example --name "Bob" --team support --tenant demo >/dev/null
sql "update agents set signature = 'Ana Agent, Demo Support' where email = 'ana@demo.example'" >/dev/null
md_daemon_start || exit 99
trap 'md_daemon_stop; kill $SINK_PID 2>/dev/null' EXIT

lmtp() { swaks --silent 2 --protocol LMTP --server 127.0.0.1 --port "$MD_LMTP_PORT" "$@" >/dev/null 2>&1; }
# mail_for ADDR: the sink's files whose envelope recipient is ADDR.
latest_for() { ls -t $(mail_for "$1") 2>/dev/null | head -1; }

# --- a customer writes: both agents are notified
lmtp --from carla@customer.example --to support@demo.example \
	--header "From: Carla Customer <carla@customer.example>" --header "Subject: Lamp broken" \
	--header "Message-Id: <c1@customer.example>" --body "The lamp arrived broken. Can you send a new one?"
T=$(sql "select number from tickets where subject = 'Lamp broken'")
wait_count ana@demo.example 1; wait_count bob@demo.example 1
assert_eq "the new ticket is mailed to each agent of the team" "1 1" "$(count_for ana@demo.example) $(count_for bob@demo.example)"
n=$(latest_for ana@demo.example)
note=$(cat "$n")
assert_match "the notification comes from the customer via the team" '^From: Carla Customer via support <support@demo\.example>' "$note"
assert_match "its subject carries the ticket tag" "^Subject: \\[#$T\\] Lamp broken" "$note"
assert_match "its Reply-To is a signed address for this agent" "^Reply-To: support\\+$T-[0-9]+-[a-z2-7]{7}-[a-z2-7]{6}-[a-z2-7]{16}@demo\\.example" "$note"
assert_match "it has the reply marker" '## Reply above this line ##' "$note"
assert_match "it carries the customer's message" 'The lamp arrived broken' "$note"
assert_match "it is marked as automatic mail" '^Auto-Submitted: auto-generated' "$note"
assert_match "it is sent with a null envelope sender" '^X-Mail-Args: <>' "$note"
reply_to=$(sed -n 's/^Reply-To: \(support+[^ ]*@demo\.example\).*/\1/p' "$n" | head -1)

# --- how agents are named to customers is the team's choice
assert_match "maildeskctl team set --sender-name sets it" 'named "{agent} at Demo {team}"' \
	"$(md_ctl team set support --tenant demo --sender-name '{agent} at Demo {team}')"

# --- the agent answers from her mail client
cat > "$MD_TEST_TMP/answer.txt" <<MSG
Hello Carla, a new lamp is on its way.

On Mon, 23 Nov 2026 at 10:00, Carla Customer via support <support@demo.example> wrote:
> ## Reply above this line ##
> New ticket: ticket $T, Lamp broken
MSG
lmtp --from ana@demo.example --to "$reply_to" --header "From: Ana <ana@demo.example>" \
	--header "Subject: Re: [#$T] Lamp broken" --header "In-Reply-To: <notification@x>" --body @"$MD_TEST_TMP/answer.txt"
wait_count carla@customer.example 1
assert_eq "the agent's answer is sent to the customer" 1 "$(count_for carla@customer.example)"
c=$(cat "$(latest_for carla@customer.example)")
assert_match "it comes from the team's alias, the agent named as the team chose" '^From: Ana Agent at Demo support <support@demo\.example>' "$c"
assert_match "it continues the customer's thread" '^In-Reply-To: <c1@customer\.example>' "$c"
assert_match "its subject keeps the ticket tag" "^Subject: Re: \\[#$T\\] Lamp broken" "$c"
assert_match "it carries the answer" 'Hello Carla, a new lamp is on its way' "$c"
assert_match "and the agent's signature" 'Ana Agent, Demo Support' "$c"
assert_no_match "but not the quoted notification" 'Reply above this line|wrote:' "$c"
assert_match "its Message-ID is maildesk's own, signed" "^Message-Id: <md\\.$T\\.[a-z0-9]+\\.[a-z2-7]{16}@maildesk\\.test>" "$c"
assert_eq "the answer is stored on the ticket as an outgoing reply" 1 \
	"$(sql "select count(*) from messages m join tickets t on t.id = m.ticket_id where t.number = $T and m.direction = 'out' and m.kind = 'reply'")"

# --- the answer's return path is signed (VERP); a delivery report for it
# marks that mail failed, lands on the ticket and tells the agent
verp=$(sed -n 's/^X-Mail-Args: <\(support+b[0-9]*-[a-z2-7]*@demo\.example\)>.*/\1/p' "$(latest_for carla@customer.example)")
assert_match "the answer is sent with a signed VERP return path" '^support\+b[0-9]+-[a-z2-7]{16}@demo\.example$' "$verp"
before_ana=$(count_for ana@demo.example)
cat > "$MD_TEST_TMP/dsn.eml" <<MSG
From: Mail Delivery System <MAILER-DAEMON@mx.customer.example>
To: $verp
Subject: Undelivered Mail Returned to Sender
Message-Id: <dsn1@mx.customer.example>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B"

--B
Content-Type: text/plain

Your message could not be delivered.
--B
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.customer.example

Final-Recipient: rfc822; carla@customer.example
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 <carla@customer.example>: mailbox unavailable
--B--
MSG
lmtp --from '<>' --to "$verp" --data @"$MD_TEST_TMP/dsn.eml"
assert_match "the report marks that exact mail failed, with the diagnostic" '^failed\|bounced: .*5\.1\.1.*mailbox unavailable' \
	"$(sql "select state || '|' || last_error from outbound where kind = 'reply'")"
assert_eq "the report is kept on the ticket as a bounce" "$T bounce" \
	"$(sql "select t.number || ' ' || m.kind from messages m join tickets t on t.id = m.ticket_id where m.message_id = 'dsn1@mx.customer.example'")"
wait_count ana@demo.example $((before_ana + 1))
assert_match "the agent who wrote it is told" 'could not be delivered' "$(cat "$(latest_for ana@demo.example)")"
bad_verp=$(printf '%s' "$verp" | sed 's/-[a-z2-7]\{4\}/-aaaa/')
lmtp --from '<>' --to "$bad_verp" --data @"$MD_TEST_TMP/dsn.eml" --header "Message-Id: <dsn2@mx.customer.example>"
assert_eq "a report to a forged return path is stored and not acted on" "customer" \
	"$(sql "select kind from messages where message_id = 'dsn2@mx.customer.example'")"

# --- the customer's answer to that threads back and notifies
before_ana=$(count_for ana@demo.example)
lmtp --from carla@customer.example --to support@demo.example --header "From: carla@customer.example" \
	--header "Subject: Re: [#$T] Lamp broken" \
	--header "In-Reply-To: $(sed -n 's/^Message-Id: \(<[^>]*>\).*/\1/p' "$(latest_for carla@customer.example)")" \
	--body "Thanks!"
assert_eq "the customer's next mail lands on the ticket through our Message-ID" "token" \
	"$(sql "select match_reason from messages where text_body like 'Thanks!%'")"
wait_count ana@demo.example $((before_ana + 1))
assert_eq "and is notified again" $((before_ana + 1)) "$(count_for ana@demo.example)"

# --- offline agents are not mailed, unless they asked to be
sql "update agents set status = 'offline' where email = 'bob@demo.example'" >/dev/null
bob_before=$(count_for bob@demo.example); ana_before=$(count_for ana@demo.example)
lmtp --from dora@customer.example --to support@demo.example --header "From: dora@customer.example" \
	--header "Subject: Offline test one" --body "one"
wait_count ana@demo.example $((ana_before + 1))
sleep 1
assert_eq "an offline agent is not mailed" "$bob_before" "$(count_for bob@demo.example)"
assert_match "maildeskctl agent set --notify-offline says so" 'updated' \
	"$(md_ctl agent set bob@demo.example --tenant demo --notify-offline yes)"
lmtp --from dora@customer.example --to support@demo.example --header "From: dora@customer.example" \
	--header "Subject: Offline test two" --body "two"
wait_count bob@demo.example $((bob_before + 1))
assert_eq "an offline agent who asked for it is mailed" $((bob_before + 1)) "$(count_for bob@demo.example)"

# --- commands only: the ticket changes, the customer gets nothing
before=$(count_for carla@customer.example)
lmtp --from ana@demo.example --to "$reply_to" --header "From: ana@demo.example" --header "Subject: Re: x" \
	--body "#close
#tag refund
#priority urgent"
assert_eq "#close, #tag and #priority apply" "closed 3 refund" \
	"$(sql "select t.status || ' ' || t.priority || ' ' || g.tag from tickets t join ticket_tags g on g.ticket_id = t.id where t.number = $T")"
sleep 1
assert_eq "a mail with only commands sends nothing to the customer" "$before" "$(count_for carla@customer.example)"
assert_match "the commands are recorded with the agent" 'closed ana@demo.example' \
	"$(sql "select string_agg(e.kind || ' ' || e.actor, ',') from ticket_events e join tickets t on t.id = e.ticket_id where t.number = $T")"

# --- a forged reply: stored as untrusted, nothing to the customer, the agent is told
before_ana=$(count_for ana@demo.example)
lmtp --from mallory@evil.example --to "$reply_to" --header "From: Ana <mallory@evil.example>" \
	--header "Subject: Re: refund" --body "Please wire the refund to my account."
assert_eq "a reply from another address is stored as untrusted" "untrusted" \
	"$(sql "select kind from messages where text_body like 'Please wire%'")"
wait_count ana@demo.example $((before_ana + 1))
assert_match "the agent address on record is told why" 'not your address on record' "$(cat "$(latest_for ana@demo.example)")"
sleep 1
assert_eq "nothing reaches the customer" "$before" "$(count_for carla@customer.example)"

# --- a command that does not parse: nothing sent, the agent gets the error
lmtp --from ana@demo.example --to "$reply_to" --header "From: ana@demo.example" --header "Subject: Re: x" \
	--body "#snooze 3x
Sorry for the wait."
wait_count ana@demo.example $((before_ana + 2))
assert_match "a bad command is answered with the error" '#snooze: "3x" is not a duration' "$(cat "$(latest_for ana@demo.example)")"
assert_eq "and nothing goes to the customer" "$before" "$(count_for carla@customer.example)"

# --- #note: an internal note, never sent; the assignee (bob) is told
sql "update tickets set assignee_id = (select id from agents where email = 'bob@demo.example') where number = $T" >/dev/null
bob_before=$(count_for bob@demo.example)
lmtp --from ana@demo.example --to "$reply_to" --header "From: ana@demo.example" --header "Subject: Re: x" \
	--body "#note
Customer called, wants a refund instead."
assert_eq "#note stores an internal note" "note" "$(sql "select kind from messages where text_body like '%wants a refund instead%'")"
sleep 1
assert_eq "a note is never sent to the customer" "$before" "$(count_for carla@customer.example)"
wait_count bob@demo.example $((bob_before + 1))
assert_match "a note by another agent is mailed to the assignee" 'wants a refund instead' "$(cat "$(latest_for bob@demo.example)")"

# --- agent_reply_require_dkim: only our mail server's word counts
printf 'agent_reply_require_dkim = yes\nauthserv_id = mx.demo.example\n' >> "$MD_CONF"
kill -HUP "$MD_DAEMON_PID"
sleep 1
before=$(count_for carla@customer.example)
cat > "$MD_TEST_TMP/forged.eml" <<MSG
Received: from evil by mx.demo.example; Mon, 23 Nov 2026 10:00:00 +0000
Authentication-Results: mx.demo.example; dkim=pass header.d=demo.example
From: ana@demo.example
To: $reply_to
Subject: Re: x
Message-Id: <forged-ar@evil.example>

Sent with a forged result below our Received line.
MSG
lmtp --from ana@demo.example --to "$reply_to" --data @"$MD_TEST_TMP/forged.eml"
sleep 1
assert_eq "with DKIM required, a result that is not our server's is not trusted" "untrusted" \
	"$(sql "select kind from messages where text_body like 'Sent with a forged result%'")"
assert_no_match "and a result in our server's name from outside is removed from the stored header" \
	'Authentication-Results' "$(sql "select headers from messages where message_id = 'forged-ar@evil.example'")"
assert_match "while the raw message keeps every byte" 'Authentication-Results: mx\.demo\.example' \
	"$(sql "select convert_from(r.data, 'UTF8') from messages m join raw_messages r on r.sha256 = m.raw_sha256 and r.tenant_id = m.tenant_id where m.message_id = 'forged-ar@evil.example'")"
cat > "$MD_TEST_TMP/signed.eml" <<MSG
Authentication-Results: mx.demo.example; dkim=pass header.d=demo.example header.s=s1
Received: from client by mx.demo.example; Mon, 23 Nov 2026 10:00:00 +0000
From: ana@demo.example
To: $reply_to
Subject: Re: x
Message-Id: <signed-agent@demo.example>

Your replacement ships today.
MSG
lmtp --from ana@demo.example --to "$reply_to" --data @"$MD_TEST_TMP/signed.eml"
wait_count carla@customer.example $((before + 1))
assert_eq "with our server's DKIM pass on top the answer is sent" $((before + 1)) "$(count_for carla@customer.example)"
assert_match "and it is the agent's text" 'Your replacement ships today' "$(cat "$(latest_for carla@customer.example)")"

# --- automatic mail never triggers automatic mail
lmtp --from robot@customer.example --to support@demo.example --header "From: robot@customer.example" \
	--header "Auto-Submitted: auto-replied" --header "Subject: Out of office" --body "I am away."
assert_eq "an auto-reply becomes a ticket" 1 "$(sql "select count(*) from tickets where subject = 'Out of office'")"
assert_match "but nobody is notified, and the ticket says why" 'agents not notified: ' \
	"$(sql "select e.detail from ticket_events e join tickets t on t.id = e.ticket_id where t.subject = 'Out of office' and e.kind = 'notification.suppressed'")"

# --- the relay refuses the customer's address for good: the reply fails,
# the failure is on the ticket, and the agent gets a notice
kill $SINK_PID 2>/dev/null; wait $SINK_PID 2>/dev/null
/usr/sbin/smtp-sink -u nobody -f RCPT -d "$SINK_DIR/%M." 127.0.0.1:"$SINK_PORT" 50 &
SINK_PID=$!
sleep 0.5
sed -i '/^agent_reply_require_dkim/d; /^authserv_id/d' "$MD_CONF"
kill -HUP "$MD_DAEMON_PID"
sleep 1
lmtp --from ana@demo.example --to "$reply_to" --header "From: ana@demo.example" --header "Subject: Re: x" \
	--body "One more thing, Carla."
for _i in $(seq 1 100); do
	[ "$(sql "select count(*) from outbound where kind = 'explanation' and position('refused it' in convert_from(data, 'UTF8')) > 0")" -ge 1 ] && break
	sleep 0.2
done
assert_eq "a reply the relay refuses for good is failed" "failed" \
	"$(sql "select state from outbound where kind = 'reply' and position('One more thing' in convert_from(data, 'UTF8')) > 0")"
assert_match "the failure is an internal note in the ticket's conversation" 'not delivered after 1 attempt' \
	"$(sql "select string_agg(m.text_body, ' | ') from messages m join tickets t on t.id = m.ticket_id where t.number = $T and m.kind = 'note' and m.from_name = 'maildeskd'")"
assert_eq "and its agent is sent a notice saying why" 1 \
	"$(sql "select count(*) from outbound where kind = 'explanation' and rcpts = '{ana@demo.example}' and position('refused it' in convert_from(data, 'UTF8')) > 0")"

md_daemon_stop
assert_eq "maildeskd exits 0" 0 $?
trap 'kill $SINK_PID 2>/dev/null' EXIT
e2e_done
