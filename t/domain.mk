## Sending domains: lib/dns's parsers (no network), and "maildeskctl domain
## ..." end to end with dnsmasq as the DNS server.
check_PROGRAMS += t/test-dns
TESTS += t/test-dns t/e2e-domain.sh
t_test_dns_SOURCES = t/test-dns.c
t_test_dns_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
t_test_dns_LDADD = lib/dns/libmddns.a lib/base/libmdbase.a $(LIBUNBOUND_LIBS) $(RESOLV_LIBS) $(LIBIDN2_LIBS) $(CHECK_LIBS)
EXTRA_DIST += t/e2e-domain.sh
