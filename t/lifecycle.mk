## Issue 12's lifecycle (pending, solved, close-after) and finding things
## (the requester's list, search, contact show).
TESTS += t/e2e-lifecycle.sh
EXTRA_DIST += t/e2e-lifecycle.sh
