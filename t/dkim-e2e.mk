## DKIM end to end (lib/desk/desk-dkim.c in maildeskd): replies signed at
## send time, verified by python3-dkim and OpenDKIM against a dnsmasq stub.
TESTS += t/e2e-dkim.sh
EXTRA_DIST += t/e2e-dkim.sh t/dkim-dns-stub.sh t/dkim-verify.sh t/dkim-domains.sh t/dkimverify-stub.py
