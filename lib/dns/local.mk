## lib/dns: TXT and MX look-ups for "maildeskctl domain check" (libunbound,
## answers parsed with libresolv's ns_parserr) and internationalised names
## (libidn2). Programs that link it add $(LIBUNBOUND_LIBS) $(RESOLV_LIBS)
## $(LIBIDN2_LIBS).
noinst_LIBRARIES += lib/dns/libmddns.a
lib_dns_libmddns_a_SOURCES = lib/dns/dns.h lib/dns/dns.c lib/dns/dns-answer.c lib/dns/dns-idn.c
lib_dns_libmddns_a_CPPFLAGS = $(AM_CPPFLAGS) $(LIBIDN2_CFLAGS) $(LIBUNBOUND_CFLAGS)
