/* Snooze wake-ups, SLA breaches and rule reloads (contract in timers.h):
 * a timer to the earliest due time, claims in the pool, LISTEN on the
 * loop. */
#include "config.h"
#include "timers.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/log.h"
#include "base/xalloc.h"
#include "db/db.h"
#include "desk/desk-rules.h"
#include "listen.h"
#include "metrics.h"
#include "runtime.h"
#include "workers.h"

#define BATCH 50              /* tickets per transaction */
#define ROUNDS_MAX 20         /* transactions per job; then a new job */
#define POLL_LISTENING_MS 60000 /* safety net: SLA due times send no NOTIFY */
#define POLL_FALLBACK_MS 5000   /* while LISTEN maildesk_timers is down */
#define RETRY_DB_MS 5000        /* after a batch that failed */
#define BUSY_MS 1000            /* due, but locked by another daemon */

struct timers {
	uv_loop_t *loop;
	uv_timer_t timer;
	struct listen *listen_timers, *listen_rules;
	char *conninfo;
	unsigned db_timeout;
	void (*after_fn)(void *arg);
	void *after_arg;
	unsigned jobs, handles;
	bool running, again, stopping;
	uint64_t rules_checked_ms; /* the last safety re-check of rule sets */
};

static void timers_run(struct timers *t);

/* Frees the timers once stopped and idle. */
static void timers_maybe_free(struct timers *t)
{
	if (!t->stopping || t->jobs > 0 || t->handles > 0)
		return;
	free(t->conninfo);
	free(t);
	log_info("event=timers.stopped");
}

/* The timer handle is closed. */
static void on_timer_closed(uv_handle_t *h)
{
	struct timers *t = h->data;

	t->handles--;
	timers_maybe_free(t);
}

/* Due, or time to look anyway. */
static void on_timer(uv_timer_t *h)
{
	timers_run(h->data);
}

/* Arms the timer for ms from now (replacing any earlier time). */
static void timer_arm(struct timers *t, uint64_t ms)
{
	if (!t->stopping)
		uv_timer_start(&t->timer, on_timer, ms, 0);
}

/* Wall-clock milliseconds (due times are wall-clock times). */
static int64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- one job: claim what is due, then read the next due time ---- */

typedef int (*claim_fn)(struct db *db, const struct desk_settings *s, struct desk_rules_cache *cache,
			unsigned limit, unsigned *n_r, char **error_r);

struct batch_job {
	uv_work_t req;
	struct timers *t;
	struct runtime *rt; /* held for the job's duration */
	unsigned woke, breached, reminded, closed;
	bool more;      /* stopped after ROUNDS_MAX full batches */
	int next_found; /* desk_timers_next: 1, 0 none, -1 error */
	int64_t next_at;
	char *error;
};

/* Runs fn in transactions of BATCH until fewer were due (or ROUNDS_MAX):
 * *total_r gets how many. Returns 0, or -1 with *error_r. */
static int claim_rounds(struct db *db, const struct desk_settings *s, claim_fn fn, unsigned *total_r, bool *more_r,
			char **error_r)
{
	for (unsigned round = 0; round < ROUNDS_MAX; round++) {
		unsigned n = 0;

		if (db_begin(db, error_r) < 0 || fn(db, s, NULL, BATCH, &n, error_r) < 0 || db_commit(db, error_r) < 0) {
			db_rollback(db);
			return -1;
		}
		*total_r += n;
		if (n < BATCH)
			return 0;
	}
	*more_r = true;
	return 0;
}

/* The claims and the next due time, on db. */
static void batch_run(struct batch_job *j, struct db *db)
{
	const struct desk_settings *s = &j->rt->desk;

	if ((j->next_found = desk_timers_next(db, &j->next_at, &j->error)) <= 0 ||
	    j->next_at * 1000 > wall_ms() + 1000)
		return;
	if (claim_rounds(db, s, desk_wake_due, &j->woke, &j->more, &j->error) < 0 ||
	    claim_rounds(db, s, desk_sla_breach_due, &j->breached, &j->more, &j->error) < 0 ||
	    claim_rounds(db, s, desk_order_remind_due, &j->reminded, &j->more, &j->error) < 0 ||
	    claim_rounds(db, s, desk_close_due, &j->closed, &j->more, &j->error) < 0) {
		j->next_found = -1;
		return;
	}
	j->next_found = desk_timers_next(db, &j->next_at, &j->error);
}

/* In the pool, on the connection the workers lend this thread (workers.h).
 * The next due time is read first, so a look when nothing is due (the
 * safety net, a snooze set for later) costs that one read. */
static void batch_work(uv_work_t *req)
{
	struct batch_job *j = req->data;
	struct db *db = workers_acquire(j->rt, &j->error);

	j->next_found = -1;
	if (db != NULL)
		batch_run(j, db);
	workers_release(&db);
}

/* How long until the next look, after a job. */
static uint64_t next_ms(const struct timers *t, const struct batch_job *j)
{
	uint64_t poll = listen_is_up(t->listen_timers) ? POLL_LISTENING_MS : POLL_FALLBACK_MS;
	int64_t due;

	if (j->next_found < 0)
		return RETRY_DB_MS;
	if (j->more || t->again)
		return 0;
	if (j->next_found == 0)
		return poll;
	due = j->next_at * 1000 - wall_ms();
	/* Still due after claiming all we could: another daemon holds it. */
	if (due <= 0)
		return BUSY_MS;
	return (uint64_t)due < poll ? (uint64_t)due : poll;
}

/* Back on the loop: log, let the sender know, re-arm. */
static void batch_done(uv_work_t *req, int status)
{
	struct batch_job *j = req->data;
	struct timers *t = j->t;
	char q[600];

	if (status != 0 && j->error == NULL)
		j->error = xstrdup("job cancelled");
	if (j->error != NULL) {
		j->next_found = -1;
		log_warn("event=timers.failed error=%s", log_quote(q, sizeof(q), j->error, strlen(j->error), 400));
	}
	if (j->woke > 0 || j->breached > 0 || j->reminded > 0 || j->closed > 0) {
		log_info("event=timers.fired woke=%u breached=%u order_reminders=%u closed=%u", j->woke, j->breached,
			 j->reminded, j->closed);
		metrics_count_timers_fired(j->woke + j->breached + j->reminded + j->closed);
		if (t->after_fn != NULL)
			t->after_fn(t->after_arg);
	}
	t->running = false;
	t->jobs--;
	timer_arm(t, next_ms(t, j));
	t->again = false;
	runtime_unref(&j->rt);
	free(j->error);
	free(j);
	timers_maybe_free(t);
}

/* Claims what is due now, unless a job runs already (then once more
 * after it) or we are stopping. */
static void timers_run(struct timers *t)
{
	struct batch_job *j;

	if (t->stopping)
		return;
	if (t->running) {
		t->again = true;
		return;
	}
	/* A LISTEN connection can die silently (an idle NAT drop is noticed
	 * only by TCP keepalive, hours later): at least once a minute every
	 * thread's rule cache re-checks the rule set versions, as after a
	 * NOTIFY. One query per thread per minute. */
	if (wall_ms() - t->rules_checked_ms >= POLL_LISTENING_MS) {
		t->rules_checked_ms = wall_ms();
		desk_rules_changed();
	}
	j = xcalloc(1, sizeof(*j));
	j->req.data = j;
	j->t = t;
	j->rt = runtime_get();
	t->running = true;
	t->jobs++;
	if (uv_queue_work(t->loop, &j->req, batch_work, batch_done) != 0)
		batch_done(&j->req, UV_ECANCELED);
}

/* ---- LISTEN maildesk_timers and maildesk_rules (listen.c) ---- */

/* A snooze was set: the earliest due time may have moved. */
static void on_timers_notify(void *arg)
{
	timers_run(arg);
}

/* Up: look now (snoozes set meanwhile). Down: look more often. */
static void on_timers_state(void *arg, bool up)
{
	struct timers *t = arg;

	if (up)
		timers_run(t);
	else if (!t->running)
		timer_arm(t, POLL_FALLBACK_MS);
}

/* A rule set was loaded: every thread's cache re-checks its versions. */
static void on_rules_notify(void *arg)
{
	(void)arg;
	log_info("event=rules.changed");
	desk_rules_changed();
}

/* Up again: loads may have been missed meanwhile. */
static void on_rules_state(void *arg, bool up)
{
	(void)arg;
	if (up)
		desk_rules_changed();
}

static const struct listen_ops timers_listen_ops = {
	.name = "timers", .channel = DB_CHANNEL_TIMERS,
	.on_notify = on_timers_notify, .on_state = on_timers_state,
};

static const struct listen_ops rules_listen_ops = {
	.name = "rules", .channel = DB_CHANNEL_RULES,
	.on_notify = on_rules_notify, .on_state = on_rules_state,
};

/* Opens both LISTEN connections with the current database settings. */
static void timers_listen(struct timers *t)
{
	t->listen_timers = listen_start(t->loop, t->conninfo, t->db_timeout, &timers_listen_ops, t);
	t->listen_rules = listen_start(t->loop, t->conninfo, t->db_timeout, &rules_listen_ops, t);
}

/* ---- the public side ---- */

/* Contract in timers.h. */
unsigned timers_threads(void)
{
	/* A claim job, and the two LISTEN connections' connects (each may
	 * block up to db_timeout while the database is unreachable). */
	return 3;
}

/* Contract in timers.h. */
struct timers *timers_start(uv_loop_t *loop, const struct md_config *cfg, void (*after_fn)(void *arg), void *arg)
{
	struct timers *t = xcalloc(1, sizeof(*t));

	t->loop = loop;
	t->conninfo = xstrdup(cfg->database);
	t->db_timeout = cfg->db_timeout;
	t->after_fn = after_fn;
	t->after_arg = arg;
	uv_timer_init(loop, &t->timer);
	t->timer.data = t;
	uv_unref((uv_handle_t *)&t->timer);
	t->handles = 1;
	log_info("event=timers.start batch=%u", BATCH);
	timers_listen(t);
	timers_run(t); /* catch up on what fell due while we were down */
	return t;
}

/* Contract in timers.h. */
void timers_configure(struct timers *t, const struct md_config *cfg)
{
	if (t == NULL || (strcmp(t->conninfo, cfg->database) == 0 && t->db_timeout == cfg->db_timeout))
		return;
	free(t->conninfo);
	t->conninfo = xstrdup(cfg->database);
	t->db_timeout = cfg->db_timeout;
	listen_stop(&t->listen_timers);
	listen_stop(&t->listen_rules);
	timers_listen(t);
}

/* Contract in timers.h. */
void timers_stop(struct timers **tp)
{
	struct timers *t = *tp;

	if (t == NULL)
		return;
	*tp = NULL;
	t->stopping = true;
	listen_stop(&t->listen_timers);
	listen_stop(&t->listen_rules);
	uv_close((uv_handle_t *)&t->timer, on_timer_closed);
	timers_maybe_free(t);
}
