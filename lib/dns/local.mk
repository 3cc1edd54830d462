## lib/dns: TXT look-ups for "maildeskctl domain check" (glibc's resolver).
noinst_LIBRARIES += lib/dns/libmddns.a
lib_dns_libmddns_a_SOURCES = lib/dns/dns.h lib/dns/dns-stub.c
