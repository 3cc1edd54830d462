## The snooze benchmark, run by `make bench` (see the script's header): idle
## cost of 1,000,000 snoozed tickets and wake latency, next to a naive
## poller. Shell only.
EXTRA_DIST += bench/snooze

bench-snooze: daemon/maildeskd$(EXEEXT) daemon/maildeskctl$(EXEEXT)
	top_srcdir='$(abs_top_srcdir)' top_builddir='$(abs_top_builddir)' $(SHELL) $(srcdir)/bench/snooze
.PHONY: bench-snooze
