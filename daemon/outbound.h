#ifndef MD_DAEMON_OUTBOUND_H
#define MD_DAEMON_OUTBOUND_H
/* The sender of the outbound queue (lib/db/db-outbound.h): claims due rows
 * and delivers them to relay_host, up to outbound_concurrency at a time,
 * each claim and send in libuv's thread pool on the connection the workers
 * lend that thread (workers.h), under the runtime snapshot (runtime.h)
 * current when its settings were made. It wakes
 *   - at once when a row is queued, retried or flushed: a connection of its
 *     own LISTENs on maildesk_outbound, watched on the loop (while that
 *     connection is down, the queue is polled every 2 seconds instead);
 *   - when the earliest deferred row is due (a timer re-armed after every
 *     claim, and at least once a minute);
 *   - when a send finishes and a slot is free again.
 * With relay_host empty nothing is claimed. It also runs the hourly
 * retention purge (outbound-purge.h), sending or not. Loop thread only. */
#include <uv.h>

#include "base/conf.h"

struct outbound;

/* How many threads of the pool the sender may occupy at once, to add to
 * UV_THREADPOOL_SIZE so that sends never hold up deliveries. */
unsigned outbound_threads(const struct md_config *cfg);

/* Starts the sender on loop with cfg's relay_host and outbound_* (copied)
 * and the current runtime snapshot (hostname for EHLO, database, secret). Never fails: a database
 * that cannot be reached is logged and tried again. Its handles are unref'd:
 * they do not keep the loop alive, the jobs in flight do. */
struct outbound *outbound_start(uv_loop_t *loop, const struct md_config *cfg);

/* SIGHUP: takes the new settings; outbound_concurrency changes take
 * effect after a restart (the pool is sized at start). NULL ignored. */
void outbound_configure(struct outbound *o, const struct md_config *cfg);

/* Stops claiming. Sends in flight finish and record their results; rows
 * already claimed are still sent. The sender frees itself once the last
 * job is done; *o is set to NULL at once. NULL ignored. */
void outbound_stop(struct outbound **o);

/* Mail was just queued by this daemon: look for due rows now (NULL and a
 * stopped sender are ignored). Loop thread only. */
void outbound_kick(struct outbound *o);

#endif
