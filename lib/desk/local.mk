## lib/desk: what the helpdesk does with mail (notifications, agent replies
## and commands), inside the delivery transaction. Depends on lib/db,
## lib/mime (compose), lib/agent, lib/text and lib/thread.
noinst_LIBRARIES += lib/desk/libmddesk.a
lib_desk_libmddesk_a_SOURCES = \
	lib/desk/desk.h lib/desk/desk-private.h \
	lib/desk/desk.c \
	lib/desk/desk-deliver.c \
	lib/desk/desk-thread.c \
	lib/desk/desk-facts.c \
	lib/desk/desk-notify.c lib/desk/desk-notify-attach.c \
	lib/desk/desk-agent.c \
	lib/desk/desk-reply.c \
	lib/desk/desk-send.c \
	lib/desk/desk-bounce.c \
	lib/desk/desk-template.c \
	lib/desk/desk-template-use.c \
	lib/desk/desk-ack.c \
	lib/desk/desk-cli.c \
	lib/desk/desk-cli-new.c \
	lib/desk/desk-ticket.c \
	lib/desk/desk-webhook.h lib/desk/desk-webhook.c
## The rule engine's glue (desk-rules.h): facts, decisions, assignment, SLA,
## timers, agent status; and DKIM signing of outbound mail (desk-dkim.c).
lib_desk_libmddesk_a_SOURCES += lib/desk/desk-rules.h \
	lib/desk/desk-rules.c lib/desk/desk-rules-cache.c lib/desk/desk-rules-facts.c \
	lib/desk/desk-rules-private.h lib/desk/desk-rules-act.c lib/desk/desk-rules-mail.c \
	lib/desk/desk-assign.c lib/desk/desk-timers.c lib/desk/desk-status.c \
	lib/desk/desk-dkim.c lib/desk/desk-dkim.h
## Agent status by mail: the team's control address.
lib_desk_libmddesk_a_SOURCES += lib/desk/desk-control.c
## Orders (issue 12): set/clear, extraction by the tenant's patterns, the
## order subject and the order reminder.
lib_desk_libmddesk_a_SOURCES += lib/desk/desk-order.c lib/desk/desk-order-pattern.c
## Requests: reasons, a request opened or joined through the delivery
## pipeline, its reference (issue 12).
lib_desk_libmddesk_a_SOURCES += lib/desk/desk-request.h lib/desk/desk-request-private.h \
	lib/desk/desk-request.c lib/desk/desk-request-mail.c
## Providers and brands (issue 14): the one check of who may act on a
## ticket, routing to a provider, the connection's changes.
lib_desk_libmddesk_a_SOURCES += lib/desk/desk-connection.h lib/desk/desk-connection.c
lib_desk_libmddesk_a_CPPFLAGS = $(AM_CPPFLAGS) $(PCRE2_CFLAGS) $(OPENSSL_CFLAGS) $(JANSSON_CFLAGS)
## Intake beyond mail (issue 13): web forms, chat transcripts and shop
## events opened or joined through the delivery pipeline.
lib_desk_libmddesk_a_SOURCES += lib/desk/desk-intake.h lib/desk/desk-intake-private.h \
	lib/desk/desk-intake.c lib/desk/desk-intake-event.c
