#!/bin/sh
# maildeskctl against the private PostgreSQL that t/test-env started:
# migrations, tenants, teams, aliases, agents, tickets; text and --json
# output; error lines and exit codes for duplicates, unknown names and bad
# usage.
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
assert_match "db migrate applies the initial migration" '^applied 1 migration; schema at version 1$' "$out"
run db migrate
assert_eq "db migrate again applies nothing" "applied 0 migrations; schema at version 1" "$out"
run db status --json
assert_eq "db status after migrate exits 0" 0 "$rc"
json_ok "db status --json is JSON"
assert_eq "db status --json says up to date" True "$(json_eval 'j["up_to_date"]')"

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
run team add support --tenant demo --alias Support@Demo.Example --alias help@demo.example
assert_eq "team add exits 0" 0 "$rc"
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

## The configuration file supplies the database when the variable is unset.
printf 'database = %s\n' "$MD_DATABASE" > "$tmp/maildesk.conf"
out=$(env -u MAILDESK_DATABASE "$CTL" -c "$tmp/maildesk.conf" tenant list --json 2>&1)
assert_eq "-c FILE is read" "['demo', 'other']" "$(json_eval '[t["name"] for t in j]')"
out=$(env -u MAILDESK_DATABASE "$CTL" -c "$tmp/missing.conf" tenant list 2>&1)
rc=$?
assert_eq "missing config exits 1" 1 "$rc"
assert_match "missing config names the file" "missing.conf" "$out"

e2e_done
