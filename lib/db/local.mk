## lib/db: the only module that includes libpq (and no other lib/ module
## but lib/base). Programs that link libmddb.a also need
## $(LIBPQ_LIBS) $(JANSSON_LIBS) $(OPENSSL_LIBS). The migrations are
## compiled in from sql/*.sql (generated lib/db/db-sql.c, see sql/local.mk).
noinst_LIBRARIES += lib/db/libmddb.a
lib_db_libmddb_a_SOURCES = \
	lib/db/db.h lib/db/db-private.h \
	lib/db/db-conn.c \
	lib/db/db-pipe.c \
	lib/db/db-migrate.c \
	lib/db/db-deliver.c \
	lib/db/db-candidates.c lib/db/db-deliver.h
nodist_lib_db_libmddb_a_SOURCES = lib/db/db-sql.c
lib_db_libmddb_a_CPPFLAGS = $(AM_CPPFLAGS) $(LIBPQ_CFLAGS) $(JANSSON_CFLAGS)
## The outbound queue (sql/003_outbound.sql).
lib_db_libmddb_a_SOURCES += lib/db/db-outbound.h lib/db/db-outbound.c lib/db/db-listen.h lib/db/db-listen.c lib/db/db-row.c
## Queue control by the administrator (hold, release, delete).
lib_db_libmddb_a_SOURCES += lib/db/db-outbound-admin.c
## The metrics endpoint's cluster-wide gauges (issue 16).
lib_db_libmddb_a_SOURCES += lib/db/db-metrics.h lib/db/db-metrics.c lib/db/db-stats.h lib/db/db-stats.c
## Typed ticket operations (issue 11): status, snooze, assignee, tags,
## events, timers, assignment, split and merge.
lib_db_libmddb_a_SOURCES += lib/db/db-ticket.h lib/db/db-ticket-private.h lib/db/db-ticket.c \
	lib/db/db-ticket-timers.c lib/db/db-ticket-move.c
## Typed operations of lib/desk's mail paths (issue 11): tickets, agents and
## teams as mail shows them, stored mail and notes, automatic-mail counts,
## bounces, DKIM selectors, rule sets and the facts rules see.
lib_db_libmddb_a_SOURCES += lib/db/db-desk-facts.h lib/db/db-desk-facts.c lib/db/db-desk-team.h lib/db/db-desk-team.c \
	lib/db/db-desk-mail.h lib/db/db-desk-mail.c lib/db/db-desk-caps.h lib/db/db-desk-caps.c \
	lib/db/db-desk-bounce.h lib/db/db-desk-bounce.c \
	lib/db/db-desk-dkim.h lib/db/db-desk-dkim.c lib/db/db-desk-rules.h lib/db/db-desk-rules.c lib/db/db-desk-rules-facts.c
## maildeskctl's administration writes and reports (issue 11: no SQL
## outside lib/db).
lib_db_libmddb_a_SOURCES += lib/db/db-admin-private.h lib/db/db-admin-tenant.h lib/db/db-admin-tenant.c \
	lib/db/db-admin-agent.h lib/db/db-admin-agent.c lib/db/db-report-admin.h lib/db/db-report-admin.c \
	lib/db/db-report-queue.h lib/db/db-report-queue.c lib/db/db-report-ticket.h lib/db/db-report-ticket.c \
	lib/db/db-admin-team.h lib/db/db-admin-team.c lib/db/db-admin-domain.h lib/db/db-admin-domain.c \
	lib/db/db-report-domain.h lib/db/db-report-domain.c lib/db/db-admin-rule.h lib/db/db-admin-rule.c \
	lib/db/db-report-status.h lib/db/db-report-status.c
## Orders (issue 12): a ticket's order, the tenant's patterns, the reminder.
lib_db_libmddb_a_SOURCES += lib/db/db-order.h lib/db/db-order.c
## Attachments and raw messages written out, and what notifications carry (issue 12).
lib_db_libmddb_a_SOURCES += lib/db/db-attach.h lib/db/db-attach.c
## Requests: reasons, the request ticket, its reference (issue 12).
lib_db_libmddb_a_SOURCES += lib/db/db-request.h lib/db/db-request.c
lib_db_libmddb_a_SOURCES += lib/db/db-intake.h lib/db/db-intake.c
## Finding things and the lifecycle's settings (issue 12, sql/017).
lib_db_libmddb_a_SOURCES += lib/db/db-find.h lib/db/db-find.c
## IMAP channels (issue 15).
lib_db_libmddb_a_SOURCES += lib/db/db-imap.h lib/db/db-imap.c
## Issue 14: removing tenants, teams, aliases and agents; the audit log.
lib_db_libmddb_a_SOURCES += lib/db/db-audit.h lib/db/db-audit.c lib/db/db-lifecycle.h lib/db/db-lifecycle.c
## Privacy (issue 14): contact export and erase, inbound retention.
lib_db_libmddb_a_SOURCES += lib/db/db-privacy.h lib/db/db-privacy.c lib/db/db-privacy-erase.c
## Providers and brands: connections, handled tickets, delegates (issue 14).
lib_db_libmddb_a_SOURCES += lib/db/db-connection.h lib/db/db-connection.c
## The HTTP API (issue 13): API keys and Idempotency-Key records.
lib_db_libmddb_a_SOURCES += lib/db/db-http.h lib/db/db-http.c
## Webhooks out (issue 13, sql/022).
lib_db_libmddb_a_SOURCES += lib/db/db-webhook.h lib/db/db-webhook.c
