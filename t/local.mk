EXTRA_DIST += t/test-env t/pg-cluster.sh
