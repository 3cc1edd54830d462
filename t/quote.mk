## Tests of reply/quote separation (lib/text); included from t/local.mk.
check_PROGRAMS += t/test-quote
TESTS += t/test-quote
t_test_quote_SOURCES = t/test-quote.c
t_test_quote_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
t_test_quote_LDADD = lib/text/libmdtext.a lib/base/libmdbase.a $(CHECK_LIBS)
