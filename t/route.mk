## The per-transaction recipient routes of a session (issue 10 point 7):
## the bounded table as a unit, and many recipients over LMTP end to end.
check_PROGRAMS += t/test-route-cache
TESTS += t/test-route-cache t/e2e-routes.sh
t_test_route_cache_SOURCES = t/test-route-cache.c daemon/route-cache.c
t_test_route_cache_CPPFLAGS = $(AM_CPPFLAGS) -I$(srcdir)/daemon
t_test_route_cache_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
t_test_route_cache_LDADD = lib/base/libmdbase.a $(CHECK_LIBS)
EXTRA_DIST += t/e2e-routes.sh
