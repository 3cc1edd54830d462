## lib/rules: the rule language (maildesk-rules(5)). Pure: PCRE2 only.
noinst_LIBRARIES += lib/rules/librules.a
lib_rules_librules_a_SOURCES = lib/rules/rules.h lib/rules/rules-private.h \
	lib/rules/rules-lex.c lib/rules/rules-parse.c lib/rules/rules-parse-cond.c \
	lib/rules/rules-parse-act.c lib/rules/rules-check.c lib/rules/rules-compile.c \
	lib/rules/rules-eval.c \
	lib/rules/rules-stats.c lib/rules/rules-stats.h
lib_rules_librules_a_CPPFLAGS = $(AM_CPPFLAGS) $(PCRE2_CFLAGS)
