## The rule engine's glue in lib/desk (facts, actions, cache, assignment,
## SLA, rules on delivery) against a private PostgreSQL.
check_PROGRAMS += t/pg-rules
TESTS += t/pg-rules
t_pg_rules_SOURCES = t/pg-rules.c t/pg-rules-assign.c t/pg-rules-lib.c t/pg-rules-lib.h
t_pg_rules_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
t_pg_rules_LDADD = t/libmdpgtest.a lib/desk/libmddesk.a lib/intake/libmdintake.a lib/rules/librules.a lib/dkim/libmddkim.a lib/db/libmddb.a \
	lib/agent/libmdagent.a lib/text/libmdtext.a lib/thread/libmdthread.a lib/mime/libmdmime.a \
	lib/smtp/libmdsmtp.a lib/base/libmdbase.a $(CHECK_LIBS) $(PCRE2_LIBS) $(LIBPSL_LIBS) $(LIBPQ_LIBS) $(JANSSON_LIBS) \
	$(MIME_LIBS) $(OPENSSL_LIBS) $(LIBS)
