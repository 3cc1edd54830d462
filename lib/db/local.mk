## lib/db: the only module that includes libpq. Programs that link
## libmddb.a also need lib/thread/libmdthread.a after it, and
## $(LIBPQ_LIBS) $(JANSSON_LIBS) $(OPENSSL_LIBS). The migrations are
## compiled in from sql/*.sql (generated lib/db/db-sql.c, see sql/local.mk).
noinst_LIBRARIES += lib/db/libmddb.a
lib_db_libmddb_a_SOURCES = \
	lib/db/db.h lib/db/db-private.h \
	lib/db/db-conn.c \
	lib/db/db-migrate.c \
	lib/db/db-deliver.c \
	lib/db/db-thread.c
nodist_lib_db_libmddb_a_SOURCES = lib/db/db-sql.c
lib_db_libmddb_a_CPPFLAGS = $(AM_CPPFLAGS) $(LIBPQ_CFLAGS) $(JANSSON_CFLAGS)
## The outbound queue (sql/003_outbound.sql).
lib_db_libmddb_a_SOURCES += lib/db/db-outbound.h lib/db/db-outbound.c
## Queue control by the administrator (hold, release, delete).
lib_db_libmddb_a_SOURCES += lib/db/db-outbound-admin.c
## The metrics endpoint's cluster-wide gauges (issue 16).
lib_db_libmddb_a_SOURCES += lib/db/db-metrics.h lib/db/db-metrics.c lib/db/db-stats.h lib/db/db-stats.c
## maildeskctl's administration writes and reports (issue 11: no SQL
## outside lib/db).
lib_db_libmddb_a_SOURCES += lib/db/db-admin-private.h lib/db/db-admin-tenant.h lib/db/db-admin-tenant.c \
	lib/db/db-admin-agent.h lib/db/db-admin-agent.c lib/db/db-report-admin.h lib/db/db-report-admin.c \
	lib/db/db-report-queue.h lib/db/db-report-queue.c lib/db/db-report-ticket.h lib/db/db-report-ticket.c \
	lib/db/db-admin-team.h lib/db/db-admin-team.c lib/db/db-admin-domain.h lib/db/db-admin-domain.c \
	lib/db/db-report-domain.h lib/db/db-report-domain.c lib/db/db-admin-rule.h lib/db/db-admin-rule.c \
	lib/db/db-report-status.h lib/db/db-report-status.c
