#include "config.h"
#include "metrics.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "db/db-stats.h"
#include "rules/rules-stats.h"

/* One mutex guards everything: updates are a few per message, far from
 * contention, and a scrape sees a consistent snapshot. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

#define MAX_SERIES 32
struct series {
	const char *a, *b; /* label values (static strings) */
	uint64_t n;
};
static struct series messages[MAX_SERIES];
static unsigned n_messages;
static struct series outbound[8];
static unsigned n_outbound;
static struct series webhooks[8];
static unsigned n_webhooks;
static struct series sessions[4];
static unsigned n_sessions;
static uint64_t timers_fired;
static uint64_t imap_held[2]; /* over the size limit, too many attempts */
static uint64_t purged_raw, purged_blobs; /* inbound retention (sql/026) */

const double metrics_delivery_buckets[] = { 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30 };
const unsigned metrics_n_delivery_buckets = sizeof(metrics_delivery_buckets) / sizeof(metrics_delivery_buckets[0]);
static uint64_t delivery_bucket[sizeof(metrics_delivery_buckets) / sizeof(metrics_delivery_buckets[0])];
static uint64_t delivery_count;
static double delivery_sum;

const char *const metrics_queue_states[5] = { "queued", "sending", "sent", "deferred", "failed" };

/* Finds or adds the series (a, b) in tab; NULL when tab is full (the
 * labels come from code, not from mail, so a full table is a bug). */
static struct series *series_get(struct series *tab, unsigned *n, unsigned max, const char *a, const char *b)
{
	for (unsigned i = 0; i < *n; i++)
		if (strcmp(tab[i].a, a) == 0 && strcmp(tab[i].b != NULL ? tab[i].b : "", b != NULL ? b : "") == 0)
			return &tab[i];
	if (*n == max)
		return NULL;
	tab[*n] = (struct series){ a, b, 0 };
	return &tab[(*n)++];
}

/* Adds delta to one labelled series under the lock. */
static void series_add(struct series *tab, unsigned *n, unsigned max, const char *a, const char *b, int64_t delta)
{
	struct series *s;

	pthread_mutex_lock(&lock);
	s = series_get(tab, n, max, a, b);
	if (s != NULL)
		s->n += (uint64_t)delta;
	pthread_mutex_unlock(&lock);
}

void metrics_count_message(const char *result, const char *reason)
{
	series_add(messages, &n_messages, MAX_SERIES, result, reason, 1);
}

void metrics_count_outbound(const char *result)
{
	if (result == NULL)
		return;
	series_add(outbound, &n_outbound, 8, result, NULL, 1);
}

void metrics_count_webhook(const char *result)
{
	if (result == NULL)
		return;
	series_add(webhooks, &n_webhooks, 8, result, NULL, 1);
}

void metrics_session(const char *listener, int delta)
{
	series_add(sessions, &n_sessions, 4, listener, NULL, delta);
}

void metrics_count_timers_fired(unsigned n)
{
	pthread_mutex_lock(&lock);
	timers_fired += n;
	pthread_mutex_unlock(&lock);
}

void metrics_count_imap_held(bool too_big)
{
	pthread_mutex_lock(&lock);
	imap_held[too_big ? 0 : 1]++;
	pthread_mutex_unlock(&lock);
}

void metrics_observe_delivery(double seconds)
{
	pthread_mutex_lock(&lock);
	for (unsigned i = 0; i < metrics_n_delivery_buckets; i++)
		if (seconds <= metrics_delivery_buckets[i]) {
			delivery_bucket[i]++;
			break;
		}
	delivery_count++;
	delivery_sum += seconds;
	pthread_mutex_unlock(&lock);
}

/* The reason label for a status that is not a success. */
static const char *status_reason(enum smtp_status st)
{
	switch (st) {
	case SMTP_STATUS_NO_SUCH_USER: return "no_such_user";
	case SMTP_STATUS_DB_TIMEOUT: return "db_timeout";
	case SMTP_STATUS_TOO_MANY_RCPTS: return "too_many_recipients";
	case SMTP_STATUS_TOO_BIG: return "too_big";
	case SMTP_STATUS_SHUTDOWN: return "shutdown";
	case SMTP_STATUS_INTERNAL: return "internal";
	default: return "tempfail";
	}
}

/* Accepted recipients are counted after DATA; RCPT counts only the others. */
void metrics_rcpt_result(enum smtp_status st)
{
	if (st == SMTP_STATUS_OK)
		return;
	metrics_count_message(smtp_status_reply(st)->code >= 500 ? "refused" : "deferred", status_reason(st));
}

void metrics_delivery_result(enum smtp_status st, bool duplicate, double seconds)
{
	if (st == SMTP_STATUS_OK || st == SMTP_STATUS_DUPLICATE) {
		metrics_count_message("accepted", duplicate || st == SMTP_STATUS_DUPLICATE ? "duplicate" : "stored");
		metrics_observe_delivery(seconds);
	} else
		metrics_count_message(smtp_status_reply(st)->code >= 500 ? "refused" : "deferred", status_reason(st));
}

double metrics_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Contract in metrics.h. */
void metrics_count_inbound_purged(unsigned raw, unsigned blobs)
{
	pthread_mutex_lock(&lock);
	purged_raw += raw;
	purged_blobs += blobs;
	pthread_mutex_unlock(&lock);
}

void metrics_reset(void)
{
	pthread_mutex_lock(&lock);
	n_messages = n_outbound = n_sessions = n_webhooks = 0;
	timers_fired = delivery_count = 0;
	imap_held[0] = imap_held[1] = 0;
	purged_raw = purged_blobs = 0;
	delivery_sum = 0;
	memset(delivery_bucket, 0, sizeof(delivery_bucket));
	pthread_mutex_unlock(&lock);
}

void metrics_escape_label(struct buf *out, const char *v)
{
	for (; *v != '\0'; v++) {
		if (*v == '\\')
			buf_append_str(out, "\\\\");
		else if (*v == '"')
			buf_append_str(out, "\\\"");
		else if (*v == '\n')
			buf_append_str(out, "\\n");
		else
			buf_append(out, v, 1);
	}
}

/* The HELP and TYPE lines that open a family. */
static void family(struct buf *out, const char *name, const char *type, const char *help)
{
	buf_printf(out, "# HELP maildesk_%s %s\n# TYPE maildesk_%s %s\n", name, help, name, type);
}

/* One sample line with up to two labels (names ka/kb; kb may be NULL). */
static void sample(struct buf *out, const char *name, const char *ka, const char *a, const char *kb,
		   const char *b, double v)
{
	buf_printf(out, "maildesk_%s", name);
	if (ka != NULL) {
		buf_printf(out, "{%s=\"", ka);
		metrics_escape_label(out, a);
		if (kb != NULL) {
			buf_printf(out, "\",%s=\"", kb);
			metrics_escape_label(out, b != NULL ? b : "");
		}
		buf_append_str(out, "\"}");
	}
	buf_printf(out, " %.17g\n", v);
}

/* One histogram family: name's cumulative buckets (counts per bucket in
 * counts[], bounds[] ascending), +Inf, sum and count. */
static void render_histogram(struct buf *out, const char *name, const char *help, const double *bounds,
			     const uint64_t *counts, unsigned n, uint64_t count, double sum)
{
	char bucket[96], le[32];
	uint64_t cum = 0;

	family(out, name, "histogram", help);
	snprintf(bucket, sizeof(bucket), "%s_bucket", name);
	for (unsigned i = 0; i < n; i++) {
		cum += counts[i];
		snprintf(le, sizeof(le), "%g", bounds[i]);
		sample(out, bucket, "le", le, NULL, NULL, (double)cum);
	}
	sample(out, bucket, "le", "+Inf", NULL, NULL, (double)count);
	buf_printf(out, "maildesk_%s_sum %.17g\nmaildesk_%s_count %.17g\n", name, sum, name, (double)count);
}

/* PostgreSQL round trips of this daemon (lib/db's histogram). */
static void render_db_round_trips(struct buf *out)
{
	struct db_stats_round_trips rt;

	db_stats_round_trips(&rt);
	render_histogram(out, "database_round_trip_seconds",
			 "Time from sending a statement, or a pipeline of several, to PostgreSQL to reading the result.",
			 db_stats_round_trip_buckets, rt.bucket, DB_STATS_N_BUCKETS, rt.count, rt.sum_s);
}

/* The gauges read from the database (cluster-wide, not this daemon's). */
static void render_db(struct buf *out, const struct metrics_db_gauges *g)
{
	family(out, "database_up", "gauge", "1 when the scrape could read the database.");
	sample(out, "database_up", NULL, NULL, NULL, NULL, g != NULL);
	if (g == NULL)
		return;
	family(out, "outbound_queue", "gauge", "Outbound rows by state (cluster-wide).");
	for (unsigned i = 0; i < 5; i++)
		sample(out, "outbound_queue", "state", metrics_queue_states[i], NULL, NULL, (double)g->queue[i]);
	family(out, "outbound_oldest_deferred_seconds", "gauge", "Age of the oldest deferred outbound row.");
	sample(out, "outbound_oldest_deferred_seconds", NULL, NULL, NULL, NULL, g->oldest_deferred_s);
	family(out, "tickets_snoozed", "gauge", "Tickets currently snoozed (cluster-wide).");
	sample(out, "tickets_snoozed", NULL, NULL, NULL, NULL, (double)g->snoozed);
}

void metrics_render(struct buf *out, const struct metrics_db_gauges *g)
{
	metrics_render_counters(out);
	render_db(out, g);
}

void metrics_render_counters(struct buf *out)
{
	pthread_mutex_lock(&lock);
	family(out, "messages_total", "counter", "Recipients of inbound mail by result and reason.");
	for (unsigned i = 0; i < n_messages; i++)
		sample(out, "messages_total", "result", messages[i].a, "reason", messages[i].b, (double)messages[i].n);
	render_histogram(out, "delivery_duration_seconds", "Time from the end of DATA to the reply, per recipient.",
			 metrics_delivery_buckets, delivery_bucket, metrics_n_delivery_buckets, delivery_count,
			 delivery_sum);
	family(out, "outbound_total", "counter", "Outbound delivery attempts by result.");
	for (unsigned i = 0; i < n_outbound; i++)
		sample(out, "outbound_total", "result", outbound[i].a, NULL, NULL, (double)outbound[i].n);
	family(out, "webhook_deliveries_total", "counter", "Webhook delivery attempts by result.");
	for (unsigned i = 0; i < n_webhooks; i++)
		sample(out, "webhook_deliveries_total", "result", webhooks[i].a, NULL, NULL, (double)webhooks[i].n);
	family(out, "timers_fired_total", "counter", "Timer passes that woke tickets or marked SLA breaches.");
	sample(out, "timers_fired_total", NULL, NULL, NULL, NULL, (double)timers_fired);
	family(out, "imap_held_total", "counter", "Fetched messages moved to a channel's hold folder, by reason.");
	sample(out, "imap_held_total", "reason", "size", NULL, NULL, (double)imap_held[0]);
	sample(out, "imap_held_total", "reason", "attempts", NULL, NULL, (double)imap_held[1]);
	family(out, "inbound_purged_total", "counter", "Raw mails and attachment contents purged by the retention.");
	sample(out, "inbound_purged_total", "kind", "raw", NULL, NULL, (double)purged_raw);
	sample(out, "inbound_purged_total", "kind", "attachment", NULL, NULL, (double)purged_blobs);
	family(out, "rule_evaluations_total", "counter", "Rule programs evaluated against a ticket.");
	sample(out, "rule_evaluations_total", NULL, NULL, NULL, NULL, (double)rules_stats_evals());
	family(out, "database_errors_total", "counter", "Failed database statements and connections.");
	sample(out, "database_errors_total", NULL, NULL, NULL, NULL, (double)db_stats_errors());
	family(out, "database_statements_total", "counter",
	       "Statements sent to PostgreSQL, however many shared one round trip.");
	sample(out, "database_statements_total", NULL, NULL, NULL, NULL, (double)db_stats_statements());
	render_db_round_trips(out);
	family(out, "sessions_open", "gauge", "SMTP/LMTP sessions open now, per listener kind.");
	for (unsigned i = 0; i < n_sessions; i++)
		sample(out, "sessions_open", "listener", sessions[i].a, NULL, NULL, (double)(int64_t)sessions[i].n);
	pthread_mutex_unlock(&lock);
}
