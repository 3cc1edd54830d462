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

# Its cluster's data kept under /tmp, which a reboot clears: the next
# `make run` makes a new cluster instead of reporting "setup failed".
run2="$MD_TEST_TMP/run-tmp"
out=$(cd "$MD_TEST_TMP" && MD_PG_DATA_IN_TMP=1 MD_RUN_ONCE=1 MD_RUN_DIR="$run2" top_builddir="$top_builddir" sh "$top_srcdir/t/demo-run.sh" 2>&1)
assert_eq "a demo with its data under /tmp exits cleanly" 0 "$?"
gone=$(readlink -f "$run2/pg/data")
case $gone in /tmp/*) rm -rf "$gone" ;; *) gone="" ;; esac
assert_eq "its data folder was under /tmp and is now gone" "" "$( [ -n "$gone" ] && [ ! -e "$gone" ] || echo still-there)"
out=$(cd "$MD_TEST_TMP" && MD_RUN_ONCE=1 MD_RUN_DIR="$run2" top_builddir="$top_builddir" sh "$top_srcdir/t/demo-run.sh" 2>&1)
assert_eq "make run after the data folder vanished exits cleanly" 0 "$?"
assert_no_match "it does not report a failed setup" 'setup failed' "$out"
assert_match "and shows the sample ticket from a new cluster" 'My order #1042 has not arrived' "$out"
sh "$top_srcdir/t/pg-cluster.sh" remove "$run2/pg"
sh "$top_srcdir/t/pg-cluster.sh" remove "$MD_TEST_TMP/run/pg"
e2e_done
