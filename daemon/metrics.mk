## Prometheus metrics (issue 16): the registry and the HTTP listener
## (libmicrohttpd, its own thread); included from daemon/local.mk.
daemon_maildeskd_SOURCES += daemon/metrics.c daemon/metrics.h daemon/metrics-http.c daemon/metrics-http.h
daemon_maildeskd_SOURCES += daemon/heartbeat.c daemon/heartbeat.h
daemon_maildeskd_CPPFLAGS += $(LIBMHD_CFLAGS)
daemon_maildeskd_LDADD += $(LIBMHD_LIBS)
