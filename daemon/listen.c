/* A LISTEN connection on the loop (contract in listen.h): connect in the
 * pool, watch the socket with uv_poll, retry when lost. */
#include "config.h"
#include "listen.h"

#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/xalloc.h"
#include "db/db-outbound.h"
#include "db/db.h"

#define RETRY_LISTEN_MS 5000

/* The connection and the poll handle that watches its socket. */
struct watch {
	uv_poll_t poll;
	struct listen *l;
	struct db *db;
};

struct listen {
	uv_loop_t *loop;
	const struct listen_ops *ops;
	void *arg;
	char *conninfo;
	unsigned timeout_s;
	uv_timer_t retry;    /* reconnecting */
	struct watch *watch; /* NULL while not listening */
	unsigned jobs;       /* connect jobs not done yet */
	unsigned handles;    /* handles not closed yet */
	bool connecting, stopping;
};

static void listen_connect(struct listen *l);

/* Frees the object once it is stopped and nothing refers to it. */
static void listen_maybe_free(struct listen *l)
{
	if (!l->stopping || l->jobs > 0 || l->handles > 0)
		return;
	free(l->conninfo);
	free(l);
}

/* Logs a failure of the LISTEN connection, quoted. */
static void listen_log_failed(const struct listen *l, const char *status, const char *error)
{
	char q[600];

	log_warn("event=%s.listen status=%s channel=%s error=%s", l->ops->name, status, db_channel_name(l->ops->channel),
		 log_quote(q, sizeof(q), error != NULL ? error : "", error != NULL ? strlen(error) : 0, 400));
}

/* The retry timer is closed. */
static void on_timer_closed(uv_handle_t *h)
{
	struct listen *l = h->data;

	l->handles--;
	listen_maybe_free(l);
}

/* Time to try the connection again. */
static void on_retry(uv_timer_t *t)
{
	listen_connect(t->data);
}

/* Tries again later, unless stopping. */
static void listen_retry_later(struct listen *l)
{
	if (!l->stopping)
		uv_timer_start(&l->retry, on_retry, RETRY_LISTEN_MS, 0);
}

/* The poll handle is closed: now the connection can go. */
static void on_watch_closed(uv_handle_t *h)
{
	struct watch *w = h->data;
	struct listen *l = w->l;

	db_close(&w->db); /* only now: libuv must not watch a closed fd */
	free(w);
	l->handles--;
	listen_maybe_free(l);
}

/* Gives up the connection (lost, or stopping). */
static void listen_drop(struct listen *l)
{
	struct watch *w = l->watch;

	if (w == NULL)
		return;
	l->watch = NULL;
	uv_poll_stop(&w->poll);
	uv_close((uv_handle_t *)&w->poll, on_watch_closed);
}

/* Something arrived on the connection: a NOTIFY, or its end. */
static void on_readable(uv_poll_t *p, int status, int events)
{
	struct watch *w = p->data;
	struct listen *l = w->l;
	char *error = NULL;
	int r = status < 0 ? -1 : db_listen_check(w->db, &error);

	(void)events;
	if (r > 0) {
		l->ops->on_notify(l->arg);
	} else if (r < 0) {
		listen_log_failed(l, "lost", error != NULL ? error : uv_strerror(status));
		listen_drop(l);
		listen_retry_later(l);
		if (l->ops->on_state != NULL)
			l->ops->on_state(l->arg, false);
	}
	free(error);
}

/* Watches a fresh connection's socket; false when that is impossible. */
static bool listen_attach(struct listen *l, struct db *db)
{
	struct watch *w = xcalloc(1, sizeof(*w));

	w->l = l;
	w->db = db;
	w->poll.data = w;
	if (uv_poll_init(l->loop, &w->poll, db_listen_fd(db)) != 0) {
		listen_log_failed(l, "failed", "cannot watch the socket");
		db_close(&w->db);
		free(w);
		return false;
	}
	l->handles++;
	uv_unref((uv_handle_t *)&w->poll);
	uv_poll_start(&w->poll, UV_READABLE, on_readable);
	l->watch = w;
	log_info("event=%s.listen status=ok channel=%s", l->ops->name, db_channel_name(l->ops->channel));
	return true;
}

struct connect_job {
	uv_work_t req;
	struct listen *l;
	char *conninfo;
	unsigned timeout_s;
	enum db_channel channel;
	struct db *db;
	char *error;
};

/* In the pool: connect and LISTEN. */
static void connect_work(uv_work_t *req)
{
	struct connect_job *j = req->data;

	if (db_connect(j->conninfo, j->timeout_s, &j->db, &j->error) == 0 && db_listen(j->db, j->channel, &j->error) < 0)
		db_close(&j->db);
}

/* Back on the loop with a connection, or a reason to retry. */
static void connect_done(uv_work_t *req, int status)
{
	struct connect_job *j = req->data;
	struct listen *l = j->l;

	l->connecting = false;
	l->jobs--;
	if (l->stopping || status != 0) {
		db_close(&j->db);
		listen_retry_later(l);
	} else if (j->db == NULL) {
		listen_log_failed(l, "failed", j->error);
		listen_retry_later(l);
	} else if (!listen_attach(l, j->db)) {
		listen_retry_later(l);
	} else if (l->ops->on_state != NULL) {
		l->ops->on_state(l->arg, true);
	}
	free(j->conninfo);
	free(j->error);
	free(j);
	listen_maybe_free(l);
}

/* Opens the connection in the pool (one attempt at a time). */
static void listen_connect(struct listen *l)
{
	struct connect_job *j;

	if (l->stopping || l->watch != NULL || l->connecting)
		return;
	j = xcalloc(1, sizeof(*j));
	j->req.data = j;
	j->l = l;
	j->conninfo = xstrdup(l->conninfo);
	j->timeout_s = l->timeout_s;
	j->channel = l->ops->channel;
	l->connecting = true;
	l->jobs++;
	if (uv_queue_work(l->loop, &j->req, connect_work, connect_done) != 0)
		connect_done(&j->req, UV_ECANCELED);
}

/* Contract in listen.h. */
struct listen *listen_start(uv_loop_t *loop, const char *conninfo, unsigned timeout_s,
			    const struct listen_ops *ops, void *arg)
{
	struct listen *l = xcalloc(1, sizeof(*l));

	l->loop = loop;
	l->ops = ops;
	l->arg = arg;
	l->conninfo = xstrdup(conninfo);
	l->timeout_s = timeout_s;
	uv_timer_init(loop, &l->retry);
	l->retry.data = l;
	uv_unref((uv_handle_t *)&l->retry);
	l->handles = 1;
	listen_connect(l);
	return l;
}

/* Contract in listen.h. */
bool listen_is_up(const struct listen *l)
{
	return l != NULL && l->watch != NULL;
}

/* Contract in listen.h. */
void listen_stop(struct listen **lp)
{
	struct listen *l = *lp;

	if (l == NULL)
		return;
	*lp = NULL;
	l->stopping = true;
	listen_drop(l);
	uv_close((uv_handle_t *)&l->retry, on_timer_closed);
	listen_maybe_free(l);
}
