## Prometheus metrics (issue 16): the text exposition as a unit, and the
## endpoint scraped by prometheus_client's parser end to end.
check_PROGRAMS += t/test-metrics
TESTS += t/test-metrics t/e2e-metrics.sh
t_test_metrics_SOURCES = t/test-metrics.c daemon/metrics.c
t_test_metrics_CPPFLAGS = $(AM_CPPFLAGS) -I$(srcdir)/daemon
t_test_metrics_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
t_test_metrics_LDADD = lib/db/libmddb.a lib/rules/librules.a lib/smtp/libmdsmtp.a lib/base/libmdbase.a $(CHECK_LIBS)
EXTRA_DIST += t/e2e-metrics.sh t/metrics-scrape.py
