#ifndef MD_DAEMON_DELIVERY_H
#define MD_DAEMON_DELIVERY_H
/* Work that must not run on the event loop: recipient lookups and storing
 * delivered messages (MIME parsing + one PostgreSQL transaction per
 * recipient). Each job runs in libuv's thread pool, on that thread's own
 * database connection, and reports back on the loop thread. */
#include <stddef.h>
#include <stdint.h>

struct conn;
struct server;

/* Sets the connection parameters the worker threads use, the secret that
 * signs reply tokens, the recipient delimiters and the host name of our
 * Message-IDs; called at start and on
 * reload (threads reconnect when anything changed). Loop thread only. */
void delivery_configure(const char *conninfo, unsigned timeout_s, const char *secret, const char *delimiters,
			const char *hostname);
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

#endif
