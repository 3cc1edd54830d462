#!/bin/sh
# Queue control as postsuper does it: maildeskctl queue hold, release and
# delete, one mail by ID or in bulk (--all-deferred, --all). A held mail is
# never sent until released; a deleted one never is, and its ticket says so.
# The relay is Postfix's smtp-sink, down at first (so mail is deferred).
set -u
. "$top_srcdir/t/e2e-lib.sh"
. "$top_srcdir/t/md-instance.sh"

SINK_PORT=$(md_free_port)
SINK_DIR="$MD_TEST_TMP/sink"
SINK_PID=
MD_RELAY_HOST="127.0.0.1:$SINK_PORT"
md_instance_init "$MD_TEST_TMP/md" || { echo "setup failed"; exit 99; }
trap 'md_daemon_stop; [ -z "$SINK_PID" ] || kill "$SINK_PID" 2>/dev/null; md_instance_stop' EXIT

state() { sql "select state from outbound where id = $1"; }
msg() {
	printf 'From: Support <support@demo.example>\r\nTo: carla@customer.example\r\nSubject: %s\r\nMessage-ID: <%s@demo.example>\r\n\r\nHello\r\n' "$1" "$1" >"$MD_TEST_TMP/$1.eml"
	echo "$MD_TEST_TMP/$1.eml"
}
inject() { md_ctl queue inject --tenant demo --from support@demo.example --to carla@customer.example "$@"; }

# A ticket for the mail to belong to.
md_daemon_start || exit 99
swaks --silent 2 --protocol LMTP --server 127.0.0.1 --port "$MD_LMTP_PORT" --from carla@customer.example \
	--to support@demo.example --header "Subject: where is my parcel" >/dev/null
md_daemon_stop
ticket=$(sql "select number from tickets order by id limit 1")

# --- with no daemon running, nothing is sent meanwhile
a=$(inject --file "$(msg held-one)" --ticket "$ticket")
b=$(inject --file "$(msg deleted-one)" --ticket "$ticket")
c=$(inject --file "$(msg deferred-one)")
out=$(md_ctl queue hold "$a")
assert_eq "queue hold ID: exit 0" 0 "$?"
assert_eq "it says so" "outbound mail $a held" "$out"
assert_eq "the row is held" held "$(state "$a")"
out=$(md_ctl queue hold "$a" 2>&1)
assert_eq "holding it again fails" 1 "$?"
assert_match "naming its state" "outbound mail $a is held; only queued or deferred mail can be held" "$out"
out=$(md_ctl queue delete "$b")
assert_eq "queue delete ID: exit 0" 0 "$?"
assert_eq "a deleted row is failed" failed "$(state "$b")"
assert_match "and says why" 'deleted by the administrator' "$(sql "select last_error from outbound where id = $b")"
assert_eq "its ticket has an outbound.deleted event" 1 \
	"$(sql "select count(*) from ticket_events e join tickets t on t.id = e.ticket_id where t.number = $ticket and e.kind = 'outbound.deleted' and e.detail like '%$b%'")"
out=$(md_ctl queue delete 999999 2>&1)
assert_eq "an unknown ID fails" 1 "$?"
assert_match "saying so" 'no outbound mail 999999' "$out"
# several IDs at once, as postsuper -h takes several: each is changed or
# refused on its own, and one refusal makes the exit status 1
d=$(inject --file "$(msg several-one)")
e=$(inject --file "$(msg several-two)")
out=$(md_ctl queue hold "$d" "$e")
assert_eq "queue hold ID ID: exit 0" 0 "$?"
assert_eq "it names each" "outbound mail $d held
outbound mail $e held" "$out"
assert_eq "both are held" "held held" "$(state "$d") $(state "$e")"
out=$(md_ctl queue release "$d" 999998 "$e" 2>&1)
assert_eq "one unknown ID among several: exit 1" 1 "$?"
assert_match "it is named" 'no outbound mail 999998' "$out"
assert_eq "the others are released all the same" "queued queued" "$(state "$d") $(state "$e")"
md_ctl queue delete "$d" x >/dev/null 2>&1
assert_eq "a word among the IDs is a usage error" 2 "$?"
assert_eq "and changes nothing" queued "$(state "$d")"
md_ctl queue delete "$d" "$e" >/dev/null
assert_eq "queue delete ID ID deletes both" "failed failed" "$(state "$d") $(state "$e")"
md_ctl queue hold >/dev/null 2>&1
assert_eq "neither ID nor --all-deferred is a usage error" 2 "$?"
md_ctl queue hold "$a" --all-deferred >/dev/null 2>&1
assert_eq "both is a usage error" 2 "$?"
assert_match "queue list shows the held mail" "^$a .*held" "$(md_ctl queue list | tr -s ' ')"
assert_match "queue list --state held shows only it" "^$a" "$(md_ctl queue list --state held | sed -n 2p)"

# --- the daemon runs, the relay is down: c is deferred, a stays held
md_daemon_start || exit 99
wait_sql "select state from outbound where id = $c" deferred
assert_eq "the relay being down defers the queued mail" deferred "$(state "$c")"
assert_eq "the held mail was never tried" "held 0" "$(sql "select state || ' ' || attempts from outbound where id = $a")"
# (the customer's mail also queued a notification to the agent: deferred too)
deferred=$(sql "select count(*) from outbound where state = 'deferred'")
assert_eq "c and the agent's notification are deferred" 2 "$deferred"
out=$(md_ctl queue hold --all-deferred)
assert_eq "hold --all-deferred holds every deferred mail" "2 outbound mails held" "$out"
assert_eq "so c is held" held "$(state "$c")"
assert_eq "and nothing is deferred any more" 0 "$(sql "select count(*) from outbound where state = 'deferred'")"

# --- the relay comes back: only what is released is sent; b never
mkdir -p "$SINK_DIR"
chown nobody "$SINK_DIR"
/usr/sbin/smtp-sink -u nobody -d "$SINK_DIR/%M." "127.0.0.1:$SINK_PORT" 50 &
SINK_PID=$!
sleep 1
out=$(md_ctl queue flush)
sleep 1
assert_eq "a flush sends nothing held" 0 "$(count_for carla@customer.example)"
out=$(md_ctl queue release --all)
assert_eq "release --all releases all three" "3 outbound mails released, due now" "$out"
wait_count carla@customer.example 2
wait_sql "select count(*) from outbound where id in ($a, $c) and state = 'sent'" 2
assert_eq "both released mails are sent" "sent sent" "$(state "$a") $(state "$c")"
assert_eq "the relay got those two" 2 "$(count_for carla@customer.example)"
assert_eq "the deleted mail was never sent" 0 "$(grep -l 'deleted-one' "$SINK_DIR"/* 2>/dev/null | wc -l)"
out=$(md_ctl queue release "$b" 2>&1)
assert_eq "a failed mail cannot be released" 1 "$?"
assert_match "saying what it is" "outbound mail $b is failed; only held mail can be released" "$out"
e2e_done
