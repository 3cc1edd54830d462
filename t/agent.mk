## Tests of agent mail commands and loop safety (lib/agent); included from
## t/local.mk.
check_PROGRAMS += t/test-agent
TESTS += t/test-agent
t_test_agent_SOURCES = t/test-agent.c
t_test_agent_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
t_test_agent_LDADD = lib/agent/libmdagent.a lib/mime/libmdmime.a lib/base/libmdbase.a $(CHECK_LIBS)
