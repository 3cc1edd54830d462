## maildeskctl for the rule engine and the agent's work ("rule ...",
## "agent status", "ticket assign/snooze/tag/priority", folders, "team
## routing", "sla ..."), end to end with mail in over LMTP.
TESTS += t/e2e-rules.sh
EXTRA_DIST += t/e2e-rules.sh
