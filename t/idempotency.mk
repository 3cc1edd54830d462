## Idempotency-Key on every POST (issue 13): the records and their purge
## against PostgreSQL, and the intake routes' retries end to end.
check_PROGRAMS += t/pg-http-idem
TESTS += t/pg-http-idem t/e2e-idempotency.sh
EXTRA_DIST += t/e2e-idempotency.sh
t_pg_http_idem_SOURCES = t/pg-http-idem.c
t_pg_http_idem_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
t_pg_http_idem_LDADD = $(t_pg_outbound_LDADD)
