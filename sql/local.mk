## Numbered schema migrations. build-aux/sql2c.sh compiles them into
## lib/db/db-sql.c, so the programs need no SQL files at run time. Add new
## files here in order (002_..., 003_...).
sql_migrations = \
	sql/001_initial.sql \
	sql/002_threading.sql \
	sql/003_outbound.sql \
	sql/004_agent_mail.sql \
	sql/005_templates.sql \
	sql/006_bounces.sql \
	sql/007_domains.sql \
	sql/008_rules.sql \
	sql/009_outbound_retention.sql \
	sql/010_queue_hold.sql \
	sql/011_trust_participants.sql \
	sql/012_daemons.sql \
	sql/013_outbound_claimer.sql \
	sql/014_orders.sql \
	sql/015_orders_extract.sql \
	sql/016_requests.sql \
	sql/017_search.sql \
	sql/018_notify_attach.sql \
	sql/019_imap_channels.sql \
	sql/020_imap_hold.sql \
	sql/021_http.sql \
	sql/022_webhooks.sql \
	sql/023_intake.sql \
	sql/024_connections.sql \
	sql/025_lifecycle.sql \
	sql/026_privacy.sql \
	sql/027_connection_webhooks.sql \
	sql/028_idempotency.sql

EXTRA_DIST += $(sql_migrations) build-aux/sql2c.sh
BUILT_SOURCES += lib/db/db-sql.c
CLEANFILES += lib/db/db-sql.c

lib/db/db-sql.c: $(sql_migrations) $(srcdir)/build-aux/sql2c.sh
	$(AM_V_GEN)$(MKDIR_P) lib/db && \
	$(SHELL) $(srcdir)/build-aux/sql2c.sh $(srcdir) $(sql_migrations) > $@-t && mv $@-t $@
