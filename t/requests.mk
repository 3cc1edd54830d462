## Requests about orders (issue 12): lib/desk's and lib/db's request
## functions against a private PostgreSQL, and maildeskctl reason/request
## end to end (concurrency, deduplication, acknowledgement at the relay).
check_PROGRAMS += t/pg-request
TESTS += t/pg-request t/e2e-requests.sh
EXTRA_DIST += t/e2e-requests.sh
t_pg_request_SOURCES = t/pg-request.c t/pg-rules-lib.c t/pg-rules-lib.h
t_pg_request_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
t_pg_request_LDADD = $(t_pg_rules_LDADD)
