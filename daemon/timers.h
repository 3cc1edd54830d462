#ifndef MD_DAEMON_TIMERS_H
#define MD_DAEMON_TIMERS_H
/* Snooze wake-ups, SLA breaches and solved tickets closing (lib/desk
 * desk_wake_due, desk_sla_breach_due, desk_close_due) without polling the tickets table: one uv timer set
 * to the earliest due time (desk_timers_next, read through partial
 * indexes). The claims run in libuv's thread pool on the connections of
 * the workers (workers.h; one job at a time), in batches, until fewer than a batch
 * was due; then the timer is re-armed. It looks again
 *   - at once on NOTIFY maildesk_timers (a snooze was set or a ticket
 *     solved; a connection of
 *     its own LISTENs, see listen.h), and when that connection comes up;
 *   - at the earliest due time;
 *   - at least every 60 seconds (SLA due times send no NOTIFY, and this is
 *     the safety net while LISTEN is down).
 * Due times in the past (a daemon that was down) fire at start. Several
 * daemons may run against one database: claims skip locked rows, so each
 * ticket wakes once. NOTIFY maildesk_rules (a rule set was loaded) calls
 * desk_rules_changed(), and so does every look at most once a minute (a
 * LISTEN connection may die unnoticed). Loop thread only. */
#include <uv.h>

#include "base/conf.h"

struct timers;

/* Threads of the pool the timers may occupy at once (to add to
 * UV_THREADPOOL_SIZE): a claim and both LISTEN connects. */
unsigned timers_threads(void);

/* Starts on loop with cfg's database and db_timeout (copied, for the
 * LISTEN connections); the claims use the runtime snapshot current when
 * each is queued (runtime.h). after_fn
 * (may be NULL) is called on the loop after a batch that may have queued
 * mail (maildeskd kicks its sender). Never fails; handles are unref'd. */
struct timers *timers_start(uv_loop_t *loop, const struct md_config *cfg, void (*after_fn)(void *arg), void *arg);
/* SIGHUP: a changed database reconnects the LISTEN connections. NULL
 * ignored. */
void timers_configure(struct timers *t, const struct md_config *cfg);
/* Stops: nothing new is claimed; a batch in flight finishes. Frees itself
 * once idle; *t set to NULL at once. NULL ignored. */
void timers_stop(struct timers **t);

#endif
