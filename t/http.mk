## The HTTP API (issue 13): lib/http's unit tests and the API end to end
## with curl against a daemon with http_listen; included from t/local.mk.
EXTRA_DIST += t/e2e-http.sh
TESTS += t/e2e-http.sh
check_PROGRAMS += t/test-http
TESTS += t/test-http
t_test_http_SOURCES = t/test-http.c
t_test_http_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
t_test_http_LDADD = lib/http/libmdhttp.a lib/base/libmdbase.a $(JANSSON_LIBS) $(OPENSSL_LIBS) -lm $(CHECK_LIBS)
