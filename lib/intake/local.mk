## lib/intake: what a web form, a chat transcript and a shop's event say
## (issue 13), read from strangers' bytes and checked; pure (jansson,
## OpenSSL's HMAC). Depends on lib/base only.
noinst_LIBRARIES += lib/intake/libmdintake.a
lib_intake_libmdintake_a_SOURCES = lib/intake/intake.h lib/intake/intake-private.h \
	lib/intake/intake-form.c lib/intake/intake-text.c lib/intake/intake-html.c lib/intake/intake-json.c \
	lib/intake/intake-multipart.c
lib_intake_libmdintake_a_CPPFLAGS = $(AM_CPPFLAGS) $(JANSSON_CFLAGS) $(OPENSSL_CFLAGS)
