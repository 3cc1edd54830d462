## lib/rules: the parser (good and bad programs with exact positions) and
## the evaluator (tables of facts -> decisions); pure, no database.
check_PROGRAMS += t/test-rules
TESTS += t/test-rules
t_test_rules_SOURCES = t/test-rules.c t/test-rules-eval.c
t_test_rules_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
t_test_rules_LDADD = lib/rules/librules.a lib/base/libmdbase.a $(PCRE2_LIBS) $(CHECK_LIBS)
