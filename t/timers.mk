## Snooze wake-ups, SLA breaches, rule reloads and agent status by mail,
## with two maildeskd on one PostgreSQL.
TESTS += t/e2e-timers.sh
EXTRA_DIST += t/e2e-timers.sh
