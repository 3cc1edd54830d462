#!/bin/sh
# Issue 14's lifecycle end to end, over LMTP, SMTP and maildeskctl: an
# alias removed is refused at RCPT (550 5.1.1) while its tickets stay
# readable; an agent removed hands their open tickets to a teammate and
# their signed reply address no longer makes an agent's answer; "agent
# team add|remove" after creation (leaving hands that team's tickets on);
# a team with tickets is refused unless --move-to (then they move); a
# tenant is removed only with --confirm NAME and then nothing of it is
# left in any table with a tenant_id, its DNS records to delete are
# printed, and the other tenant is untouched. Every change is in the
# audit log (who, what, before and after), a failed one is not.
set -u
. "$top_srcdir/t/e2e-lib.sh"
. "$top_srcdir/t/md-instance.sh"

tmp=$MD_TEST_TMP
mkdir -p "$tmp"
MD_EXTRA_CONF="dkim_key_dir = $tmp/keys"
md_instance_init "$tmp/md" || { echo "setup failed"; exit 99; }
md_daemon_start || exit 99
trap 'md_daemon_stop' EXIT

# rcpt PROTOCOL PORT ADDR: the server's answer to RCPT TO:<ADDR>.
rcpt() {
	swaks --protocol "$1" --server 127.0.0.1 --port "$2" --from carla@customer.example --to "$3" \
		--quit-after RCPT 2>&1 | grep -A1 'RCPT TO' | tail -1 | sed 's/^<[-*~]* *//'
}
# customer FROM TO SUBJECT: a customer's mail over LMTP.
customer() {
	swaks --silent 2 --protocol LMTP --server 127.0.0.1 --port "$MD_LMTP_PORT" --from "$1" --to "$2" \
		--header "From: <$1>" --header "Subject: $3" --body "Hola" >/dev/null 2>&1
}
number_of() { sql "select number from tickets where subject = '$1'"; }
assignee_of() { sql "select coalesce(a.email, '-') from tickets t left join agents a on a.tenant_id = t.tenant_id and a.id = t.assignee_id where t.number = $1"; }
audit_count() { sql "select count(*) from audit_log where action = '$1'"; }
demo_id=$(sql "select id from tenants where name = 'demo'")

# --- the audit log of the set-up, and of a change with before and after
assert_eq "tenant add is in the audit log, as the Unix user" "unix:$(id -un)" \
	"$(sql "select actor from audit_log where action = 'tenant add' and object = 'demo'")"
assert_eq "team add records the team after, with its alias" '["support@demo.example"]' \
	"$(sql "select after->'aliases' from audit_log where action = 'team add' and object = 'support'")"
md_ctl team set support --reopen-days 9 >/dev/null
assert_eq "team set records the value before and after" "30 9" \
	"$(sql "select (before->>'reopen_days') || ' ' || (after->>'reopen_days') from audit_log where action = 'team set'")"
md_ctl team set nosuch --reopen-days 3 >/dev/null 2>&1
assert_eq "a failed command leaves no audit row" 1 "$(audit_count 'team set')"
out=$(md_ctl audit --tenant demo --since 1h)
assert_match "audit lists the changes of the tenant, with what changed" 'team set +support +reopen_days: 30 -> 9$' "$out"
assert_eq "audit --json has who, what, before and after" "unix:$(id -un) team set" \
	"$(md_ctl audit --json | /usr/bin/python3 -c 'import json,sys; r=[x for x in json.load(sys.stdin) if x["action"]=="team set"][0]; print(r["actor"], r["action"]) if r["before"]["reopen_days"]==30 and r["after"]["reopen_days"]==9 else print("bad", r)')"
md_ctl audit --since soon >/dev/null 2>&1
assert_eq "audit --since takes a duration" 2 "$?"

# --- an alias removed stops taking mail; its ticket stays readable
md_ctl team alias add support help@demo.example >/dev/null
customer carla@customer.example help@demo.example "Via help"
T_HELP=$(number_of "Via help")
assert_match "mail to the alias made a ticket" '^[0-9]+$' "$T_HELP"
md_ctl team alias remove billing help@demo.example >/dev/null 2>&1
assert_eq "an alias of another team (or none) is refused" 1 "$?"
assert_match "team alias remove" 'alias help@demo.example removed from team "support"' \
	"$(md_ctl team alias remove support help@demo.example)"
assert_match "RCPT to the removed alias over LMTP is 550 5.1.1" '^550 5\.1\.1' "$(rcpt LMTP "$MD_LMTP_PORT" help@demo.example)"
assert_match "and over SMTP" '^550 5\.1\.1' "$(rcpt SMTP "$MD_SMTP_PORT" help@demo.example)"
assert_match "the other alias still takes mail" '^250 ' "$(rcpt LMTP "$MD_LMTP_PORT" support@demo.example)"
assert_match "its old ticket stays readable" 'Via help' "$(md_ctl ticket show "$T_HELP")"
assert_eq "audit: the team before and after" '["help@demo.example", "support@demo.example"] ["support@demo.example"]' \
	"$(sql "select (before->'aliases')::text || ' ' || (after->'aliases')::text from audit_log where action = 'team alias remove'")"

# --- an agent removed: open tickets to a teammate, reply address dead
md_ctl agent add bob@demo.example --name Bob --team support >/dev/null
customer dora@customer.example support@demo.example "Open one"
customer erik@customer.example support@demo.example "Closed one"
T_OPEN=$(number_of "Open one")
T_CLOSED=$(number_of "Closed one")
md_ctl ticket assign "$T_OPEN" ana@demo.example >/dev/null
md_ctl ticket assign "$T_CLOSED" ana@demo.example >/dev/null
md_ctl ticket close "$T_CLOSED" >/dev/null
ANA_ADDR=$(md_ctl ticket address "$T_OPEN" --agent ana@demo.example)
ANA_CONTROL=$(md_ctl agent show ana@demo.example | sed -n 's/^control address (support): //p')
assert_match "the agent has a signed control address" '^support\+control-' "$ANA_CONTROL"
out=$(md_ctl agent remove ana@demo.example)
assert_match "agent remove says who took the tickets" "1 ticket handed over: $T_OPEN to bob@demo.example" "$out"
assert_eq "the open ticket went to the teammate" bob@demo.example "$(assignee_of "$T_OPEN")"
assert_eq "the closed one is left unassigned" - "$(assignee_of "$T_CLOSED")"
assert_eq "the agent is gone" 0 "$(sql "select count(*) from agents where email = 'ana@demo.example'")"
replies=$(sql "select count(*) from outbound where kind = 'reply'")
swaks --silent 2 --protocol LMTP --server 127.0.0.1 --port "$MD_LMTP_PORT" --from ana@demo.example \
	--to "$ANA_ADDR" --header "From: Ana <ana@demo.example>" --header "Subject: Re: [#$T_OPEN]" \
	--body "#close
I am still here" >/dev/null 2>&1
assert_eq "a reply through the removed agent's address is answered 250 (no retry loop)" 0 "$?"
assert_eq "a reply through the removed agent's address is stored as untrusted" untrusted \
	"$(sql "select m.kind from messages m join tickets t on t.id = m.ticket_id where t.number = $T_OPEN order by m.id desc limit 1")"
assert_eq "it is not sent to the customer" "$replies" "$(sql "select count(*) from outbound where kind = 'reply'")"
assert_eq "and its #close is not obeyed" open "$(sql "select status from tickets where number = $T_OPEN")"
swaks --silent 2 --protocol LMTP --server 127.0.0.1 --port "$MD_LMTP_PORT" --from ana@demo.example \
	--to "$ANA_CONTROL" --header "From: Ana <ana@demo.example>" --header "Subject: status" \
	--body "#status away" >/dev/null 2>&1
assert_eq "mail to the removed agent's control address is answered 250" 0 "$?"
assert_eq "and changes no one's status" \
	"online" "$(sql "select string_agg(distinct status, ',') from agents where tenant_id = $demo_id")"
assert_match "the old answers' tickets stay readable" 'Closed one' "$(md_ctl ticket show "$T_CLOSED")"
assert_eq "audit: agent remove with the agent before" '["support"]' \
	"$(sql "select before->'teams' from audit_log where action = 'agent remove' and object = 'ana@demo.example'")"
md_ctl agent add ana@demo.example --team support >/dev/null
assert_eq "the address can be an agent again" 1 "$(sql "select count(*) from agents where email = 'ana@demo.example'")"

# --- agent team add|remove after creation
md_ctl team add billing --alias billing@demo.example >/dev/null
md_ctl agent add carl@demo.example --team support >/dev/null
md_ctl agent add dina@demo.example --team billing >/dev/null
assert_match "agent team add" 'carl@demo.example is in team "billing"' "$(md_ctl agent team add carl@demo.example billing)"
customer fede@customer.example billing@demo.example "Billing one"
T_BILL=$(number_of "Billing one")
md_ctl ticket assign "$T_BILL" carl@demo.example >/dev/null
md_ctl ticket assign "$T_OPEN" carl@demo.example >/dev/null
out=$(md_ctl agent team remove carl@demo.example billing)
assert_match "agent team remove hands that team's tickets over" "1 ticket handed over: $T_BILL to dina@demo.example" "$out"
assert_eq "the other team's ticket stays theirs" carl@demo.example "$(assignee_of "$T_OPEN")"
assert_eq "membership gone" 0 "$(sql "select count(*) from team_agents ta join agents a on a.id = ta.agent_id join teams t on t.id = ta.team_id where a.email = 'carl@demo.example' and t.name = 'billing'")"
md_ctl agent team remove carl@demo.example billing >/dev/null 2>&1
assert_eq "leaving a team one is not in fails" 1 "$?"
assert_eq "audit: agent team add and remove" '["billing", "support"] ["support"]' \
	"$(sql "select (before->'teams')::text || ' ' || (after->'teams')::text from audit_log where action = 'agent team remove'")"

# --- a team with tickets: refused, then moved with --move-to
printf 'rule "Refunds" on ticket.created\n  if subject contains "refund"\n  then\n    move to team "billing"\n    assign to "dina@demo.example"\nend\n' > "$tmp/wide.txt"
md_ctl rule load "$tmp/wide.txt" --tenant-wide >/dev/null || echo "# rule load --tenant-wide failed"
out=$(md_ctl team remove billing 2>&1)
assert_match "a team with open tickets is refused" 'has 1 open ticket: give --move-to' "$out"
assert_eq "and stays" 1 "$(sql "select count(*) from teams where name = 'billing'")"
md_ctl team remove billing --move-to billing >/dev/null 2>&1
assert_eq "--move-to cannot be the team itself" 1 "$?"
md_ctl form add billing-form --team billing --field email:required:email --field message:required:text >/dev/null ||
	echo "# form add failed"
md_ctl event-type set demo rating.bad --team billing >/dev/null || echo "# event-type set failed"
out=$(md_ctl team remove billing --move-to support)
assert_eq "its web form and event type follow to the other team" "support support" \
	"$(sql "select (select m.name from intake_forms f join teams m on m.id = f.team_id where f.name = 'billing-form') || ' ' ||
	(select m.name from event_types e join teams m on m.id = e.team_id where e.type = 'rating.bad')")"
assert_match "team remove --move-to" 'team "billing" removed; 1 ticket moved to team "support"' "$out"
assert_match "it names the rules that name the team" 'note: the tenant-wide rules name "billing"' "$out"
assert_eq "its ticket is now the other team's" support \
	"$(sql "select m.name from tickets t join teams m on m.id = t.team_id where t.number = $T_BILL")"
assert_match "moved by the ticket move path (event)" 'moved' \
	"$(sql "select string_agg(e.kind, ',') from ticket_events e join tickets t on t.id = e.ticket_id where t.number = $T_BILL")"
assert_match "its alias is refused now" '^550 5\.1\.1' "$(rcpt LMTP "$MD_LMTP_PORT" billing@demo.example)"
md_ctl team add empty --alias empty@demo.example >/dev/null
md_ctl form add empty-form --team empty --field message:required:text >/dev/null || echo "# form add failed"
assert_match "a team without tickets is removed at once" 'team "empty" removed' "$(md_ctl team remove empty)"
assert_eq "with its web form" 0 "$(sql "select count(*) from intake_forms where name = 'empty-form'")"
md_ctl team add old >/dev/null
md_ctl team alias add old old@demo.example >/dev/null
assert_match "a team's last alias is not removed" 'last alias of team "old"' \
	"$(md_ctl team alias remove old old@demo.example 2>&1)"
assert_match "and still takes mail" '^250 ' "$(rcpt LMTP "$MD_LMTP_PORT" old@demo.example)"
customer gina@customer.example old@demo.example "Old one"
md_ctl ticket close "$(number_of "Old one")" >/dev/null
assert_match "a team with closed tickets only also needs --move-to" 'has 1 closed ticket' \
	"$(md_ctl team remove old 2>&1)"
assert_eq "audit: team remove" 2 "$(audit_count 'team remove')"

assert_match "agent remove names the rules that name the agent" 'note: the tenant-wide rules name "dina@demo.example"' \
	"$(md_ctl agent remove dina@demo.example)"
customer ivan@customer.example support@demo.example "A refund please"
assert_match "a rule naming a removed team or agent fails on its own; the mail is stored" 'rule.failed' \
	"$(sql "select string_agg(e.kind, ',') from ticket_events e join tickets t on t.id = e.ticket_id where t.subject = 'A refund please'")"

# --- a tenant: --confirm, everything gone, DNS records printed
md_ctl tenant add other >/dev/null
md_ctl team add help --tenant other --alias help@other.example >/dev/null
md_ctl agent add olga@other.example --team help --tenant other >/dev/null
md_ctl domain add other.example --tenant other >/dev/null || echo "# domain add failed"
printf 'Gracias\n' > "$tmp/tpl.txt"
md_ctl template add thanks --team help --tenant other --file "$tmp/tpl.txt" >/dev/null
md_ctl reason add 'Roto' --tenant other --team help >/dev/null
printf 'rule "Tag" on message.received\n  then\n    tag "other"\nend\n' > "$tmp/rules.txt"
md_ctl rule load "$tmp/rules.txt" --team help --tenant other >/dev/null || echo "# rule load failed"
printf 'secret\n' > "$tmp/imap.pass"
chmod 600 "$tmp/imap.pass"
md_ctl channel add imap --team help --tenant other --host imap.other.example --tls implicit --user u \
	--password-file "$tmp/imap.pass" >/dev/null || echo "# channel add failed"
customer hugo@customer.example help@other.example "Other tenant's"
md_ctl apikey add --tenant other --scope intake >/dev/null || echo "# apikey add failed"
md_ctl form add other-form --team help --tenant other --field email:required:email --field message:required:text >/dev/null ||
	echo "# form add failed"
md_ctl event-type set other rating.bad --team help >/dev/null || echo "# event-type set failed"
# A stored Idempotency-Key answer of that key (the HTTP API's; it has no tenant_id of its own).
sql "insert into http_idempotency (api_key_id, idem_key, body_sha256, status, ticket_number)
	select k.id, 'k1', repeat('0', 64), 201, 1 from api_keys k join tenants n on n.id = k.tenant_id where n.name = 'other'" >/dev/null
other_id=$(sql "select id from tenants where name = 'other'")
assert_eq "the other tenant has rows in many tables" "1 1 1 1 1 1 1" "$(sql "select (select sign(count(*)) from tickets where tenant_id = $other_id) || ' ' ||
	(select sign(count(*)) from outbound where tenant_id = $other_id) || ' ' || (select sign(count(*)) from rule_sets where tenant_id = $other_id) || ' ' ||
	(select sign(count(*)) from imap_channels where tenant_id = $other_id) || ' ' || (select sign(count(*)) from templates where tenant_id = $other_id) || ' ' ||
	(select sign(count(*)) from reasons where tenant_id = $other_id) || ' ' || (select sign(count(*)) from dkim_selectors s join sending_domains d on d.domain = s.domain where d.tenant_id = $other_id)")"
demo_rows=$(sql "select (select count(*) from tickets where tenant_id = $demo_id) || ' ' || (select count(*) from messages where tenant_id = $demo_id)")
md_ctl tenant remove other >/dev/null 2>&1
assert_eq "tenant remove without --confirm is a usage error" 2 "$?"
md_ctl tenant remove other --confirm demo >/dev/null 2>&1
assert_eq "and with another name too" 2 "$?"
out=$(md_ctl tenant remove other --confirm other)
assert_match "tenant remove" 'tenant "other" removed' "$out"
assert_match "it prints the DKIM records to delete" '^md[0-9a-z]*-rsa\._domainkey\.other\.example\. TXT' "$out"
left=""
for t in $(sql "select table_name from information_schema.columns where table_schema = 'public' and column_name = 'tenant_id' and table_name <> 'audit_log'"); do
	n=$(sql "select count(*) from $t where tenant_id = $other_id")
	[ "$n" = 0 ] || left="$left $t:$n"
done
assert_eq "no table with a tenant_id holds a row of it" "" "$left"
assert_eq "nor the API keys' stored answers" 0 "$(sql "select count(*) from http_idempotency")"
assert_eq "its tenant row, domain and keys are gone" "0 0 0" \
	"$(sql "select (select count(*) from tenants where id = $other_id) || ' ' || (select count(*) from sending_domains where domain = 'other.example') || ' ' || (select count(*) from dkim_selectors where domain = 'other.example')")"
assert_match "its alias is refused" '^550 5\.1\.1' "$(rcpt LMTP "$MD_LMTP_PORT" help@other.example)"
assert_eq "the other tenant is untouched" "$demo_rows" \
	"$(sql "select (select count(*) from tickets where tenant_id = $demo_id) || ' ' || (select count(*) from messages where tenant_id = $demo_id)")"
assert_eq "the audit log keeps the removal, with the tenant's name" "other" \
	"$(sql "select tenant_name from audit_log where action = 'tenant remove'")"
assert_match "audit --json shows it" '"tenant remove"' "$(md_ctl audit --json)"
md_ctl webhook add --tenant demo 'https://hook-user:s3cr3t-pw@hooks.demo.example/in?x=1' --events ticket.created \
	>/dev/null || echo "# webhook add failed"
assert_eq "audit: webhook add" 1 "$(audit_count 'webhook add')"
assert_eq "a URL's credentials never reach the audit log" 0 \
	"$(sql "select count(*) from audit_log a where a::text like '%s3cr3t%'")"
assert_eq "the rest of the URL does" "https://(hidden)@hooks.demo.example/in?x=1 true" \
	"$(sql "select object || ' ' || (after::text like '%https://(hidden)@hooks.demo.example/in?x=1%') from audit_log where action = 'webhook add'")"

e2e_done
