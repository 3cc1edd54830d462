## Intake beyond mail (issue 13): lib/intake's parsers (Check), and forms,
## chat transcripts and shop events end to end (maildeskctl, HTTP, a real
## browser).
check_PROGRAMS += t/test-intake
TESTS += t/test-intake t/e2e-intake.sh
EXTRA_DIST += t/e2e-intake.sh t/intake-browser.py
t_test_intake_SOURCES = t/test-intake.c
t_test_intake_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
t_test_intake_LDADD = lib/intake/libmdintake.a lib/base/libmdbase.a $(CHECK_LIBS) $(JANSSON_LIBS) $(OPENSSL_LIBS)
