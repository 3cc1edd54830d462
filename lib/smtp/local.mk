## The SMTP/LMTP protocol core: no I/O, no logging (see smtp-server.h).
noinst_LIBRARIES += lib/smtp/libmdsmtp.a
lib_smtp_libmdsmtp_a_SOURCES = \
	lib/smtp/smtp-server.c lib/smtp/smtp-server.h lib/smtp/smtp-server-private.h \
	lib/smtp/smtp-server-cmd.c \
	lib/smtp/smtp-server-trans.c \
	lib/smtp/smtp-address.c lib/smtp/smtp-address.h \
	lib/smtp/smtp-data.c lib/smtp/smtp-data.h \
	lib/smtp/smtp-reply.c \
	lib/smtp/smtp-status.c lib/smtp/smtp-status.h \
	lib/smtp/smtp-received.c lib/smtp/smtp-received.h
## The client side's reading of a relay's replies (daemon/relay.c): text
## from strangers, parsed without I/O. (Delivery reports are lib/mime's,
## mime-dsn.h.)
lib_smtp_libmdsmtp_a_SOURCES += lib/smtp/smtp-client.c lib/smtp/smtp-client.h
