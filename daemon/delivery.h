#ifndef MD_DAEMON_DELIVERY_H
#define MD_DAEMON_DELIVERY_H
/* Work that must not run on the event loop: recipient lookups and storing
 * delivered messages (MIME parsing + one PostgreSQL transaction per
 * recipient). Each job runs in libuv's thread pool, on that thread's own
 * database connection, and reports back on the loop thread. */
#include <stddef.h>
#include <stdint.h>

#include "base/conf.h"

struct conn;
struct server;

/* Publishes the settings the worker threads use (database, secret that
 * signs reply tokens, recipient delimiters, host name of our Message-IDs,
 * the caps and trust rules of lib/desk); threads move to them, reconnecting,
 * at their next job. Loop thread only; called at start and on reload. */
void delivery_configure(const struct md_config *cfg, const char *secret);
/* For other jobs of the pool (the timers): the calling worker thread's
 * connection and the desk settings of the snapshot it was made with (both
 * valid until the thread's next call). NULL with *error_r malloc'd when
 * PostgreSQL can't be reached. */
struct db;
struct desk_settings;
struct db *delivery_thread_db(const struct desk_settings **settings_r, char **error_r);
/* Closes the calling thread's database connection (for clean exits). */
void delivery_thread_cleanup(void);

/* Starts the lookup of a RCPT address; answers the session when done. */
void delivery_rcpt_start(struct conn *c, const char *address);
/* Starts storing msg (ownership taken, free()able) for the recipients of the
 * current transaction; answers each recipient when done. */
void delivery_data_start(struct conn *c, const char *mail_from, const char *const *rcpts,
			 size_t n_rcpts, char *msg, size_t len);

/* Checks at start that the database is reachable and its schema current.
 * Returns 0, or -1 with *error_r malloc'd. Runs synchronously. */
int delivery_check_database(const char *conninfo, unsigned timeout_s, char **error_r);

/* Called on the loop thread after a delivery stored something (which may
 * have queued mail); maildeskd points it at its sender. */
void delivery_set_stored_hook(void (*fn)(void *arg), void *arg);

#endif
