## lib/rules: the rule language (maildesk-rules(5)). Pure: PCRE2 only.
noinst_LIBRARIES += lib/rules/librules.a
lib_rules_librules_a_SOURCES = lib/rules/rules.h lib/rules/rules-stub.c
lib_rules_librules_a_CPPFLAGS = $(AM_CPPFLAGS) $(PCRE2_CFLAGS)
