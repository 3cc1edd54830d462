#ifndef MD_DB_LISTEN_H
#define MD_DB_LISTEN_H
/* Waking up on NOTIFY: a connection of its own that LISTENs on one of
 * maildesk's fixed channels (used for nothing else; it is switched to
 * non-blocking mode). Conventions of db.h. */
#include "db/db.h"

/* The channels maildesk notifies on. */
enum db_channel {
	DB_CHANNEL_OUTBOUND, /* maildesk_outbound: outbound rows queued, retried, flushed */
	DB_CHANNEL_TIMERS,   /* maildesk_timers: a snooze or SLA due time was set */
	DB_CHANNEL_RULES,    /* maildesk_rules: a rule set was loaded */
};
/* The channel's name ("maildesk_outbound" ...), for log lines. */
const char *db_channel_name(enum db_channel ch);

/* LISTEN on ch. Returns 0 or -1. */
int db_listen(struct db *db, enum db_channel ch, char **error_r);
/* The socket to watch for readability (-1 when not connected). */
int db_listen_fd(const struct db *db);
/* Reads what arrived without blocking. Returns 1 when a notification came,
 * 0 when none, -1 when the connection is gone (close it and listen anew). */
int db_listen_check(struct db *db, char **error_r);

#endif
