## Tests of conversation threading (lib/thread); included from t/local.mk.
check_PROGRAMS += t/test-thread
TESTS += t/test-thread
t_test_thread_SOURCES = t/test-thread.c
t_test_thread_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
t_test_thread_LDADD = lib/thread/libmdthread.a $(OPENSSL_LIBS) $(CHECK_LIBS)
