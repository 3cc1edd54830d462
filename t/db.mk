## Storage tests against a private PostgreSQL (t/test-env starts one for
## names beginning with pg- or e2e-).
check_PROGRAMS += t/pg-db
TESTS += t/pg-db t/e2e-ctl.sh
t_pg_db_SOURCES = t/pg-db.c
t_pg_db_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
t_pg_db_LDADD = lib/db/libmddb.a lib/thread/libmdthread.a lib/base/libmdbase.a $(CHECK_LIBS) $(LIBPQ_LIBS) $(JANSSON_LIBS) $(OPENSSL_LIBS)
EXTRA_DIST += t/e2e-ctl.sh
## lib/db's administration operations with logic of their own (issue 11).
check_PROGRAMS += t/pg-admin
TESTS += t/pg-admin
t_pg_admin_SOURCES = t/pg-admin.c
t_pg_admin_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
t_pg_admin_LDADD = lib/db/libmddb.a lib/thread/libmdthread.a lib/base/libmdbase.a $(CHECK_LIBS) $(LIBPQ_LIBS) $(JANSSON_LIBS) $(OPENSSL_LIBS)
