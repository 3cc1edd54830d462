## lib/agent: what agents do by mail, pure (no I/O, no database, no GLib):
## the commands at the top of a reply and the RFC 3834 loop-safety check.
## Reads header fields as lib/mime splits them (mime-fields.c, no GMime)
## and uses lib/base, so programs that link libmdagent.a also need
## lib/mime/libmdmime.a and lib/base/libmdbase.a after it.
noinst_LIBRARIES += lib/agent/libmdagent.a
lib_agent_libmdagent_a_SOURCES = \
	lib/agent/agent.h lib/agent/agent-private.h \
	lib/agent/agent-command.c \
	lib/agent/agent-args.c \
	lib/agent/agent-loop.c \
	lib/agent/agent-auth.c
