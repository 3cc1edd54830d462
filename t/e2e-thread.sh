#!/bin/sh
# Conversations end to end: real threading situations delivered over LMTP
# to the real daemon; PostgreSQL says which ticket each message landed on
# and why (messages.match_reason / match_detail).
set -u
. "$top_srcdir/t/e2e-lib.sh"
. "$top_srcdir/t/md-instance.sh"

md_instance_init "$MD_TEST_TMP/md" || { echo "setup failed"; exit 99; }
md_ctl tenant add other >/dev/null
md_ctl team add help --tenant other --alias help@other.example >/dev/null
md_daemon_start || exit 99
trap 'md_daemon_stop' EXIT

n=0
# deliver RCPT FROM SUBJECT [extra swaks args...]: one message, a unique Message-ID.
deliver() {
	rcpt=$1 from=$2 subject=$3
	shift 3
	n=$((n + 1))
	swaks --silent 2 --protocol LMTP --server 127.0.0.1 --port "$MD_LMTP_PORT" \
		--from "$from" --to "$rcpt" --header "From: $from" --header "Subject: $subject" \
		--header "Message-Id: <m$n@test.example>" --body "message $n" "$@" >/dev/null 2>&1
	LAST_MSGID="m$n@test.example"
}
# ticket_of MSGID -> "number reason"
ticket_of() {
	sql "select t.number || ' ' || m.match_reason from messages m join tickets t on t.id = m.ticket_id and t.tenant_id = m.tenant_id where m.message_id = '$1'"
}
number_of() { ticket_of "$1" | cut -d' ' -f1; }

# 1. a first mail makes a ticket
deliver support@demo.example carla@customer.example "Broken lamp"
first=$LAST_MSGID
T1=$(number_of "$first")
assert_eq "a first mail opens a ticket (match new)" "$T1 new" "$(ticket_of "$first")"

# 2. a reply with References only
deliver support@demo.example carla@customer.example "Re: Broken lamp" --header "References: <$first>"
assert_eq "a reply with References only joins the ticket" "$T1 references" "$(ticket_of "$LAST_MSGID")"
assert_match "and records why, with the ticket number" "match a message of ticket $T1\$" "$(sql "select match_detail from messages where message_id = '$LAST_MSGID'")"

# 3. a client that dropped all headers but kept the tag, from the requester
deliver support@demo.example carla@customer.example "Re: [#$T1] Broken lamp"
assert_eq "a tag-only reply from the requester joins the ticket" "$T1 subject-tag" "$(ticket_of "$LAST_MSGID")"

# 4. the same tag from a stranger opens a new ticket
deliver support@demo.example mallory@evil.example "Re: [#$T1] Broken lamp"
r=$(ticket_of "$LAST_MSGID")
assert_no_match "a tag from a stranger never joins someone else's ticket" "^$T1 " "$r"
assert_match "it opens a new ticket" ' new$' "$r"
assert_match "and says the tag was ignored" 'ignored' "$(sql "select match_detail from messages where message_id = '$LAST_MSGID'")"

# 5. two customers with the same subject
deliver support@demo.example dora@customer.example "Broken lamp"
assert_match "a second customer with the same subject gets a ticket of her own" ' new$' "$(ticket_of "$LAST_MSGID")"

# 6. a reply to the signed reply address (what a notification carries)
addr=$(md_ctl ticket address "$T1")
assert_match "maildeskctl ticket address prints a signed address" "^support\\+$T1-0-[a-z2-7]{16}@demo\\.example\$" "$addr"
deliver "$addr" someone@elsewhere.example "no headers at all"
assert_eq "mail to the signed address joins its ticket" "$T1 token" "$(ticket_of "$LAST_MSGID")"

# 7. a forged and a truncated token
last=$(printf '%s' "$addr" | sed 's/.*\(.\)@.*/\1/')
if [ "$last" = a ]; then repl=b; else repl=a; fi
forged=$(printf '%s' "$addr" | sed "s/.@/$repl@/")
deliver "$forged" someone@elsewhere.example "forged"
assert_match "a forged token is ignored (new ticket)" ' new$' "$(ticket_of "$LAST_MSGID")"
truncated=$(printf '%s' "$addr" | sed 's/...@/@/')
deliver "$truncated" someone@elsewhere.example "truncated"
assert_match "a truncated token is ignored (new ticket)" ' new$' "$(ticket_of "$LAST_MSGID")"

# 8. a Message-ID that belongs to another tenant
deliver help@other.example x@customer.example "other tenant"
other=$LAST_MSGID
deliver support@demo.example carla@customer.example "Re: other tenant" --header "In-Reply-To: <$other>"
r=$(ticket_of "$LAST_MSGID")
assert_match "a reply to another tenant's message does not cross tenants" ' new$' "$r"

# 9. participants: Cc'd colleagues join, our own aliases do not
deliver support@demo.example carla@customer.example "Re: Broken lamp" --header "References: <$first>" \
	--header "Cc: Ed <ed@customer.example>, sales-not-ours@customer.example" \
	--header "To: support@demo.example, $addr"
parts=$(sql "select string_agg(c.email, ' ' order by c.email) from ticket_participants p join contacts c on c.id = p.contact_id and c.tenant_id = p.tenant_id join tickets t on t.id = p.ticket_id and t.tenant_id = p.tenant_id where t.number = $T1")
assert_match "a Cc'd address becomes a participant" 'ed@customer\.example' "$parts"
assert_no_match "our own aliases never become participants" 'support' "$parts"
deliver support@demo.example ed@customer.example "Re: [#$T1] from Ed"
assert_eq "a participant's tag-only reply joins the ticket" "$T1 subject-tag" "$(ticket_of "$LAST_MSGID")"

# 10. forwarded mail keeps the thread through References
deliver support@demo.example carla@customer.example "Fwd: Broken lamp" --header "References: <m0@nowhere.example> <$first>"
assert_eq "a forward carrying the thread's References joins it" "$T1 references" "$(ticket_of "$LAST_MSGID")"

# 11. snoozed: a reply wakes it
sql "update tickets set status = 'snoozed' where number = $T1" >/dev/null
deliver support@demo.example carla@customer.example "Re: Broken lamp" --header "In-Reply-To: <$first>"
assert_eq "a reply to a snoozed ticket lands on it" "$T1 references" "$(ticket_of "$LAST_MSGID")"
assert_eq "and wakes it" "open" "$(sql "select status from tickets where number = $T1")"
assert_eq "the wake is recorded" 1 "$(sql "select count(*) from ticket_events e join tickets t on t.id = e.ticket_id where t.number = $T1 and e.kind = 'woke'")"

# 12. closed 10 days ago: reopened
sql "update tickets set status = 'closed', closed_at = now() - interval '10 days' where number = $T1" >/dev/null
deliver support@demo.example carla@customer.example "Re: Broken lamp" --header "In-Reply-To: <$first>"
assert_eq "a reply to a recently closed ticket lands on it" "$T1 references" "$(ticket_of "$LAST_MSGID")"
assert_eq "and reopens it" "open" "$(sql "select status from tickets where number = $T1")"

# 13. closed 45 days ago (window 30): a new ticket linked to the old one
sql "update tickets set status = 'closed', closed_at = now() - interval '45 days' where number = $T1" >/dev/null
deliver support@demo.example carla@customer.example "Re: Broken lamp" --header "In-Reply-To: <$first>"
r=$(ticket_of "$LAST_MSGID")
assert_match "a reply to a ticket closed long ago opens a new ticket" ' new$' "$r"
new_number=${r%% *}
assert_eq "linked to the old one" "$T1" "$(sql "select o.number from tickets t join tickets o on o.id = t.linked_ticket_id where t.number = $new_number")"
assert_eq "the old ticket stays closed" "closed" "$(sql "select status from tickets where number = $T1")"

# 14. ticket show explains
show=$(md_ctl ticket show "$T1")
assert_match "ticket show prints each message's match reason" 'Match: +subject-tag' "$show"
assert_match "the log line names the match" 'event=delivery .*match=token' "$(cat "$MD_DIR/maildeskd.log")"

md_daemon_stop
trap - EXIT
e2e_done
