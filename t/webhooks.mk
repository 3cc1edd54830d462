## Webhooks out (issue 13): signed events to a Python receiver, retries,
## order per ticket, rotation, two daemons.
EXTRA_DIST += t/e2e-webhooks.sh t/webhook-receiver.py
TESTS += t/e2e-webhooks.sh
