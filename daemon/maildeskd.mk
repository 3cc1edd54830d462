sbin_PROGRAMS += daemon/maildeskd
daemon_maildeskd_SOURCES = \
	daemon/maildeskd.c \
	daemon/server.c daemon/server.h \
	daemon/conn.c daemon/conn.h \
	daemon/rcpt-route.c daemon/rcpt-route.h \
	daemon/delivery.c daemon/delivery.h \
	daemon/runtime.c daemon/runtime.h \
	daemon/workers.c daemon/workers.h \
	daemon/message-map.c daemon/message-map.h \
	daemon/tls.c daemon/tls.h \
	daemon/sdnotify.c daemon/sdnotify.h \
	daemon/activation.c daemon/activation.h
daemon_maildeskd_CPPFLAGS = $(AM_CPPFLAGS) $(LIBUV_CFLAGS) $(OPENSSL_CFLAGS) $(LIBSYSTEMD_CFLAGS)
daemon_maildeskd_LDADD = lib/desk/libmddesk.a lib/intake/libmdintake.a lib/rules/librules.a lib/dkim/libmddkim.a lib/db/libmddb.a lib/agent/libmdagent.a lib/text/libmdtext.a lib/thread/libmdthread.a lib/mime/libmdmime.a lib/smtp/libmdsmtp.a lib/base/libmdbase.a \
	$(LIBPQ_LIBS) $(JANSSON_LIBS) $(MIME_LIBS) $(LIBUV_LIBS) $(OPENSSL_LIBS) $(LIBSYSTEMD_LIBS) $(LIBS)

## The outbound queue's sender and its SMTP client (libetpan).
daemon_maildeskd_SOURCES += daemon/outbound.c daemon/outbound.h daemon/relay.c daemon/relay.h \
	daemon/tls-peer.c daemon/tls-peer.h
## Outbound retention: the hourly purge of sent and failed mail's bytes.
daemon_maildeskd_SOURCES += daemon/outbound-purge.c daemon/outbound-purge.h
daemon_maildeskd_CPPFLAGS += $(LIBETPAN_CFLAGS)
daemon_maildeskd_LDADD += $(LIBETPAN_LIBS)
## Snooze wake-ups, SLA breaches and rule reloads; the LISTEN connections.
daemon_maildeskd_SOURCES += daemon/timers.c daemon/timers.h daemon/listen.c daemon/listen.h
## The rule engine (PCRE2) and DKIM signing (libpsl for alignment).
daemon_maildeskd_LDADD += lib/rules/librules.a lib/dkim/libmddkim.a $(PCRE2_LIBS) $(LIBPSL_LIBS) $(OPENSSL_LIBS)
## IMAP channels (issue 15): the lease, sessions and fetch loop (libetpan).
daemon_maildeskd_SOURCES += daemon/imap-channel.c daemon/imap-channel.h daemon/imap-session.c daemon/imap-session.h \
	daemon/imap-secret.c daemon/imap-secret.h
## The HTTP API (issue 13): the listener (libmicrohttpd's thread), the
## pool job, the route tables (http-routes.h says how to add a route).
daemon_maildeskd_SOURCES += daemon/http-server.c daemon/http-server.h daemon/http-server-private.h \
	daemon/http-job.c daemon/http-exchange.c daemon/http-routes.c daemon/http-routes.h \
	daemon/http-route-requests.c daemon/http-route-tickets.c daemon/http-route-intake.c
daemon_maildeskd_CPPFLAGS += $(JANSSON_CFLAGS)
daemon_maildeskd_LDADD += lib/http/libmdhttp.a lib/base/libmdbase.a $(JANSSON_LIBS) $(OPENSSL_LIBS) -lm
## Webhooks out (issue 13): the sender thread and its requests (libcurl).
daemon_maildeskd_SOURCES += daemon/webhook.c daemon/webhook.h daemon/webhook-send.c daemon/webhook-send.h
daemon_maildeskd_CPPFLAGS += $(LIBCURL_CFLAGS)
daemon_maildeskd_LDADD += $(LIBCURL_LIBS)
