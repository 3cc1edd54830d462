## The ingest benchmark, run by `make bench` (see bench/README.md). Shell
## only, nothing to build; shipped so that a tarball can run it too.
EXTRA_DIST += bench/ingest bench/outbound bench/bench-lib.sh bench/mail-client.py bench/README.md

bench-outbound: daemon/maildeskd$(EXEEXT) daemon/maildeskctl$(EXEEXT)
	top_srcdir='$(abs_top_srcdir)' top_builddir='$(abs_top_builddir)' $(SHELL) $(srcdir)/bench/outbound
.PHONY: bench-outbound
include $(srcdir)/bench/dkim.mk
include $(srcdir)/bench/rules.mk
include $(srcdir)/bench/snooze.mk
include $(srcdir)/bench/mime.mk
