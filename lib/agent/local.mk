## lib/agent: what agents do by mail, pure (no I/O, no database, no GLib):
## the commands at the top of a reply and the RFC 3834 loop-safety check.
## Uses struct buf and xalloc from lib/base, so programs that link
## libmdagent.a also need lib/base/libmdbase.a.
noinst_LIBRARIES += lib/agent/libmdagent.a
lib_agent_libmdagent_a_SOURCES = \
	lib/agent/agent.h lib/agent/agent-private.h \
	lib/agent/agent-command.c \
	lib/agent/agent-args.c \
	lib/agent/agent-loop.c \
	lib/agent/agent-auth.c
