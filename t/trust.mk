## Whose Authentication-Results count (issue 10, point 3): trust per
## listener, our Received line, RFC 8601 parsing, the socket's mode and
## group (t/e2e-trust.sh); the real OpenDKIM milter in front of a private
## Postfix (t/e2e-authres.sh).
TESTS += t/e2e-trust.sh t/e2e-authres.sh
EXTRA_DIST += t/e2e-trust.sh t/e2e-authres.sh
## Issue 10, points 1 and 4: authenticated control mail (signed control
## addresses, DMARC pass, applied once) and agent reply addresses that
## expire.
TESTS += t/e2e-trust-control.sh
EXTRA_DIST += t/e2e-trust-control.sh
