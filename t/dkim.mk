## lib/dkim: the signer's unit tests (RFC 8463 vectors, canonicalisation,
## keys, alignment), and signatures checked by python3-dkim, an
## independent verifier (no PostgreSQL needed).
check_PROGRAMS += t/test-dkim t/dkim-sign-tool
TESTS += t/test-dkim t/dkim-pyverify.sh
t_test_dkim_SOURCES = t/test-dkim.c
t_test_dkim_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
t_test_dkim_LDADD = lib/dkim/libmddkim.a lib/base/libmdbase.a $(CHECK_LIBS) $(OPENSSL_LIBS) $(LIBPSL_LIBS)
t_dkim_sign_tool_SOURCES = t/dkim-sign-tool.c
t_dkim_sign_tool_LDADD = lib/dkim/libmddkim.a lib/base/libmdbase.a $(OPENSSL_LIBS) $(LIBPSL_LIBS)
EXTRA_DIST += t/dkim-pyverify.sh
