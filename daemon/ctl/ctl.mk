## maildeskctl: the administration command line. Included from
## daemon/local.mk. Talks to PostgreSQL only through lib/db.
bin_PROGRAMS += daemon/maildeskctl
daemon_maildeskctl_SOURCES = \
	daemon/ctl/ctl.h \
	daemon/ctl/ctl-main.c \
	daemon/ctl/ctl-output.c \
	daemon/ctl/ctl-db.c \
	daemon/ctl/ctl-tenant.c \
	daemon/ctl/ctl-team.c \
	daemon/ctl/ctl-agent.c \
	daemon/ctl/ctl-agent-show.c \
	daemon/ctl/ctl-ticket.c \
	daemon/ctl/ctl-ticket-change.c \
	daemon/ctl/ctl-ticket-move.c \
	daemon/ctl/ctl-ticket-address.c \
	daemon/ctl/ctl-order.c
## Issue 12's lifecycle and finding things: "ticket solve", "ticket search",
## "contact show", "ticket list --requester", their settings.
daemon_maildeskctl_SOURCES += daemon/ctl/ctl-find.h daemon/ctl/ctl-find.c
daemon_maildeskctl_CPPFLAGS = $(AM_CPPFLAGS) $(JANSSON_CFLAGS)
daemon_maildeskctl_LDADD = lib/db/libmddb.a lib/thread/libmdthread.a lib/base/libmdbase.a \
	$(LIBPQ_LIBS) $(JANSSON_LIBS) $(OPENSSL_LIBS)
## "queue ...": the outbound queue.
daemon_maildeskctl_SOURCES += daemon/ctl/ctl-queue.c daemon/ctl/ctl-queue-admin.c
## "ticket reply/note/new", "template ...": lib/desk writes, lib/mime composes.
daemon_maildeskctl_SOURCES += daemon/ctl/ctl-ticket-reply.c daemon/ctl/ctl-ticket-new.c daemon/ctl/ctl-template.c
## Stored bytes written out: "message show --raw", "attachment get" (issue 12).
daemon_maildeskctl_SOURCES += daemon/ctl/ctl-attach.c
daemon_maildeskctl_LDADD += lib/desk/libmddesk.a lib/intake/libmdintake.a lib/db/libmddb.a lib/agent/libmdagent.a lib/text/libmdtext.a \
	lib/thread/libmdthread.a lib/mime/libmdmime.a lib/smtp/libmdsmtp.a lib/base/libmdbase.a $(LIBPQ_LIBS) $(MIME_LIBS) \
	$(OPENSSL_LIBS)
## "domain ...": sending domains and DKIM keys; "rule ...": the rule engine;
## agent status, folders and assignment.
daemon_maildeskctl_SOURCES += daemon/ctl/ctl-domain.c daemon/ctl/ctl-rule.c daemon/ctl/ctl-work.c
daemon_maildeskctl_SOURCES += daemon/ctl/ctl-domain.h daemon/ctl/ctl-domain-show.c daemon/ctl/ctl-domain-check.c \
	daemon/ctl/ctl-domain-retire.c
daemon_maildeskctl_SOURCES += daemon/ctl/ctl-rule.h daemon/ctl/ctl-rule-text.c daemon/ctl/ctl-rule-test.c \
	daemon/ctl/ctl-rule-facts.c daemon/ctl/ctl-work.h daemon/ctl/ctl-work-ticket.c daemon/ctl/ctl-work-team.c
## The rule engine, DKIM keys and DNS look-ups ("rule ...", "domain ...").
daemon_maildeskctl_LDADD += lib/desk/libmddesk.a lib/intake/libmdintake.a lib/rules/librules.a lib/dkim/libmddkim.a lib/dns/libmddns.a \
	lib/db/libmddb.a lib/thread/libmdthread.a lib/base/libmdbase.a \
	$(PCRE2_LIBS) $(LIBPSL_LIBS) $(LIBUNBOUND_LIBS) $(RESOLV_LIBS) $(LIBIDN2_LIBS) $(LIBPQ_LIBS) $(OPENSSL_LIBS)
## "reason ...", "request ...": requests about orders (issue 12).
daemon_maildeskctl_SOURCES += daemon/ctl/ctl-request.c
## "status": the daemons' heartbeats and metrics (issue 16).
daemon_maildeskctl_SOURCES += daemon/ctl/ctl-status.c
## "channel ...": IMAP channels (issue 15); "channel test" opens a session
## with the daemon's own IMAP code (libetpan).
daemon_maildeskctl_SOURCES += daemon/ctl/ctl-channel.c daemon/imap-session.c daemon/imap-session.h \
	daemon/tls-peer.c daemon/tls-peer.h \
	daemon/imap-secret.c daemon/imap-secret.h
daemon_maildeskctl_CPPFLAGS += $(LIBETPAN_CFLAGS) $(OPENSSL_CFLAGS)
daemon_maildeskctl_LDADD += $(LIBETPAN_LIBS) $(OPENSSL_LIBS)
## Issue 14: removals and the audit log.
daemon_maildeskctl_SOURCES += daemon/ctl/ctl-audit.c daemon/ctl/ctl-lifecycle.c
## "contact export|erase", "retention purge": privacy (issue 14); the
## export writes a zip with libzip.
daemon_maildeskctl_SOURCES += daemon/ctl/ctl-privacy.h daemon/ctl/ctl-privacy.c daemon/ctl/ctl-privacy-export.c
daemon_maildeskctl_CPPFLAGS += $(LIBZIP_CFLAGS)
daemon_maildeskctl_LDADD += $(LIBZIP_LIBS)
## "connection ...": providers and brands (issue 14).
daemon_maildeskctl_SOURCES += daemon/ctl/ctl-connection.c
## "apikey ...": the HTTP API's keys (issue 13; lib/http makes and hashes them).
daemon_maildeskctl_SOURCES += daemon/ctl/ctl-apikey.c
daemon_maildeskctl_LDADD += lib/http/libmdhttp.a lib/base/libmdbase.a $(JANSSON_LIBS) $(OPENSSL_LIBS) -lm
## Webhooks out (issue 13).
daemon_maildeskctl_SOURCES += daemon/ctl/ctl-webhook.c
## "form ...", "event-type ...", "chat post", "event post": intake beyond
## mail (issue 13).
daemon_maildeskctl_SOURCES += daemon/ctl/ctl-intake.c
