#!/bin/sh
# Two maildesk instances that mail each other must stop by themselves.
# Instance A's agent is instance B's support alias and the other way round
# (the classic misconfiguration), both acknowledge new tickets, and each
# relays straight into the other's SMTP listener. One customer mail must
# lead to a handful of mails, never an exchange without end.
set -u
. "$top_srcdir/t/e2e-lib.sh"
. "$top_srcdir/t/md-instance.sh"

A_SMTP=$(md_free_port); B_SMTP=$(md_free_port); B_LMTP=$(md_free_port)
MD_SMTP_PORT=$A_SMTP
MD_RELAY_HOST="127.0.0.1:$B_SMTP"
md_instance_init "$MD_TEST_TMP/a" || { echo "setup A failed"; exit 99; }
md_ctl agent add support@b.example --name "B desk" --team support --tenant demo >/dev/null
printf 'Thanks for writing to A. We will answer soon.\n' > "$MD_TEST_TMP/ack.txt"
md_ctl template add ack --team support --tenant demo --file "$MD_TEST_TMP/ack.txt" >/dev/null
md_ctl team set support --tenant demo --autoack ack >/dev/null

# Instance B: its own database in the same cluster, its own daemon.
createdb md_b
B_DB="host=$PGHOST port=$PGPORT user=maildesk dbname=md_b"
B_CONF="$MD_TEST_TMP/b.conf"
sed -e "s|^database = .*|database = $B_DB|" -e "s|^lmtp_listen = .*|lmtp_listen = 127.0.0.1:$B_LMTP|" \
	-e "s|^smtp_listen = .*|smtp_listen = 127.0.0.1:$B_SMTP|" -e "s|^relay_host = .*|relay_host = 127.0.0.1:$A_SMTP|" \
	"$MD_CONF" > "$B_CONF"
ctl_b() { "$top_builddir/daemon/maildeskctl" -c "$B_CONF" "$@"; }
ctl_b db migrate >/dev/null
ctl_b tenant add b >/dev/null
ctl_b team add support --tenant b --alias support@b.example >/dev/null
ctl_b agent add support@demo.example --name "A desk" --team support --tenant b >/dev/null
printf 'Thanks for writing to B.\n' > "$MD_TEST_TMP/ack-b.txt"
ctl_b template add ack --team support --tenant b --file "$MD_TEST_TMP/ack-b.txt" >/dev/null
ctl_b team set support --tenant b --autoack ack >/dev/null

md_daemon_start || exit 99
"$top_builddir/daemon/maildeskd" -c "$B_CONF" 2>"$MD_TEST_TMP/b.log" &
B_PID=$!
trap 'md_daemon_stop; kill $B_PID 2>/dev/null' EXIT
for _i in $(seq 1 100); do grep -q event=ready "$MD_TEST_TMP/b.log" && break; sleep 0.1; done

count_a() { sql "select count(*) from outbound"; }
count_b() { psql -X -Atq -d md_b -c "select count(*) from outbound"; }
tickets_b() { psql -X -Atq -d md_b -c "select count(*) from tickets"; }

# A customer who is in fact instance B's alias writes to A.
swaks --silent 2 --server 127.0.0.1 --port "$A_SMTP" --from support@b.example --to support@demo.example \
	--header "From: support@b.example" --header "Subject: Hello A" --body "first mail" >/dev/null 2>&1

# Let both instances do whatever they are going to do, then check that it
# stopped: the counts no longer move.
stable=0 last=""
for _i in $(seq 1 60); do
	now="$(count_a) $(count_b) $(tickets_b)"
	if [ "$now" = "$last" ]; then stable=$((stable + 1)); else stable=0; fi
	[ $stable -ge 5 ] && break
	last=$now
	sleep 0.5
done
set -- $last
assert_eq "the exchange comes to rest" 5 "$stable"
assert_match "A sent a bounded handful of mails" '^[1-4]$' "$1"
assert_match "B sent a bounded handful of mails" '^[0-4]$' "$2"
assert_match "B opened at most two tickets" '^[0-2]$' "$3"
assert_eq "B answered nothing A sent automatically" 0 \
	"$(psql -X -Atq -d md_b -c "select count(*) from outbound where kind = 'ack'")"
assert_match "B records why it kept quiet" 'not notified|not sent|suppressed' \
	"$(psql -X -Atq -d md_b -c "select string_agg(kind || ': ' || detail, ' | ') from ticket_events")"
e2e_done
