/* LISTEN connections on maildesk's fixed channels (contract in
 * db-listen.h). */
#include "config.h"
#include "db/db-listen.h"

#include <string.h>

#include "base/xalloc.h"
#include "db/db-private.h"

/* One LISTEN statement per channel: the channel name is fixed, so no
 * parameter is needed (LISTEN takes none). */
static const struct {
	const char *name, *sql;
} channels[] = {
	[DB_CHANNEL_OUTBOUND] = { "maildesk_outbound", "LISTEN maildesk_outbound" },
	[DB_CHANNEL_TIMERS] = { "maildesk_timers", "LISTEN maildesk_timers" },
	[DB_CHANNEL_RULES] = { "maildesk_rules", "LISTEN maildesk_rules" },
};

const char *db_channel_name(enum db_channel ch)
{
	return channels[ch].name;
}

int db_listen(struct db *db, enum db_channel ch, char **error_r)
{
	if (db_conn_ensure(db, error_r) < 0 || db_simple(db, channels[ch].sql, error_r) < 0)
		return -1;
	if (PQsetnonblocking(db->conn, 1) != 0) {
		*error_r = xstrdup("cannot switch the LISTEN connection to non-blocking mode");
		return -1;
	}
	return 0;
}

int db_listen_fd(const struct db *db)
{
	return db->conn != NULL ? PQsocket(db->conn) : -1;
}

/* Drains every pending notification. */
int db_listen_check(struct db *db, char **error_r)
{
	PGnotify *n;
	int got = 0;

	if (PQconsumeInput(db->conn) == 0 || PQstatus(db->conn) != CONNECTION_OK) {
		const char *msg = PQerrorMessage(db->conn);

		*error_r = xstrndup(msg, strcspn(msg, "\r\n"));
		return -1;
	}
	while ((n = PQnotifies(db->conn)) != NULL) {
		got = 1;
		PQfreemem(n);
	}
	return got;
}
