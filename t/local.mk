EXTRA_DIST += t/test-env t/pg-cluster.sh

check_PROGRAMS += t/test-conf
TESTS += t/test-conf
t_test_conf_SOURCES = t/test-conf.c
t_test_conf_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
t_test_conf_LDADD = lib/base/libmdbase.a $(CHECK_LIBS)

EXTRA_DIST += t/e2e-lib.sh t/md-instance.sh t/demo-run.sh t/e2e-lmtp.sh t/e2e-smtp.sh t/e2e-make-run.sh t/e2e-thread.sh t/e2e-agent.sh t/e2e-loop.sh t/e2e-limits.sh t/e2e-verp.sh \
	t/e2e-bounce-dsn.sh
TESTS += t/e2e-lmtp.sh t/e2e-smtp.sh t/e2e-make-run.sh t/e2e-thread.sh t/e2e-agent.sh t/e2e-loop.sh t/e2e-limits.sh t/e2e-verp.sh \
	t/e2e-bounce-dsn.sh
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
include $(srcdir)/t/lifecycle.mk

## Every program and Perl/Python module the scripts in t/ and bench/ use is
## installed by build-aux/deps.sh for them (see the script).
EXTRA_DIST += t/test-deps.py
TESTS += t/test-deps.py

## The service under systemd: install into a fresh root, sysusers/tmpfiles,
## the unit's hardening, sd_notify (watchdog, status) and journal log lines.
EXTRA_DIST += t/e2e-systemd.sh t/e2e-socket-activation.sh
TESTS += t/e2e-systemd.sh t/e2e-socket-activation.sh

## Queue control: hold, release, delete (maildeskctl queue, as postsuper).
EXTRA_DIST += t/e2e-queue.sh
TESTS += t/e2e-queue.sh

## lib/db is the only place with SQL (and libpq): issue 11.
EXTRA_DIST += t/test-no-sql.sh
TESTS += t/test-no-sql.sh

## Bash completion for maildeskctl.
EXTRA_DIST += t/test-completion.sh contrib/maildeskctl.bash
TESTS += t/test-completion.sh
include $(srcdir)/t/trust.mk
include $(srcdir)/t/trust-participants.mk
include $(srcdir)/t/metrics.mk
include $(srcdir)/t/route.mk
include $(srcdir)/t/workers.mk
include $(srcdir)/t/attach.mk
include $(srcdir)/t/scaleout.mk
include $(srcdir)/t/orders.mk

## The desk_ticket_* layer (one way a ticket changes) against a private
## PostgreSQL, on the fixtures of pg-rules (t/rules-pg.mk).
check_PROGRAMS += t/pg-ticket
TESTS += t/pg-ticket
t_pg_ticket_SOURCES = t/pg-ticket.c t/pg-rules-lib.c t/pg-rules-lib.h
t_pg_ticket_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
t_pg_ticket_LDADD = $(t_pg_rules_LDADD)
include $(srcdir)/t/requests.mk

## IMAP channels (issue 15): against a private Dovecot IMAP server.
EXTRA_DIST += t/e2e-imap.sh t/imap-client.py t/oauth2-introspect.py
TESTS += t/e2e-imap.sh

## Removing tenants, teams, aliases and agents; the audit log (issue 14).
include $(srcdir)/t/remove.mk
include $(srcdir)/t/privacy.mk
include $(srcdir)/t/brands.mk
include $(srcdir)/t/http.mk
include $(srcdir)/t/webhooks.mk
include $(srcdir)/t/intake.mk
include $(srcdir)/t/idempotency.mk
