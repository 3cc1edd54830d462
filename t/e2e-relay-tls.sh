#!/bin/sh
# relay_tls (issue 10 point 8): "require" and "verify" never fall back to
# plain text, and "verify" sends only to a relay whose certificate chain
# leads to relay_tls_ca_file (or the system's CA store) and names the
# relay's host. Everything else is a deferral with a clear last_error; the
# mail stays queued. The relay is t/relay-tls-sink.py (Python's ssl); the
# certificates are made here with openssl.
set -u
. "$top_srcdir/t/e2e-lib.sh"
. "$top_srcdir/t/md-instance.sh"

RELAY_PORT=$(md_free_port)
MD_RELAY_HOST="127.0.0.1:$RELAY_PORT"
md_instance_init "$MD_TEST_TMP/md" || { echo "setup failed"; exit 99; }
RELAY_PID=
cleanup() { md_daemon_stop; [ -z "$RELAY_PID" ] || kill "$RELAY_PID" 2>/dev/null; }
trap cleanup EXIT

# --- certificates: a CA, a relay certificate it signed for 127.0.0.1, one
# it signed for another name, and a self-signed one for 127.0.0.1
P="$MD_TEST_TMP/pki"
mkdir -p "$P"
ossl() { openssl "$@" >/dev/null 2>&1 || { echo "openssl $1 failed"; exit 99; }; }
ossl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=Test CA" -keyout "$P/ca.key" -out "$P/ca.pem" \
	-addext "basicConstraints=critical,CA:true" -addext "keyUsage=critical,keyCertSign"
signed() { # NAME SAN
	ossl req -newkey rsa:2048 -nodes -subj "/CN=$1" -keyout "$P/$1.key" -out "$P/$1.csr"
	printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\n' "$2" > "$P/$1.ext"
	ossl x509 -req -in "$P/$1.csr" -CA "$P/ca.pem" -CAkey "$P/ca.key" -CAcreateserial -days 2 \
		-extfile "$P/$1.ext" -out "$P/$1.pem"
}
signed good "IP:127.0.0.1"
signed wrongname "DNS:other.example"
ossl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=127.0.0.1" -keyout "$P/self.key" -out "$P/self.pem" \
	-addext "subjectAltName=IP:127.0.0.1"

# relay_start [CERT]: the sink, with STARTTLS only when given a certificate.
relay_start() {
	: > "$MD_TEST_TMP/relay.log"
	if [ $# -gt 0 ]; then
		/usr/bin/python3 "$top_srcdir/t/relay-tls-sink.py" "$RELAY_PORT" "$MD_TEST_TMP/relay.log" "$P/$1.pem" "$P/$1.key" &
	else
		/usr/bin/python3 "$top_srcdir/t/relay-tls-sink.py" "$RELAY_PORT" "$MD_TEST_TMP/relay.log" &
	fi
	RELAY_PID=$!
	for _i in $(seq 1 50); do
		/usr/bin/python3 -c "import socket; socket.create_connection(('127.0.0.1', $RELAY_PORT), 1).close()" 2>/dev/null && break
		sleep 0.1
	done
	sleep 0.2
	: > "$MD_TEST_TMP/relay.log"
}
relay_stop() { kill "$RELAY_PID" 2>/dev/null; wait "$RELAY_PID" 2>/dev/null; RELAY_PID=; }
printf 'From: support@demo.example\r\nTo: carla@customer.example\r\nSubject: tls\r\n\r\nhello\r\n' > "$MD_TEST_TMP/m.eml"
inject() { md_ctl queue inject --tenant demo --from support@demo.example --to carla@customer.example --file "$MD_TEST_TMP/m.eml"; }
# attempt CONF...: restarts maildeskd with these lines, queues one mail and
# waits until it is sent or deferred; sets out to "state|last_error" (not
# in a command substitution: the daemon would hold its pipe open).
attempt() {
	md_daemon_stop
	MD_EXTRA_CONF=$(printf '%s\n' "$@")
	md_write_conf
	md_daemon_start || exit 99
	_id=$(inject)
	for _i in $(seq 1 150); do
		_s=$(sql "select state from outbound where id = $_id")
		[ "$_s" = sent ] || [ "$_s" = deferred ] && break
		sleep 0.1
	done
	out=$(sql "select state || '|' || coalesce(last_error, '') from outbound where id = $_id")
}
mails() { grep -c '^mail' "$MD_TEST_TMP/relay.log"; }

# --- configuration
printf 'relay_tls = sometimes\n' > "$MD_TEST_TMP/bad.conf"
assert_match "an unknown relay_tls is refused, naming the values" 'bad\.conf:1: relay_tls: "sometimes" must be one of may, require, verify' \
	"$("$top_builddir/daemon/maildeskd" -n -c "$MD_TEST_TMP/bad.conf" 2>&1)"
printf 'relay_tls_ca_file = %s/none.pem\n' "$P" > "$MD_TEST_TMP/bad.conf"
assert_match "an unreadable relay_tls_ca_file is refused" 'bad\.conf:1: relay_tls_ca_file: cannot read' \
	"$("$top_builddir/daemon/maildeskd" -n -c "$MD_TEST_TMP/bad.conf" 2>&1)"

# --- a relay without STARTTLS
relay_start
attempt "relay_tls = require"
assert_match "require + no STARTTLS: deferred, saying why" '^deferred\|relay_tls = require: 127\.0\.0\.1:[0-9]+ offers no STARTTLS' "$out"
assert_eq "and nothing went over plain text" 0 "$(mails)"
attempt "relay_tls = verify"
assert_match "verify + no STARTTLS: deferred too" '^deferred\|relay_tls = verify: .*offers no STARTTLS' "$out"
assert_eq "nothing sent" 0 "$(mails)"
attempt "relay_tls = may"
assert_match "may + no STARTTLS: sent in plain text, as before" '^sent\|' "$out"
assert_eq "one mail, in plain text" "mail tls=no" "$(grep '^mail' "$MD_TEST_TMP/relay.log")"
relay_stop

# --- a relay with a self-signed certificate
relay_start self
attempt "relay_tls = verify"
assert_match "verify + self-signed certificate: deferred, saying why" \
	'^deferred\|relay_tls = verify: the certificate of 127\.0\.0\.1:[0-9]+ does not verify: self.signed' "$out"
assert_eq "TLS came up, but no mail was sent" "tls 0" "$(grep -c '^tls' "$MD_TEST_TMP/relay.log" | sed 's/^[1-9][0-9]*$/tls/') $(mails)"
attempt "relay_tls = verify" "relay_tls_ca_file = $P/ca.pem"
assert_match "verify with our CA: a certificate it did not sign is still refused" '^deferred\|.*does not verify' "$out"
attempt "relay_tls = require"
assert_match "require checks no certificate: sent over TLS" '^sent\|' "$out"
assert_eq "the mail went over TLS" "mail tls=yes" "$(grep '^mail' "$MD_TEST_TMP/relay.log")"
relay_stop

# --- a certificate our CA signed, for another name
relay_start wrongname
attempt "relay_tls = verify" "relay_tls_ca_file = $P/ca.pem"
assert_match "verify + a trusted certificate for another name: deferred" \
	'^deferred\|relay_tls = verify: .*does not verify: .*(mismatch|IP address)' "$out"
assert_eq "no mail sent" 0 "$(mails)"
relay_stop

# --- a certificate our CA signed for 127.0.0.1
relay_start good
attempt "relay_tls = verify"
assert_match "verify against the system CA store: our test CA is not in it" '^deferred\|.*does not verify' "$out"
attempt "relay_tls = verify" "relay_tls_ca_file = $P/ca.pem"
assert_match "verify + relay_tls_ca_file + a certificate it signed for the relay's address: sent" '^sent\|250' "$out"
assert_eq "over TLS" "mail tls=yes" "$(grep '^mail' "$MD_TEST_TMP/relay.log")"
md_daemon_stop
assert_eq "maildeskd exits 0" 0 $?
relay_stop
trap - EXIT
e2e_done
