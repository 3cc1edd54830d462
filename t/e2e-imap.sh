#!/bin/sh
# Mail hosted elsewhere (issue 15), end to end against Debian's Dovecot
# IMAP server: a private instance on loopback with TLS only (a certificate
# for 127.0.0.1 signed by a CA made here, which maildesk trusts through
# --ca-file) and passwd-file logins. Messages put into the mailbox become
# tickets once each and are moved to the done folder; a SIGKILL of
# maildeskd in the middle of a batch and a restart store each exactly once
# and move each once; a message fetched again (as after a crash between
# the commit and the move) is not stored twice; IDLE delivers at once (the
# goal is under a second; asserted with a generous 3 s); a changed password
# shows in "channel show" and recovers after "channel set --password-file";
# a vanished folder shows, and its recreation (a new UIDVALIDITY) does not
# duplicate; a certificate that does not verify is refused; XOAUTH2 with a
# token command (Dovecot's oauth2 passdb asks t/oauth2-introspect.py); a
# second daemon leaves a held channel alone and takes it over when the
# holder stops; a server without IDLE, MOVE and UIDPLUS, reached with
# STARTTLS, is polled and its messages moved by COPY and EXPUNGE; malformed
# mail is stored; pause stops the fetching.
set -u
. "$top_srcdir/t/e2e-lib.sh"
. "$top_srcdir/t/md-instance.sh"

DOVECOT=/usr/sbin/dovecot
[ -x "$DOVECOT" ] || { echo "skipped: no $DOVECOT (apt-get install dovecot-imapd)"; exit 77; }
[ -x /usr/lib/dovecot/imap ] || { echo "skipped: no Dovecot IMAP server (apt-get install dovecot-imapd)"; exit 77; }

# --- a CA and a server certificate for 127.0.0.1
P="$MD_TEST_TMP/pki"
mkdir -p "$P"
ossl() { openssl "$@" >/dev/null 2>&1 || { echo "openssl $1 failed"; exit 99; }; }
ossl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=IMAP Test CA" -keyout "$P/ca.key" -out "$P/ca.pem" \
	-addext "basicConstraints=critical,CA:true" -addext "keyUsage=critical,keyCertSign"
ossl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout "$P/imap.key" -out "$P/imap.csr"
printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' > "$P/imap.ext"
ossl x509 -req -in "$P/imap.csr" -CA "$P/ca.pem" -CAkey "$P/ca.key" -CAcreateserial -days 2 \
	-extfile "$P/imap.ext" -out "$P/imap.pem"

# --- Dovecot: IMAPS only, one passwd-file user, maildir
DV_DIR="$MD_TEST_TMP/dovecot"
DV_CONF="$DV_DIR/dovecot.conf"
DV_HOME="$DV_DIR/home/support"
mkdir -p "$DV_DIR/run" "$DV_DIR/state" "$DV_HOME"
chmod 755 "$MD_TEST_TMP" "$DV_DIR"
DV_PORT=$(md_free_port)
DV_PLAIN_PORT=$(md_free_port)
if [ "$(id -u)" = 0 ]; then
	dv_uid=$(id -u nobody) dv_gid=$(id -g nobody)
	dv_internal="default_internal_user = dovecot
default_internal_group = dovecot
default_login_user = dovenull"
	chown -R "$dv_uid:$dv_gid" "$DV_DIR/home"
else
	dv_uid=$(id -u) dv_gid=$(id -g)
	dv_internal="default_internal_user = $(id -un)
default_internal_group = $(id -gn)
default_login_user = $(id -un)"
fi
# users_set PASSWORD: the provider's password for the mailbox.
# A second mailbox, "poll", whose server offers no IDLE, MOVE or UIDPLUS
# after the login (userdb's imap_capability): polled, moved by COPY,
# \Deleted and EXPUNGE; reached with STARTTLS on the plain port.
POLL_HOME="$DV_DIR/home/poll"
mkdir -p "$POLL_HOME"
[ "$(id -u)" != 0 ] || chown "$dv_uid:$dv_gid" "$POLL_HOME"
users_set() {
	{
		echo "support:{PLAIN}$1:$dv_uid:$dv_gid::$DV_HOME::"
		echo "poll:{PLAIN}poll-secret:$dv_uid:$dv_gid::$POLL_HOME::userdb_imap_capability=IMAP4rev1"
	} > "$DV_DIR/users"
}
users_set first-secret
cat > "$DV_CONF" <<CONF
instance_name = mdimap-$$
base_dir = $DV_DIR/run
state_dir = $DV_DIR/state
log_path = $DV_DIR/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = required
ssl_cert = <$P/imap.pem
ssl_key = <$P/imap.key
$dv_internal
first_valid_uid = 1
first_valid_gid = 1
mailbox_idle_check_interval = 1 secs
auth_mechanisms = plain xoauth2
passdb {
  driver = oauth2
  mechanisms = xoauth2
  args = $DV_DIR/oauth2.conf.ext
}
passdb {
  driver = passwd-file
  args = $DV_DIR/users
}
userdb {
  driver = passwd-file
  args = $DV_DIR/users
}
mail_location = maildir:~/Maildir
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $DV_PLAIN_PORT
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = $DV_PORT
    ssl = yes
  }
}
CONF
# XOAUTH2: Dovecot asks the provider's introspection endpoint about tokens.
OA_PORT=$(md_free_port)
echo "token-$$-good" > "$MD_TEST_TMP/oauth-token"
cat > "$DV_DIR/oauth2.conf.ext" <<CONF
introspection_mode = post
introspection_url = http://127.0.0.1:$OA_PORT/introspect
force_introspection = yes
username_attribute = username
active_attribute = active
active_value = true
CONF
/usr/bin/python3 "$top_srcdir/t/oauth2-introspect.py" "$OA_PORT" "$MD_TEST_TMP/oauth-token" support \
	2>"$MD_TEST_TMP/introspect.log" &
OA_PID=$!
dovecot_start() {
	"$DOVECOT" -F -c "$DV_CONF" >>"$DV_DIR/dovecot.log" 2>&1 &
	DV_PID=$!
	for _i in $(seq 1 100); do
		/usr/bin/python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1",int(sys.argv[1])),1).close()' \
			"$DV_PORT" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "dovecot did not start:"; cat "$DV_DIR/dovecot.log"; exit 99
}
dovecot_stop() {
	kill -TERM "$DV_PID" 2>/dev/null
	wait "$DV_PID" 2>/dev/null
}
dovecot_start

# The customer's side and the provider's view of the mailbox.
echo first-secret > "$MD_TEST_TMP/customer-pass"
imap() { /usr/bin/python3 "$top_srcdir/t/imap-client.py" "$DV_PORT" support "$MD_TEST_TMP/customer-pass" "$P/ca.pem" "$@"; }
imap create Support || { echo "cannot reach the test's Dovecot"; cat "$DV_DIR/dovecot.log"; exit 99; }
imap create Processed

MD_EXTRA_CONF="imap_poll_interval = 2s
imap_max_attempts = 3
message_size_limit = 100k"
md_instance_init "$MD_TEST_TMP/md" || { echo "setup failed"; exit 99; }
B_PID=
SILENT_PID=
trap 'md_daemon_stop; dovecot_stop; kill $OA_PID $B_PID $SILENT_PID 2>/dev/null' EXIT
tickets() { sql "select count(*) from tickets"; }
subject_once() { sql "select count(*) from messages where subject = '$1'"; }
show() { md_ctl channel show 1; }
field() { show | sed -n "s/^$1: //p"; }
wait_field() { # NAME VALUE: at most 30 s
	for _i in $(seq 1 300); do
		[ "$(field "$1")" = "$2" ] && return 0
		sleep 0.1
	done
	return 1
}

# --- the password file: never in the database, never open to others
PW="$MD_TEST_TMP/imap-pass"
echo first-secret > "$PW"
chmod 644 "$PW"
out=$(md_ctl channel add imap --team support --tenant demo --host 127.0.0.1 --port "$DV_PORT" --tls implicit \
	--user support --password-file "$PW" --ca-file "$P/ca.pem" --folder Support --done-folder Processed 2>&1)
assert_match "a password file others may read is refused, saying how to fix it" "open to others \(mode 0644\): chmod o-rwx" "$out"
chmod 600 "$PW"
out=$(md_ctl channel add imap --team support --tenant demo --host 127.0.0.1 --port "$DV_PORT" --tls implicit \
	--user support --password-file "$PW" --ca-file "$P/ca.pem" --folder Support --done-folder Processed 2>&1)
assert_eq "channel add imap" "channel 1 added (team support)" "$out"
assert_eq "no password in the database" 0 "$(sql "select count(*) from imap_channels where row_to_json(imap_channels)::text like '%first-secret%'")"
out=$(md_ctl channel list)
assert_match "channel list shows it" "^ *1 +demo +support +127\.0\.0\.1 +$DV_PORT +implicit +support +Support +move Processed" "$out"

# --- channel test: TLS verified against --ca-file, login, folder
imap append Support "Before start" 3
out=$(md_ctl channel test 1 2>&1)
assert_match "channel test logs in over verified TLS and counts new mail" "^channel 1: ok: .*uidvalidity [0-9]+, 3 new message\(s\), IDLE yes" "$out"
md_ctl channel add imap --team support --tenant demo --host 127.0.0.1 --port "$DV_PORT" --tls implicit \
	--user support --password-file "$PW" --folder Support >/dev/null
out=$(md_ctl channel test 2 2>&1)
assert_match "a certificate the system's store does not know is refused before the login" \
	"channel 2: tls-failed: the certificate of 127\.0\.0\.1:$DV_PORT does not verify" "$out"
md_ctl channel remove 2 >/dev/null

# --- XOAUTH2: the token command's output is the token, no shell runs it
md_ctl channel add imap --team support --tenant demo --host 127.0.0.1 --port "$DV_PORT" --tls implicit \
	--user support --oauth2-token-command "/bin/cat $MD_TEST_TMP/oauth-token" --ca-file "$P/ca.pem" \
	--folder Support >/dev/null
md_ctl channel pause 3 >/dev/null # "channel test" only: the daemon leaves it
out=$(md_ctl channel test 3 2>&1)
assert_match "XOAUTH2 with the token the command printed logs in" "^channel 3: ok: .*3 new message" "$out"
assert_match "the provider was asked about that token" "POST /introspect" "$(cat "$MD_TEST_TMP/introspect.log")"
md_ctl channel set 3 --oauth2-token-command "/bin/echo stale-token" >/dev/null
out=$(md_ctl channel test 3 2>&1)
assert_match "a token the provider does not know is a refused login" "^maildeskctl: channel 3: auth-failed: login: refused" "$out"
md_ctl channel set 3 --oauth2-token-command "/bin/false" >/dev/null
out=$(md_ctl channel test 3 2>&1)
assert_match "a failing token command says so" "^maildeskctl: channel 3: config-failed: oauth2 token command /bin/false: failed" "$out"
# a token command that hangs holds a pool thread: it is killed after 15 s
md_ctl channel set 3 --oauth2-token-command "/bin/sleep 4711" >/dev/null
out=$(md_ctl channel test 3 2>&1)
assert_match "a hung token command is given up" \
	"^maildeskctl: channel 3: config-failed: oauth2 token command /bin/sleep: no answer within 15 s \(killed\)" "$out"
assert_eq "and killed" "" "$(pgrep -f 'sleep 4711')"
# so is one that prints a token, closes its output and goes on running
printf '#!/bin/sh\necho token\nexec >&-\nexec sleep 4712\n' > "$MD_TEST_TMP/hang-token"
chmod 755 "$MD_TEST_TMP/hang-token"
md_ctl channel set 3 --oauth2-token-command "$MD_TEST_TMP/hang-token" >/dev/null
out=$(md_ctl channel test 3 2>&1)
assert_match "a token command that does not exit is given up" \
	"^maildeskctl: channel 3: config-failed: oauth2 token command .*hang-token: no answer within 15 s \(killed\)" "$out"
assert_eq "and killed too" "" "$(pgrep -f 'sleep 4712')"
md_ctl channel set 3 --oauth2-token-command "/bin/echo \$(id) ; true" >/dev/null
out=$(md_ctl channel test 3 2>&1)
assert_match "no shell: \$(id) and ; are words, the token is refused" "^maildeskctl: channel 3: auth-failed" "$out"
md_ctl channel remove 3 >/dev/null

# --- fetched messages become tickets once each and are moved
md_daemon_start || exit 99
wait_sql "select count(*) from tickets" 3
assert_eq "three messages, three tickets" 3 "$(tickets)"
for _i in $(seq 1 100); do [ "$(imap count Processed)" = 3 ] && break; sleep 0.1; done
assert_eq "all three moved to Processed" "0 3" "$(imap count Support) $(imap count Processed)"
assert_eq "stored as delivered to the team's first alias" 3 \
	"$(sql "select count(*) from messages where rcpt = 'support@demo.example' and subject like 'Before start %'")"
assert_match "our Received says IMAP" "by maildesk\.test \(maildesk\) with IMAPS" \
	"$(sql "select headers from messages where subject = 'Before start 1'")"
assert_eq "without a Return-Path the From address is the envelope sender" carla@customer.example \
	"$(sql "select envelope_from from messages where subject = 'Before start 1'")"
wait_field status idle
assert_eq "channel show: idle, the position recorded" "idle $(imap uidvalidity Support) 3" \
	"$(field status) $(field uidvalidity) $(field last_uid)"
out=$(md_ctl channel show 1 --json)
assert_eq "channel show --json: numbers are numbers, the lease is held" "3 True True" \
	"$(printf '%s\n' "$out" | /usr/bin/python3 -c 'import json,sys; j=json.load(sys.stdin); print(j["last_uid"], j["lease_holder"] != "", j["paused"] is False)')"
out=$(md_ctl channel list --json)
assert_eq "channel list --json" "1 idle" \
	"$(printf '%s\n' "$out" | /usr/bin/python3 -c 'import json,sys; j=json.load(sys.stdin); print(len(j), j[0]["status"])')"
assert_match "the log says connected" "event=imap\.connected channel=1 host=127\.0\.0\.1 user=support folder=Support" \
	"$(cat "$MD_DIR/maildeskd.log")"

# --- IDLE: a new message is a ticket at once (goal: under 1 s)
imap append Support "Idle mail"
t0=$(date +%s.%N) # once the provider has it
wait_sql "select count(*) from messages where subject = 'Idle mail'" 1
t1=$(date +%s.%N)
ms=$(echo "$t0 $t1" | awk '{printf "%d", ($2 - $1) * 1000}')
echo "# IDLE: appended to ticket in $ms ms"
if [ "$ms" -le 3000 ]; then e2e_ok "IDLE delivers within 3 s ($ms ms)"; else e2e_fail "IDLE took $ms ms"; fi

# --- malformed mail is stored, not dropped (as LMTP does)
imap append-malformed Support
wait_sql "select count(*) from messages where subject like 'Broken %'" 1
assert_eq "a malformed message becomes a ticket" 1 "$(sql "select count(*) from messages where subject like 'Broken %'")"
assert_match "with its defects recorded" "." "$(sql "select defects from messages where subject like 'Broken %'")"
for _i in $(seq 1 100); do [ "$(imap count Processed)" = 5 ] && break; sleep 0.1; done
assert_eq "and moved like any other" "0 5" "$(imap count Support) $(imap count Processed)"

# --- a message fetched again (a crash between COMMIT and the move) is stored once
n_before=$(tickets)
imap append Support "Before start 1" # the very same bytes as before
for _i in $(seq 1 100); do [ "$(imap count Processed)" = 6 ] && break; sleep 0.1; done
assert_eq "the same message fetched again is moved ..." "0 6" "$(imap count Support) $(imap count Processed)"
assert_eq "... and stored once" "$n_before 1" "$(tickets) $(subject_once 'Before start 1')"
assert_match "... logged as a duplicate" "event=delivery session=imap1\.[0-9]+ rcpt=\"support@demo\.example\" .*status=duplicate" \
	"$(cat "$MD_DIR/maildeskd.log")"

# --- SIGKILL in the middle of a batch: each stored once, moved once
imap append Support "Batch" 60
for _i in $(seq 1 300); do
	[ "$(sql "select count(*) from messages where subject like 'Batch %'")" -ge 5 ] && break
	sleep 0.01
done
kill -KILL "$MD_DAEMON_PID"
wait "$MD_DAEMON_PID" 2>/dev/null
MD_DAEMON_PID=
killed_at=$(sql "select count(*) from messages where subject like 'Batch %'")
echo "# killed after $killed_at of 60 were stored"
if [ "$killed_at" -lt 60 ]; then e2e_ok "maildeskd was killed in the middle ($killed_at of 60 stored)"; else
	e2e_fail "the kill came too late ($killed_at of 60 stored)"; fi
# The restarted daemon (another holder: host:pid) waits for the dead one's
# lease to run out (at most 30 s), then takes the channel over.
md_daemon_start || exit 99
wait_sql "select count(*) from messages where subject like 'Batch %'" 60 ||
	wait_sql "select count(*) from messages where subject like 'Batch %'" 60
for _i in $(seq 1 300); do [ "$(imap count Processed)" = 66 ] && break; sleep 0.1; done
assert_eq "the restarted daemon holds the channel now" ":$MD_DAEMON_PID" \
	"$(sql "select substring(lease_holder from ':[0-9]+$') from imap_channels where id = 1")"
assert_eq "after the restart all 60 are stored, each once" "60 60" \
	"$(sql "select count(*) || ' ' || count(distinct subject) from messages where subject like 'Batch %'")"
assert_eq "each moved once: Support empty, 66 in Processed, each Batch subject once" "0 66 60" \
	"$(imap count Support) $(imap count Processed) $(imap subjects Processed | grep '^Batch ' | sort -u | wc -l)"

# --- a second daemon on the same database leaves the channel to the holder
sed -e "s/^lmtp_listen = .*/lmtp_listen = 127.0.0.1:$(md_free_port)/" \
	-e "s/^smtp_listen = .*/smtp_listen = 127.0.0.1:$(md_free_port)/" "$MD_CONF" > "$MD_DIR/b.conf"
"$top_builddir/daemon/maildeskd" -c "$MD_DIR/b.conf" 2>"$MD_DIR/b.log" &
B_PID=$!
for _i in $(seq 1 100); do grep -q event=ready "$MD_DIR/b.log" && break; sleep 0.1; done
sleep 7 # more than one renewal
assert_eq "the second daemon does not touch a channel whose lease is held" 0 \
	"$(grep -c 'event=imap.start channel=1 ' "$MD_DIR/b.log")"
md_daemon_stop # a clean stop gives the lease up: the other takes over at once
for _i in $(seq 1 200); do grep -q 'event=imap.start channel=1 ' "$MD_DIR/b.log" && break; sleep 0.1; done
assert_eq "once the holder stops, the other daemon takes over within a renewal" 1 \
	"$(grep -c 'event=imap.start channel=1 ' "$MD_DIR/b.log")"
imap append Support "Via the second daemon"
wait_sql "select count(*) from messages where subject = 'Via the second daemon'" 1
assert_eq "and fetches" 1 "$(subject_once 'Via the second daemon')"
kill -TERM "$B_PID"
wait "$B_PID"
assert_eq "the second daemon exits cleanly" 0 "$?"
md_daemon_start || exit 99

# --- the provider's password changes: the error shows, channel set recovers
dovecot_stop
users_set second-secret
echo second-secret > "$MD_TEST_TMP/customer-pass"
dovecot_start
wait_field status auth-failed
assert_eq "a refused login shows in channel show" auth-failed "$(field status)"
assert_match "with the server's words" "^login: refused: .*(Authentication failed|AUTHENTICATIONFAILED)" "$(field last_error)"
sleep 5 # some retries with backoff
assert_eq "one log line for the failure, not one per retry" 1 \
	"$(grep -c 'event=imap.auth-failed channel=1 ' "$MD_DIR/maildeskd.log")"
PW2="$MD_TEST_TMP/imap-pass-2"
echo second-secret > "$PW2"
chmod 600 "$PW2"
assert_eq "channel set --password-file" "channel 1 changed" "$(md_ctl channel set 1 --password-file "$PW2")"
wait_field status idle
assert_eq "the channel recovers" "idle " "$(field status) $(field last_error)"
imap append Support "After password change"
wait_sql "select count(*) from messages where subject = 'After password change'" 1
assert_eq "and fetches again" 1 "$(subject_once 'After password change')"

# --- the folder vanishes, then comes back with a new UIDVALIDITY
old_v=$(field uidvalidity)
imap delete Support
wait_field status folder-missing
assert_eq "a vanished folder shows in channel show" folder-missing "$(field status)"
assert_match "the log says so" "event=imap\.folder-missing channel=1 .*error=.*folder .*Support" "$(cat "$MD_DIR/maildeskd.log")"
imap create Support
imap append Support "Before start 2" # stored before: the resync must not duplicate it
imap append Support "After recreation"
n_before=$(tickets)
wait_sql "select count(*) from messages where subject = 'After recreation'" 1
for _i in $(seq 1 300); do [ "$(imap count Support)" = 0 ] && break; sleep 0.1; done
new_v=$(imap uidvalidity Support)
if [ "$new_v" != "$old_v" ]; then e2e_ok "the recreated folder has a new UIDVALIDITY"; else e2e_fail "same UIDVALIDITY $new_v"; fi
assert_match "the log says the channel re-syncs" "event=imap\.uidvalidity channel=1 old=$old_v new=$new_v action=resync" \
	"$(cat "$MD_DIR/maildeskd.log")"
assert_eq "after the re-sync: one new ticket, the old message still once" "$((n_before + 1)) 1" \
	"$(tickets) $(subject_once 'Before start 2')"
assert_eq "both moved" 0 "$(imap count Support)"
wait_field status idle
assert_eq "position under the new UIDVALIDITY" "$new_v 2" "$(field uidvalidity) $(field last_uid)"

# --- a server without IDLE is polled at imap_poll_interval (2 s here);
# without MOVE and UIDPLUS the done action is COPY, \Deleted and EXPUNGE;
# STARTTLS on the plain port
echo poll-secret > "$MD_TEST_TMP/poll-pass"
chmod 600 "$MD_TEST_TMP/poll-pass"
pimap() { /usr/bin/python3 "$top_srcdir/t/imap-client.py" "$DV_PORT" poll "$MD_TEST_TMP/poll-pass" "$P/ca.pem" "$@"; }
out=$(md_ctl channel add imap --team support --tenant demo --host 127.0.0.1 --port "$DV_PLAIN_PORT" --tls starttls \
	--user poll --password-file "$MD_TEST_TMP/poll-pass" --ca-file "$P/ca.pem")
pch=$(echo "$out" | sed -n 's/^channel \([0-9]*\) added.*/\1/p')
out=$(md_ctl channel test "$pch" 2>&1)
assert_match "STARTTLS, verified, logs in; the server offers no IDLE" "^channel $pch: ok: .*0 new message\(s\), IDLE no \(polled\)" "$out"
pimap append INBOX "Polled" 2
wait_sql "select count(*) from messages where subject like 'Polled %'" 2
for _i in $(seq 1 100); do [ "$(pimap count Processed)" = 2 ] && break; sleep 0.1; done
assert_eq "the polled channel's messages are tickets, moved by COPY (creating the folder) and EXPUNGE" "2 0 2" \
	"$(sql "select count(*) from messages where subject like 'Polled %'") $(pimap count INBOX) $(pimap count Processed)"
assert_eq "channel show: polling" polling "$(md_ctl channel show "$pch" | sed -n 's/^status: //p')"
pimap append INBOX "Polled later"
wait_sql "select count(*) from messages where subject = 'Polled later'" 1
assert_eq "a later message comes with the next look" 1 "$(subject_once 'Polled later')"
md_ctl channel remove "$pch" >/dev/null

# --- a poison message (its delivery fails every time: here the storage
# refuses it, as a constraint would) does not stop the channel: after
# imap_max_attempts (3 here) it goes to the hold folder, the position passes
# it, and the messages after it are delivered
sql "CREATE FUNCTION t_poison() RETURNS trigger LANGUAGE plpgsql AS \$\$ BEGIN
	IF NEW.subject = 'Poison pill' THEN RAISE EXCEPTION 'this message poisons the store'; END IF;
	RETURN NEW; END \$\$;
	CREATE TRIGGER t_poison BEFORE INSERT ON messages FOR EACH ROW EXECUTE FUNCTION t_poison()"
imap append Support "Poison pill"
imap append Support "After the poison" 2
wait_sql "select count(*) from messages where subject like 'After the poison %'" 2 ||
	wait_sql "select count(*) from messages where subject like 'After the poison %'" 2
assert_eq "the messages after a poison message are delivered" 2 \
	"$(sql "select count(*) from messages where subject like 'After the poison %'")"
assert_eq "the poison message is not stored" 0 "$(subject_once 'Poison pill')"
for _i in $(seq 1 100); do [ "$(imap count maildesk-hold)" = 1 ] && break; sleep 0.1; done
assert_eq "it is in the hold folder (created), Support is empty" "1 0" "$(imap count maildesk-hold) $(imap count Support)"
assert_eq "the hold folder holds the poison message" "Poison pill" "$(imap subjects maildesk-hold)"
assert_eq "after three attempts" 2 "$(grep -c 'event=imap.refused channel=1 .*max=3' "$MD_DIR/maildeskd.log")"
assert_match "one clear log line says it was held and why" \
	"event=imap\.held channel=1 uid=[0-9]+ uidvalidity=[0-9]+ folder=maildesk-hold reason=attempts attempts=3 error=\"451 " \
	"$(cat "$MD_DIR/maildeskd.log")"
assert_eq "channel show counts it; nothing stuck" "1 0 0" "$(field held) $(field stuck_uid) $(field stuck_attempts)"
sql "DROP TRIGGER t_poison ON messages"

# --- a message over message_size_limit (100k here) is not fetched: held
{
	printf 'From: carla@customer.example\r\nSubject: Too big\r\n\r\n'
	yes 'a line of a message much too big for the limit, again and again' | head -n 3000 | sed 's/$/\r/'
} > "$MD_TEST_TMP/big.eml"
imap append-file Support "$MD_TEST_TMP/big.eml"
imap append Support "After the big one"
wait_sql "select count(*) from messages where subject = 'After the big one'" 1
assert_eq "the message after a too big one is delivered" 1 "$(subject_once 'After the big one')"
for _i in $(seq 1 100); do [ "$(imap count maildesk-hold)" = 2 ] && break; sleep 0.1; done
assert_eq "the too big one is held, not stored" "2 0 0" \
	"$(imap count maildesk-hold) $(imap count Support) $(subject_once 'Too big')"
assert_match "the log says why, without fetching it" \
	"event=imap\.held channel=1 uid=[0-9]+ uidvalidity=[0-9]+ folder=maildesk-hold reason=size attempts=0 error=\"[0-9]+ bytes, over message_size_limit \(102400\): not fetched" \
	"$(cat "$MD_DIR/maildeskd.log")"
assert_eq "channel show: two held" 2 "$(field held)"

# --- pause: the daemon lets go of the channel
stops() { grep -c 'event=imap.stopped channel=1' "$MD_DIR/maildeskd.log"; }
n_stops=$(stops)
assert_eq "channel pause" "channel 1 paused" "$(md_ctl channel pause 1)"
for _i in $(seq 1 100); do [ "$(stops)" -gt "$n_stops" ] && break; sleep 0.1; done
assert_eq "the daemon stops its session" $((n_stops + 1)) "$(stops)"
imap append Support "While paused"
sleep 2
assert_eq "nothing is fetched while paused" 0 "$(subject_once 'While paused')"
md_ctl channel resume 1 >/dev/null
wait_sql "select count(*) from messages where subject = 'While paused'" 1
assert_eq "resume fetches again" 1 "$(subject_once 'While paused')"

# --- an outage of many providers (24 servers that accept and never
# answer) holds at most imap_max_jobs (2) threads of the pool: deliveries
# and the lease renewal go on (before, the 24 channels' jobs took all 15)
SILENT_PORT=$(md_free_port)
/usr/bin/python3 -c 'import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(128)
held = []
while True:
    held.append(s.accept())' "$SILENT_PORT" &
SILENT_PID=$!
for i in $(seq 1 24); do
	md_ctl channel add imap --team support --tenant demo --host 127.0.0.1 --port "$SILENT_PORT" --tls implicit \
		--user "silent$i" --password-file "$PW" >/dev/null
done
wait_sql "select count(*) from imap_channels where username like 'silent%' and lease_holder <> ''" 24
sleep 12 # the lease of channel 1 was renewed at most 5 s ago, unless the pool is taken
assert_eq "the lease renewal goes on while 24 channels hang" t \
	"$(sql "select lease_until > now() + interval '23 seconds' from imap_channels where id = 1")"
out=$(/usr/bin/python3 -c 'import smtplib, sys, time
t0 = time.monotonic()
c = smtplib.LMTP("127.0.0.1", int(sys.argv[1]), timeout=30)
c.sendmail("carla@customer.example", ["support@demo.example"],
           b"From: carla@customer.example\r\nSubject: During the outage\r\n\r\nhi\r\n")
c.quit()
print("stored in %d s" % (time.monotonic() - t0))' "$MD_LMTP_PORT" 2>&1)
assert_match "and so do deliveries over LMTP" "^stored in [0-4] s$" "$out"
kill "$SILENT_PID"
wait "$SILENT_PID" 2>/dev/null
for id in $(sql "select id from imap_channels where username like 'silent%'"); do md_ctl channel remove "$id" >/dev/null; done
imap append Support "After the outage"
wait_sql "select count(*) from messages where subject = 'After the outage'" 1
assert_eq "channel 1 fetches again once the outage is over" 1 "$(subject_once 'After the outage')"

# --- --flag: a message stored but not flagged (a crash between the commit
# and the flag; here its \Seen is taken away) is flagged by the next
# session, and not stored again
imap create Flagged
out=$(md_ctl channel add imap --team support --tenant demo --host 127.0.0.1 --port "$DV_PORT" --tls implicit \
	--user support --password-file "$PW2" --ca-file "$P/ca.pem" --folder Flagged --flag)
fch=$(echo "$out" | sed -n 's/^channel \([0-9]*\) added.*/\1/p')
imap append Flagged "Flag me" 3
wait_sql "select count(*) from messages where subject like 'Flag me %'" 3
for _i in $(seq 1 100); do [ "$(imap unseen-count Flagged)" = 0 ] && break; sleep 0.1; done
assert_eq "--flag: stored and flagged, kept in the folder" "3 0" "$(imap count Flagged) $(imap unseen-count Flagged)"
imap unseen Flagged
assert_eq "three stored messages lost their flag" 3 "$(imap unseen-count Flagged)"
md_ctl channel set "$fch" --folder Flagged >/dev/null # a new session
for _i in $(seq 1 200); do [ "$(imap unseen-count Flagged)" = 0 ] && break; sleep 0.1; done
assert_eq "the new session flags the stored messages below the position" 0 "$(imap unseen-count Flagged)"
assert_eq "without storing them again" 3 "$(sql "select count(*) from messages where subject like 'Flag me %'")"
assert_match "the log says so" "event=imap\.reflagged channel=$fch count=3" "$(cat "$MD_DIR/maildeskd.log")"
md_ctl channel remove "$fch" >/dev/null

md_daemon_stop
assert_eq "maildeskd exits cleanly with a channel in IDLE" 0 "$?"
assert_eq "and gives its lease up" "" "$(sql "select lease_holder from imap_channels where id = 1")"
e2e_done
