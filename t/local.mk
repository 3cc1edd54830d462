EXTRA_DIST += t/test-env t/pg-cluster.sh

check_PROGRAMS += t/test-conf
TESTS += t/test-conf
t_test_conf_SOURCES = t/test-conf.c
t_test_conf_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
t_test_conf_LDADD = lib/base/libmdbase.a $(CHECK_LIBS)

EXTRA_DIST += t/e2e-lib.sh t/md-instance.sh t/demo-run.sh t/e2e-lmtp.sh t/e2e-smtp.sh t/e2e-make-run.sh t/e2e-thread.sh t/e2e-agent.sh t/e2e-loop.sh t/e2e-limits.sh
TESTS += t/e2e-lmtp.sh t/e2e-smtp.sh t/e2e-make-run.sh t/e2e-thread.sh t/e2e-agent.sh t/e2e-loop.sh t/e2e-limits.sh
include $(srcdir)/t/db.mk
include $(srcdir)/t/smtp.mk
include $(srcdir)/t/mime.mk
include $(srcdir)/t/postfix.mk
include $(srcdir)/t/thread.mk
include $(srcdir)/t/compose.mk
include $(srcdir)/t/quote.mk
include $(srcdir)/t/agent.mk
include $(srcdir)/t/outbound.mk
include $(srcdir)/t/desk.mk
include $(srcdir)/t/dkim.mk
include $(srcdir)/t/domain.mk
include $(srcdir)/t/dkim-e2e.mk
include $(srcdir)/t/rules.mk
include $(srcdir)/t/rules-pg.mk
include $(srcdir)/t/work.mk
include $(srcdir)/t/timers.mk
