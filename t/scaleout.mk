## Several daemons on one database under load, one killed with SIGKILL and
## PostgreSQL restarted mid-run: nothing lost, nothing doubled.
EXTRA_DIST += t/e2e-scaleout.sh t/scaleout-client.py
TESTS += t/e2e-scaleout.sh

## Sharding by tenant: keys start with tenant_id, exceptions listed.
EXTRA_DIST += t/e2e-schema-keys.sh
TESTS += t/e2e-schema-keys.sh
