## Who may join a conversation and who gets automatic mail (issue 10,
## points 2, 5 and 6); included from t/local.mk.
TESTS += t/e2e-trust-participants.sh
EXTRA_DIST += t/e2e-trust-participants.sh
