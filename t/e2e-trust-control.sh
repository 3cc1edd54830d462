#!/bin/sh
# Nobody gets in by forged mail (issue 10, points 1 and 4): mail to a
# team's control address changes an agent's status only when it is
# authenticated (the agent's own signed control address from the agent's
# address, or the plain address with our mail server's DMARC pass), is
# applied once however often it is delivered, and agent reply addresses
# expire (agent_token_lifetime). No relay: queued mail stays in the
# outbound table, where the test reads it.
set -u
. "$top_srcdir/t/e2e-lib.sh"
. "$top_srcdir/t/md-instance.sh"

md_instance_init "$MD_TEST_TMP/md" || { echo "setup failed"; exit 99; }
md_ctl agent add bob@demo.example --name "Bob" --team support --tenant demo >/dev/null
md_daemon_start || exit 99
trap 'md_daemon_stop' EXIT

# lmtp ARGS: one delivery, its whole LMTP dialogue on stdout.
lmtp() { swaks --protocol LMTP --server 127.0.0.1 --port "$MD_LMTP_PORT" "$@" </dev/null 2>&1; }
# data_reply DIALOGUE: the server's reply to the end of DATA (the last
# reply before QUIT's).
data_reply() { printf '%s\n' "$1" | grep -E '^ *<[-~]+ +[0-9]{3}' | tail -2 | head -1 | sed 's/^ *<[-~]* *//'; }
ana=$(sql "select id from agents where email = 'ana@demo.example'")
bob=$(sql "select id from agents where email = 'bob@demo.example'")
status_of() { sql "select status from agents where id = $1"; }
last_outbound() { sql "select coalesce(max(id), 0) from outbound"; }
# queued_since ID: how many mails were queued after outbound row ID.
queued_since() { sql "select count(*) from outbound where id > $1"; }
log() { cat "$MD_DIR/maildeskd.log"; }
# reload: SIGHUP, and wait until the daemon says it took the new file.
reload() {
	_n=$(grep -c 'event=reload status=ok' "$MD_DIR/maildeskd.log")
	kill -HUP "$MD_DAEMON_PID"
	for _i in $(seq 1 100); do
		[ "$(grep -c 'event=reload status=ok' "$MD_DIR/maildeskd.log")" -gt "$_n" ] && return 0
		sleep 0.1
	done
	echo "# the daemon did not reload"
	return 1
}
# A customer ticket of ana's, to see that nothing is handed away.
lmtp --from carla@customer.example --to support@demo.example --header "From: Carla <carla@customer.example>" \
	--header "Subject: Lamp broken" --header "Message-Id: <c1@customer.example>" --body "It is broken." >/dev/null
T=$(sql "select number from tickets where subject = 'Lamp broken'")
sql "update tickets set assignee_id = $ana where number = $T" >/dev/null

# --- 1. a forged From to the plain control address changes nothing
first=$(last_outbound)
out=$(lmtp --from ana@demo.example --to support+control@demo.example --header "From: Ana <ana@demo.example>" \
	--header "Subject: bye" --body "#status offline-and-reassign")
assert_match "the forged control mail is still taken (250)" '^250 ' "$(data_reply "$out")"
assert_eq "a forged From does not set the agent's status" online "$(status_of "$ana")"
assert_eq "her tickets are not handed away" "$ana" "$(sql "select assignee_id from tickets where number = $T")"
assert_eq "and nobody is answered" 0 "$(queued_since "$first")"
assert_match "the log says it was refused and why" \
	'event=control .*from=ana@demo\.example refused: sender not authenticated' "$(log)"
sha=$(grep 'event=control' "$MD_DIR/maildeskd.log" | tail -1 | sed 's/.*sha256=\([0-9a-f]*\).*/\1/')
assert_eq "its raw bytes are kept all the same" 1 "$(sql "select count(*) from raw_messages where sha256 = '$sha'")"

# --- 2. the agent's own signed control address, from the agent's address
show=$(md_ctl agent show ana@demo.example)
assert_match "agent show prints the agent" '^email +ana@demo\.example$' "$show"
ctl_ana=$(printf '%s\n' "$show" | sed -n 's/^control address (support): //p')
ctl_ana=${ctl_ana:-no-control-address@demo.example}
assert_match "agent show prints a signed control address" \
	"^support\\+control-$ana-[a-z2-7]{16}@demo\\.example\$" "$ctl_ana"
assert_eq "agent show --json has the same address" "$ctl_ana" \
	"$(md_ctl agent show ana@demo.example --json |
		/usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["control_addresses"][0]["address"])' 2>&1)"
ctl_bob=$(md_ctl agent show bob@demo.example | sed -n 's/^control address (support): //p')
ctl_bob=${ctl_bob:-no-control-address@demo.example}
first=$(last_outbound)
lmtp --from ana@demo.example --to "$ctl_ana" --header "From: Ana <ana@demo.example>" \
	--header "Subject: status" --body "#status away" >/dev/null
assert_eq "the signed control address sets the status" away "$(status_of "$ana")"
assert_eq "and the agent gets one confirmation" 1 \
	"$(sql "select count(*) from outbound where id > $first and kind = 'explanation' and rcpts = '{ana@demo.example}'")"
assert_match "which says what happened" 'Done: ana@demo\.example is now away' \
	"$(sql "select convert_from(data, 'UTF8') from outbound where id > $first")"

# --- 3. the same control mail delivered twice is applied once
cat > "$MD_TEST_TMP/online.eml" <<MSG
From: Ana <ana@demo.example>
To: $ctl_ana
Subject: back
Message-Id: <back-1@demo.example>

#status online
MSG
first=$(last_outbound)
lmtp --from ana@demo.example --to "$ctl_ana" --data @"$MD_TEST_TMP/online.eml" >/dev/null
assert_eq "the first delivery applies it" online "$(status_of "$ana")"
sql "update agents set status = 'away' where id = $ana" >/dev/null
out=$(lmtp --from ana@demo.example --to "$ctl_ana" --data @"$MD_TEST_TMP/online.eml")
assert_match "the redelivery is answered 250" '^250 ' "$(data_reply "$out")"
assert_eq "but changes nothing" away "$(status_of "$ana")"
assert_eq "and sends no second confirmation" 1 "$(queued_since "$first")"
assert_match "the log says it was a redelivery" 'event=control .*ignored: the same mail was handled before' "$(log)"

# --- 4. ana's signed control address with bob's From: nothing
sql "update agents set status = 'online' where id in ($ana, $bob)" >/dev/null
first=$(last_outbound)
lmtp --from bob@demo.example --to "$ctl_ana" --header "From: Bob <bob@demo.example>" \
	--header "Subject: status" --body "#status offline" >/dev/null
assert_eq "another agent's From on ana's address does not change ana" online "$(status_of "$ana")"
assert_eq "nor bob" online "$(status_of "$bob")"
assert_eq "and nobody is answered" 0 "$(queued_since "$first")"
assert_match "the log says why" 'event=control .*refused: the control address of ana@demo\.example used by another sender' \
	"$(log)"
# a forged signed address (bob's number, ana's MAC) and bob's own address from ana
forged=$(printf '%s' "$ctl_ana" | sed "s/control-$ana-/control-$bob-/")
lmtp --from bob@demo.example --to "$forged" --header "From: Bob <bob@demo.example>" --body "#status offline" >/dev/null
lmtp --from ana@demo.example --to "$ctl_bob" --header "From: Ana <ana@demo.example>" --body "#status offline" >/dev/null
assert_eq "a forged control address changes nothing" "online online" "$(status_of "$bob") $(status_of "$ana")"
assert_eq "and answers nobody" 0 "$(queued_since "$first")"
assert_match "the forged one is logged as not verifying" 'refused: the control address does not verify' "$(log)"

# --- 5. agent reply addresses expire
notification_of() {
	sql "select convert_from(data, 'UTF8') from outbound where kind = 'notification'
		and rcpts = '{ana@demo.example}' and position('$1' in convert_from(data, 'UTF8')) > 0 order by id desc limit 1"
}
reply_to_of() { printf '%s\n' "$1" | tr -d '\r' | sed -n 's/^Reply-To: \(support+[^ ]*@demo\.example\).*/\1/p' | head -1; }
lmtp --from carla@customer.example --to support@demo.example --header "From: Carla <carla@customer.example>" \
	--header "Subject: Re: [#$T] Lamp broken" --header "In-Reply-To: <c1@customer.example>" \
	--body "Any news on the lamp?" >/dev/null
note=$(notification_of 'Any news on the lamp')
fresh=$(reply_to_of "$note")
fresh=${fresh:-no-reply-to@demo.example}
assert_match "a notification's reply address carries an issue time and a nonce" \
	"^support\\+$T-$ana-[a-z2-7]{7}-[a-z2-7]{6}-[a-z2-7]{16}@demo\\.example\$" "$fresh"
assert_match "its footer says until when it works" 'The reply address of this notification works until 20[0-9-]+ ' "$note"
assert_match "and gives the agent's own control address" "Your status: mail support\\+control-$ana-[a-z2-7]{16}@demo" "$note"
customer_before=$(sql "select count(*) from outbound where kind = 'reply'")
lmtp --from ana@demo.example --to "$fresh" --header "From: Ana <ana@demo.example>" --header "Subject: Re: lamp" \
	--body "A new lamp ships today." >/dev/null
assert_eq "a fresh reply address still works" $((customer_before + 1)) "$(sql "select count(*) from outbound where kind = 'reply'")"

printf 'agent_token_lifetime = 1s\n' >> "$MD_CONF"
reload
lmtp --from carla@customer.example --to support@demo.example --header "From: Carla <carla@customer.example>" \
	--header "Subject: Re: [#$T] Lamp broken" --header "In-Reply-To: <c1@customer.example>" \
	--body "Still waiting for the lamp." >/dev/null
old=$(reply_to_of "$(notification_of 'Still waiting for the lamp')")
old=${old:-no-reply-to@demo.example}
assert_match "the second notification has its own address" "^support\\+$T-$ana-" "$old"
sleep 2
first=$(last_outbound)
lmtp --from ana@demo.example --to "$old" --header "From: Ana <ana@demo.example>" --header "Subject: Re: lamp" \
	--body "Leaked answer after expiry." >/dev/null
assert_eq "through an expired address nothing reaches the customer" 0 \
	"$(sql "select count(*) from outbound where id > $first and kind = 'reply'")"
assert_eq "the mail is stored on the ticket as untrusted" "untrusted $T" \
	"$(sql "select m.kind || ' ' || t.number from messages m join tickets t on t.id = m.ticket_id
		where m.text_body like 'Leaked answer after expiry%'")"
assert_eq "the ticket records the expired address" 1 \
	"$(sql "select count(*) from ticket_events e join tickets t on t.id = e.ticket_id where t.number = $T and e.kind = 'agent.expired'")"
expl=$(sql "select convert_from(data, 'UTF8') from outbound where id > $first and kind = 'explanation' and rcpts = '{ana@demo.example}'")
assert_match "the agent is told the notification expired" 'The notification you answered has expired' "$expl"
assert_match "and how to answer instead" "reply to a newer notification of ticket $T, or from the shell" "$expl"
assert_match "with the command" "maildeskctl ticket reply $T --from ana@demo\\.example" "$expl"
sed -i '/^agent_token_lifetime/d' "$MD_CONF"
reload

# an agent token from before expiry existed (no issue time) counts as expired
old_token=$(/usr/bin/python3 - "$MD_DIR/secret" "$(sql "select tenant_id from tickets where number = $T")" "$T" "$ana" <<'PY'
import base64, hashlib, hmac, sys
secret = open(sys.argv[1]).readline().rstrip("\r\n").encode()
msg = "maildesk-thread-v1\nreply\n%s\n%s\n%s\n" % (sys.argv[2], sys.argv[3], sys.argv[4])
mac = hmac.new(secret, msg.encode(), hashlib.sha256).digest()[:10]
print("%s-%s-%s" % (sys.argv[3], sys.argv[4], base64.b32encode(mac).decode().lower()))
PY
)
first=$(last_outbound)
lmtp --from ana@demo.example --to "support+$old_token@demo.example" --header "From: Ana <ana@demo.example>" \
	--header "Subject: Re: lamp" --body "Answer through a notification from last year." >/dev/null
assert_eq "an old agent address without issue time threads onto the ticket, untrusted" "untrusted $T" \
	"$(sql "select m.kind || ' ' || t.number from messages m join tickets t on t.id = m.ticket_id
		where m.text_body like 'Answer through a notification from last year%'")"
assert_eq "it sends nothing to the customer" 0 "$(sql "select count(*) from outbound where id > $first and kind = 'reply'")"
assert_match "and the agent is told" 'it was sent before reply address' \
	"$(sql "select convert_from(data, 'UTF8') from outbound where id > $first and kind = 'explanation'")"

# --- 6. the plain control address with our mail server's DMARC pass
printf 'authserv_id = mx.demo.example\n' >> "$MD_CONF"
reload
cat > "$MD_TEST_TMP/dmarc.eml" <<MSG
Authentication-Results: mx.demo.example; dkim=pass header.d=demo.example header.s=s1;
	dmarc=pass header.from=demo.example
Received: from client by mx.demo.example; Mon, 23 Nov 2026 10:00:00 +0000
From: Ana <ana@demo.example>
To: support+control@demo.example
Subject: status
Message-Id: <dmarc-status@demo.example>

#status away
MSG
first=$(last_outbound)
lmtp --from ana@demo.example --to support+control@demo.example --data @"$MD_TEST_TMP/dmarc.eml" >/dev/null
assert_eq "with our server's DMARC pass the plain control address works" away "$(status_of "$ana")"
assert_eq "and confirms" 1 "$(queued_since "$first")"
assert_match "the confirmation names the agent's own control address" "to your own control address: support\\+control-$ana-" \
	"$(sql "select convert_from(data, 'UTF8') from outbound where id > $first")"
cat > "$MD_TEST_TMP/below.eml" <<MSG
Received: from evil by mx.demo.example; Mon, 23 Nov 2026 10:00:00 +0000
Authentication-Results: mx.demo.example; dmarc=pass header.from=demo.example
From: Ana <ana@demo.example>
To: support+control@demo.example
Subject: status
Message-Id: <below-status@evil.example>

#status offline-and-reassign
MSG
first=$(last_outbound)
lmtp --from ana@demo.example --to support+control@demo.example --data @"$MD_TEST_TMP/below.eml" >/dev/null
assert_eq "a pass written below our Received line counts for nothing" away "$(status_of "$ana")"
assert_eq "and is not answered" 0 "$(queued_since "$first")"
# With authserv_id set, agent_reply_require_dkim defaults to yes: the
# signed address alone is not enough any more ...
lmtp --from ana@demo.example --to "$ctl_ana" --header "From: Ana <ana@demo.example>" \
	--header "Subject: status" --body "#status online" >/dev/null
assert_eq "with authserv_id the signed address also needs the pass" away "$(status_of "$ana")"
assert_match "and the agent is told why" 'Nothing was changed: our mail server could not confirm' \
	"$(sql "select convert_from(data, 'UTF8') from outbound where id > $first")"
# ... unless agent_reply_require_dkim = no is written out.
printf 'agent_reply_require_dkim = no\n' >> "$MD_CONF"
reload
lmtp --from ana@demo.example --to "$ctl_ana" --header "From: Ana <ana@demo.example>" \
	--header "Subject: status again" --body "#status online" >/dev/null
assert_eq "an explicit agent_reply_require_dkim = no wins" online "$(status_of "$ana")"

md_daemon_stop
assert_eq "maildeskd exits 0" 0 $?
trap - EXIT
e2e_done
