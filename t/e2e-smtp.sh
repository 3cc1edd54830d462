#!/bin/sh
# End to end over SMTP, with STARTTLS: the real maildeskd, swaks and Postfix's
# smtp-source as clients, PostgreSQL as the judge.
set -u
. "$top_srcdir/t/e2e-lib.sh"
. "$top_srcdir/t/md-instance.sh"

openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=maildesk.test" \
	-keyout "$MD_TEST_TMP/key.pem" -out "$MD_TEST_TMP/cert.pem" >/dev/null 2>&1
MD_EXTRA_CONF="tls_cert_file = $MD_TEST_TMP/cert.pem
tls_key_file = $MD_TEST_TMP/key.pem"
md_instance_init "$MD_TEST_TMP/md" || { echo "setup failed"; exit 99; }
md_daemon_start || exit 99
trap 'md_daemon_stop' EXIT

smtp() { swaks --server 127.0.0.1 --port "$MD_SMTP_PORT" --timeout 30 "$@" 2>&1; }
tickets() { sql "select count(*) from tickets"; }

out=$(smtp --ehlo client.example --quit-after EHLO)
assert_match "the greeting names the host" '^<- +220 maildesk\.test ' "$out"
for ext in PIPELINING ENHANCEDSTATUSCODES 8BITMIME SMTPUTF8 'SIZE 26214400' STARTTLS; do
	assert_match "EHLO advertises $ext" "^<- +250[- ]$ext\$" "$out"
done

out=$(smtp --from f@customer.example --to support@demo.example --header "Subject: over smtp" --body "hello")
assert_match "a mail over SMTP is accepted" '^<- +250 2\.0\.0 ' "$out"
assert_eq "and becomes a ticket" 1 "$(sql "select count(*) from tickets where subject = 'over smtp'")"

out=$(smtp --tls --from g@customer.example --to support@demo.example --header "Subject: over tls" --body "secret")
assert_match "STARTTLS is accepted" '^<- +220 2\.0\.0' "$out"
assert_match "the session continues under TLS" '^<~ +250 2\.0\.0 ' "$out"
assert_eq "a mail sent under TLS becomes a ticket" 1 "$(sql "select count(*) from tickets where subject = 'over tls'")"
assert_match "the TLS session is logged" 'event=tls.start .*version=TLSv1\.[23]' "$(cat "$MD_DIR/maildeskd.log")"

out=$(smtp --from f@customer.example --to stranger@elsewhere.example --quit-after RCPT)
assert_match "relaying to a foreign address is refused with 550 5.1.1" '550 5\.1\.1' "$out"

before=$(tickets)
/usr/sbin/smtp-source -s 3 -m 30 -l 1500 -f load@customer.example -t support@demo.example \
	127.0.0.1:"$MD_SMTP_PORT" > "$MD_TEST_TMP/smtp-source.out" 2>&1
assert_eq "smtp-source (SMTP mode) exits 0" 0 $?
assert_eq "30 messages from smtp-source make 30 tickets" $((before + 30)) "$(tickets)"

# maildeskd -n checks a configuration and says what is wrong, with the line.
"$top_builddir/daemon/maildeskd" -n -c "$MD_CONF" >/dev/null 2>&1
assert_eq "maildeskd -n accepts a valid configuration" 0 $?
printf 'database = x\nmax_recipients = lots\n' > "$MD_TEST_TMP/bad.conf"
err=$("$top_builddir/daemon/maildeskd" -n -c "$MD_TEST_TMP/bad.conf" 2>&1)
rc=$?
assert_eq "maildeskd -n rejects a bad configuration" 1 "$rc"
assert_match "the error names the file and line" "bad\\.conf:2: max_recipients" "$err"

# maildeskd -N prints the effective configuration, defaults marked.
eff=$("$top_builddir/daemon/maildeskd" -N -c "$MD_CONF" 2>&1)
assert_eq "maildeskd -N exits 0" 0 "$?"
assert_match "-N shows the file's value" "^hostname = maildesk\\.test\$" "$eff"
assert_match "-N marks a default" "^max_connections = 1000  # default\$" "$eff"
err=$("$top_builddir/daemon/maildeskd" -N -c "$MD_TEST_TMP/bad.conf" 2>&1)
assert_eq "maildeskd -N refuses a bad configuration" 1 "$?"
assert_match "naming file and line" "bad\\.conf:2: max_recipients" "$err"

# SIGHUP: a valid new configuration is taken; a broken one is refused and
# the running one keeps serving.
cp "$MD_CONF" "$MD_TEST_TMP/good.conf"
echo "max_recipients = 1" >> "$MD_CONF"
kill -HUP "$MD_DAEMON_PID"
sleep 0.5
assert_match "SIGHUP reloads a valid configuration" 'event=reload status=ok' "$(cat "$MD_DIR/maildeskd.log")"
out=$(smtp --from f@customer.example --to support@demo.example,support@demo.example --quit-after RCPT)
assert_match "the reloaded limit applies to new sessions" '452 4\.5\.3' "$out"
echo "max_recipients = lots" >> "$MD_CONF"
kill -HUP "$MD_DAEMON_PID"
sleep 0.5
assert_match "SIGHUP with a broken configuration keeps the running one" 'event=reload status=failed' "$(cat "$MD_DIR/maildeskd.log")"
out=$(smtp --from f@customer.example --to support@demo.example --header "Subject: after bad reload" --body x)
assert_match "and mail is still accepted" '^<- +250 2\.0\.0 ' "$out"
cp "$MD_TEST_TMP/good.conf" "$MD_CONF"

md_daemon_stop
assert_eq "maildeskd exits 0 on SIGTERM" 0 $?
trap - EXIT
e2e_done
