#!/bin/sh
# Outbound retention end to end: "maildeskctl queue purge" (with the
# configured outbound_retention and with --older-than) empties the message
# of old sent and failed mail and keeps the row; "queue show" and "queue
# retry" of a purged row; maildeskd's own purge at start. No relay: the
# rows' history (sent, failed, when) is written with SQL, so no test waits
# for time to pass.
set -u
. "$top_srcdir/t/e2e-lib.sh"
. "$top_srcdir/t/md-instance.sh"

MD_EXTRA_CONF="outbound_retention = 1h"
md_instance_init "$MD_TEST_TMP/md" || { echo "setup failed"; exit 99; }
trap 'md_daemon_stop' EXIT

# --- configuration: 0 and less than an hour are refused
printf 'outbound_retention = 0\n' > "$MD_TEST_TMP/zero.conf"
out=$("$top_builddir/daemon/maildeskd" -n -c "$MD_TEST_TMP/zero.conf" 2>&1)
assert_match "outbound_retention = 0 is refused, naming file and line" 'zero\.conf:1: outbound_retention' "$out"
printf 'outbound_retention = 59m\n' > "$MD_TEST_TMP/short.conf"
out=$("$top_builddir/daemon/maildeskd" -n -c "$MD_TEST_TMP/short.conf" 2>&1)
assert_match "outbound_retention under an hour is refused" 'short\.conf:1: outbound_retention.*out of range' "$out"

# inject NAME: queues a small message; prints its id.
inject() {
	printf 'From: support@demo.example\r\nTo: carla@customer.example\r\nSubject: %s\r\n\r\nHello\r\n' "$1" \
		> "$MD_TEST_TMP/$1.eml"
	md_ctl queue inject --tenant demo --from support@demo.example --to carla@customer.example \
		--file "$MD_TEST_TMP/$1.eml"
}
# history ID STATE CREATED_AGO SENT_AGO: what the sender would have left.
history() {
	sql "update outbound set state = '$2', created_at = now() - interval '$3',
		sent_at = case when '$2' = 'sent' then now() - interval '$4' end,
		last_code = case when '$2' = 'sent' then 250 else 550 end where id = $1"
}
field() { sql "select $2 from outbound where id = $1"; }

old_sent=$(inject old-sent)
old_failed=$(inject old-failed)
recent_sent=$(inject recent-sent)
queued=$(inject still-queued)
history "$old_sent" sent '3 days' '2 hours'
history "$old_failed" failed '2 hours' '0s'
history "$recent_sent" sent '3 days' '10 minutes'
sql "update outbound set created_at = now() - interval '3 days' where id = $queued"

# --- queue purge with the configured retention (1h)
out=$(md_ctl queue purge 2>&1)
assert_eq "queue purge takes outbound_retention from the configuration" "2 outbound mails purged" "$out"
assert_eq "a purged sent row keeps its row and loses its bytes" "sent|250|carla@customer.example|0|true" \
	"$(field "$old_sent" "state || '|' || last_code || '|' || array_to_string(rcpts, ',') || '|' || octet_length(data) || '|' || (purged_at is not null)")"
assert_eq "a purged failed row stays failed" "failed|0" "$(field "$old_failed" "state || '|' || octet_length(data)")"
assert_eq "mail sent within the retention is kept" "t" "$(field "$recent_sent" "purged_at is null and octet_length(data) > 0")"

# --- queue purge --older-than
out=$(md_ctl queue purge --older-than 1s 2>&1)
assert_eq "queue purge --older-than 1s reaches the recent sent mail" "1 outbound mail purged" "$out"
assert_eq "queued mail is never purged" "queued|true" "$(field "$queued" "state || '|' || (purged_at is null and octet_length(data) > 0)")"
out=$(md_ctl queue purge --older-than 1s 2>&1)
assert_eq "a second purge finds nothing more" "0 outbound mails purged" "$out"
out=$(md_ctl queue purge --older-than 0 2>&1)
assert_match "--older-than 0 is a usage error" '^maildeskctl: --older-than must be a duration' "$out"
out=$(md_ctl queue purge --older-than soon 2>&1)
assert_match "--older-than must be a duration" '^usage: maildeskctl queue purge' "$out"

# --- queue show and retry of a purged row
out=$(md_ctl queue show "$old_sent")
assert_match "queue show of a purged row says when it was purged" \
	'^message purged on [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}Z' "$out"
assert_match "queue show of a purged row still has its envelope" '^to +carla@customer\.example$' "$out"
assert_no_match "queue show of a purged row prints no headers" '^Subject:' "$out"
out=$(md_ctl queue show "$queued")
assert_match "queue show of a kept row prints its headers" '^Subject: still-queued$' "$out"
assert_no_match "queue show of a kept row says nothing of a purge" 'purged' "$out"
out=$(md_ctl queue show "$old_failed" --json)
assert_match "queue show --json has the purge time" '"purged": "[0-9-]+T[0-9:]+Z"' "$out"
assert_match "queue show --json has no headers for a purged row" '"headers": null' "$out"
out=$(md_ctl queue retry "$old_failed" 2>&1)
rc=$?
assert_eq "queue retry of a purged row fails" 1 "$rc"
assert_match "queue retry of a purged row says why" \
	"^maildeskctl: outbound mail $old_failed cannot be retried: its message was purged on " "$out"
assert_eq "the purged row stays failed" failed "$(field "$old_failed" state)"

# --- maildeskd purges at start (and then hourly)
by_daemon=$(inject by-daemon)
history "$by_daemon" sent '3 days' '2 hours'
md_daemon_start || exit 99
if wait_sql "select purged_at is not null from outbound where id = $by_daemon" t; then
	e2e_ok "maildeskd purges old sent mail when it starts"
else
	e2e_fail "maildeskd purges old sent mail when it starts"
fi
assert_match "maildeskd logs the purge" 'event=outbound\.purged rows=1 ' "$(cat "$MD_DIR/maildeskd.log")"
assert_eq "maildeskd leaves queued mail alone" "t" "$(field "$queued" "purged_at is null and octet_length(data) > 0")"
md_daemon_stop
assert_eq "maildeskd stops cleanly with the purge timer" 0 "$?"

e2e_done
