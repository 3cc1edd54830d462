## lib/http (issue 13): the HTTP API's pure side (problem+json, query
## strings, API keys, Idempotency-Key, client addresses, rate buckets,
## JSON bodies); no sockets, no database. Programs that link libmdhttp.a
## also need lib/base/libmdbase.a $(JANSSON_LIBS) $(OPENSSL_LIBS) -lm.
noinst_LIBRARIES += lib/http/libmdhttp.a
lib_http_libmdhttp_a_SOURCES = \
	lib/http/http.h \
	lib/http/http-problem.c \
	lib/http/http-query.c \
	lib/http/http-key.c \
	lib/http/http-addr.c \
	lib/http/http-rate.c \
	lib/http/http-request.c
lib_http_libmdhttp_a_CPPFLAGS = $(AM_CPPFLAGS) $(JANSSON_CFLAGS) $(OPENSSL_CFLAGS)
