## Webhooks out (issue 13): signed events to a Python receiver, retries,
## order per ticket, rotation, two daemons.
EXTRA_DIST += t/e2e-webhooks.sh t/webhook-receiver.py
TESTS += t/e2e-webhooks.sh
## The queue in PostgreSQL: fan-out in the caller's transaction, claims in
## order per ticket with SKIP LOCKED and leases, give-up, retry, replay,
## rotation.
check_PROGRAMS += t/pg-webhook
TESTS += t/pg-webhook
t_pg_webhook_SOURCES = t/pg-webhook.c
t_pg_webhook_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(JANSSON_CFLAGS)
t_pg_webhook_LDADD = $(t_pg_db_LDADD)
