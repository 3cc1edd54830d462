## Issue 10, points 1 and 4: authenticated control mail (signed control
## addresses, DMARC pass, applied once) and agent reply addresses that
## expire.
TESTS += t/e2e-trust-control.sh
EXTRA_DIST += t/e2e-trust-control.sh
