## Issue 12's lifecycle (pending, solved, close-after) and finding things
## (the requester's list, search, contact show).
TESTS += t/e2e-lifecycle.sh
EXTRA_DIST += t/e2e-lifecycle.sh
## lib/desk's lifecycle (pending, solved, close-after) and lib/db's
## finding queries against a private PostgreSQL, on pg-rules' fixtures.
check_PROGRAMS += t/pg-lifecycle t/pg-find
TESTS += t/pg-lifecycle t/pg-find
t_pg_lifecycle_SOURCES = t/pg-lifecycle.c t/pg-rules-lib.c t/pg-rules-lib.h
t_pg_lifecycle_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
t_pg_lifecycle_LDADD = $(t_pg_rules_LDADD)
t_pg_find_SOURCES = t/pg-find.c t/pg-rules-lib.c t/pg-rules-lib.h
t_pg_find_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
t_pg_find_LDADD = $(t_pg_rules_LDADD)
