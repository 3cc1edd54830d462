#ifndef MD_DAEMON_WORKERS_H
#define MD_DAEMON_WORKERS_H
/* The one owner of the thread pool's PostgreSQL connections. Every job that
 * runs in libuv's pool and needs the database (RCPT lookups and deliveries,
 * delivery.c; outbound claims and sends, outbound.c; snooze and SLA
 * batches, timers.c; the retention purge, outbound-purge.c) gets its
 * connection here, so a pool thread holds at most one connection, whatever
 * kinds of job it runs. The daemon's other connections are fixed and
 * documented in maildeskd(8): the LISTEN connections of the sender and
 * the timers (listen.h, three), the heartbeat thread's and the metrics
 * listener's.
 *
 * Lifetime:
 *   - a pool thread's connection is made at its first workers_acquire()
 *     from the job's runtime snapshot (runtime.h) and kept between jobs;
 *   - between workers_acquire() and workers_release() it belongs to the
 *     calling job alone; outside that window it belongs to this module,
 *     which may close it (a reload, the exit);
 *   - it is made anew when a job's snapshot names another database or
 *     timeout than the one it was made with, and closed by
 *     workers_reload() when idle under an older snapshot (or at its
 *     release, when a reload happened during the job), so a reload moves
 *     every thread to the new settings without waiting for its next job;
 *   - a connection that broke is reset by lib/db itself at its next use;
 *   - workers_shutdown() closes them all once the pool is idle.
 * A connection is bound to the snapshot of the job that uses it (secret,
 * recipient delimiters, the desk settings of the after-store hook); the
 * module holds a reference to that snapshot while the binding lasts. */
#include "runtime.h"

struct db;

/* In a job of the pool: the calling thread's connection, (re)made and
 * bound to rt, which the job holds for its duration. NULL with *error_r
 * malloc'd when PostgreSQL can't be reached. A job may call it again
 * before its release (to retry after a failed connect, as the sender does
 * while recording a send's outcome). Call workers_release() once when
 * done (also after NULL). */
struct db *workers_acquire(struct runtime *rt, char **error_r);
/* The job is done with its connection; it goes back to the module (closed
 * at once when a reload moved to other connection settings meanwhile).
 * *db set to NULL. */
void workers_release(struct db **db);
/* Loop thread, after runtime_publish(): closes every idle connection made
 * under another snapshot whose database settings differ from the current
 * one's. Returns how many it closed. */
unsigned workers_reload(void);
/* Connections open now (for the log and the tests). Any thread. */
unsigned workers_connections(void);
/* At exit, when no job runs any more: closes every connection and frees
 * the threads' records. No workers_acquire() may follow. */
void workers_shutdown(void);

#endif
