#ifndef MAILDESK_METRICS_H
#define MAILDESK_METRICS_H

#include <stdbool.h>
#include <stdint.h>

#include "base/buf.h"
#include "smtp/smtp-status.h"

/* Process-wide metrics (issue 16, point 6): counters kept in memory by
 * this daemon, rendered in Prometheus text format 0.0.4. Every function
 * is thread-safe and cheap; none blocks on I/O. */

/* A message outcome per recipient: result is "accepted", "refused" or
 * "deferred"; reason a short word ("stored", "duplicate", "no_such_user",
 * "tempfail"...). Both must be static strings (they are kept, not copied). */
void metrics_count_message(const char *result, const char *reason);
/* One delivery's latency, from the end of DATA to the reply, in seconds. */
void metrics_observe_delivery(double seconds);
/* One outbound attempt's result: "sent", "deferred" or "failed" (static;
 * NULL = not recorded, ignored). */
void metrics_count_outbound(const char *result);
/* One webhook attempt's result: "delivered", "retry" or "failed"
 * (static; NULL ignored). */
void metrics_count_webhook(const char *result);
/* n timers that fired (snooze wake-ups and SLA breaches). */
void metrics_count_timers_fired(unsigned n);
/* A message fetched over IMAP was moved to its channel's hold folder:
 * too_big (over message_size_limit) or after imap_max_attempts failed
 * deliveries. */
void metrics_count_imap_held(bool too_big);
/* Raw mails and attachment contents the inbound retention purged. */
void metrics_count_inbound_purged(unsigned raw, unsigned blobs);
/* A session opened (+1) or ended (-1) on a listener kind "lmtp"/"smtp". */
void metrics_session(const char *listener, int delta);
/* The RCPT lookup's outcome: refused (no_such_user) or deferred. */
void metrics_rcpt_result(enum smtp_status st);
/* One recipient's DATA outcome and its latency (observed when stored). */
void metrics_delivery_result(enum smtp_status st, bool duplicate, double seconds);
/* Monotonic seconds (CLOCK_MONOTONIC), for metrics_observe_delivery(). */
double metrics_now(void);

/* Cluster-wide gauges read from the database at scrape time. */
struct metrics_db_gauges {
	int64_t queue[5];           /* queued, sending, sent, deferred, failed */
	double oldest_deferred_s;   /* 0 when nothing is deferred */
	int64_t snoozed;
};
extern const char *const metrics_queue_states[5];

/* Appends the whole exposition to out; g may be NULL (database unreachable:
 * the gauges are left out and maildesk_database_up is 0). */
void metrics_render(struct buf *out, const struct metrics_db_gauges *g);
/* Appends only this daemon's counters (no database gauges): what the
 * heartbeat stores for "maildeskctl status". */
void metrics_render_counters(struct buf *out);
/* Appends v with \\, \" and \n escaped, as a label value needs. */
void metrics_escape_label(struct buf *out, const char *v);
/* Forgets every counter (for the unit test). */
void metrics_reset(void);

/* The histogram's upper bounds in seconds (ascending, +Inf implied). */
extern const double metrics_delivery_buckets[];
extern const unsigned metrics_n_delivery_buckets;

#endif
