## The DKIM signing benchmark, run by `make bench` (see bench/README.md):
## bench/dkim-sign times lib/dkim, bench/dkim adds python3-dkim as the
## peer and the share of a delivery. Built with `make check` too, so it
## keeps compiling.
check_PROGRAMS += bench/dkim-sign
bench_dkim_sign_SOURCES = bench/dkim-sign.c
bench_dkim_sign_LDADD = lib/dkim/libmddkim.a lib/base/libmdbase.a $(OPENSSL_LIBS) $(LIBPSL_LIBS)
EXTRA_DIST += bench/dkim

bench-dkim: bench/dkim-sign$(EXEEXT)
	top_srcdir='$(abs_top_srcdir)' top_builddir='$(abs_top_builddir)' $(SHELL) $(srcdir)/bench/dkim
.PHONY: bench-dkim
