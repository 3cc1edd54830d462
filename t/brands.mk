## Providers and brands (issue 14): connections, routing, the one check of
## who may act, disconnect and reconnect, against the real daemon.
TESTS += t/e2e-brands.sh
EXTRA_DIST += t/e2e-brands.sh
## The one check and the connection's changes against a private PostgreSQL.
check_PROGRAMS += t/pg-connection
TESTS += t/pg-connection
t_pg_connection_SOURCES = t/pg-connection.c t/pg-rules-lib.c t/pg-rules-lib.h
t_pg_connection_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
t_pg_connection_LDADD = $(t_pg_rules_LDADD)
