## Tests of the SMTP/LMTP protocol core (lib/smtp); included from t/local.mk.
check_PROGRAMS += t/test-smtp t/test-smtp-parse t/test-smtp-status
TESTS += t/test-smtp t/test-smtp-parse t/test-smtp-status
t_test_smtp_SOURCES = t/test-smtp.c
t_test_smtp_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
t_test_smtp_LDADD = lib/smtp/libmdsmtp.a lib/base/libmdbase.a $(CHECK_LIBS)
t_test_smtp_parse_SOURCES = t/test-smtp-parse.c
t_test_smtp_parse_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
t_test_smtp_parse_LDADD = lib/smtp/libmdsmtp.a lib/base/libmdbase.a $(CHECK_LIBS)
t_test_smtp_status_SOURCES = t/test-smtp-status.c
t_test_smtp_status_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
t_test_smtp_status_LDADD = lib/smtp/libmdsmtp.a $(CHECK_LIBS)
## The client side's reading of relay replies.
check_PROGRAMS += t/test-smtp-client
TESTS += t/test-smtp-client
t_test_smtp_client_SOURCES = t/test-smtp-client.c
t_test_smtp_client_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
t_test_smtp_client_LDADD = lib/smtp/libmdsmtp.a lib/base/libmdbase.a $(CHECK_LIBS)
