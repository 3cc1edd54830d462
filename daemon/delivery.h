#ifndef MD_DAEMON_DELIVERY_H
#define MD_DAEMON_DELIVERY_H
/* Work that must not run on the event loop: recipient lookups and storing
 * delivered messages (MIME parsing + one PostgreSQL transaction per
 * recipient). Each job runs in libuv's thread pool on the connection the
 * workers module lends its thread (workers.h), under the runtime snapshot
 * (runtime.h) current when the job was queued, and reports back on the
 * loop thread through the callback it was given. delivery knows nothing
 * of sessions: conn.c, the session glue, calls it and answers the client.
 *
 * Callbacks (libuv style): a *_start() that returns 0 calls its callback
 * exactly once, later, on the loop thread; one that returns -1 calls
 * none. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "db/db.h"
#include "rcpt-route.h"
#include "smtp/smtp-received.h"

/* The answer to one RCPT lookup, valid during the callback. found: 1 the
 * address is a team's (route set: the callback takes it, free with
 * rcpt_route_free()), 0 unknown, -1 the lookup failed (error says why). */
struct delivery_rcpt_result {
	const char *address;
	int found;
	struct rcpt_route *route;
	const char *error;
};
typedef void delivery_rcpt_cb(void *ctx, struct delivery_rcpt_result *res);

/* Starts the lookup of a RCPT address (copied). 0, or -1 when it could not
 * be queued. */
int delivery_rcpt_start(uv_loop_t *loop, const char *address, delivery_rcpt_cb *cb, void *ctx);

/* One message of a session, for its accepted recipients. */
struct delivery_data {
	const char *session_id;  /* for the log; copied */
	const char *mail_from;   /* copied; NULL: unknown (a message fetched over
				  * IMAP without Return-Path), its From stands in */
	const struct rcpt_route *const *routes; /* one per recipient, RCPT order; copied */
	size_t n_rcpts;
	const struct smtp_received *received;   /* our Received field's facts (the
						 * recipient is filled in); read
						 * during the call only */
	bool trusted;            /* the peer's Authentication-Results may count */
	char *msg;               /* ownership taken (free()able) */
	size_t len;
	/* NULL, or (a message fetched over IMAP, one recipient) the channel
	 * position its delivery transaction advances (copied; see
	 * db_message_in.channel_pos). */
	const struct db_channel_pos *channel_pos;
};
/* One recipient's answer (index in RCPT order), on the loop thread, once
 * per recipient; then done() once, after which no callback follows. */
struct delivery_data_cbs {
	void (*reply)(void *ctx, size_t index, unsigned code, const char *enh, const char *text);
	void (*done)(void *ctx);
};

/* Starts storing d's message (see struct delivery_data for what is taken);
 * cbs must outlive the job. 0, or -1 when it could not be queued (msg is
 * freed then too). */
int delivery_data_start(uv_loop_t *loop, const struct delivery_data *d, const struct delivery_data_cbs *cbs,
			void *ctx);

/* Checks at start that the database is reachable and its schema current.
 * Returns 0, or -1 with *error_r malloc'd. Runs synchronously. */
int delivery_check_database(const char *conninfo, unsigned timeout_s, char **error_r);

/* Called on the loop thread after a delivery stored something (which may
 * have queued mail); maildeskd points it at its sender. */
void delivery_set_stored_hook(void (*fn)(void *arg), void *arg);

#endif
