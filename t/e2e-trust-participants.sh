#!/bin/sh
# Nobody joins a conversation, or gets our automatic mail, by forged mail
# alone (issue 10, points 2, 5 and 6), end to end over LMTP against the
# real daemon and PostgreSQL. No relay: mail stays queued in the outbound
# table, whose recipients are what we read.
#   - a forged requester's "Re: [#N]" with a spy on Cc (tenant asks for
#     authentication) and a stranger's References to a known Message-ID
#     never make the spy a participant, so answers never reach them;
#   - agents add and remove people explicitly (#cc by mail, ticket cc);
#   - a planted copy of a Message-ID cannot steer a reply;
#   - acknowledgements only to authenticated senders, capped per team;
#   - a hostile address never turns a delivery into a 451.
set -u
. "$top_srcdir/t/e2e-lib.sh"
. "$top_srcdir/t/md-instance.sh"

MD_EXTRA_CONF='authserv_id = mx.demo.example
auto_mail_per_team_hour = 4'
md_instance_init "$MD_TEST_TMP/md" || { echo "setup failed"; exit 99; }
md_daemon_start || exit 99
trap 'md_daemon_stop' EXIT
W="$MD_TEST_TMP/work"
mkdir -p "$W"

n=0
# send RCPT ENVFROM HEADERS BODY: one message from a file (so headers keep
# their order: our mail server's Authentication-Results above its Received);
# the server's answer to the data is in $REPLY.
send() {
	n=$((n + 1))
	printf '%s\nDate: Mon, 23 Nov 2026 10:00:00 +0000\n\n%s\n' "$3" "$4" > "$W/m$n.eml"
	REPLY=$(swaks --protocol LMTP --server 127.0.0.1 --port "$MD_LMTP_PORT" --from "$2" --to "$1" \
		--data @"$W/m$n.eml" 2>&1 | grep -E '^ *<[-*~]+ *[245][0-9][0-9] ' | grep -v ' 221 ' | tail -1)
}
# Our mail server's verdict, as Postfix with OpenDKIM/OpenDMARC writes it.
AR_DMARC() { printf 'Authentication-Results: mx.demo.example; dmarc=pass header.from=%s\nReceived: from client by mx.demo.example; Mon, 23 Nov 2026 10:00:00 +0000' "$1"; }
AR_SPF() { printf 'Authentication-Results: mx.demo.example; spf=pass smtp.mailfrom=%s\nReceived: from client by mx.demo.example; Mon, 23 Nov 2026 10:00:00 +0000' "$1"; }
number_of() { sql "select t.number from messages m join tickets t on t.id = m.ticket_id and t.tenant_id = m.tenant_id where m.message_id = '$1'"; }
detail_of() { sql "select match_detail from messages where message_id = '$1'"; }
parts_of() { sql "select coalesce(string_agg(c.email, ' ' order by c.email), '') from ticket_participants p join contacts c on c.id = p.contact_id and c.tenant_id = p.tenant_id join tickets t on t.id = p.ticket_id and t.tenant_id = p.tenant_id where t.number = $1"; }
events_of() { sql "select e.kind || ' ' || e.actor || ' ' || e.detail from ticket_events e join tickets t on t.id = e.ticket_id and t.tenant_id = e.tenant_id where t.number = $1 order by e.id"; }
# answer N: an agent's answer from the shell; prints the recipients it was queued to.
answer() {
	echo "Here is our answer." | md_ctl ticket reply "$1" --from ana@demo.example --file - >/dev/null
	sql "select array_to_string(rcpts, ' ') from outbound where kind = 'reply' order by id desc limit 1"
}
acks() { sql "select count(*) from outbound where kind = 'ack'"; }

printf 'We got your mail: ticket {{ticket.number}}.\n' > "$W/ack.txt"
md_ctl template add ack --team support --file "$W/ack.txt" >/dev/null
md_ctl team set support --autoack ack >/dev/null

# --- a customer's ticket; she is not authenticated, so no acknowledgement
send support@demo.example carla@customer.example "From: Carla <carla@customer.example>
To: support@demo.example
Subject: Lamp broken
Message-Id: <c1@customer.example>" "The lamp arrived broken."
T=$(number_of c1@customer.example)
assert_match "a customer's mail opens a ticket" '^[0-9]+$' "$T"
assert_eq "a sender nobody authenticated gets no acknowledgement (forged From: no signed spam)" 0 "$(acks)"
assert_match "the ticket says why" "^ack.suppressed mail not acknowledged: the sender is not authenticated" "$(events_of "$T")"

# --- point 2: the Cc spy by subject tag, forged as the requester
assert_match "tenant set --require-authenticated-requester yes" 'require-authenticated-requester yes' \
	"$(md_ctl tenant set demo --require-authenticated-requester yes)"
send support@demo.example carla@customer.example "From: carla@customer.example
To: support@demo.example
Cc: spy@evil.example
Subject: Re: [#$T] Lamp broken
Message-Id: <forged1@evil.example>" "Please keep my colleague in copy."
assert_eq "the forged follow-up is stored on the ticket (nothing lost)" "$T" "$(number_of forged1@evil.example)"
assert_no_match "but the spy on Cc does not become a participant" 'spy@' "$(parts_of "$T")"
assert_match "and the threading detail says why" 'adds no participants: the sender is not authenticated' \
	"$(detail_of forged1@evil.example)"
assert_no_match "the agent's next answer is not copied to the spy" 'spy@' "$(answer "$T")"
send support@demo.example carla@customer.example "$(AR_DMARC customer.example)
From: carla@customer.example
To: support@demo.example
Cc: ed@customer.example
Subject: Re: [#$T] Lamp broken
Message-Id: <c2@customer.example>" "Ed is my colleague."
assert_match "the requester's authenticated (DMARC pass) follow-up adds her Cc" 'ed@customer\.example' "$(parts_of "$T")"
assert_match "recorded as an event" '^participant.added mail ed@customer\.example$' "$(events_of "$T")"
assert_match "the next answer goes to the requester and her colleague" '^carla@customer\.example ed@customer\.example$' "$(answer "$T")"
md_ctl tenant set demo --require-authenticated-requester no >/dev/null

# --- point 2: the same by References to a known Message-ID, from a stranger
send support@demo.example mallory@evil.example "From: mallory@evil.example
To: support@demo.example
Cc: spy2@evil.example
Subject: Re: Lamp broken
References: <c1@customer.example>
Message-Id: <forged2@evil.example>" "Me too."
M=$(number_of forged2@evil.example)
assert_no_match "a stranger's References never append to the ticket" "^$T\$" "$M"
assert_eq "it opens a new ticket linked to the referenced one" "$T" \
	"$(sql "select o.number from tickets t join tickets o on o.id = t.linked_ticket_id where t.number = $M")"
assert_match "and the threading detail says which and why" "match a message of ticket $T but the sender is not on it; new ticket linked to ticket $T" \
	"$(detail_of forged2@evil.example)"
assert_no_match "neither the stranger nor the spy joins the ticket" 'mallory|spy2' "$(parts_of "$T")"
assert_no_match "the agent's answer goes to neither" 'mallory|spy2' "$(answer "$T")"

# --- point 2: agents add and remove people explicitly, each change an event
addr=$(md_ctl ticket address "$T" --agent ana@demo.example)
send "$addr" ana@demo.example "$(AR_DMARC demo.example)
From: Ana <ana@demo.example>
To: $addr
Subject: Re: [#$T] Lamp broken
Message-Id: <cc1@demo.example>" "#cc add Zoe@Customer.example"
assert_match "an agent's #cc add by mail adds the address" 'zoe@customer\.example' "$(parts_of "$T")"
assert_match "as an event with the agent's name" '^participant.added ana@demo.example zoe@customer\.example$' "$(events_of "$T")"
out=$(md_ctl ticket cc "$T" remove zoe@customer.example --from ana@demo.example)
assert_match "maildeskctl ticket cc remove says what it did" 'zoe@customer.example removed' "$out"
assert_no_match "and the address is gone" 'zoe@' "$(parts_of "$T")"
assert_match "as an event" '^participant.removed ana@demo.example zoe@customer\.example$' "$(events_of "$T")"
out=$(md_ctl ticket cc "$T" add yan@customer.example)
assert_match "maildeskctl ticket cc add adds one" 'yan@customer.example added' "$out"
assert_match "as an event by maildeskctl" '^participant.added maildeskctl yan@customer\.example$' "$(events_of "$T")"
assert_match "the next answer is copied to the added address" 'yan@customer\.example' "$(answer "$T")"
rc=0; md_ctl ticket cc "$T" add 'bad address@x' >/dev/null 2>&1 || rc=$?
assert_eq "ticket cc refuses what is no address" 2 "$rc"
rc=0; md_ctl ticket cc "$T" add ana@demo.example >/dev/null 2>&1 || rc=$?
assert_eq "ticket cc refuses an agent" 1 "$rc"

# --- point 2: a planted duplicate Message-ID cannot steer a reply
send support@demo.example mallory@evil.example "From: mallory@evil.example
To: support@demo.example
Subject: Hello
Message-Id: <v1@victim.example>" "Planted first."
A=$(sql "select t.number from messages m join tickets t on t.id = m.ticket_id where m.text_body like 'Planted first%'")
send support@demo.example vera@victim.example "From: vera@victim.example
To: support@demo.example
Subject: My order
Message-Id: <v1@victim.example>" "Where is my order?"
V=$(sql "select t.number from messages m join tickets t on t.id = m.ticket_id where m.text_body like 'Where is my order%'")
send support@demo.example vera@victim.example "From: vera@victim.example
To: support@demo.example
Subject: Re: My order
In-Reply-To: <v1@victim.example>
Message-Id: <v2@victim.example>" "Here is my address, 1 Main St."
assert_eq "a reply to a Message-ID the attacker stored first still lands on the sender's own ticket" "$V" "$(number_of v2@victim.example)"
assert_no_match "never on the attacker's" "^$A\$" "$(number_of v2@victim.example)"
our=$(sql "select message_id from messages where direction = 'out' and ticket_id = (select id from tickets where number = $T) order by id limit 1")
send support@demo.example mallory@evil.example "From: mallory@evil.example
To: support@demo.example
Subject: Copy
Message-Id: <$our>" "Our outgoing Message-ID, reused."
send support@demo.example carla@customer.example "From: carla@customer.example
To: support@demo.example
Subject: Re: Lamp broken
References: <$our>
Message-Id: <c3@customer.example>" "Thanks."
assert_eq "a reply to our own outgoing Message-ID lands on its ticket despite a planted copy" "$T" "$(number_of c3@customer.example)"

# --- point 5: acknowledgements only to authenticated senders
send support@demo.example dan@good.example "$(AR_DMARC good.example)
From: dan@good.example
To: support@demo.example
Subject: DMARC sender
Message-Id: <d1@good.example>" "Hello."
assert_eq "a sender with our server's DMARC pass is acknowledged" 1 "$(acks)"
send support@demo.example sam@spf.example "$(AR_SPF bounce@spf.example)
From: sam@spf.example
To: support@demo.example
Subject: SPF sender
Message-Id: <s1@spf.example>" "Hello."
assert_eq "a sender with an SPF pass aligned with From is acknowledged" 2 "$(acks)"
send support@demo.example ned@evil.example "Authentication-Results: mx.demo.example; dmarc=pass header.from=good.example
Received: from client by mx.demo.example; Mon, 23 Nov 2026 10:00:00 +0000
From: ned@evil.example
To: support@demo.example
Subject: Someone else's pass
Message-Id: <n1@evil.example>" "Hello."
assert_eq "a pass for another domain counts for nothing" 2 "$(acks)"
assert_match "tenant set --autoack-unauthenticated yes says what it risks" 'forged From' \
	"$(md_ctl tenant set demo --autoack-unauthenticated yes)"
send support@demo.example olive@nowhere.example "From: olive@nowhere.example
To: support@demo.example
Subject: Opted out
Message-Id: <o1@nowhere.example>" "Hello."
assert_eq "a tenant that opted out acknowledges unauthenticated senders" 3 "$(acks)"
md_ctl tenant set demo --autoack-unauthenticated no >/dev/null

# --- point 5: the per-team cap (auto_mail_per_team_hour = 4)
for p in p1 p2 p3; do
	send support@demo.example "$p@good.example" "$(AR_DMARC good.example)
From: $p@good.example
To: support@demo.example
Subject: Cap $p
Message-Id: <$p@good.example>" "Hello."
done
assert_eq "past auto_mail_per_team_hour the team sends no more acknowledgements" 4 "$(acks)"
assert_match "and the ticket records the cap" '^mail.capped mail ack to p[23]@good.example not sent: 4 automatic mails to customers from this team' \
	"$(events_of "$(number_of p3@good.example)")"

# --- point 6: a hostile address is dropped, never a 451
long=$(printf 'x%.0s' $(seq 1 330))
send support@demo.example "$long@good.example" "$(AR_DMARC good.example)
From: <$long@good.example>
To: support@demo.example
Cc: <$long@evil.example>, kim@customer.example
Subject: Hostile addresses
Message-Id: <h1@good.example>" "Hello."
assert_match "a mail whose From and Cc our outbound checks refuse is answered 250" ' 250 ' "$REPLY"
H=$(number_of h1@good.example)
assert_match "and stored on a ticket" '^[0-9]+$' "$H"
sql "delete from outbound where kind = 'ack'" >/dev/null   # make room under the team cap
md_ctl ticket cc "$H" add kim@customer.example >/dev/null
rcpts=$(answer "$H")
assert_match "an answer on that ticket still goes to the valid participant" 'kim@customer\.example' "$rcpts"
assert_no_match "the refused addresses are dropped from it" 'xxxx' "$rcpts"
assert_match "each drop is an event on the ticket" '^mail.rcpt_dropped mail reply: recipient "x+' "$(events_of "$H")"

md_daemon_stop
assert_eq "maildeskd exits 0" 0 $?
trap - EXIT
e2e_done
