# A DNS stub for the DKIM tests: dnsmasq (from dnsmasq-base) on 127.0.0.1
# answering TXT queries for the records it is given, and nothing else (no
# upstream, no /etc/hosts). Source it, then:
#   dns_stub_txt NAME TEXT   add a TXT record (long TEXT split into 250-byte
#                            strings, as DNS requires, in one record)
#   dns_stub_start           start (or restart, keeping the port) with them
#   dns_stub_stop
# Needs MD_TEST_TMP; sets DNS_STUB_PORT (override it before the first start).
DNS_STUB=/usr/sbin/dnsmasq
DNS_STUB_PID=
DNS_STUB_CONF="$MD_TEST_TMP/dns-stub.conf"
: >"$DNS_STUB_CONF"

dns_stub_txt() {
	_q=$(printf '%s' "$2" | fold -w 250 | sed 's/.*/"&"/' | paste -sd, -)
	printf 'txt-record=%s,%s\n' "$1" "$_q" >>"$DNS_STUB_CONF"
}

dns_stub_start() {
	dns_stub_stop
	DNS_STUB_PORT=${DNS_STUB_PORT:-$(md_free_port)}
	# As root dnsmasq drops to a user; "nobody" exists everywhere.
	"$DNS_STUB" --keep-in-foreground --conf-file="$DNS_STUB_CONF" --no-resolv --no-hosts \
		--listen-address=127.0.0.1 --bind-interfaces --port="$DNS_STUB_PORT" \
		--user=nobody --group=nogroup --log-queries --log-facility="$MD_TEST_TMP/dns-stub.log" \
		2>>"$MD_TEST_TMP/dns-stub.err" &
	DNS_STUB_PID=$!
	# Ready once it answers (dnspython asks; at most 5 s).
	/usr/bin/python3 - "$DNS_STUB_PORT" <<'PY' || { echo "dnsmasq did not start:"; cat "$MD_TEST_TMP/dns-stub.err"; return 1; }
import sys, time
import dns.message, dns.query
q = dns.message.make_query("ready.invalid", "TXT")
for _ in range(50):
    try:
        dns.query.udp(q, "127.0.0.1", port=int(sys.argv[1]), timeout=0.2)
        sys.exit(0)
    except Exception:
        time.sleep(0.1)
sys.exit(1)
PY
}

dns_stub_stop() {
	[ -n "$DNS_STUB_PID" ] || return 0
	kill "$DNS_STUB_PID" 2>/dev/null
	wait "$DNS_STUB_PID" 2>/dev/null
	DNS_STUB_PID=
}
