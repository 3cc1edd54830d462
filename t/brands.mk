## Providers and brands (issue 14): connections, routing, the one check of
## who may act, disconnect and reconnect, against the real daemon.
TESTS += t/e2e-brands.sh
EXTRA_DIST += t/e2e-brands.sh
