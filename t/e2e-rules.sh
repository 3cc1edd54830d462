#!/bin/sh
# The rule engine end to end, from maildeskctl and mail in over LMTP: a
# rule file routes invoices to Billing (tag, priority, round-robin among
# the online agents only); offline-and-reassign hands tickets over; bad
# rule files are refused with FILE:LINE:COL and change nothing; rule test
# and rule replay show what rules do; the agent's folders; SLA due times;
# rules loaded while the daemon runs act on the next mail.
set -u
. "$top_srcdir/t/e2e-lib.sh"
. "$top_srcdir/t/md-instance.sh"

PY=/usr/bin/python3
tmp=$MD_TEST_TMP
md_instance_init "$tmp/md" || { echo "setup failed"; exit 99; }
md_ctl team add Billing --tenant demo --alias billing@demo.example >/dev/null
md_ctl team add Sales --tenant demo --alias sales@demo.example >/dev/null
for a in bob cat dan; do
	md_ctl agent add $a@demo.example --name "$a" --team Billing --tenant demo >/dev/null
done
md_daemon_start || exit 99
trap 'md_daemon_stop' EXIT

# run ARGS...: maildeskctl; sets out, err and rc.
run() {
	out=$(md_ctl "$@" 2>"$tmp/stderr")
	rc=$?
	err=$(cat "$tmp/stderr")
}
json_eval() { printf '%s\n' "$out" | "$PY" -c "import json,sys; j=json.load(sys.stdin); print($1)" 2>&1; }
# mail FROM SUBJECT MSGID [TO]: a customer mail over LMTP.
mail() {
	swaks --silent 2 --protocol LMTP --server 127.0.0.1 --port "$MD_LMTP_PORT" \
		--from "$1" --to "${4:-support@demo.example}" --header "From: <$1>" --header "Subject: $2" \
		--header "Message-Id: <$3>" --body "Hello, about: $2" >/dev/null 2>&1
}
ticket_of() { sql "select t.number from tickets t join messages m on m.ticket_id = t.id where m.message_id = '$1'"; }
# ticket_facts N: "team priority assignee tags".
ticket_facts() {
	sql "select m.name || ' ' || t.priority || ' ' || coalesce(a.email, '-') || ' ' ||
		coalesce((select string_agg(tag, ',' order by tag) from ticket_tags g where g.ticket_id = t.id), '-')
		from tickets t join teams m on m.id = t.team_id left join agents a on a.id = t.assignee_id
		where t.number = $1"
}
open_of() { sql "select count(*) from tickets t join agents a on a.id = t.assignee_id where a.email = '$1' and t.status = 'open'"; }

cat > "$tmp/rules.txt" <<'EOF'
# Invoices are Billing's.
rule "Invoices" on ticket.created
  if subject contains "invoice"
  then
    move to team "Billing"
    tag "billing"
    set priority high
    assign round-robin
    stop
end
EOF

## rule load / list / show
run rule load "$tmp/rules.txt" --team support
assert_eq "rule load exits 0" 0 "$rc"
assert_eq "rule load says what it loaded" 'loaded 1 rule for team "support" (version 1)' "$out"
run rule list --json
assert_eq "rule list --json: the rule, its line, events and version" "Invoices 2 ticket.created 1" \
	"$(json_eval '" ".join(str(x) for x in (j[0]["rule"], j[0]["line"], j[0]["events"], j[0]["version"]))')"
run rule show --team support
assert_match "rule show prints the stored source" '^rule "Invoices" on ticket.created$' "$out"
run rule load "$tmp/rules.txt"
assert_eq "rule load without --team or --tenant-wide is a usage error" 2 "$rc"

## Routing and round-robin among the online agents only
run agent status dan@demo.example away
assert_eq "agent status sets away" 0 "$rc"
run agent status dan@demo.example
assert_eq "agent status prints the status" "dan@demo.example: away" "$out"
run agent status dan@demo.example --json
assert_eq "agent status --json" "away demo" "$(json_eval 'j["status"] + " " + j["tenant"]')"
run agent list --team Billing --json
assert_eq "agent list shows the status" "away" "$(json_eval '[a["status"] for a in j if a["email"] == "dan@demo.example"][0]')"
run agent status dan@demo.example sleeping
assert_eq "an unknown state is a usage error" 2 "$rc"

mail dora@customer.example "Invoice 1 is wrong" inv1@customer.example
T1=$(ticket_of inv1@customer.example)
assert_match "the invoice lands in Billing, high priority, assigned, tagged" '^Billing 2 (bob|cat)@demo\.example billing$' \
	"$(ticket_facts "$T1")"
for i in 2 3 4; do mail erin$i@customer.example "Invoice $i" inv$i@customer.example; done
assert_eq "four invoices spread round-robin over the online agents, none to the away one" "2 2 0" \
	"$(open_of bob@demo.example) $(open_of cat@demo.example) $(open_of dan@demo.example)"
run ticket show "$T1"
assert_match "ticket show lists the rule's actions" 'rule:Invoices' "$out"
assert_match "ticket show names the rule that assigned it" 'assigned +rule:Invoices' "$out"

## offline-and-reassign
mails_to() { sql "select count(*) from outbound where '$1' = any(rcpts)"; }
before=$(mails_to cat@demo.example)
run agent status bob@demo.example offline-and-reassign
assert_eq "offline-and-reassign exits 0" 0 "$rc"
assert_eq "bob's tickets moved to the online teammate" "0 4" "$(open_of bob@demo.example) $(open_of cat@demo.example)"
assert_eq "bob is offline" offline "$(sql "select status from agents where email = 'bob@demo.example'")"
after=$(mails_to cat@demo.example)
assert_eq "the new assignee is told about each ticket" 2 "$((after - before))"

## Bad rule files change nothing
printf 'rule "Broken" on ticket.created\n  if subject contans "x"\n  then\n    close\nend\n' > "$tmp/bad.txt"
run rule load "$tmp/bad.txt" --team support
assert_eq "a syntax error exits 1" 1 "$rc"
assert_match "it names FILE:LINE:COL" "^maildeskctl: $tmp/bad.txt:2:[0-9]+: " "$err"
printf 'rule "Elsewhere" on ticket.created\n  then\n    move to team "Nowhere"\nend\n' > "$tmp/noteam.txt"
run rule load "$tmp/noteam.txt" --team support
assert_eq "an unknown team exits 1" 1 "$rc"
assert_match "it names FILE:LINE:COL and the team" "^maildeskctl: $tmp/noteam.txt:3:[0-9]+: no team \"Nowhere\"" "$err"
assert_eq "the version is unchanged" 1 "$(sql "select version from rule_sets")"
mail fay@customer.example "Invoice 5" inv5@customer.example
assert_match "the old rules still act" '^Billing 2 cat@demo\.example billing$' "$(ticket_facts "$(ticket_of inv5@customer.example)")"

## rule test and rule replay change nothing
printf 'From: Gil <gil@customer.example>\nTo: support@demo.example\nSubject: Your invoice\n\nHi\n' > "$tmp/inv.eml"
printf 'From: Gil <gil@customer.example>\nTo: support@demo.example\nSubject: Lamp broken\n\nHi\n' > "$tmp/lamp.eml"
n_before=$(sql "select count(*) from tickets")
run rule test --team support "$tmp/rules.txt" "$tmp/inv.eml"
assert_match "rule test: the rule matches" '^  Invoices \(line 2\): matched$' "$out"
assert_match "rule test: and would move the ticket" '^    move to team "Billing"$' "$out"
assert_match "rule test: and assign it" '^    assign round-robin$' "$out"
run rule test --team support "$tmp/rules.txt" "$tmp/inv.eml" --json
assert_eq "rule test --json exits 0" 0 "$rc"
assert_eq "rule test --json: the rule, its outcome and actions" 'Invoices 2 matched move to team "Billing"|Your invoice' \
	"$(echo "$out" | /usr/bin/python3 -c 'import json, sys
t = json.load(sys.stdin); r = t["rules"][0]
print(r["rule"], r["line"], r["outcome"], r["actions"][0] + "|" + t["subject"])')"
run rule test --team support "$tmp/rules.txt" "$tmp/lamp.eml"
assert_match "rule test: no match" '^  Invoices \(line 2\): no match$' "$out"
run rule test --team support "$tmp/rules.txt" "$tmp/inv.eml" --event message.received
assert_match "rule test --event" '^  Invoices \(line 2\): not for this event$' "$out"
run rule test --team support "$tmp/bad.txt" "$tmp/inv.eml"
assert_match "rule test with a broken file names the place" "$tmp/bad.txt:2:" "$err"
run rule replay --team support --since 2000-01-01
assert_eq "rule replay exits 0" 0 "$rc"
assert_match "rule replay lists stored messages" '^message [0-9]+ \(ticket [0-9]+, ticket\.created, ' "$out"
run rule replay --team Billing --since 2000-01-01 --json
assert_eq "rule replay of a team without rules fails" 1 "$rc"
run rule replay --team support --since yesterday
assert_eq "rule replay with a bad date is a usage error" 2 "$rc"
assert_eq "rule test and replay changed nothing" "$n_before" "$(sql "select count(*) from tickets")"

## The agent's folders
mail hal@customer.example "Lamp broken" lamp1@customer.example
L=$(ticket_of lamp1@customer.example)
run ticket list --folder unassigned --json
assert_eq "unassigned: only the unassigned open ticket" "[$L]" "$(json_eval '[t["number"] for t in j]')"
assert_eq "open tickets await us after the customer wrote" "us" "$(json_eval 'j[0]["awaiting"]')"
printf 'We are on it.\n' > "$tmp/answer.txt"
md_ctl ticket reply "$T1" --from cat@demo.example --file "$tmp/answer.txt" >/dev/null
run ticket list --folder open --json
assert_eq "open: awaiting customer after our answer" "customer" \
	"$(json_eval "[t['awaiting'] for t in j if t['number'] == $T1][0]")"
assert_eq "open: sorted by priority, then oldest first" "$L" "$(json_eval 'j[-1]["number"]')"
run ticket list --folder open
assert_match "open, as text: the awaiting column" '^number .*awaiting' "$out"
run ticket snooze "$T1" 2d --by cat@demo.example
assert_match "ticket snooze for a duration" "^ticket $T1 snoozed until " "$out"
run ticket list --folder snoozed --json
assert_eq "snoozed: the ticket, with its wake time" "$T1 True" \
	"$(json_eval '" ".join(str(x) for x in (j[0]["number"], j[0]["wakes"] is not None))')"
run ticket snooze "$L" "2001-01-01 09:00"
assert_match "a snooze time in the past is refused" 'in the past' "$err"
run ticket snooze "$L" soon
assert_eq "a bad snooze time is a usage error" 2 "$rc"
md_ctl ticket close "$(ticket_of inv2@customer.example)" >/dev/null
run ticket list --folder closed --json
assert_eq "closed: the closed ticket" "[$(ticket_of inv2@customer.example)]" "$(json_eval '[t["number"] for t in j]')"
run ticket list --folder mine --agent cat@demo.example --json
assert_eq "mine: the agent's open and snoozed tickets" 4 "$(json_eval 'len(j)')"
run ticket list --folder mine
assert_eq "mine without --agent is a usage error" 2 "$rc"
run ticket list --status open --json
assert_eq "the old --status still works" 4 "$(json_eval 'len(j)')"

## ticket assign / tag / priority
before=$(mails_to cat@demo.example)
run ticket assign "$L" cat@demo.example
assert_eq "ticket assign" "ticket $L assigned to cat@demo.example" "$out"
assert_eq "the new assignee is mailed" 1 "$(($(mails_to cat@demo.example) - before))"
run ticket assign "$L" cat@demo.example
assert_match "assigning again to the same agent is refused" 'already assigned' "$err"
run ticket assign "$L" --unassign
assert_eq "ticket assign --unassign" "ticket $L unassigned" "$out"
run ticket tag "$L" Lamp urgent-fix
assert_eq "ticket tag" "ticket $L: tagged lamp, urgent-fix" "$out"
run ticket tag "$L" lamp --remove
assert_eq "ticket tag --remove" "ticket $L: removed lamp" "$out"
run ticket tag "$L" "no spaces"
assert_eq "a bad tag is a usage error" 2 "$rc"

## SLA due times
run sla set --team Billing --priority high --first-response 4h --resolution 2d
assert_eq "sla set exits 0" 0 "$rc"
md_ctl sla set --team Billing --priority urgent --first-response 1h >/dev/null
run sla list --team Billing --json
assert_eq "sla list" "high 240 2880" "$(json_eval '" ".join(str(x) for x in (j[1]["priority"], j[1]["first_response_minutes"], j[1]["resolution_minutes"]))')"
mail ivy@customer.example "Invoice 6" inv6@customer.example
T6=$(ticket_of inv6@customer.example)
due() { sql "select extract(epoch from first_response_due - created_at)::int from tickets where number = $T6"; }
assert_eq "a new ticket gets its first response due time" 14400 "$(due)"
run ticket priority "$T6" urgent
assert_eq "ticket priority" "ticket $T6: priority urgent (was high)" "$out"
assert_eq "a priority change moves the due time" 3600 "$(due)"
run ticket priority "$T6" extreme
assert_eq "an unknown priority is a usage error" 2 "$rc"

## Team routing settings
run team routing Sales --strategy least-open --max-open 5 --time-zone Europe/Berlin --hours "mon-fri 09:00-17:00, sat 10:00-14:00" --json
assert_eq "team routing sets strategy, cap, zone and hours" "least-open 5 Europe/Berlin" \
	"$(json_eval '" ".join(str(x) for x in (j[0]["strategy"], j[0]["max_open"], j[0]["time_zone"]))')"
assert_eq "the hours read as they were written" "mon-fri 09:00-17:00, sat 10:00-14:00" "$(json_eval 'j[0]["hours"]')"
assert_eq "the calendar has six openings" 6 "$(sql "select count(*) from team_hours")"
run team routing Sales --time-zone Mars/Olympus
assert_match "an unknown time zone is refused" 'unknown time zone' "$err"
run team routing Sales --hours "mon-fri 17:00-09:00"
assert_eq "a span that closes before it opens is a usage error" 2 "$rc"
run team routing Sales --no-hours
assert_eq "--no-hours removes the calendar" 0 "$(sql "select count(*) from team_hours")"

## New rules act on the next mail without a restart
cat >> "$tmp/rules.txt" <<'EOF'
rule "Refunds" on ticket.created
  if body contains "refund"
  then
    tag "refund"
end
EOF
changed() { grep -c 'event=rules.changed' "$MD_DIR/maildeskd.log"; }
n_changed=$(changed)
run rule load "$tmp/rules.txt" --team support
# The daemon hears of it by NOTIFY; wait for that (at most 10 s), not longer.
for _i in $(seq 1 100); do [ "$(changed)" -gt "$n_changed" ] && break; sleep 0.1; done
assert_eq "reloading raises the version" 'loaded 2 rules for team "support" (version 2)' "$out"
swaks --silent 2 --protocol LMTP --server 127.0.0.1 --port "$MD_LMTP_PORT" --from jo@customer.example \
	--to support@demo.example --header "Subject: Money back" --header "Message-Id: <ref1@customer.example>" \
	--body "I want a refund." >/dev/null 2>&1
assert_match "the running daemon uses the new rules" '^support 1 - refund$' "$(ticket_facts "$(ticket_of ref1@customer.example)")"

## external events: "ticket event" runs the external.event rules
cat >"$tmp/ext.txt" <<'EOF2'
rule "Shipped" on external.event
  if event.name is "order.shipped"
  then
    tag "shipped"
end
EOF2
run rule load "$tmp/ext.txt" --tenant-wide
assert_eq "tenant-wide rules load" 0 "$rc"
R=$(ticket_of ref1@customer.example)
run ticket event "$R" order.paid
assert_eq "an event no rule is for" "ticket $R: event order.paid, no rule acted" "$out"
run ticket event "$R" order.shipped
assert_eq "an event a rule is for" "ticket $R: event order.shipped, rules acted" "$out"
assert_eq "the rule tagged the ticket, recorded with its name" "1" \
	"$(sql "select count(*) from ticket_events e join tickets t on t.id = e.ticket_id
	       where t.number = $R and e.kind = 'tagged' and e.actor = 'rule:Shipped' and e.detail = 'shipped'")"
run ticket event "$R" "Bad Name"
assert_eq "a bad event name is a usage error" 2 "$rc"

e2e_done
