## The ingest benchmark, run by `make bench` (see bench/README.md). Shell
## only, nothing to build; shipped so that a tarball can run it too.
EXTRA_DIST += bench/ingest bench/README.md
include $(srcdir)/bench/dkim.mk
include $(srcdir)/bench/rules.mk
include $(srcdir)/bench/snooze.mk
include $(srcdir)/bench/mime.mk
