## One owner of the pool threads' PostgreSQL connections (issue 11 point 4):
## bounded backends under load, and a reload moves every thread.
TESTS += t/e2e-workers.sh
EXTRA_DIST += t/e2e-workers.sh
