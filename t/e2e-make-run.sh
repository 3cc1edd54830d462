#!/bin/sh
# `make run` as the README gives it: cluster, demo data, daemon, one sample
# mail, the ticket printed. MD_RUN_ONCE makes it stop by itself.
set -u
. "$top_srcdir/t/e2e-lib.sh"
unset MD_DATABASE PGHOST
out=$(cd "$MD_TEST_TMP" && MD_RUN_ONCE=1 MD_RUN_DIR="$MD_TEST_TMP/run" top_builddir="$top_builddir" sh "$top_srcdir/t/demo-run.sh" 2>&1)
rc=$?
assert_eq "the demo exits cleanly" 0 "$rc"
assert_match "the demo prints the LMTP and SMTP ports" 'LMTP 127\.0\.0\.1:[0-9]+, SMTP 127\.0\.0\.1:[0-9]+' "$out"
assert_match "the demo's sample mail became a ticket that is shown" 'My order #1042 has not arrived' "$out"
assert_match "the demo stops the daemon and the cluster" 'stopping maildeskd and PostgreSQL' "$out"
e2e_done
