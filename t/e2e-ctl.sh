#!/bin/sh
# maildeskctl against the private PostgreSQL that t/test-env started:
# migrations, tenants, teams, aliases, agents, tickets; closing, reopening,
# splitting and merging tickets with their events; tenant and team settings;
# signed reply addresses; text and --json output; error lines and exit codes
# for duplicates, unknown names and bad usage.
set -u
. "$top_srcdir/t/e2e-lib.sh"

CTL="$top_builddir/daemon/maildeskctl"
MAILDESK_DATABASE=$MD_DATABASE
export MAILDESK_DATABASE
PY=/usr/bin/python3
tmp=$MD_TEST_TMP

# run ARGS...: sets out, err and rc.
run() {
	out=$("$CTL" "$@" 2>"$tmp/stderr")
	rc=$?
	err=$(cat "$tmp/stderr")
}

# json_ok WHAT: the last output is one valid JSON document.
json_ok() {
	if printf '%s\n' "$out" | "$PY" -m json.tool >/dev/null 2>&1; then e2e_ok "$1"; else
		e2e_fail "$1 (not JSON)"
		printf '%s\n' "$out" | sed 's/^/#   /' | head -20
	fi
}

# json_eval EXPR: evaluates a Python expression over the last output (j).
json_eval() {
	printf '%s\n' "$out" | "$PY" -c "import json,sys; j=json.load(sys.stdin); print($1)" 2>&1
}

## Before migrating, every command but "db" says what to do.
run tenant list
assert_eq "tenant list before migrate exits 1" 1 "$rc"
assert_match "tenant list before migrate says to migrate" 'run "maildeskctl db migrate"' "$err"
run db status
assert_eq "db status before migrate exits 1" 1 "$rc"

run db migrate
assert_eq "db migrate exits 0" 0 "$rc"
migrated=$out
run db status --json
assert_eq "db status after migrate exits 0" 0 "$rc"
json_ok "db status --json is JSON"
assert_eq "db status --json says up to date" True "$(json_eval 'j["up_to_date"]')"
known=$(json_eval 'j["known"]')
# (as many as sql/ has files: numbers may have gaps while branches merge)
n_files=$(ls "$top_srcdir"/sql/[0-9]*_*.sql | wc -l)
assert_match "db migrate applies every migration this build knows" \
	"^applied $n_files migrations?; schema at version $known\$" "$migrated"
run db migrate
assert_eq "db migrate again applies nothing" "applied 0 migrations; schema at version $known" "$out"

## Tenants.
run tenant add demo
assert_eq "tenant add exits 0" 0 "$rc"
run tenant add demo
assert_eq "duplicate tenant exits 1" 1 "$rc"
assert_eq "duplicate tenant message" 'maildeskctl: tenant "demo" already exists' "$err"
run tenant add other
run tenant list
assert_match "tenant list shows demo" '^[0-9]+ +demo ' "$out"
assert_match "tenant list has a header" '^id +name +teams' "$out"
run tenant list --json
json_ok "tenant list --json is JSON"
assert_eq "tenant list --json names" "['demo', 'other']" "$(json_eval '[t["name"] for t in j]')"

## Teams and aliases.
run team add support --tenant demo --alias Support@Demo.Example
assert_eq "team add exits 0" 0 "$rc"
run team alias add support help@demo.example --tenant demo
assert_eq "team alias add with --tenant exits 0" 0 "$rc"
run team add support --tenant demo
assert_eq "duplicate team exits 1" 1 "$rc"
assert_eq "duplicate team message" 'maildeskctl: team "support" already exists in tenant "demo"' "$err"
run team add billing --tenant nosuch
assert_eq "team add in unknown tenant exits 1" 1 "$rc"
assert_eq "unknown tenant message" 'maildeskctl: tenant "nosuch" not found' "$err"
run team add billing
assert_eq "team add without --tenant among two tenants exits 1" 1 "$rc"
assert_match "it asks for --tenant" 'give --tenant' "$err"
run team add billing --tenant other --alias HELP@demo.example
assert_eq "team with a taken alias exits 1" 1 "$rc"
assert_eq "taken alias message" \
	'maildeskctl: alias "HELP@demo.example" already exists (team "support" in tenant "demo")' "$err"
assert_eq "the team with the taken alias was not created" 0 "$(sql "select count(*) from teams where name = 'billing'")"
run team alias add nosuch x@demo.example --tenant demo
assert_eq "alias for unknown team exits 1" 1 "$rc"
assert_eq "unknown team message" 'maildeskctl: team "nosuch" not found in tenant "demo"' "$err"
run team alias add support Billing@Demo.Example
assert_eq "team alias add (tenant implied by the team) exits 0" 0 "$rc"
assert_eq "aliases are stored in lower case" "billing@demo.example,help@demo.example,support@demo.example" \
	"$(sql "select string_agg(address, ',' order by address) from team_aliases")"
run team list
assert_match "team list shows the aliases" '^demo +support +[0-9]+ +billing@demo.example, help@demo.example, support@demo.example' "$out"
run team list --tenant demo --json
json_ok "team list --json is JSON"
assert_eq "team list --json aliases" "3" "$(json_eval 'len(j[0]["aliases"])')"
run team list --tenant nosuch
assert_eq "team list for unknown tenant exits 1" 1 "$rc"

## Agents.
printf 'Alice\nSupport desk\n' > "$tmp/sig"
run agent add Alice@Demo.Example --name "Alice Admin" --team support --signature-file "$tmp/sig"
assert_eq "agent add exits 0" 0 "$rc"
run agent add alice@demo.example --team support
assert_eq "duplicate agent exits 1" 1 "$rc"
assert_eq "duplicate agent message" 'maildeskctl: agent "alice@demo.example" already exists in tenant "demo"' "$err"
run agent add bob@demo.example --tenant demo --team support --team nosuch
assert_eq "agent add with an unknown team exits 1" 1 "$rc"
assert_eq "agent with unknown team message" 'maildeskctl: team "nosuch" not found in tenant "demo"' "$err"
assert_eq "the agent with the unknown team was rolled back" 0 "$(sql "select count(*) from agents where email = 'bob@demo.example'")"
assert_eq "signature stored" "Alice
Support desk" "$(sql "select signature from agents where email = 'alice@demo.example'")"
run agent list
assert_match "agent list shows the agent and team" '^demo +alice@demo.example +Alice Admin +online +support$' "$out"
run agent list --team support --json
json_ok "agent list --json is JSON"
assert_eq "agent list --json teams" "['support']" "$(json_eval 'j[0]["teams"]')"

## Tickets (written with SQL: delivery is the daemon's part).
sql "
insert into contacts (tenant_id, email, name) select id, 'carol@example.com', 'Carol' from tenants where name = 'demo';
insert into tickets (tenant_id, team_id, subject, requester_id, priority, status, created_at)
  select n.id, m.id, 'Low and old', c.id, 0, 'open', now() - interval '2 days'
  from tenants n join teams m on m.tenant_id = n.id join contacts c on c.tenant_id = n.id where n.name = 'demo';
insert into tickets (tenant_id, team_id, subject, requester_id, priority, status, created_at)
  select n.id, m.id, E'Urgent \\033[31mred', c.id, 3, 'pending', now() - interval '1 hour'
  from tenants n join teams m on m.tenant_id = n.id join contacts c on c.tenant_id = n.id where n.name = 'demo';
insert into raw_messages (tenant_id, sha256, size, data)
  select id, repeat('a', 64), 5, 'hello' from tenants where name = 'demo';
insert into blobs (tenant_id, sha256, size, data) select id, repeat('b', 64), 3, 'pdf' from tenants where name = 'demo';
insert into messages (tenant_id, ticket_id, team_id, direction, raw_sha256, from_name, from_addr, to_json, subject, sent_at, text_body, defects)
  select tenant_id, id, team_id, 'in', repeat('a', 64), 'Carol', 'carol@example.com',
    '[{\"name\": \"Support\", \"addr\": \"support@demo.example\"}]', subject, now(), E'The printer\\nis on fire.\\n', 'missing-date'
  from tickets where priority = 3;
insert into attachments (tenant_id, message_id, filename, content_type, size, sha256)
  select tenant_id, id, 'fire.pdf', 'application/pdf', 3, repeat('b', 64) from messages;
" >/dev/null
urgent=$(sql "select number from tickets where priority = 3")
run ticket list
assert_eq "ticket list exits 0" 0 "$rc"
assert_eq "ticket list puts the higher priority first" "$urgent" "$(printf '%s\n' "$out" | sed -n 2p | cut -d' ' -f1)"
assert_no_match "ticket list prints no escape character" "$(printf '\033')" "$out"
run ticket list --status pending --team support --tenant demo --json
json_ok "ticket list --json is JSON"
assert_eq "ticket list --status filters" "[$urgent]" "$(json_eval '[t["number"] for t in j]')"
run ticket list --status bogus
assert_eq "ticket list with an unknown status exits 2" 2 "$rc"
run ticket show "$urgent"
assert_eq "ticket show exits 0" 0 "$rc"
assert_match "ticket show has the header" "^Ticket $urgent: Urgent \\?\\[31mred$" "$out"
assert_match "ticket show has the sender" '^From: +"Carol" <carol@example.com>$' "$out"
assert_match "ticket show has the match reason" '^Match: +new$' "$out"
assert_match "ticket show has the defects" '^Defects: +missing-date$' "$out"
assert_match "ticket show has the attachment" "^  fire.pdf  application/pdf  3 bytes  sha256 bbbbbbbb" "$out"
assert_match "ticket show has the body" '^is on fire.$' "$out"
run ticket show "$urgent" --json
json_ok "ticket show --json is JSON"
assert_eq "ticket show --json attachment" "fire.pdf" "$(json_eval 'j["messages"][0]["attachments"][0]["filename"]')"
run ticket show 999999
assert_eq "unknown ticket exits 1" 1 "$rc"
assert_eq "unknown ticket message" "maildeskctl: ticket 999999 not found" "$err"

## Helpers for the ticket changes below: tickets and messages written with
## SQL, as a delivery would leave them.

# ticket_new SUBJECT REQUESTER [TENANT]: prints the new ticket's number.
ticket_new() {
	sql "insert into contacts (tenant_id, email) select id, '$2' from tenants where name = '${3:-demo}'
	  on conflict do nothing" >/dev/null
	sql "insert into tickets (tenant_id, team_id, subject, requester_id)
	  select n.id, (select min(id) from teams where tenant_id = n.id), '$1', c.id
	  from tenants n join contacts c on c.tenant_id = n.id and c.email = '$2'
	  where n.name = '${3:-demo}' returning number"
}

# message_add NUMBER FROM SUBJECT: prints the new message's id (FROM may be
# "" for a message without a From address).
message_add() {
	sql "insert into messages (tenant_id, ticket_id, team_id, direction, from_addr, subject, text_body)
	  select tenant_id, id, team_id, 'in', nullif('$2', ''), '$3', 'text' from tickets where number = $1
	  returning id"
}

# events NUMBER: "kind/actor/detail" of each event of a ticket, oldest first.
events() {
	sql "select string_agg(e.kind || '/' || e.actor || '/' || e.detail, ' | ' order by e.id)
	  from ticket_events e join tickets t on t.tenant_id = e.tenant_id and t.id = e.ticket_id
	  where t.number = $1"
}

# ticket_of MESSAGE_ID: the number of the ticket a message is on.
ticket_of() {
	sql "select t.number from messages m join tickets t on t.tenant_id = m.tenant_id and t.id = m.ticket_id
	  where m.id = $1"
}

## Close and reopen, each recorded as an event.
t1=$(ticket_new 'Close me' carol@example.com)
run ticket close "$t1"
assert_eq "ticket close exits 0" 0 "$rc"
assert_eq "ticket close says what it did" "ticket $t1 closed" "$out"
assert_eq "a closed ticket has status closed and a closed_at" "closed|t" \
	"$(sql "select status, closed_at is not null from tickets where number = $t1")"
run ticket close "$t1"
assert_eq "closing a closed ticket exits 1" 1 "$rc"
assert_eq "closing a closed ticket message" "maildeskctl: ticket $t1 is already closed" "$err"
run ticket reopen "$t1" --by Alice@Demo.Example
assert_eq "ticket reopen --by an agent exits 0" 0 "$rc"
assert_eq "a reopened ticket is open without closed_at" "open|t" \
	"$(sql "select status, closed_at is null from tickets where number = $t1")"
assert_eq "close and reopen are events with their actors" \
	"closed/maildeskctl/status was open | reopened/alice@demo.example/status was closed" "$(events "$t1")"
run ticket reopen "$t1"
assert_eq "reopening an open ticket exits 1" 1 "$rc"
assert_eq "reopening an open ticket message" "maildeskctl: ticket $t1 is already open" "$err"
run ticket close "$t1" --by nobody@demo.example
assert_eq "ticket close --by an unknown agent exits 1" 1 "$rc"
assert_eq "unknown --by agent message" 'maildeskctl: agent "nobody@demo.example" not found in tenant "demo"' "$err"
assert_eq "the failed close changed nothing" "open|2" \
	"$(sql "select status, (select count(*) from ticket_events where ticket_id = t.id) from tickets t where number = $t1")"
run ticket close 999999
assert_eq "closing an unknown ticket exits 1" 1 "$rc"
assert_eq "closing an unknown ticket message" "maildeskctl: ticket 999999 not found" "$err"
run ticket close x1
assert_eq "closing a non-numeric ticket exits 2" 2 "$rc"
run ticket show "$t1"
assert_match "ticket show lists the events" "^  [0-9-]+ [0-9:]+Z  reopened  alice@demo.example  status was closed\$" "$out"
run ticket show "$t1" --json
assert_eq "ticket show --json has the events" "['closed', 'reopened']" "$(json_eval '[e["kind"] for e in j["events"]]')"
assert_eq "ticket show --json events carry actor and detail" "alice@demo.example status was closed" \
	"$(json_eval 'j["events"][1]["actor"] + " " + j["events"][1]["detail"]')"

## Closing a snoozed ticket ends its snooze (as #close by mail and a rule's
## close do): no wake time is left on a closed ticket for a timer or a
## reopen to stumble over.
z=$(ticket_new 'Snoozed, then closed' carol@example.com)
run ticket snooze "$z" 1h
assert_eq "ticket snooze exits 0" 0 "$rc"
assert_eq "the snoozed ticket has a wake time" "snoozed|t" \
	"$(sql "select status, snooze_until is not null from tickets where number = $z")"
run ticket close "$z"
assert_eq "closing the snoozed ticket exits 0" 0 "$rc"
assert_eq "the closed ticket has no wake time left" "closed|t|t" \
	"$(sql "select status, snooze_until is null, closed_at is not null from tickets where number = $z")"
run ticket reopen "$z"
assert_eq "reopened, it is open, neither closed nor snoozed" "open|t|t" \
	"$(sql "select status, snooze_until is null, closed_at is null from tickets where number = $z")"
assert_eq "snooze, close and reopen are one event each" \
	"snoozed/maildeskctl | closed/maildeskctl/status was snoozed | reopened/maildeskctl/status was closed" \
	"$(sql "select string_agg(e.kind || '/' || e.actor || case when e.kind = 'snoozed' then '' else '/' || e.detail end, ' | ' order by e.id)
	  from ticket_events e join tickets t on t.tenant_id = e.tenant_id and t.id = e.ticket_id where t.number = $z")"

## Split: one message to a new ticket, linked to the old one.
s=$(ticket_new 'Two questions' carol@example.com)
m1=$(message_add "$s" carol@example.com 'Two questions')
m2=$(message_add "$s" Dave@Example.com 'And another thing')
m3=$(message_add "$s" '' '')
run ticket split "$s" "$m2"
assert_eq "ticket split exits 0" 0 "$rc"
assert_match "ticket split prints only the new ticket number" '^[0-9]+$' "$out"
n=$out
assert_eq "the message is on the new ticket" "$n" "$(ticket_of "$m2")"
assert_eq "the other messages stayed" "$s $s" "$(ticket_of "$m1") $(ticket_of "$m3")"
assert_eq "the moved message says it was split" "split|split from ticket $s by maildeskctl" \
	"$(sql "select match_reason, match_detail from messages where id = $m2")"
assert_eq "the new ticket: message subject, sender as requester, linked, same team, open" \
	"And another thing|dave@example.com|$s|t|open" \
	"$(sql "select t.subject, c.email, l.number, t.team_id = l.team_id, t.status from tickets t
	  join contacts c on c.tenant_id = t.tenant_id and c.id = t.requester_id
	  left join tickets l on l.tenant_id = t.tenant_id and l.id = t.linked_ticket_id where t.number = $n")"
assert_eq "split is an event on the old ticket" "split/maildeskctl/message $m2 moved to new ticket $n" "$(events "$s")"
assert_eq "split is an event on the new ticket" "split/maildeskctl/split from ticket $s (message $m2)" "$(events "$n")"
run ticket show "$n"
assert_match "ticket show has the linked ticket" "^Linked: +$s\$" "$out"
assert_match "ticket show has the match detail on the Match line" \
	"^Match: +split \\(split from ticket $s by maildeskctl\\)\$" "$out"
run ticket show "$n" --json
assert_eq "ticket show --json linked_ticket and merged_into" "$s None" \
	"$(json_eval 'str(j["linked_ticket"]) + " " + str(j["merged_into"])')"
assert_eq "ticket show --json match_detail" "split from ticket $s by maildeskctl" \
	"$(json_eval 'j["messages"][0]["match_detail"]')"
run ticket split "$s" "$m3" --by alice@demo.example
assert_eq "splitting a message without sender or subject exits 0" 0 "$rc"
n2=$out
assert_eq "it gets (no subject) and the old ticket's requester" "(no subject)|carol@example.com" \
	"$(sql "select t.subject, c.email from tickets t join contacts c on c.tenant_id = t.tenant_id
	  and c.id = t.requester_id where t.number = $n2")"
assert_eq "--by names the agent in the match detail" "split from ticket $s by alice@demo.example" \
	"$(sql "select match_detail from messages where id = $m3")"
tickets_before=$(sql "select count(*) from tickets")
run ticket split "$s" "$m2"
assert_eq "splitting a message of another ticket exits 1" 1 "$rc"
assert_eq "message of another ticket message" "maildeskctl: message $m2 is not on ticket $s (it is on ticket $n)" "$err"
run ticket split "$s" "$m1"
assert_eq "splitting the only message exits 1" 1 "$rc"
assert_eq "only message message" "maildeskctl: message $m1 is the only message of ticket $s: nothing to split" "$err"
run ticket split "$s" 999999
assert_eq "splitting an unknown message exits 1" 1 "$rc"
assert_eq "unknown message message" "maildeskctl: message 999999 not found in the tenant of ticket $s" "$err"
assert_eq "failed splits create no ticket" "$tickets_before" "$(sql "select count(*) from tickets")"
run ticket split "$s" abc
assert_eq "a non-numeric message id exits 2" 2 "$rc"

## Merge: B's messages and people go to A, B points at A.
a=$(ticket_new 'Printer broken' carol@example.com)
message_add "$a" carol@example.com 'Printer broken' >/dev/null
b=$(ticket_new 'Printer still broken' erin@example.com)
message_add "$b" erin@example.com 'Printer still broken' >/dev/null
message_add "$b" erin@example.com 'Re: Printer still broken' >/dev/null
sql "insert into contacts (tenant_id, email) select id, 'frank@example.com' from tenants where name = 'demo';
insert into ticket_participants (tenant_id, ticket_id, contact_id)
  select t.tenant_id, t.id, c.id from tickets t join contacts c on c.tenant_id = t.tenant_id
  where t.number = $b and c.email in ('frank@example.com', 'carol@example.com')" >/dev/null
run ticket merge "$a" "$b"
assert_eq "ticket merge exits 0" 0 "$rc"
assert_eq "ticket merge says what it did" "ticket $b merged into ticket $a (2 messages moved)" "$out"
assert_eq "all messages are on A" "3 0" \
	"$(sql "select count(*) filter (where t.number = $a) || ' ' || count(*) filter (where t.number = $b)
	  from messages m join tickets t on t.tenant_id = m.tenant_id and t.id = m.ticket_id")"
assert_eq "B is merged into A" "merged|$a" \
	"$(sql "select t.status, i.number from tickets t join tickets i on i.tenant_id = t.tenant_id
	  and i.id = t.merged_into_id where t.number = $b")"
assert_eq "B's requester and participants take part in A, A's requester does not" \
	"erin@example.com,frank@example.com" \
	"$(sql "select string_agg(c.email, ',' order by c.email) from ticket_participants p
	  join contacts c on c.tenant_id = p.tenant_id and c.id = p.contact_id
	  join tickets t on t.tenant_id = p.tenant_id and t.id = p.ticket_id where t.number = $a")"
assert_eq "merged is an event on A" "merged/maildeskctl/ticket $b merged into this one (2 messages)" "$(events "$a")"
assert_eq "merged is an event on B" "merged/maildeskctl/merged into ticket $a" "$(events "$b")"
run ticket show "$a"
assert_match "ticket show has the participants" '^Participants: erin@example.com, frank@example.com$' "$out"
run ticket show "$b"
assert_match "ticket show of B has Merged into" "^Merged into: $a\$" "$out"
assert_match "ticket show of B has status merged" '^Status: +merged$' "$out"
run ticket show "$a" --json
assert_eq "ticket show --json participants" "['erin@example.com', 'frank@example.com']" "$(json_eval 'j["participants"]')"
run ticket show "$b" --json
assert_eq "ticket show --json merged_into" "$a" "$(json_eval 'j["merged_into"]')"
run ticket list --json
assert_eq "ticket list hides merged tickets" "False" "$(json_eval "$b in [t['number'] for t in j]")"
run ticket list --status merged --json
assert_eq "ticket list --status merged shows them" "[$b]" "$(json_eval '[t["number"] for t in j]')"
run ticket merge "$a" "$a"
assert_eq "merging a ticket into itself exits 1" 1 "$rc"
assert_eq "self-merge message" "maildeskctl: cannot merge ticket $a into itself" "$err"
run ticket merge "$b" "$s"
assert_eq "merging into a merged ticket exits 1" 1 "$rc"
assert_eq "into merged message" "maildeskctl: ticket $b is merged into ticket $a: merge into that one" "$err"
run ticket merge "$s" "$b"
assert_eq "merging a merged ticket again exits 1" 1 "$rc"
assert_eq "already merged message" "maildeskctl: ticket $b is already merged into ticket $a" "$err"
run ticket close "$b"
assert_eq "closing a merged ticket exits 1" 1 "$rc"
assert_eq "closing a merged ticket message" "maildeskctl: ticket $b is merged into ticket $a: it cannot be closed" "$err"
run team add desk --tenant other --alias desk@other.example
o=$(ticket_new 'Other tenant' carol@example.com other)
message_add "$o" carol@example.com 'Other tenant' >/dev/null
run ticket merge "$a" "$o"
assert_eq "merging across tenants exits 1" 1 "$rc"
assert_eq "cross-tenant message" "maildeskctl: tickets $a and $o belong to different tenants" "$err"
assert_eq "the failed merges changed nothing" "open|open|1" \
	"$(sql "select (select status from tickets where number = $s) || '|' || (select status from tickets where number = $o)
	  || '|' || (select count(*) from ticket_events e join tickets t on t.id = e.ticket_id where t.number = $a)")"

## Tenant settings: the subject tag format.
run tenant set demo --subject-tag '[ACME-{number}]'
assert_eq "tenant set --subject-tag exits 0" 0 "$rc"
assert_eq "tenant set shows an example tag" 'tenant "demo": subject tag format set to "[ACME-{number}]" (ticket 1042: "[ACME-1042]")' "$out"
run tenant list
assert_match "tenant list has a subject_tag column" '^id +name +teams +agents +open_tickets +subject_tag +require_authenticated_requester +autoack_unauthenticated +created$' "$out"
assert_match "tenant list shows the format" '^[0-9]+ +demo +.*\[ACME-\{number\}\] ' "$out"
run tenant list --json
assert_eq "tenant list --json subject_tag" "['[ACME-{number}]', '[#{number}]']" "$(json_eval '[t["subject_tag"] for t in j]')"
run tenant set demo --subject-tag 'Ticket number'
assert_eq "a format without {number} exits 2" 2 "$rc"
assert_eq "a format without {number} is explained" \
	'maildeskctl: invalid subject tag format "Ticket number": the format has no {number}' "$(printf '%s\n' "$err" | head -1)"
run tenant set demo --subject-tag '{number}'
assert_eq "a format without literal text before {number} exits 2" 2 "$rc"
assert_eq "a format without literal text is explained" \
	'maildeskctl: invalid subject tag format "{number}": the format needs literal text before {number} (else any number in a subject matches)' \
	"$(printf '%s\n' "$err" | head -1)"
assert_eq "bad formats are not stored" "[ACME-{number}]" "$(sql "select subject_tag_format from tenants where name = 'demo'")"
run tenant set nosuch --subject-tag '[#{number}]'
assert_eq "tenant set of an unknown tenant exits 1" 1 "$rc"
assert_eq "unknown tenant in tenant set" 'maildeskctl: tenant "nosuch" not found' "$err"
run tenant set demo
assert_eq "tenant set without a setting exits 2" 2 "$rc"

## Team settings: the reopen window.
run team set support --reopen-days 7
assert_eq "team set --reopen-days exits 0" 0 "$rc"
assert_eq "team set says what it did" 'team "support" in tenant "demo": reopen window set to 7 days' "$out"
assert_eq "reopen_days stored" 7 "$(sql "select reopen_days from teams where name = 'support'")"
run team list --tenant demo
assert_match "team list shows reopen_days" '^demo +support +.* +7$' "$out"
run team list --json
assert_eq "team list --json reopen_days" "[7, 30]" "$(json_eval '[t["reopen_days"] for t in j]')"
run team set support --reopen-days soon
assert_eq "a non-numeric reopen window exits 2" 2 "$rc"
assert_eq "a bad reopen window is explained" \
	'maildeskctl: invalid --reopen-days "soon": a whole number of days from 0 to 36500' "$(printf '%s\n' "$err" | head -1)"
run team set support --reopen-days -1
assert_eq "a negative reopen window exits 2" 2 "$rc"
assert_eq "bad reopen windows are not stored" 7 "$(sql "select reopen_days from teams where name = 'support'")"
run team set nosuch --tenant demo --reopen-days 3
assert_eq "team set of an unknown team exits 1" 1 "$rc"
assert_eq "unknown team in team set" 'maildeskctl: team "nosuch" not found in tenant "demo"' "$err"

## Signed reply addresses: the team's first alias with a token.
printf 'e2e-ctl-secret-0123456789abcdefghijkl\n' > "$tmp/secret"
chmod 600 "$tmp/secret"
printf 'database = %s\nsecret_file = %s\n' "$MD_DATABASE" "$tmp/secret" > "$tmp/token.conf"
tenant_id=$(sql "select id from tenants where name = 'demo'")
alice_id=$(sql "select id from agents where email = 'alice@demo.example'")
# token_expected TICKET AGENT: the HMAC computed independently of lib/thread.
token_expected() {
	"$PY" -c "import hmac, hashlib, base64, sys
msg = 'maildesk-thread-v1\nreply\n%s\n%s\n%s\n' % (sys.argv[1], sys.argv[2], sys.argv[3])
mac = hmac.new(b'e2e-ctl-secret-0123456789abcdefghijkl', msg.encode(), hashlib.sha256).digest()[:10]
print(base64.b32encode(mac).decode().lower())" "$tenant_id" "$1" "$2"
}
run -c "$tmp/token.conf" ticket address "$a"
assert_eq "ticket address exits 0" 0 "$rc"
assert_match "ticket address has the form support+N-0-MAC@domain" "^support\\+$a-0-[a-z2-7]{16}@demo\\.example\$" "$out"
assert_eq "the token is signed with the secret and the tenant" "support+$a-0-$(token_expected "$a" 0)@demo.example" "$out"
run -c "$tmp/token.conf" ticket address "$a" --agent Alice@Demo.Example
assert_eq "ticket address --agent exits 0" 0 "$rc"
assert_match "ticket address --agent puts the agent id in the middle" \
	"^support\\+$a-$alice_id-[a-z2-7]{7}-[a-z2-7]{6}-[a-z2-7]{16}@demo\\.example\$" "$out"
# the agent form: MAC over purpose agent-reply and "<issued>.<nonce>"
agent_token_expected() {
	"$PY" -c "import hmac, hashlib, base64, sys
t, ag, st, nonce = sys.argv[2].split('@')[0].split('+')[1].split('-')[:4]
issued = 0
for ch in st: issued = issued * 32 + 'abcdefghijklmnopqrstuvwxyz234567'.index(ch)
msg = 'maildesk-thread-v1\nagent-reply\n%s\n%s\n%s\n%d.%s' % (sys.argv[1], t, ag, issued, nonce)
mac = hmac.new(b'e2e-ctl-secret-0123456789abcdefghijkl', msg.encode(), hashlib.sha256).digest()[:10]
print('support+%s-%s-%s-%s-%s@demo.example' % (t, ag, st, nonce, base64.b32encode(mac).decode().lower()))" "$tenant_id" "$1"
}
assert_eq "the agent token is signed too" "$(agent_token_expected "$out")" "$out"
run -c "$tmp/token.conf" ticket address "$a" --agent nobody@demo.example
assert_eq "ticket address for an unknown agent exits 1" 1 "$rc"
assert_eq "unknown agent in ticket address" 'maildeskctl: "nobody@demo.example" is not an agent of tenant "demo"' "$err"
printf 'database = %s\nsecret_file = %s\nrecipient_delimiter = -+\n' "$MD_DATABASE" "$tmp/secret" > "$tmp/delim.conf"
run -c "$tmp/delim.conf" ticket address "$a"
assert_match "ticket address uses the first recipient_delimiter" "^support-$a-0-[a-z2-7]{16}@demo\\.example\$" "$out"
printf 'database = %s\nsecret_file = %s\n' "$MD_DATABASE" "$tmp/no-such-secret" > "$tmp/nosecret.conf"
run -c "$tmp/nosecret.conf" ticket address "$a"
assert_eq "ticket address without a readable secret exits 1" 1 "$rc"
assert_eq "a missing secret file is named" \
	"maildeskctl: cannot read the reply token secret (secret_file): $tmp/no-such-secret: cannot read: No such file or directory" "$err"
assert_eq "a missing secret file prints no address" "" "$out"
run -c "$tmp/token.conf" ticket address 999999
assert_eq "ticket address of an unknown ticket exits 1" 1 "$rc"
assert_eq "unknown ticket in ticket address" "maildeskctl: ticket 999999 not found" "$err"
sql "insert into teams (tenant_id, name) select id, 'silent' from tenants where name = 'other';
update tickets set team_id = (select id from teams where name = 'silent') where number = $o" >/dev/null
run -c "$tmp/token.conf" ticket address "$o"
assert_eq "ticket address of a team without alias exits 1" 1 "$rc"
assert_eq "a team without alias is named" \
	'maildeskctl: team "silent" has no alias: add one with "maildeskctl team alias add"' "$err"

## Usage errors exit 2 with a usage line; --help lists the commands.
run tenant add
assert_eq "missing argument exits 2" 2 "$rc"
assert_match "missing argument prints the usage" '^usage: maildeskctl tenant add NAME' "$err"
run tenant list --bogus
assert_eq "unknown option exits 2" 2 "$rc"
run frobnicate
assert_eq "unknown command exits 2" 2 "$rc"
run ticket show abc
assert_eq "non-numeric ticket exits 2" 2 "$rc"
run team add "x" --alias not-an-address --tenant demo
assert_eq "invalid alias exits 2" 2 "$rc"
run --help
assert_eq "--help exits 0" 0 "$rc"
assert_match "--help lists ticket show" '^  ticket show NUMBER' "$out"
assert_match "--help lists team alias add" '^  team alias add TEAM ADDR' "$out"
assert_match "--help lists ticket merge" '^  ticket merge NUMBER OTHER' "$out"
assert_match "--help lists ticket address" '^  ticket address NUMBER' "$out"
run ticket merge 1 x
assert_eq "a non-numeric merge argument exits 2" 2 "$rc"
run ticket split 1
assert_eq "ticket split without a message id exits 2" 2 "$rc"
assert_match "it names the missing argument" '^maildeskctl: missing MESSAGE_ID$' "$err"

## The configuration file supplies the database when the variable is unset.
printf 'database = %s\n' "$MD_DATABASE" > "$tmp/maildesk.conf"
out=$(env -u MAILDESK_DATABASE "$CTL" -c "$tmp/maildesk.conf" tenant list --json 2>&1)
assert_eq "-c FILE is read" "['demo', 'other']" "$(json_eval '[t["name"] for t in j]')"
out=$(env -u MAILDESK_DATABASE "$CTL" -c "$tmp/missing.conf" tenant list 2>&1)
rc=$?
assert_eq "missing config exits 1" 1 "$rc"
assert_match "missing config names the file" "missing.conf" "$out"

e2e_done
