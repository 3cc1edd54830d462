## The outbound queue: lib/db/db-outbound.c against a private PostgreSQL,
## and maildeskd sending to Postfix's smtp-sink end to end.
check_PROGRAMS += t/pg-outbound
TESTS += t/pg-outbound t/e2e-outbound.sh t/e2e-relay-stall.sh t/e2e-relay-tls.sh
t_pg_outbound_SOURCES = t/pg-outbound.c
t_pg_outbound_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
t_pg_outbound_LDADD = t/libmdpgtest.a lib/db/libmddb.a lib/thread/libmdthread.a lib/base/libmdbase.a $(CHECK_LIBS) \
	$(LIBPQ_LIBS) $(JANSSON_LIBS) $(OPENSSL_LIBS)
EXTRA_DIST += t/e2e-outbound.sh t/e2e-relay-stall.sh t/e2e-relay-tls.sh t/relay-tls-sink.py
## Outbound retention: db_outbound_purge against PostgreSQL, and
## "maildeskctl queue purge/show/retry" with the daemon's hourly purge.
check_PROGRAMS += t/pg-outbound-purge
TESTS += t/pg-outbound-purge t/e2e-purge.sh
t_pg_outbound_purge_SOURCES = t/pg-outbound-purge.c
t_pg_outbound_purge_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
t_pg_outbound_purge_LDADD = $(t_pg_outbound_LDADD)
EXTRA_DIST += t/e2e-purge.sh
