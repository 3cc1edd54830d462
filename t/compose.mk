check_PROGRAMS += t/test-compose
TESTS += t/test-compose
t_test_compose_SOURCES = t/test-compose.c
t_test_compose_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
t_test_compose_LDADD = lib/mime/libmdmime.a lib/base/libmdbase.a $(MIME_LIBS) $(CHECK_LIBS)
