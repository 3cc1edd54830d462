## The rule engine benchmark, run by `make bench` (see the head of bench/rules):
## bench/rules-bench times lib/rules on 1,000 generated rules, bench/rules
## adds Postfix's PCRE tables (postmap -q) as the peer. Built with
## `make check` too, so it keeps compiling.
check_PROGRAMS += bench/rules-bench
bench_rules_bench_SOURCES = bench/rules-bench.c
bench_rules_bench_LDADD = lib/rules/librules.a lib/base/libmdbase.a $(PCRE2_LIBS)
EXTRA_DIST += bench/rules

bench-rules: bench/rules-bench$(EXEEXT)
	top_srcdir='$(abs_top_srcdir)' top_builddir='$(abs_top_builddir)' $(SHELL) $(srcdir)/bench/rules
.PHONY: bench-rules
