## Privacy (issue 14): contact export and erase, inbound retention, end to
## end over LMTP, maildeskctl and maildeskd.
TESTS += t/e2e-privacy.sh
EXTRA_DIST += t/e2e-privacy.sh
