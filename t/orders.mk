## Orders (issue 12): extraction by the tenant's patterns, #order by mail,
## maildeskctl ticket order, list/show, templates, notifications, rules,
## the order reminder and the order subject, end to end over LMTP.
TESTS += t/e2e-orders.sh
EXTRA_DIST += t/e2e-orders.sh
## The order's storage and desk layer against a private PostgreSQL, on the
## fixtures of pg-rules: events, refusals, the reminder claimed once by two
## connections, the order subject, bounded extraction.
check_PROGRAMS += t/pg-order
TESTS += t/pg-order
t_pg_order_SOURCES = t/pg-order.c t/pg-rules-lib.c t/pg-rules-lib.h
t_pg_order_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
t_pg_order_LDADD = $(t_pg_rules_LDADD)
