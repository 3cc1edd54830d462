## The recipients of a transaction keep their RCPT lookup's route as the
## smtp core's per-recipient context (t/test-smtp covers the core); many
## recipients over LMTP end to end.
TESTS += t/e2e-routes.sh
EXTRA_DIST += t/e2e-routes.sh
