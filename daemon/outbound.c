/* The outbound sender (contract in outbound.h): a timer, a LISTEN
 * connection on the loop, and claim and send jobs in the thread pool. */
#include "config.h"
#include "outbound.h"
#include "desk/desk.h"
#include "desk/desk-dkim.h"
#include "thread/thread.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "base/xalloc.h"
#include "db/db-outbound.h"
#include "listen.h"
#include "metrics.h"
#include "outbound-purge.h"
#include "relay.h"
#include "runtime.h"
#include "workers.h"

#define POLL_LISTENING_MS 60000 /* a safety net even while LISTEN works */
#define POLL_FALLBACK_MS 2000   /* while the LISTEN connection is down */
#define RETRY_DB_MS 5000        /* after a claim that failed */
#define BUSY_MS 1000            /* due rows, all locked by another sender */
#define RECORD_MAX_S 60         /* keep trying to record a send's outcome */

/* A claim must outlast the longest session relay.c lets run. */
_Static_assert(RELAY_SESSION_WAITS <= OUTBOUND_SESSION_WAITS, "relay sessions would outlast their claims");

/* The settings a job works with: immutable once made, shared by reference
 * (counted on the loop thread only), so threads never read struct outbound. */
struct settings {
	unsigned refs;
	struct runtime *rt; /* database, secret, delimiter, hostname (our
			     * EHLO), DKIM key folder, the desk settings of
			     * the notices: the snapshot current when made */
	char *host; /* NULL: relay_host is empty, sending is off */
	unsigned port;
	unsigned lifetime_s;
	unsigned claim_timeout_s; /* outbound_claim_timeout */
	const char *claimer; /* the sender's, fixed for its life */
	enum md_relay_tls tls; /* relay_tls */
	char *ca_file;         /* relay_tls_ca_file */
	unsigned relay_timeout; /* relay_timeout at start (a restart changes it) */
};

struct outbound {
	uv_loop_t *loop;
	uv_timer_t timer;        /* next due row, or the poll interval */
	struct listen *listen;   /* LISTEN maildesk_outbound (listen.h) */
	struct outbound_purge *purge; /* outbound_retention (outbound-purge.h) */
	struct settings *set;
	unsigned concurrency;
	unsigned in_flight; /* send jobs */
	unsigned jobs;      /* work requests not done yet, of any kind */
	unsigned handles;   /* handles not closed yet */
	bool claiming, wake_pending, stopping;
	char claimer[300];  /* "host/pid/random": who our claims name (db-outbound.h) */
	unsigned relay_timeout;
};

static void outbound_wake(struct outbound *o);

/* A settings object from a configuration, for the sender o. */
static struct settings *settings_new(const struct md_config *cfg, const struct outbound *o)
{
	struct settings *s = xcalloc(1, sizeof(*s));
	const char *err;

	s->refs = 1;
	s->claimer = o->claimer;
	s->tls = cfg->relay_tls;
	s->ca_file = xstrdup(cfg->relay_tls_ca_file);
	s->relay_timeout = o->relay_timeout;
	s->rt = runtime_get();
	s->lifetime_s = cfg->outbound_max_lifetime;
	s->claim_timeout_s = cfg->outbound_claim_timeout;
	/* conf.c checked the syntax; "" leaves host NULL. */
	if (cfg->relay_host[0] != '\0' && config_relay_parse(cfg->relay_host, &s->host, &s->port, &err) < 0)
		s->host = NULL;
	return s;
}

/* Drops one reference; the last frees. */
static void settings_unref(struct settings **s)
{
	if (*s == NULL)
		return;
	if (--(*s)->refs == 0) {
		runtime_unref(&(*s)->rt);
		free((*s)->host);
		free((*s)->ca_file);
		free(*s);
	}
	*s = NULL;
}

/* Another holder of s (a job). */
static struct settings *settings_ref(struct settings *s)
{
	s->refs++;
	return s;
}

/* The connection the workers lend this thread (workers.h), naming our
 * claims. NULL with *error_r when PostgreSQL can't be reached. The job
 * calls workers_release() once, at its end. */
static struct db *worker_db(const struct settings *s, char **error_r)
{
	struct db *db = workers_acquire(s->rt, error_r);

	if (db != NULL)
		db_outbound_claimer_set(db, s->claimer, s->relay_timeout);
	return db;
}

/* Frees the sender once it is stopped and nothing refers to it. */
static void outbound_maybe_free(struct outbound *o)
{
	if (!o->stopping || o->jobs > 0 || o->handles > 0)
		return;
	settings_unref(&o->set);
	log_info("event=outbound.stopped");
	free(o);
}

/* A timer is closed: one step nearer to freeing. */
static void on_handle_closed(uv_handle_t *h)
{
	struct outbound *o = h->data;

	o->handles--;
	outbound_maybe_free(o);
}

/* How long to wait at most before looking at the queue again. */
static uint64_t poll_ms(const struct outbound *o)
{
	return listen_is_up(o->listen) ? POLL_LISTENING_MS : POLL_FALLBACK_MS;
}

/* A row is due, or it is time to look anyway. */
static void on_timer(uv_timer_t *t)
{
	outbound_wake(t->data);
}

/* Arms the timer for ms from now (replacing any earlier time). */
static void timer_arm(struct outbound *o, uint64_t ms)
{
	if (!o->stopping)
		uv_timer_start(&o->timer, on_timer, ms, 0);
}

/* ---- sending one row ---- */

struct send_job {
	uv_work_t req;
	struct outbound *o;
	struct settings *set; /* those of the claim */
	struct db_outbound_claimed *row;
	unsigned code;
	char *reply;
	enum db_outbound_state state;
	bool recorded;
	char *error;
};

/* The addresses were checked when queued; check again before they are
 * written into SMTP commands. */
static bool envelope_valid(const struct db_outbound_claimed *r)
{
	if (r->n_rcpts == 0 || !db_outbound_address_valid(r->envelope_from, true))
		return false;
	for (size_t i = 0; i < r->n_rcpts; i++) {
		if (!db_outbound_address_valid(r->rcpts[i], false))
			return false;
	}
	return true;
}

/* The return path for a row: its sender with a signed bounce token as
 * extension (support+b42-k5x7...@acme.example), so that a delivery report
 * names this exact mail; the null sender stays null. malloc'd. */
static char *verp_sender(const struct settings *s, const struct db_outbound_claimed *r)
{
	const char *at = strrchr(r->envelope_from, '@');
	char token[64];

	if (at == NULL || s->rt->secret == NULL || s->rt->desk.delimiter == '\0')
		return xstrdup(r->envelope_from);
	thread_bounce_token_make(s->rt->secret, r->tenant_id, r->id, token, sizeof(token));
	if (token[0] == '\0')
		return xstrdup(r->envelope_from);
	return xasprintf("%.*s%c%s%s", (int)(at - r->envelope_from), r->envelope_from, s->rt->desk.delimiter, token,
			 at);
}

/* A reply that failed for good: its agent gets a notice (best effort; the
 * failure itself is already recorded on the ticket). */
static void tell_writer(struct db *db, const struct settings *s, const struct db_outbound_claimed *r,
			const char *reply)
{
	char *why = xasprintf("The mail server at %s refused it: %s", s->host != NULL ? s->host : "the relay", reply);
	char *error = NULL;

	if (db_begin(db, &error) < 0 || desk_outbound_failed(db, &s->rt->desk, r->tenant_id, r->id, why, &error) < 0 ||
	    db_commit(db, &error) < 0) {
		db_rollback(db);
		log_warn("event=outbound.notice_failed id=%" PRId64 " error=\"%s\"", r->id, error != NULL ? error : "");
	}
	free(error);
	free(why);
}

/* DKIM-signs the row's message (desk-dkim.h) just before it leaves. Mail
 * that should be signed but cannot be is never sent unsigned: the row is
 * deferred (j->code, j->reply set) and -1 returned. */
static int send_sign(struct send_job *j, struct desk_dkim_signed *sig)
{
	const struct db_outbound_claimed *r = j->row;
	const struct settings *s = j->set;
	char *error = NULL, q[600];
	struct db *db = worker_db(s, &error);
	int ret = db == NULL ? -1
			     : desk_dkim_sign(db, s->rt->key_dir, s->rt->shared_domain, r->tenant_id, r->data, r->len, sig, &error);

	for (int again = 0; ret < 0 && db != NULL && db_connection_lost(db) && again < 2; again++) {
		/* This thread's connection died with a PostgreSQL restart (the
		 * server's goodbye may come before libpq sees the socket close,
		 * hence twice); the next call reconnects: try before deferring. */
		free(error);
		error = NULL;
		desk_dkim_signed_free(sig);
		ret = desk_dkim_sign(db, s->rt->key_dir, s->rt->shared_domain, r->tenant_id, r->data, r->len, sig,
				     &error);
	}
	if (ret < 0) {
		log_quote(q, sizeof(q), error, strlen(error), 400);
		log_error("event=outbound.dkim id=%" PRId64 " status=failed detail=\"not sent; deferred\" error=%s", r->id,
			  q);
		j->code = 451;
		j->reply = xasprintf("local: not sent, DKIM signing failed: %s", error);
	} else if (ret > 0) {
		log_info("event=outbound.dkim id=%" PRId64 " status=signed d=%s s=\"%s\"", r->id, sig->domain,
			 sig->selectors);
	}
	if (sig->eight_bit)
		log_warn("event=outbound.dkim id=%" PRId64 " detail=\"the message has 8-bit bytes or bare line ends; a"
			 " relay that converts it breaks the signature\"",
			 r->id);
	free(error);
	return ret < 0 ? -1 : 0;
}

/* Records a send's outcome, once a second while PostgreSQL is away (a
 * restart, a failover), for half the claim's lifetime and at most
 * RECORD_MAX_S: until it is recorded the row stays "sending", and another
 * daemon sends it again once the claim is stale. Returns the connection. */
static struct db *send_record(struct send_job *j)
{
	const struct settings *s = j->set;
	unsigned window = s->claim_timeout_s / 2 < RECORD_MAX_S ? s->claim_timeout_s / 2 : RECORD_MAX_S;
	time_t until = time(NULL) + (time_t)window;
	struct db *db = NULL;

	for (int i = 0; !j->recorded && (i == 0 || time(NULL) < until); i++) {
		if (i > 0)
			sleep(1);
		free(j->error);
		j->error = NULL;
		j->recorded = (db = worker_db(s, &j->error)) != NULL &&
			      db_outbound_record(db, j->row->id, j->code, j->reply, s->lifetime_s, &j->state,
						 &j->error) == 0;
	}
	return db;
}

/* Sends the row, then records the outcome (send_record). */
static void send_work(uv_work_t *req)
{
	struct send_job *j = req->data;
	const struct db_outbound_claimed *r = j->row;
	const struct settings *s = j->set;
	struct relay_target t = { s->host, s->port, s->rt->hostname, s->relay_timeout, s->tls, s->ca_file };
	char *sender = verp_sender(s, r);
	struct desk_dkim_signed sig = { 0 };
	struct relay_mail m = { sender, (const char *const *)r->rcpts, r->n_rcpts, r->data, r->len };
	struct db *db;

	if (!envelope_valid(r)) {
		j->code = 554;
		j->reply = xstrdup("local: the envelope holds an address that cannot be sent");
	} else if (send_sign(j, &sig) == 0) {
		if (sig.data != NULL) {
			m.data = sig.data;
			m.len = sig.len;
		}
		j->code = relay_send(&t, &m, &j->reply);
	}
	desk_dkim_signed_free(&sig);
	free(sender);
	db = send_record(j);
	if (j->recorded && j->state == DB_OUTBOUND_STATE_FAILED)
		tell_writer(db, s, r, j->reply);
	workers_release(&db);
}

/* One line per attempt: what the relay said and what the row became. */
static void send_log(const struct send_job *j)
{
	const struct db_outbound_claimed *r = j->row;
	char reply[1200], err[600];

	log_quote(reply, sizeof(reply), j->reply, strlen(j->reply), 1000);
	if (!j->recorded) {
		log_error("event=outbound.error id=%" PRId64 " code=%u reply=%s error=%s"
			  " detail=\"result not recorded; the row is sent again once its claim is stale\"",
			  r->id, j->code, reply, log_quote(err, sizeof(err), j->error, strlen(j->error), 400));
	} else if (j->state == DB_OUTBOUND_STATE_NONE) {
		log_warn("event=outbound.superseded id=%" PRId64 " code=%u reply=%s"
			 " detail=\"the row was no longer ours (stale claim taken over, or retried)\"",
			 r->id, j->code, reply);
	} else {
		log_msg(j->state == DB_OUTBOUND_STATE_SENT ? LOG_LEVEL_INFO : LOG_LEVEL_WARN,
			"event=outbound.%s id=%" PRId64 " tenant=%" PRId64 " ticket_id=%" PRId64
			" kind=%s rcpts=%zu attempt=%u size=%zu code=%u reply=%s",
			db_outbound_state_name(j->state), r->id, r->tenant_id, r->ticket_id, r->kind, r->n_rcpts,
			r->attempts, r->len, j->code, reply);
	}
}

/* Back on the loop: log, free, and fill the slot that became free. */
static void send_done(uv_work_t *req, int status)
{
	struct send_job *j = req->data;
	struct outbound *o = j->o;

	if (status != 0 && j->reply == NULL) {
		j->reply = xstrdup("not sent: job cancelled");
		j->error = xstrdup("job cancelled");
	}
	send_log(j);
	metrics_count_outbound(j->recorded && j->state != DB_OUTBOUND_STATE_NONE ? db_outbound_state_name(j->state) : NULL);
	db_outbound_claimed_free(&j->row, 1);
	settings_unref(&j->set);
	free(j->reply);
	free(j->error);
	free(j);
	o->in_flight--;
	o->jobs--;
	if (!o->stopping)
		outbound_wake(o);
	outbound_maybe_free(o);
}

/* Hands one claimed row (ownership taken) to a send job. */
static void send_start(struct outbound *o, struct settings *set, struct db_outbound_claimed *row)
{
	struct send_job *j = xcalloc(1, sizeof(*j));

	j->req.data = j;
	j->o = o;
	j->set = settings_ref(set);
	j->row = row;
	o->in_flight++;
	o->jobs++;
	if (uv_queue_work(o->loop, &j->req, send_work, send_done) != 0)
		send_done(&j->req, UV_ECANCELED);
}

/* ---- claiming due rows ---- */

struct claim_job {
	uv_work_t req;
	struct outbound *o;
	struct settings *set;
	size_t max;
	int n; /* rows claimed, -1 on error */
	struct db_outbound_claimed *rows;
	int64_t next_due; /* seconds, -1 none */
	char *error;
};

/* In the pool: claims rows and asks when the next one is due. */
static void claim_work(uv_work_t *req)
{
	struct claim_job *j = req->data;
	struct db *db = worker_db(j->set, &j->error);

	j->n = -1;
	if (db != NULL && (j->n = db_outbound_claim(db, j->max, j->set->claim_timeout_s, &j->rows, &j->error)) >= 0 &&
	    db_outbound_next_due(db, &j->next_due, &j->error) < 0)
		j->next_due = 0; /* look again soon */
	workers_release(&db);
}

/* When to look at the queue next, after a claim. */
static uint64_t claim_next_ms(const struct outbound *o, const struct claim_job *j)
{
	uint64_t ms = poll_ms(o);

	if (j->n < 0)
		return RETRY_DB_MS;
	if (j->next_due == 0)
		return j->n == 0 ? BUSY_MS : 0;
	if (j->next_due > 0 && (uint64_t)j->next_due * 1000 < ms)
		ms = (uint64_t)j->next_due * 1000;
	return ms;
}

/* Back on the loop: starts a send per claimed row, re-arms the timer. */
static void claim_done(uv_work_t *req, int status)
{
	struct claim_job *j = req->data;
	struct outbound *o = j->o;
	char err[600];

	if (status != 0)
		j->n = -1;
	if (j->n < 0)
		log_warn("event=outbound.claim status=failed error=%s",
			 log_quote(err, sizeof(err), j->error != NULL ? j->error : "cancelled",
				   j->error != NULL ? strlen(j->error) : 9, 400));
	/* Claimed rows are sent even after a stop began: they are ours now. */
	for (int i = 0; i < j->n; i++) {
		struct db_outbound_claimed *row = xmalloc(sizeof(*row));

		*row = j->rows[i];
		send_start(o, j->set, row);
	}
	free(j->rows);
	timer_arm(o, claim_next_ms(o, j));
	o->claiming = false;
	o->jobs--;
	settings_unref(&j->set);
	free(j->error);
	free(j);
	if (o->wake_pending && !o->stopping) {
		o->wake_pending = false;
		outbound_wake(o);
	}
	outbound_maybe_free(o);
}

/* Claims what fits into the free slots, unless a claim is running already
 * (then once more after it), sending is off, or we are stopping. */
static void outbound_wake(struct outbound *o)
{
	struct claim_job *j;

	if (o->stopping || o->set->host == NULL)
		return;
	if (o->claiming) {
		o->wake_pending = true;
		return;
	}
	if (o->in_flight >= o->concurrency)
		return; /* a finishing send wakes us */
	j = xcalloc(1, sizeof(*j));
	j->req.data = j;
	j->o = o;
	j->set = settings_ref(o->set);
	j->max = o->concurrency - o->in_flight;
	o->claiming = true;
	o->jobs++;
	if (uv_queue_work(o->loop, &j->req, claim_work, claim_done) != 0)
		claim_done(&j->req, UV_ECANCELED);
}

/* ---- LISTEN maildesk_outbound (listen.c) ---- */

/* A row was queued, retried or flushed somewhere. */
static void on_listen_notify(void *arg)
{
	outbound_wake(arg);
}

/* Listening again: rows queued meanwhile. Lost: poll more often. */
static void on_listen_state(void *arg, bool up)
{
	struct outbound *o = arg;

	if (up)
		outbound_wake(o);
	else
		timer_arm(o, POLL_FALLBACK_MS);
}

static const struct listen_ops listen_ops = {
	.name = "outbound", .channel = DB_CHANNEL_OUTBOUND,
	.on_notify = on_listen_notify, .on_state = on_listen_state,
};

/* Starts listening with the current database settings. */
static void outbound_listen(struct outbound *o)
{
	o->listen = listen_start(o->loop, o->set->rt->conninfo, o->set->rt->db_timeout, &listen_ops, o);
}

/* This start's claimer identity: host and pid say where it runs (as the
 * daemons table does), the random part tells a restart from its
 * predecessor even when the pid is the same (pid 1 in a container). */
static void claimer_make(char *out, size_t size)
{
	char host[256] = "localhost";
	unsigned char r[6] = { 0 };
	FILE *f = fopen("/dev/urandom", "rb");

	if (f == NULL || fread(r, 1, sizeof(r), f) != sizeof(r)) {
		uint64_t t = uv_hrtime();
		memcpy(r, &t, sizeof(r));
	}
	if (f != NULL)
		fclose(f);
	if (gethostname(host, sizeof(host) - 1) < 0)
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	snprintf(out, size, "%.200s/%ld/%02x%02x%02x%02x%02x%02x", host, (long)getpid(), r[0], r[1], r[2], r[3], r[4],
		 r[5]);
}

/* ---- the public side ---- */

/* Contract in outbound.h. */
unsigned outbound_threads(const struct md_config *cfg)
{
	/* The sends, plus one for a claim or the LISTEN connect, and the
	 * retention purge. */
	return cfg->outbound_concurrency + 1 + outbound_purge_threads();
}

/* Contract in outbound.h. */
struct outbound *outbound_start(uv_loop_t *loop, const struct md_config *cfg)
{
	struct outbound *o = xcalloc(1, sizeof(*o));

	o->loop = loop;
	o->relay_timeout = cfg->relay_timeout;
	claimer_make(o->claimer, sizeof(o->claimer));
	o->set = settings_new(cfg, o);
	o->concurrency = cfg->outbound_concurrency;
	relay_init(o->relay_timeout);
	uv_timer_init(loop, &o->timer);
	o->timer.data = o;
	uv_unref((uv_handle_t *)&o->timer);
	o->handles = 1;
	log_info("event=outbound.start relay=%s concurrency=%u lifetime=%u relay_timeout=%u claimer=%s",
		 o->set->host != NULL ? cfg->relay_host : "-", o->concurrency, o->set->lifetime_s, o->relay_timeout,
		 o->claimer);
	outbound_listen(o);
	outbound_wake(o);
	o->purge = outbound_purge_start(loop, cfg);
	return o;
}

/* Contract in outbound.h. */
void outbound_configure(struct outbound *o, const struct md_config *cfg)
{
	struct settings *s;
	bool db_changed;

	if (o == NULL)
		return;
	s = settings_new(cfg, o);
	db_changed = strcmp(s->rt->conninfo, o->set->rt->conninfo) != 0 || s->rt->db_timeout != o->set->rt->db_timeout;
	if (cfg->outbound_concurrency != o->concurrency)
		log_warn("event=reload detail=\"outbound_concurrency changes take effect after a restart\"");
	if (cfg->relay_timeout != o->relay_timeout)
		log_warn("event=reload detail=\"relay_timeout changes take effect after a restart\"");
	settings_unref(&o->set);
	o->set = s;
	outbound_purge_configure(o->purge, cfg);
	if (db_changed) {
		listen_stop(&o->listen);
		outbound_listen(o);
	}
	outbound_wake(o);
}

/* Contract in outbound.h. */
void outbound_stop(struct outbound **op)
{
	struct outbound *o = *op;

	if (o == NULL)
		return;
	*op = NULL;
	o->stopping = true;
	log_info("event=outbound.stop in_flight=%u", o->in_flight);
	listen_stop(&o->listen);
	outbound_purge_stop(&o->purge);
	uv_close((uv_handle_t *)&o->timer, on_handle_closed);
	outbound_maybe_free(o);
}

void outbound_kick(struct outbound *o)
{
	if (o != NULL)
		outbound_wake(o);
}
