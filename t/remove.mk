## Issue 14's lifecycle: every remove rule (alias, agent, team, tenant),
## "agent team add|remove" and the audit log, end to end.
TESTS += t/e2e-remove.sh
EXTRA_DIST += t/e2e-remove.sh
