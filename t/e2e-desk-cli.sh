#!/bin/sh
# Working from the shell, end to end against the real daemon and
# PostgreSQL: "maildeskctl ticket reply/note/new" queue exactly the mail an
# agent's mailed answer would (checked in the outbound table: recipients,
# kind, and the stored message itself), templates are checked when saved
# and expand in answers ("#template" by mail and from the shell), and a
# team's acknowledgement goes to a sender once per autoack_window and never
# to automatic mail. No relay: the mail stays queued, which is what we read.
set -u
. "$top_srcdir/t/e2e-lib.sh"
. "$top_srcdir/t/md-instance.sh"

md_instance_init "$MD_TEST_TMP/md" || { echo "setup failed"; exit 99; }
md_ctl agent add bob@demo.example --name "Bob" --team support --tenant demo >/dev/null
md_ctl tenant add other >/dev/null
md_ctl team add help --tenant other --alias help@other.example >/dev/null
md_ctl agent add olga@other.example --name "Olga" --team help --tenant other >/dev/null
sql "update agents set signature = 'Ana Agent, Demo Support' where email = 'ana@demo.example'" >/dev/null
md_daemon_start || exit 99
trap 'md_daemon_stop' EXIT
W="$MD_TEST_TMP/work"
mkdir -p "$W"

lmtp() { swaks --silent 2 --protocol LMTP --server 127.0.0.1 --port "$MD_LMTP_PORT" "$@" >/dev/null 2>&1; }
# mail_of ID: outbound row ID's stored message, headers decoded, then each
# text part decoded, and one line per attachment: name, type, sha256.
mail_of() {
	sql "select encode(data, 'base64') from outbound where id = $1" | /usr/bin/python3 -c '
import sys, base64, email, email.policy, hashlib
raw = base64.b64decode("".join(sys.stdin.read().split()))
m = email.message_from_bytes(raw, policy=email.policy.default)
for k, v in m.items():
    print(f"{k}: {v}")
print()
for part in m.walk():
    if part.is_multipart():
        continue
    if part.get_filename():
        data = part.get_payload(decode=True)
        print("ATTACHMENT", part.get_filename(), part.get_content_type(), hashlib.sha256(data).hexdigest())
    else:
        print(part.get_content().replace("\r\n", "\n"), end="")
'
}
# last_id KIND: the newest outbound row of that kind.
last_id() { sql "select coalesce(max(id), 0) from outbound where kind = '$1'"; }
count() { sql "select count(*) from outbound where kind = '$1'"; }
rcpts_of() { sql "select array_to_string(rcpts, ' ') from outbound where id = $1"; }
# ctl_err ARGS...: runs maildeskctl, keeps stderr in $W/err and the status in $rc.
ctl_err() { md_ctl "$@" >"$W/out" 2>"$W/err"; rc=$?; }

# --- a customer writes, with a colleague on Cc
lmtp --from carla@customer.example --to support@demo.example \
	--header "From: Carla Customer <carla@customer.example>" --header "Cc: Ed <ed@customer.example>" \
	--header "Subject: Lamp broken" --header "Message-Id: <c1@customer.example>" --body "The lamp arrived broken."
T=$(sql "select number from tickets where subject = 'Lamp broken'")
assert_match "the customer's mail opens a ticket" '^[0-9]+$' "$T"

# --- ticket reply: commands, then the answer to the requester with Cc
cat > "$W/reply.txt" <<'MSG'
#tag shipping
#priority high

Hello Carla, a new lamp is on its way.
MSG
before=$(count reply)
out=$(md_ctl ticket reply "$T" --from ana@demo.example --file "$W/reply.txt")
assert_eq "ticket reply exits 0 and says what it did" "ticket $T: answer queued to carla@customer.example (commands applied)" "$out"
assert_eq "one reply is queued" $((before + 1)) "$(count reply)"
R=$(last_id reply)
assert_eq "to the requester and the participant" "carla@customer.example ed@customer.example" "$(rcpts_of "$R")"
assert_eq "from the team's alias as envelope sender" "support@demo.example" "$(sql "select envelope_from from outbound where id = $R")"
m=$(mail_of "$R")
assert_match "From: the agent's name from the team, at the alias" '^From: Ana Agent from support <support@demo\.example>$' "$m"
assert_match "To: the requester" '^To: Carla Customer <carla@customer\.example>$' "$m"
assert_match "Cc: the participant" '^Cc: (.* <)?ed@customer\.example>?$' "$m"
assert_match "Subject: Re: with the ticket tag" "^Subject: Re: \\[#$T\\] Lamp broken\$" "$m"
assert_match "In-Reply-To: the customer's message" '^In-Reply-To: <c1@customer\.example>$' "$m"
assert_match "Reply-To: the ticket's signed address" "^Reply-To: support\\+$T-0-[a-z2-7]{16}@demo\\.example\$" "$m"
assert_match "the answer's text" '^Hello Carla, a new lamp is on its way\.$' "$m"
assert_match "signed off with the agent's signature" '^Ana Agent, Demo Support$' "$m"
assert_match "after the signature separator" '^-- $' "$m"
assert_no_match "the commands are not in the mail" '#tag|#priority' "$m"
assert_eq "the commands applied" "2 shipping" "$(sql "select t.priority || ' ' || g.tag from tickets t join ticket_tags g on g.ticket_id = t.id where t.number = $T")"
assert_eq "the answer is stored as an outgoing reply by the agent" "out reply ana@demo.example answer written with maildeskctl" \
	"$(sql "select m.direction || ' ' || m.kind || ' ' || a.email || ' ' || m.match_detail from messages m join agents a on a.id = m.agent_id join tickets t on t.id = m.ticket_id where t.number = $T and m.direction = 'out'")"
assert_eq "the stored reply carries the queued Message-ID" 1 \
	"$(sql "select count(*) from messages m join outbound o on o.message_id = m.message_id where o.id = $R and m.kind = 'reply'")"

# --- errors: one line, exit 1, nothing written
ctl_err ticket reply "$T" --from mallory@evil.example --file "$W/reply.txt"
assert_eq "a stranger is refused (exit 1)" 1 "$rc"
assert_eq "with one line" 'maildeskctl: "mallory@evil.example" is not an agent of tenant "demo"' "$(cat "$W/err")"
ctl_err ticket reply "$T" --from olga@other.example --file "$W/reply.txt"
assert_eq "an agent of another tenant is refused" '1 maildeskctl: "olga@other.example" is not an agent of tenant "demo"' "$rc $(cat "$W/err")"
printf '#tag later\n#snooze 3x\nSorry.\n' > "$W/bad.txt"
ctl_err ticket reply "$T" --from ana@demo.example --file "$W/bad.txt"
assert_eq "a bad command is refused with its line" '1 1' "$rc $(wc -l < "$W/err")"
assert_match "naming the command" '^maildeskctl: line 2: #snooze: "3x" is not a duration' "$(cat "$W/err")"
assert_eq "and nothing changed: no tag from line 1" 0 "$(sql "select count(*) from ticket_tags where tag = 'later'")"
assert_eq "and nothing was queued" $((before + 1)) "$(count reply)"
printf '#template nosuch\nHi.\n' > "$W/bad.txt"
ctl_err ticket reply "$T" --from ana@demo.example --file "$W/bad.txt"
assert_eq "an unknown template is refused" "1 maildeskctl: line 1: #template: team support has no template \"nosuch\"" "$rc $(cat "$W/err")"
ctl_err ticket reply 999999 --from ana@demo.example --file "$W/reply.txt"
assert_eq "an unknown ticket is refused" "1 maildeskctl: ticket 999999 not found" "$rc $(cat "$W/err")"
ctl_err ticket reply "$T" --file "$W/reply.txt"
assert_eq "a missing --from is a usage error (exit 2)" 2 "$rc"
printf '\n\n' > "$W/empty.txt"
ctl_err ticket reply "$T" --from ana@demo.example --file "$W/empty.txt"
assert_eq "an empty answer is refused" "1 maildeskctl: nothing to send: the text is empty" "$rc $(cat "$W/err")"

# --- commands only, from standard input: nothing is sent
out=$(printf '#close\n' | md_ctl ticket reply "$T" --from ana@demo.example --file -)
assert_eq "commands alone change the ticket" "ticket $T: commands applied, nothing sent|closed" \
	"$out|$(sql "select status from tickets where number = $T")"
assert_eq "and send nothing" $((before + 1)) "$(count reply)"
printf '#reopen\n#assign bob@demo.example\n' | md_ctl ticket reply "$T" --from ana@demo.example --file - >/dev/null

# --- notes: stored, never sent; the assignee hears of someone else's
printf 'Customer called: wants a refund.\n' > "$W/note.txt"
nb=$(count notification)
out=$(md_ctl ticket note "$T" --from ana@demo.example --file "$W/note.txt")
assert_eq "ticket note says the assignee was told" "ticket $T: note added, bob@demo.example notified" "$out"
assert_eq "the note is stored as a note, by the agent, never sent" "in note ana@demo.example" \
	"$(sql "select m.direction || ' ' || m.kind || ' ' || a.email from messages m join agents a on a.id = m.agent_id where m.text_body = 'Customer called: wants a refund.'")"
assert_eq "nothing goes to the customer" $((before + 1)) "$(count reply)"
assert_eq "the assignee gets a notification" $((nb + 1)) "$(count notification)"
N=$(last_id notification)
assert_eq "only the assignee" "bob@demo.example" "$(rcpts_of "$N")"
assert_eq "with the null envelope sender" "" "$(sql "select envelope_from from outbound where id = $N")"
m=$(mail_of "$N")
assert_match "subject says it is a note" "^Subject: Note: \\[#$T\\] Lamp broken\$" "$m"
assert_match "it carries the note" '^Customer called: wants a refund\.$' "$m"
assert_match "it is marked automatic" '^Auto-Submitted: auto-generated$' "$m"
assert_match "its Reply-To brings bob's answer back" "^Reply-To: support\\+$T-[0-9]+-[a-z2-7]{7}-[a-z2-7]{6}-[a-z2-7]{16}@demo\\.example\$" "$m"
out=$(md_ctl ticket note "$T" --from bob@demo.example --file "$W/note.txt")
assert_eq "the assignee's own note notifies nobody" "ticket $T: note added|$((nb + 1))" "$out|$(count notification)"
out=$(printf '#note\nOnly for us.\n' | md_ctl ticket reply "$T" --from bob@demo.example --file -)
assert_eq "#note in ticket reply makes a note, not an answer" "ticket $T: note added|note|$((before + 1))" \
	"$out|$(sql "select kind from messages where text_body = 'Only for us.'")|$(count reply)"

# --- templates: checked when saved, with line and column
printf 'Hello {{customer.name}},\n\nabc   {{ticket.numbr}} is open.\n' > "$W/typo.txt"
ctl_err template add welcome --team support --file "$W/typo.txt"
assert_eq "an unknown variable is refused with FILE:LINE:COL" \
	"1 maildeskctl: $W/typo.txt:3:7: unknown variable {{ticket.numbr}}" "$rc $(cat "$W/err")"
printf 'one\ntwo {{ customer.name\n' > "$W/typo.txt"
ctl_err template add welcome --team support --file "$W/typo.txt"
assert_eq "an unclosed {{ is refused with FILE:LINE:COL" \
	"1 maildeskctl: $W/typo.txt:2:5: \"{{\" without \"}}\" on the same line" "$rc $(cat "$W/err")"
assert_eq "and nothing is stored" 0 "$(sql "select count(*) from templates")"
printf 'Hi {{customer.name}}, thanks for writing about ticket {{ticket.number}}.\n' > "$W/welcome.txt"
assert_eq "a good template is added" "template \"welcome\" added for team \"support\" in tenant \"demo\"" \
	"$(md_ctl template add welcome --team support --file "$W/welcome.txt")"
printf 'Hi {{ customer.name }}, thanks for writing about ticket {{ticket.number}} ({{ticket.subject}}).\n' > "$W/welcome.txt"
assert_match "adding it again replaces it" 'replaced' "$(md_ctl template add welcome --team support --file - < "$W/welcome.txt")"
assert_eq "template show prints it as saved" "$(cat "$W/welcome.txt")" "$(md_ctl template show welcome --team support)"
assert_match "template list shows it" '"name": "welcome"' "$(md_ctl template list --team support --json)"
ctl_err template add Bad/Name --team support --file "$W/welcome.txt"
assert_eq "a bad template name is a usage error" 2 "$rc"

# --- #template from the shell: the template alone
printf '#template welcome\n' > "$W/tpl.txt"
md_ctl ticket reply "$T" --from ana@demo.example --file "$W/tpl.txt" >/dev/null
m=$(mail_of "$(last_id reply)")
assert_match "#template alone sends the expanded template" "^Hi Carla Customer, thanks for writing about ticket $T \\(Lamp broken\\)\\.\$" "$m"

# --- #template in a mailed answer: before the agent's own text
addr=$(md_ctl ticket address "$T" --agent ana@demo.example)
rb=$(count reply)
lmtp --from ana@demo.example --to "$addr" --header "From: Ana <ana@demo.example>" --header "Subject: Re: x" \
	--body "#template welcome
A new lamp ships today."
assert_eq "a mailed answer with #template is sent" $((rb + 1)) "$(count reply)"
m=$(mail_of "$(last_id reply)")
assert_eq "the template comes first, then the agent's text, then the signature" \
	"Hi Carla Customer, thanks for writing about ticket $T (Lamp broken).|A new lamp ships today.|Ana Agent, Demo Support" \
	"$(printf '%s\n' "$m" | grep -E '^(Hi Carla|A new lamp|Ana Agent, Demo)' | paste -sd'|')"
eb=$(count explanation)
lmtp --from ana@demo.example --to "$addr" --header "From: Ana <ana@demo.example>" --header "Subject: Re: x" \
	--body "#template nosuch
This must not go out."
assert_eq "an unknown template sends nothing to the customer" $((rb + 1)) "$(count reply)"
assert_eq "the agent is told instead" $((eb + 1)) "$(count explanation)"
assert_match "naming the template" 'team support has no template "nosuch"' "$(mail_of "$(last_id explanation)")"
assert_eq "and the mail is stored as rejected" "rejected" "$(sql "select kind from messages where text_body like '%This must not go out.%'")"

# --- ticket new: a first mail from the team, with an attachment
printf '%%PDF-1.4 invoice 2026-001 \001\002\377\n' > "$W/invoice.pdf"
printf 'Hello Dora,\n\nyour invoice is attached.\n' > "$W/new.txt"
nn=$(count new)
out=$(md_ctl ticket new --team support --to Dora@Customer.example --subject "Your invoice" --from ana@demo.example \
	--file "$W/new.txt" --attach "$W/invoice.pdf")
assert_match "ticket new prints the new ticket's number" '^[0-9]+$' "$out"
NT=$out
assert_eq "the ticket: requester, assignee, subject" "dora@customer.example ana@demo.example Your invoice" \
	"$(sql "select c.email || ' ' || a.email || ' ' || t.subject from tickets t join contacts c on c.id = t.requester_id join agents a on a.id = t.assignee_id where t.number = $NT")"
assert_eq "one mail of kind new is queued" $((nn + 1)) "$(count new)"
NW=$(last_id new)
assert_eq "to the customer" "dora@customer.example" "$(rcpts_of "$NW")"
m=$(mail_of "$NW")
assert_match "From: the agent from the team" '^From: Ana Agent from support <support@demo\.example>$' "$m"
assert_match "Subject with the tag, no Re:" "^Subject: \\[#$NT\\] Your invoice\$" "$m"
assert_match "Reply-To: the signed address without agent" "^Reply-To: support\\+$NT-0-[a-z2-7]{16}@demo\\.example\$" "$m"
assert_no_match "no In-Reply-To" '^In-Reply-To:' "$m"
assert_match "the text and signature" '^your invoice is attached\.$' "$m"
assert_match "the attachment, typed by its extension, byte for byte" \
	"^ATTACHMENT invoice.pdf application/pdf $(sha256sum < "$W/invoice.pdf" | cut -d' ' -f1)\$" "$m"
assert_eq "stored as the ticket's first message, with its attachment" "out reply invoice.pdf" \
	"$(sql "select m.direction || ' ' || m.kind || ' ' || a.filename from messages m join tickets t on t.id = m.ticket_id join attachments a on a.message_id = m.id where t.number = $NT")"
assert_eq "its raw bytes are kept under their SHA-256" "t" \
	"$(sql "select encode(sha256(r.data), 'hex') = m.raw_sha256 from messages m join tickets t on t.id = m.ticket_id join raw_messages r on r.tenant_id = m.tenant_id and r.sha256 = m.raw_sha256 where t.number = $NT and m.direction = 'out'")"
msgid=$(sql "select message_id from outbound where id = $NW")
lmtp --from dora@customer.example --to support@demo.example --header "From: dora@customer.example" \
	--header "Subject: Re: Your invoice" --header "In-Reply-To: <$msgid>" --body "Thanks, paid."
assert_eq "the customer's answer lands on the new ticket" "$NT" \
	"$(sql "select t.number from messages m join tickets t on t.id = m.ticket_id where m.text_body like 'Thanks, paid.%'")"
ctl_err ticket new --team support --to support@demo.example --subject x --from ana@demo.example --file "$W/new.txt"
assert_eq "a ticket to our own alias is refused" 1 "$rc"
assert_match "saying why" 'cannot be sent to maildesk itself' "$(cat "$W/err")"
ctl_err ticket new --team support --to x@customer.example --subject x --from olga@other.example --file "$W/new.txt"
assert_eq "an agent of another tenant cannot start one" '1 maildeskctl: "olga@other.example" is not an agent of tenant "demo"' "$rc $(cat "$W/err")"
assert_eq "and no ticket is left behind" 0 "$(sql "select count(*) from contacts where email = 'x@customer.example'")"

# --- acknowledgements: once per sender per team per window, never to robots
# (these senders carry no Authentication-Results, so the tenant opts in to
# acknowledging unauthenticated senders; t/e2e-trust-participants.sh tests
# that the default holds them back)
md_ctl tenant set demo --autoack-unauthenticated yes >/dev/null
printf 'Hello {{customer.name}}, we got your mail: ticket {{ticket.number}}.\n-- \n{{team.name}}\n' > "$W/ack.txt"
md_ctl template add ack --team support --file "$W/ack.txt" >/dev/null
ctl_err team set support --autoack nosuch
assert_eq "an unknown template cannot acknowledge" 1 "$rc"
assert_match "team set --autoack turns it on" 'acknowledged with template "ack"' "$(md_ctl team set support --autoack ack)"
ctl_err template remove ack --team support
assert_eq "the acknowledgement's template cannot be removed" 1 "$rc"
ab=$(count ack)
lmtp --from erin@customer.example --to support@demo.example --header "From: Erin <erin@customer.example>" \
	--header "Subject: Printer jammed" --header "Message-Id: <e1@customer.example>" --body "It jams."
E1=$(sql "select number from tickets where subject = 'Printer jammed'")
assert_eq "a new ticket from a customer is acknowledged" $((ab + 1)) "$(count ack)"
A=$(last_id ack)
assert_eq "to the sender, with the null envelope sender" "erin@customer.example|" "$(rcpts_of "$A")|$(sql "select envelope_from from outbound where id = $A")"
m=$(mail_of "$A")
assert_match "the template expanded" "^Hello Erin, we got your mail: ticket $E1\\.\$" "$m"
assert_match "Auto-Submitted: auto-replied" '^Auto-Submitted: auto-replied$' "$m"
assert_match "X-Auto-Response-Suppress: All" '^X-Auto-Response-Suppress: All$' "$m"
assert_match "our loop header" '^X-Maildesk-Loop: maildesk\.test$' "$m"
assert_match "threaded on the customer's mail" '^In-Reply-To: <e1@customer\.example>$' "$m"
lmtp --from erin@customer.example --to support@demo.example --header "From: erin@customer.example" \
	--header "Subject: Scanner too" --body "And the scanner."
assert_eq "a second new ticket within the window gets no acknowledgement" $((ab + 1)) "$(count ack)"
assert_match "and the ticket says why" 'within the last 3600 seconds' \
	"$(sql "select e.detail from ticket_events e join tickets t on t.id = e.ticket_id where t.subject = 'Scanner too' and e.kind = 'ack.suppressed'")"
lmtp --from frank@customer.example --to support@demo.example --header "From: frank@customer.example" \
	--header "Auto-Submitted: auto-replied" --header "Subject: Out of office" --body "Away."
assert_eq "automatic mail is never acknowledged" $((ab + 1)) "$(count ack)"
assert_match "and the ticket says why" '^not acknowledged: ' \
	"$(sql "select e.detail from ticket_events e join tickets t on t.id = e.ticket_id where t.subject = 'Out of office' and e.kind = 'ack.suppressed'")"
sql "update outbound set created_at = created_at - interval '2 hours' where kind = 'ack'" >/dev/null
lmtp --from erin@customer.example --to support@demo.example --header "From: erin@customer.example" \
	--header "Subject: Fax as well" --body "And the fax."
assert_eq "after the window the sender is acknowledged again" $((ab + 2)) "$(count ack)"
lmtp --from erin@customer.example --to support@demo.example --header "From: erin@customer.example" \
	--header "Subject: Re: [#$E1] Printer jammed" --header "In-Reply-To: <e1@customer.example>" --body "Still jams."
assert_eq "a follow-up on an existing ticket is not acknowledged" $((ab + 2)) "$(count ack)"
md_ctl team set support --no-autoack >/dev/null
assert_match "without acknowledgement the template can be removed" 'removed' "$(md_ctl template remove ack --team support)"
lmtp --from gina@customer.example --to support@demo.example --header "From: gina@customer.example" \
	--header "Subject: Hello" --body "Hi."
assert_eq "a team without acknowledgement sends none" $((ab + 2)) "$(count ack)"

# --- autoack_window is a configuration key with a range
printf 'autoack_window = 2h\n' >> "$MD_CONF"
assert_eq "autoack_window is accepted" 0 "$("$top_builddir/daemon/maildeskd" -n -c "$MD_CONF" >/dev/null 2>&1; echo $?)"
sed -i 's/^autoack_window = 2h$/autoack_window = 10s/' "$MD_CONF"
assert_match "a window below a minute is refused with the line" 'autoack_window: "10s" is out of range' \
	"$("$top_builddir/daemon/maildeskd" -n -c "$MD_CONF" 2>&1)"

md_daemon_stop
assert_eq "maildeskd exits 0" 0 $?
trap - EXIT
e2e_done
