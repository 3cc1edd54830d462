# End to end with a private Postfix instance delivering to maildeskd over LMTP.
TESTS += t/e2e-postfix.sh
EXTRA_DIST += t/e2e-postfix.sh
