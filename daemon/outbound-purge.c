/* Outbound and inbound retention (contract in outbound-purge.h): a timer
 * on the loop, one purge job at a time in the pool. */
#include "config.h"
#include "outbound-purge.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/xalloc.h"
#include "db/db-http.h"
#include "db/db-outbound.h"
#include "db/db-privacy.h"
#include "metrics.h"
#include "runtime.h"
#include "workers.h"

#define PURGE_EVERY_MS (3600 * 1000) /* at most once an hour */
#define RETRY_MS (5 * 60 * 1000)     /* after a purge that failed */
#define BATCHES_MAX 50               /* per job; then another job at once */

struct outbound_purge {
	uv_loop_t *loop;
	uv_timer_t timer;
	unsigned retention_s, idem_ttl_s;
	bool running, stopping, timer_open;
};

struct purge_job {
	uv_work_t req;
	struct outbound_purge *p;
	struct runtime *rt;   /* held for the job's duration */
	unsigned retention_s; /* copied: the job never reads p */
	unsigned rows;
	bool more;
	char *error;
	/* The inbound retention's part (sql/026): its own counts and error. */
	unsigned raw, blobs;
	bool more_in;
	char *error_in;
	/* The HTTP API's Idempotency-Key records (sql/028): older than
	 * http_idempotency_ttl, deleted. */
	unsigned idem_ttl_s, idem_rows;
	bool more_idem;
	char *error_idem;
};

static void purge_run(struct outbound_purge *p);

/* Frees the purge once stopped and idle. */
static void purge_maybe_free(struct outbound_purge *p)
{
	if (p->stopping && !p->running && !p->timer_open)
		free(p);
}

/* The timer handle is closed. */
static void on_timer_closed(uv_handle_t *h)
{
	struct outbound_purge *p = h->data;

	p->timer_open = false;
	purge_maybe_free(p);
}

/* Time for the next purge. */
static void on_timer(uv_timer_t *h)
{
	purge_run(h->data);
}

/* In the pool, on the connection the workers lend this thread. */
static void purge_work(uv_work_t *req)
{
	struct purge_job *j = req->data;
	struct db *db = workers_acquire(j->rt, &j->error);

	if (db != NULL) {
		db_outbound_purge_batches(db, j->retention_s, BATCHES_MAX, &j->rows, &j->more, &j->error);
		db_privacy_purge_batches(db, 0, BATCHES_MAX, &j->raw, &j->blobs, &j->more_in, &j->error_in);
		db_http_idem_purge_batches(db, j->idem_ttl_s, BATCHES_MAX, &j->idem_rows, &j->more_idem,
					   &j->error_idem);
	}
	workers_release(&db);
}

/* The inbound retention's log lines and metric (tenants' settings, so
 * nothing is logged while no tenant has one). */
static void inbound_done(const struct purge_job *j)
{
	char q[600];

	if (j->raw > 0 || j->blobs > 0) {
		log_info("event=inbound.purged raw=%u attachments=%u", j->raw, j->blobs);
		metrics_count_inbound_purged(j->raw, j->blobs);
	}
	if (j->error_in != NULL)
		log_warn("event=inbound.purge_failed error=%s",
			 log_quote(q, sizeof(q), j->error_in, strlen(j->error_in), 400));
}

/* The Idempotency-Key records' log lines. */
static void idem_done(const struct purge_job *j)
{
	char q[600];

	if (j->idem_rows > 0)
		log_info("event=http.idempotency_purged rows=%u ttl=%u", j->idem_rows, j->idem_ttl_s);
	if (j->error_idem != NULL)
		log_warn("event=http.idempotency_purge_failed error=%s",
			 log_quote(q, sizeof(q), j->error_idem, strlen(j->error_idem), 400));
}

/* Back on the loop: log and arm the timer for the next purge. */
static void purge_done(uv_work_t *req, int status)
{
	struct purge_job *j = req->data;
	struct outbound_purge *p = j->p;
	char q[600];

	if (status != 0 && j->error == NULL)
		j->error = xstrdup("job cancelled");
	if (j->rows > 0)
		log_info("event=outbound.purged rows=%u retention=%u", j->rows, j->retention_s);
	if (j->error != NULL)
		log_warn("event=outbound.purge_failed error=%s",
			 log_quote(q, sizeof(q), j->error, strlen(j->error), 400));
	inbound_done(j);
	idem_done(j);
	p->running = false;
	if (!p->stopping) {
		bool failed = j->error != NULL || j->error_in != NULL || j->error_idem != NULL;
		bool more = j->more || j->more_in || j->more_idem;

		uv_timer_start(&p->timer, on_timer, failed ? RETRY_MS : more ? 0 : PURGE_EVERY_MS, 0);
	}
	runtime_unref(&j->rt);
	free(j->error);
	free(j->error_in);
	free(j->error_idem);
	free(j);
	purge_maybe_free(p);
}

/* Queues a purge job (the timer is re-armed only after one is done, so
 * there is never more than one). */
static void purge_run(struct outbound_purge *p)
{
	struct purge_job *j;

	if (p->stopping || p->running)
		return;
	j = xcalloc(1, sizeof(*j));
	j->req.data = j;
	j->p = p;
	j->rt = runtime_get();
	j->retention_s = p->retention_s;
	j->idem_ttl_s = p->idem_ttl_s;
	p->running = true;
	if (uv_queue_work(p->loop, &j->req, purge_work, purge_done) != 0)
		purge_done(&j->req, UV_ECANCELED);
}

/* Contract in outbound-purge.h. */
unsigned outbound_purge_threads(void)
{
	return 1;
}

/* Contract in outbound-purge.h: the first purge runs at once (a daemon
 * that was down for a while catches up). */
struct outbound_purge *outbound_purge_start(uv_loop_t *loop, const struct md_config *cfg)
{
	struct outbound_purge *p = xcalloc(1, sizeof(*p));

	p->loop = loop;
	p->retention_s = cfg->outbound_retention;
	p->idem_ttl_s = cfg->http_idempotency_ttl;
	uv_timer_init(loop, &p->timer);
	p->timer.data = p;
	uv_unref((uv_handle_t *)&p->timer);
	p->timer_open = true;
	uv_timer_start(&p->timer, on_timer, 0, 0);
	return p;
}

/* Contract in outbound-purge.h. */
void outbound_purge_configure(struct outbound_purge *p, const struct md_config *cfg)
{
	if (p != NULL) {
		p->retention_s = cfg->outbound_retention;
		p->idem_ttl_s = cfg->http_idempotency_ttl;
	}
}

/* Contract in outbound-purge.h. */
void outbound_purge_stop(struct outbound_purge **pp)
{
	struct outbound_purge *p = *pp;

	if (p == NULL)
		return;
	*pp = NULL;
	p->stopping = true;
	uv_close((uv_handle_t *)&p->timer, on_timer_closed);
}
