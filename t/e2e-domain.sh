#!/bin/sh
# End to end for sending domains: "maildeskctl domain add/show/list/rotate/
# retire-selector/check" against a real PostgreSQL and a DNS server we did
# not write (dnsmasq on 127.0.0.1, restarted with the records each step
# publishes; maildeskctl's libunbound forwards to it). The public keys are
# compared with what openssl derives from the key files, not with anything
# our code computes. The stub's zone is not signed: with a trust anchor for
# another zone its answers are "insecure"; with one for "example." that
# nothing matches they are "bogus", and a bogus key is never taken as ours.
set -u
. "$top_srcdir/t/e2e-lib.sh"
. "$top_srcdir/t/md-instance.sh"

DNSMASQ=/usr/sbin/dnsmasq
[ -x "$DNSMASQ" ] || { echo "skipped: $DNSMASQ not installed (apt-get install dnsmasq-base)"; exit 77; }

KEYS="$MD_TEST_TMP/keys"
DNS_PORT=$(md_free_port)
DNS_PID=
# A DS for a zone the stub does not serve: validation is on, but no answer
# about *.example can be proved, so they are insecure (not secure, not bogus).
ANCHOR="$MD_TEST_TMP/anchor.key"
mkdir -p "$MD_TEST_TMP"
echo "test. 3600 IN DS 12345 8 2 $(printf 'x' | sha256sum | cut -c1-64)" >"$ANCHOR"
MD_EXTRA_CONF="dkim_key_dir = $KEYS
dns_resolver = 127.0.0.1:$DNS_PORT
dns_trust_anchor = $ANCHOR"
md_instance_init "$MD_TEST_TMP/md" || { echo "setup failed"; exit 99; }

dns_stop() {
	[ -n "$DNS_PID" ] || return 0
	kill "$DNS_PID" 2>/dev/null
	wait "$DNS_PID" 2>/dev/null
	DNS_PID=
}
trap 'dns_stop; md_instance_stop' EXIT

# dns_serve [--txt-record=...]...: dnsmasq answering for *.example from
# exactly these records (NXDOMAIN/NODATA for everything else), once it
# answers.
dns_serve() {
	dns_stop
	"$DNSMASQ" --no-daemon --conf-file=/dev/null --no-resolv --no-hosts --user=root --port="$DNS_PORT" \
		--listen-address=127.0.0.1 --bind-interfaces --local=/example/ --txt-record=probe.example,up \
		--log-facility="$MD_TEST_TMP/dnsmasq.log" "$@" 2>>"$MD_TEST_TMP/dnsmasq.stderr" &
	DNS_PID=$!
	for _i in $(seq 1 100); do
		/usr/bin/python3 - "$DNS_PORT" <<'EOF' && return 0
import sys, dns.resolver
r = dns.resolver.Resolver(configure=False)
r.nameservers = ["127.0.0.1"]
r.port = int(sys.argv[1])
r.lifetime = 0.5
r.resolve("probe.example", "TXT")
EOF
		sleep 0.1
	done
	echo "dnsmasq did not start" >&2
	return 1
}

# txt NAME VALUE: a --txt-record option, the value cut into 200-byte strings.
txt() { echo "--txt-record=$1,$(printf '%s' "$2" | fold -w 200 | paste -sd,)"; }

# The p= values, derived by openssl from the key files: RSA the DER
# SubjectPublicKeyInfo, Ed25519 the raw 32-byte key (its last 32 bytes).
p_rsa() { openssl pkey -in "$1" -pubout -outform DER | base64 -w0; }
p_ed() { openssl pkey -in "$1" -pubout -outform DER | tail -c 32 | base64 -w0; }

# record OUTPUT NAME: the TXT value printed for NAME, its strings joined.
record() { printf '%s\n' "$1" | grep "^$2\. IN TXT " | sed 's/^[^"]*"//; s/"$//; s/" "//g'; }

GEN=md$(date -u +%Y%m)
D=acme.example

# ---- add ----
out=$(md_ctl domain add Acme.Example. --tenant demo 2>&1)
assert_eq "add succeeds" 0 $?
RSA_KEY="$KEYS/$D/$GEN-rsa.pem"
ED_KEY="$KEYS/$D/$GEN-ed25519.pem"
assert_eq "key dir mode" 700 "$(stat -c %a "$KEYS")"
assert_eq "domain key dir mode" 700 "$(stat -c %a "$KEYS/$D")"
assert_eq "key file modes" "600 600" "$(stat -c %a "$RSA_KEY" "$ED_KEY" | paste -sd' ')"
RSA_P=$(p_rsa "$RSA_KEY")
ED_P=$(p_ed "$ED_KEY")
assert_eq "RSA record (p= from openssl)" "v=DKIM1; k=rsa; p=$RSA_P" "$(record "$out" "$GEN-rsa._domainkey.$D")"
assert_eq "Ed25519 record (p= from openssl)" "v=DKIM1; k=ed25519; p=$ED_P" "$(record "$out" "$GEN-ed25519._domainkey.$D")"
assert_eq "Ed25519 key is 32 bytes" 32 "$(printf '%s' "$ED_P" | base64 -d | wc -c)"
assert_eq "zone strings are at most 255 bytes" "" \
	"$(printf '%s\n' "$out" | grep ' IN TXT ' | grep -o '"[^"]*"' | awk 'length($0) > 257')"
assert_match "SPF suggestion" "^$D\. IN TXT \"v=spf1 a:maildesk\.test -all\"$" "$out"
assert_match "DMARC suggestion" "^_dmarc\.$D\. IN TXT \"v=DMARC1; p=none; rua=mailto:postmaster@$D\"$" "$out"
assert_match "MX for the return path" "^$D\. IN MX 10 maildesk\.test\.$" "$out"
assert_match "says where bounces go" "LOCALPART\+b<ID>-<TOKEN>@$D" "$out"
assert_match "status pending" "^; $D: pending \(tenant demo\)" "$out"
assert_eq "rows" "pending|demo|2" "$(sql "SELECT d.status, n.name, (SELECT count(*) FROM dkim_selectors s WHERE s.domain = d.domain) FROM sending_domains d JOIN tenants n ON n.id = d.tenant_id")"
assert_eq "key_file relative" "$D/$GEN-ed25519.pem|$D/$GEN-rsa.pem" \
	"$(sql "SELECT key_file FROM dkim_selectors ORDER BY key_file" | paste -sd'|')"

# ---- refusals ----
sums=$(sha256sum "$KEYS/$D"/*)
out=$(md_ctl domain add acme.example --tenant demo 2>&1)
assert_eq "duplicate add fails" 1 $?
assert_match "duplicate add says so" "exists already" "$out"
assert_eq "duplicate add leaves the keys alone" "$sums" "$(sha256sum "$KEYS/$D"/*)"
md_ctl domain add co.uk --tenant demo >/dev/null 2>&1
assert_eq "a public suffix is refused" 2 $?
md_ctl domain add bad_name.example --tenant demo >/dev/null 2>&1
assert_eq "a bad name is refused" 2 $?
md_ctl domain add x.example --tenant demo --shared >/dev/null 2>&1
assert_eq "--tenant with --shared is refused" 2 $?

OPEN="$MD_TEST_TMP/keys-open"
mkdir -p "$OPEN" && chmod 755 "$OPEN"
sed "s|^dkim_key_dir = .*|dkim_key_dir = $OPEN|" "$MD_CONF" > "$MD_DIR/open.conf"
out=$("$top_builddir/daemon/maildeskctl" -c "$MD_DIR/open.conf" domain add open.example --tenant demo 2>&1)
assert_eq "a key dir open to others fails" 1 $?
assert_match "the error names the dir and its mode" "$OPEN.*0755" "$out"
assert_eq "nothing written to it" "" "$(ls -A "$OPEN")"
assert_eq "no row for it" 0 "$(sql "SELECT count(*) FROM sending_domains WHERE domain = 'open.example'")"

# A failing insert takes the key files back.
sql "CREATE FUNCTION md_test_fail() RETURNS trigger LANGUAGE plpgsql AS
	\$\$BEGIN IF NEW.domain = 'fail.example' THEN RAISE EXCEPTION 'test failure'; END IF; RETURN NEW; END\$\$;
	CREATE TRIGGER md_test_fail BEFORE INSERT ON dkim_selectors FOR EACH ROW EXECUTE FUNCTION md_test_fail();"
out=$(md_ctl domain add fail.example --tenant demo 2>&1)
assert_eq "add with a failing insert fails" 1 $?
assert_match "and says why" "test failure" "$out"
assert_eq "its key files are removed" "" "$(ls -A "$KEYS" | grep fail)"
assert_eq "no row for it" 0 "$(sql "SELECT count(*) FROM sending_domains WHERE domain = 'fail.example'")"

# ---- check ----
dns_serve || exit 99
out=$(md_ctl domain check $D 2>&1)
assert_eq "check before publishing exits 1" 1 $?
assert_match "dkim rsa missing" "^dkim $GEN-rsa: missing \(dnssec insecure\)$" "$out"
assert_match "dkim ed25519 missing" "^dkim $GEN-ed25519: missing \(dnssec insecure\)$" "$out"
assert_match "spf missing" "^spf: missing \(dnssec insecure\)$" "$out"
assert_match "dmarc missing" "^dmarc: missing \(dnssec insecure\)$" "$out"
assert_match "mx missing" "^mx: missing \(dnssec insecure\)$" "$out"
assert_match "pending" "$D: pending" "$out"
assert_eq "stored" "pending|t" "$(sql "SELECT status, check_report LIKE '%dkim $GEN-rsa: missing%' AND checked_at IS NOT NULL FROM sending_domains WHERE domain = '$D'")"

RSA_REC="v=DKIM1; k=rsa; p=$RSA_P"
dns_serve "$(txt "$GEN-rsa._domainkey.$D" "$RSA_REC")" || exit 99
out=$(md_ctl domain check $D 2>&1)
assert_eq "only RSA published: exit 1" 1 $?
assert_match "rsa ok" "^dkim $GEN-rsa: ok \(dnssec insecure\)$" "$out"
assert_match "ed25519 still missing" "^dkim $GEN-ed25519: missing \(dnssec insecure\)$" "$out"
assert_eq "still pending, rsa published" "pending|t|f" "$(sql "SELECT d.status,
	(SELECT published FROM dkim_selectors WHERE selector = '$GEN-rsa'),
	(SELECT published FROM dkim_selectors WHERE selector = '$GEN-ed25519') FROM sending_domains d WHERE domain = '$D'")"

# Both, written differently (no v=, extra blanks) plus SPF, DMARC and MX.
ADVICE="$(txt $D "v=spf1 mx a:maildesk.test ~all")
$(txt _dmarc.$D "v=DMARC1; p=reject")
--mx-host=$D,maildesk.test,10"
publish_gen1() {
	# shellcheck disable=SC2086
	dns_serve "$(txt "$GEN-rsa._domainkey.$D" "k=rsa; p=$RSA_P")" \
		"$(txt "$GEN-ed25519._domainkey.$D" "v=DKIM1;  k = ed25519 ; p=$(printf '%s' "$ED_P" | sed 's/^\(.\{10\}\)/\1 /')")" \
		"$@"
}
IFS='
'
# shellcheck disable=SC2086
publish_gen1 $ADVICE || exit 99
unset IFS
out=$(md_ctl domain check $D 2>&1)
assert_eq "both published: exit 0" 0 $?
assert_match "ed25519 ok despite blanks" "^dkim $GEN-ed25519: ok \(dnssec insecure\)$" "$out"
assert_match "spf ok" "^spf: ok \(dnssec insecure\)$" "$out"
assert_match "dmarc ok" "^dmarc: ok \(dnssec insecure\)$" "$out"
assert_match "mx ok" "^mx: ok \(dnssec insecure\)$" "$out"
assert_match "verified" "^$D: verified" "$out"
assert_eq "verified in the database" "verified|t" "$(sql "SELECT status, verified_at IS NOT NULL FROM sending_domains WHERE domain = '$D'")"

# A wrong key: another RSA key's p=; SPF without our host.
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$MD_TEST_TMP/other.pem" 2>/dev/null
OTHER_P=$(p_rsa "$MD_TEST_TMP/other.pem")
dns_serve "$(txt "$GEN-rsa._domainkey.$D" "v=DKIM1; k=rsa; p=$OTHER_P")" \
	"$(txt "$GEN-ed25519._domainkey.$D" "v=DKIM1; k=ed25519; p=$ED_P")" "$(txt $D "v=spf1 mx -all")" || exit 99
out=$(md_ctl domain check $D 2>&1)
assert_eq "wrong key: exit 1" 1 $?
assert_eq "wrong p=" "dkim $GEN-rsa: wrong: found \"v=DKIM1; k=rsa; p=$OTHER_P\" expected \"$RSA_REC\" (dnssec insecure)" \
	"$(printf '%s\n' "$out" | grep "^dkim $GEN-rsa: ")"
assert_match "wrong spf" "^spf: wrong: found \"v=spf1 mx -all\" expected" "$out"
assert_match "back to pending, said" "$D: back to pending" "$out"
assert_eq "pending again" "pending|" "$(sql "SELECT status, verified_at FROM sending_domains WHERE domain = '$D'")"

# ---- rotate and retire ----
GEN2=${GEN}b
out=$(md_ctl domain rotate $D 2>&1)
assert_eq "rotate succeeds" 0 $?
RSA2_P=$(p_rsa "$KEYS/$D/$GEN2-rsa.pem")
ED2_P=$(p_ed "$KEYS/$D/$GEN2-ed25519.pem")
assert_eq "rotate prints the new RSA record" "v=DKIM1; k=rsa; p=$RSA2_P" "$(record "$out" "$GEN2-rsa._domainkey.$D")"
assert_eq "rotate prints the new Ed25519 record" "v=DKIM1; k=ed25519; p=$ED2_P" \
	"$(record "$out" "$GEN2-ed25519._domainkey.$D")"
assert_no_match "rotate prints only the new generation" "^$GEN-rsa\._domainkey" "$out"
out=$(md_ctl domain show $D 2>&1)
assert_eq "show: four DKIM records" 4 "$(printf '%s\n' "$out" | grep -c '_domainkey.* IN TXT ')"
assert_match "show: the old one signs" "DKIM key $GEN-rsa .*signs the mail now" "$out"
assert_match "show: the new one waits" "DKIM key $GEN2-rsa .*published ahead" "$out"

IFS='
'
# shellcheck disable=SC2086
publish_gen1 $ADVICE || exit 99
unset IFS
md_ctl domain check $D >/dev/null 2>&1
assert_eq "gen 1 published again: verified" 0 $?
out=$(md_ctl domain retire-selector $D "$GEN" 2>&1)
assert_eq "retiring before the new one is seen published fails" 1 $?
assert_match "and says why" "$GEN2, has not been seen published" "$out"

publish_both() {
	publish_gen1 "$(txt "$GEN2-rsa._domainkey.$D" "v=DKIM1; k=rsa; p=$RSA2_P")" \
		"$(txt "$GEN2-ed25519._domainkey.$D" "v=DKIM1; k=ed25519; p=$ED2_P")"
}
publish_both || exit 99
out=$(md_ctl domain check $D 2>&1)
assert_eq "both generations published: verified" 0 $?
assert_match "new rsa ok" "^dkim $GEN2-rsa: ok \(dnssec insecure\)$" "$out"
out=$(md_ctl domain retire-selector $D "$GEN" 2>&1)
assert_eq "now retiring works" 0 $?
assert_match "says who signs now" "$GEN2 signs now" "$out"
assert_eq "both selectors retired" "retired|t
retired|t" "$(sql "SELECT state, retired_at IS NOT NULL FROM dkim_selectors WHERE generation = '$GEN'")"
assert_eq "key files stay" "yes" "$([ -f "$RSA_KEY" ] && [ -f "$ED_KEY" ] && echo yes)"
assert_eq "still verified" verified "$(sql "SELECT status FROM sending_domains WHERE domain = '$D'")"
out=$(md_ctl domain retire-selector $D "$GEN2" 2>&1)
assert_eq "the last generation cannot be retired" 1 $?
assert_match "and says why" "only active one" "$out"
out=$(md_ctl domain show $D 2>&1)
assert_no_match "show: retired keys gone" "^$GEN-rsa\._domainkey" "$out"
assert_match "show: the new one signs" "DKIM key $GEN2-rsa .*signs the mail now" "$out"

# A failed look-up leaves the status alone.
dns_stop
out=$(md_ctl domain check $D 2>&1)
assert_eq "no DNS server: exit 1" 1 $?
assert_match "an error line" "^dkim $GEN2-rsa: error: .*127\.0\.0\.1:$DNS_PORT" "$out"
assert_eq "status left verified" verified "$(sql "SELECT status FROM sending_domains WHERE domain = '$D'")"

# ---- the shared domain, --force, list, --json ----
out=$(md_ctl domain add mail.shared.example --shared --selector s1 2>&1)
assert_eq "--shared add" 0 $?
assert_match "shared status" "^; mail\.shared\.example: pending \(the shared domain\)" "$out"
assert_eq "no tenant" "t" "$(sql "SELECT tenant_id IS NULL FROM sending_domains WHERE domain = 'mail.shared.example'")"
md_ctl domain rotate mail.shared.example --selector s2 >/dev/null 2>&1
assert_eq "rotate --selector" 0 $?
out=$(md_ctl domain retire-selector mail.shared.example s1 --force 2>&1)
assert_eq "--force retires anyway" 0 $?
assert_match "and warns" "was not seen published" "$out"

out=$(md_ctl domain list 2>&1)
assert_match "list: custom domain" "^$D +demo +verified +$GEN2-rsa, $GEN2-ed25519 " "$out"
assert_match "list: shared domain" "^mail\.shared\.example +\(shared\) +pending +s2-rsa, s2-ed25519 " "$out"
assert_no_match "list --tenant" "shared" "$(md_ctl domain list --tenant demo 2>&1)"
json=$(md_ctl domain list --json)
assert_eq "list --json parses" 2 "$(printf '%s' "$json" | /usr/bin/python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')"
json=$(md_ctl domain show $D --json)
assert_eq "show --json parses" "acme.example verified 5 True" "$(printf '%s' "$json" | /usr/bin/python3 -c '
import json, sys
d = json.load(sys.stdin)
print(d["domain"], d["status"], len(d["records"]), d["records"][0]["signing"])')"

# ---- check --json, and DNSSEC ----
publish_both || exit 99
json=$(md_ctl domain check $D --json)
assert_eq "check --json: exit 0" 0 $?
assert_eq "check --json: the domain, status, validation on, 5 records" "acme.example verified verified True 5" \
	"$(printf '%s' "$json" | /usr/bin/python3 -c '
import json, sys
d = json.load(sys.stdin)
print(d["domain"], d["previous_status"], d["status"], d["dnssec_validation"], len(d["records"]))')"
assert_eq "check --json: DKIM ok, SPF/DMARC/MX missing, all insecure (the stub is unsigned)" \
	"dkim ok insecure|dkim ok insecure|dmarc missing insecure|mx missing insecure|spf missing insecure" \
	"$(printf '%s' "$json" | /usr/bin/python3 -c '
import json, sys
d = json.load(sys.stdin)
print("|".join(sorted(r["kind"] + " " + r["result"] + " " + r["dnssec"] for r in d["records"])))')"
assert_eq "check --json: the signing RSA record" "TXT $GEN2-rsa._domainkey.$D True None" \
	"$(printf '%s' "$json" | /usr/bin/python3 -c '
import json, sys
r = [r for r in json.load(sys.stdin)["records"] if r.get("selector") == sys.argv[1]][0]
print(r["type"], r["name"], r["signing"], r["detail"])' "$GEN2-rsa")"
assert_no_match "check --json prints only the document" "verified: the DKIM" "$json"

# The wrong key through --json: the detail is the escaped text.
dns_serve "$(txt "$GEN2-rsa._domainkey.$D" "v=DKIM1; k=rsa; p=$OTHER_P")" \
	"$(txt "$GEN2-ed25519._domainkey.$D" "v=DKIM1; k=ed25519; p=$ED2_P")" || exit 99
json=$(md_ctl domain check $D --json 2>"$MD_TEST_TMP/json.err")
assert_eq "check --json, wrong key: exit 1" 1 $?
assert_eq "check --json, wrong key: result and status" "wrong insecure pending True" \
	"$(printf '%s' "$json" | /usr/bin/python3 -c '
import json, sys
d = json.load(sys.stdin)
r = [r for r in d["records"] if r.get("selector") == sys.argv[1]][0]
print(r["result"], r["dnssec"], d["status"], sys.argv[2] in r["detail"])' "$GEN2-rsa" "$OTHER_P")"
assert_match "the outcome still on stderr" "back to pending" "$(cat "$MD_TEST_TMP/json.err")"

# A trust anchor for example. that the (unsigned) stub cannot match: every
# answer is bogus, and the right keys are not taken as published.
publish_both || exit 99
md_ctl domain check $D >/dev/null 2>&1
assert_eq "verified again before the bogus anchor" 0 $?
BOGUS_ANCHOR="$MD_TEST_TMP/bogus.key"
echo "example. 3600 IN DS 4242 13 2 $(printf 'y' | sha256sum | cut -c1-64)" >"$BOGUS_ANCHOR"
sed "s|^dns_trust_anchor = .*|dns_trust_anchor = $BOGUS_ANCHOR|" "$MD_CONF" >"$MD_DIR/bogus.conf"
out=$("$top_builddir/daemon/maildeskctl" -c "$MD_DIR/bogus.conf" domain check $D 2>&1)
assert_eq "bogus answers: exit 1" 1 $?
assert_match "the RSA key is bogus, with why" "^dkim $GEN2-rsa: bogus: .*DNSSEC validation failed \(bogus\): ." "$out"
assert_no_match "no record is ok" ": ok " "$out"
assert_match "back to pending" "$D: back to pending" "$out"
assert_eq "not verified, not published" "pending|f" "$(sql "SELECT d.status,
	(SELECT published FROM dkim_selectors WHERE selector = '$GEN2-rsa') FROM sending_domains d WHERE domain = '$D'")"
json=$("$top_builddir/daemon/maildeskctl" -c "$MD_DIR/bogus.conf" domain check $D --json 2>/dev/null)
assert_eq "--json: every record bogus" "bogus bogus" "$(printf '%s' "$json" | /usr/bin/python3 -c '
import json, sys
d = json.load(sys.stdin)
print(*sorted({r["result"] for r in d["records"]}), *sorted({r["dnssec"] for r in d["records"]}))')"
md_ctl domain check $D >/dev/null 2>&1
assert_eq "the unrelated anchor again: verified" 0 $?

# Internationalised names (last: it adds a domain the counts above do not expect).
out=$(md_ctl domain add "B$(printf '\303\234')cher.example" --tenant demo 2>&1)
assert_eq "a name typed in Unicode is accepted" 0 $?
assert_match "and kept in its A-label form" 'xn--bcher-kva\.example\. IN TXT "v=DKIM1' "$out"
assert_match "domain show finds it by its Unicode name" 'xn--bcher-kva\.example' \
	"$(md_ctl domain show "b$(printf '\303\274')cher.example" 2>&1)"
out=$(md_ctl domain add "bad$(printf '\377').example" --tenant demo 2>&1)
assert_eq "a name libidn2 refuses is a usage error" 2 $?
assert_match "saying why" 'not a valid internationalised domain name' "$out"
e2e_done
