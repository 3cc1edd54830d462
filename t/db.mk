## Storage tests against a private PostgreSQL (t/test-env starts one for
## names beginning with pg- or e2e-).
check_PROGRAMS += t/pg-db
TESTS += t/pg-db t/e2e-ctl.sh
t_pg_db_SOURCES = t/pg-db.c
t_pg_db_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
t_pg_db_LDADD = t/libmdpgtest.a lib/desk/libmddesk.a lib/intake/libmdintake.a lib/rules/librules.a lib/dkim/libmddkim.a lib/db/libmddb.a \
	lib/agent/libmdagent.a lib/text/libmdtext.a lib/thread/libmdthread.a lib/mime/libmdmime.a \
	lib/smtp/libmdsmtp.a lib/base/libmdbase.a $(CHECK_LIBS) $(PCRE2_LIBS) $(LIBPSL_LIBS) $(LIBPQ_LIBS) $(JANSSON_LIBS) \
	$(MIME_LIBS) $(OPENSSL_LIBS) $(LIBS)
EXTRA_DIST += t/e2e-ctl.sh
## lib/desk's automatic-mail counts (lib/db/db-desk-caps.c): the hourly
## caps and the acknowledgement window.
check_PROGRAMS += t/pg-desk-caps
TESTS += t/pg-desk-caps
t_pg_desk_caps_SOURCES = t/pg-desk-caps.c
t_pg_desk_caps_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
t_pg_desk_caps_LDADD = $(t_pg_db_LDADD)
## lib/db's administration operations with logic of their own (issue 11).
check_PROGRAMS += t/pg-admin
TESTS += t/pg-admin
t_pg_admin_SOURCES = t/pg-admin.c
t_pg_admin_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
t_pg_admin_LDADD = t/libmdpgtest.a lib/db/libmddb.a lib/thread/libmdthread.a lib/base/libmdbase.a $(CHECK_LIBS) $(LIBPQ_LIBS) $(JANSSON_LIBS) $(OPENSSL_LIBS)
## Pipelined transactions (lib/db/db-pipe.c): queued statements, their
## failures, savepoints, prepares and a connection killed mid-pipeline.
check_PROGRAMS += t/pg-pipe
TESTS += t/pg-pipe
t_pg_pipe_SOURCES = t/pg-pipe.c
t_pg_pipe_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
t_pg_pipe_LDADD = $(t_pg_admin_LDADD)
## What the t/pg-* programs share (t/pg-lib.h): their main, the connection
## fixture, and SQL for fixtures and assertions (the one file outside
## lib/db that includes lib/db/db-private.h, hence libpq's flags).
check_LIBRARIES += t/libmdpgtest.a
t_libmdpgtest_a_SOURCES = t/pg-lib.c t/pg-lib.h
t_libmdpgtest_a_CPPFLAGS = $(AM_CPPFLAGS) $(LIBPQ_CFLAGS)
t_libmdpgtest_a_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
## IMAP channels (issue 15): the position in the delivery's transaction,
## the lease and its takeover, status and settings.
check_PROGRAMS += t/pg-imap
TESTS += t/pg-imap
t_pg_imap_SOURCES = t/pg-imap.c
t_pg_imap_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
t_pg_imap_LDADD = $(t_pg_db_LDADD)
