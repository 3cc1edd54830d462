## lib/dkim: DKIM signing (RFC 6376, RFC 8463), keys and alignment. Pure:
## OpenSSL and libpsl only; no database, no DNS.
noinst_LIBRARIES += lib/dkim/libmddkim.a
lib_dkim_libmddkim_a_SOURCES = lib/dkim/dkim.h lib/dkim/dkim-stub.c
lib_dkim_libmddkim_a_CPPFLAGS = $(AM_CPPFLAGS) $(OPENSSL_CFLAGS) $(LIBPSL_CFLAGS)
