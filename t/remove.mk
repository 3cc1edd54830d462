## Issue 14's lifecycle: every remove rule (alias, agent, team, tenant),
## "agent team add|remove" and the audit log, end to end.
TESTS += t/e2e-remove.sh
EXTRA_DIST += t/e2e-remove.sh
## lib/db's side: db_begin_outer's nesting, the audit log, and tenant
## removal refusing a table it does not know.
check_PROGRAMS += t/pg-audit
TESTS += t/pg-audit
t_pg_audit_SOURCES = t/pg-audit.c
t_pg_audit_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
t_pg_audit_LDADD = $(t_pg_db_LDADD)
