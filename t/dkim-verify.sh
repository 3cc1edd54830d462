# Two DKIM verifiers we did not write, for the DKIM tests; both take their
# public keys from the DNS stub (t/dkim-dns-stub.sh, DNS_STUB_PORT):
#   dkim_py FILE INDEX   python3-dkim's dkimverify on signature INDEX (0 is
#                        the topmost): prints "pass" (it said "signature
#                        ok" and exited 0) or "fail: " and its last line
#                        (a failed check, or the exception it raised)
#   dkim_od FILE         OpenDKIM (opendkim -t, test mode) on every
#                        signature: one line per signature, "RESULT ALG D",
#                        e.g. "pass ed25519-sha256 demo.example", from the
#                        Authentication-Results field it writes
#   dkim_crlf DUMP OUT   a message as smtp-sink dumped it (its X-* lines and
#                        Received field, LF line ends) back to the bytes sent
# Needs top_srcdir and MD_TEST_TMP.

dkim_py() {
	_out=$(/usr/bin/python3 "$top_srcdir/t/dkimverify-stub.py" "$DNS_STUB_PORT" --index "$2" <"$1" 2>&1)
	_rc=$?
	if [ "$_rc" = 0 ] && [ "$_out" = "signature ok" ]; then
		echo pass
	else
		echo "fail: $(printf '%s\n' "$_out" | tail -1)"
	fi
}

dkim_od() {
	# OpenDKIM's resolver is libunbound; "ADDR@PORT" is unbound's syntax.
	printf 'Mode v\nSyslog no\nNameservers 127.0.0.1@%s\n' "$DNS_STUB_PORT" >"$MD_TEST_TMP/opendkim.conf"
	opendkim -x "$MD_TEST_TMP/opendkim.conf" -vvv -t "$1" 2>&1 |
		sed -n 's/^[[:space:]]*dkim=\([a-z]*\) .*header\.d=\([^ ;]*\).* header\.a=\([^ ;]*\).*/\1 \3 \2/p'
}

dkim_crlf() {
	awk 'body { print; next } /^\t.*\(smtp-sink\)/ { getline; body = 1 }' "$1" |
		sed -e '$ { /^$/ d }' | sed 's/$/\r/' >"$2"
}
