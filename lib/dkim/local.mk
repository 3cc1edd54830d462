## lib/dkim: DKIM signing (RFC 6376, RFC 8463), keys and alignment. Pure:
## OpenSSL and libpsl only; no database, no DNS. Programs that link it add
## $(OPENSSL_LIBS) $(LIBPSL_LIBS).
noinst_LIBRARIES += lib/dkim/libmddkim.a
lib_dkim_libmddkim_a_SOURCES = lib/dkim/dkim.h lib/dkim/dkim-private.h \
	lib/dkim/dkim-util.c lib/dkim/dkim-key.c \
	lib/dkim/dkim-canon.c lib/dkim/dkim-fold.c lib/dkim/dkim-sign.c lib/dkim/dkim-align.c
lib_dkim_libmddkim_a_CPPFLAGS = $(AM_CPPFLAGS) $(OPENSSL_CFLAGS) $(LIBPSL_CFLAGS)
