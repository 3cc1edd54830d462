/* The IMAP channels' driver: lease, sessions, fetch, delivery, done action
 * (contract in imap-channel.h). */
#include "config.h"
#include "imap-channel.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "base/xalloc.h"
#include "db/db-deliver.h"
#include "db/db-imap.h"
#include "delivery.h"
#include "imap-session.h"
#include "metrics.h"
#include "mime/mime.h"
#include "runtime.h"
#include "workers.h"

#define LEASE_S 30            /* a lease lasts this long ... */
#define RENEW_MS 5000         /* ... and is renewed this often */
#define MAX_CHANNELS 256      /* per daemon */
#define BATCH 20              /* messages fetched per look */
#define FLAG_RESCAN_MAX 100   /* unseen UIDs below the position looked at per session (--flag) */
#define IDLE_RESTART_MS 600000 /* IDLE is renewed after 10 min (RFC 2177: < 29) */
#define BACKOFF_MIN_S 2
#define BACKOFF_MAX_S 300
#define IMAP_TIMEOUT_S 60

enum job { JOB_SYNC, JOB_FETCH, JOB_REFUSED, JOB_DONE, JOB_IDLE, JOB_CLOSE };

struct chan {
	struct imap_channels *m;
	struct chan *next;
	struct db_imap_channel row; /* settings when the session started */
	struct imap_session *sess;  /* used by one job at a time */
	uv_timer_t timer;           /* backoff, poll interval, IDLE renewal */
	uv_poll_t poll;             /* the socket while in IDLE */
	uv_work_t work;
	struct runtime *rt;         /* held while a job runs */
	enum job job;
	struct chan *wait_next;     /* in the driver's queue of jobs waiting for a slot */
	bool waiting;               /* job chosen, not yet in the pool */
	bool busy, in_idle, polling, stopping, stop_queued;
	bool delivering; /* a message is with delivery.c: its callbacks hold c */
	/* a job's outcome */
	enum imap_fail fail;
	char *error;
	bool connected, uidvalidity_changed, idle_pending;
	bool held, lease_lost; /* JOB_REFUSED: moved to the hold folder; the lease is gone */
	unsigned attempts;     /* JOB_REFUSED: failed deliveries of the message so far */
	/* A new session looks at the whole folder once (move and delete
	 * leave only what is not done in it): a message stored before a crash
	 * but not yet moved is fetched again, the dedupe finds it stored, and
	 * it is moved. Cleared by a look that found less than a batch. */
	bool rescan;
	/* With --flag the folder keeps every message, so a new session
	 * looks at the unseen ones at or below the position instead: those
	 * stored before a crash, not yet flagged (reflagged: how many). */
	bool flag_rescan;
	size_t reflagged;
	int64_t old_uidvalidity;
	int idle_fd;
	/* The batch: UIDs and sizes from one look, worked in UID order, one
	 * message in memory at a time (cur: the one being worked; msg: its bytes). */
	uint32_t *uids, *sizes;
	size_t n_uids, cur;
	char *msg;
	size_t len;
	bool too_big;      /* uids[next] is over message_size_limit */
	char *refusal;     /* why uids[next] could not be stored */
	bool batch_end;    /* stop after the done action (a failure to retry later) */
	bool progress;     /* something of the batch was stored, held or vanished */
	uint32_t *stored;
	size_t n_stored;
	/* the position as committed (loop thread between jobs) */
	int64_t uidvalidity, last_uid;
	unsigned failures;
	char status[32];   /* as last recorded in the database */
	char *error_shown; /* last_error as last recorded */
};

struct imap_channels {
	uv_loop_t *loop;
	uv_timer_t lease_timer;
	uv_work_t lease_work;
	bool lease_busy, stopping, timer_closed;
	char holder[300];
	unsigned poll_interval_s;
	unsigned max_attempts; /* imap_max_attempts */
	/* At most max_jobs channel jobs in the pool at once (imap_max_jobs,
	 * threads added to the pool at start); the others wait here in
	 * order, so an outage of providers never takes the threads of
	 * deliveries or of the lease renewal. */
	unsigned max_jobs, running;
	struct chan *wait_head, *wait_tail;
	size_t size_limit;     /* message_size_limit */
	struct runtime *rt; /* the lease job's */
	struct db_imap_channel *leased;
	size_t n_leased;
	char *lease_error;
	struct chan *chans;
};

static void chan_job(struct chan *c, enum job job);
static void chan_wait(struct chan *c);
static void mgr_maybe_free(struct imap_channels *m);
static void jobs_next(struct imap_channels *m);
static void on_chan_closed(uv_handle_t *h);

unsigned imap_channels_threads(const struct md_config *cfg)
{
	return cfg->imap_max_jobs;
}

/* ---- status and the log (loop thread) ---- */

/* One line per change of status or error, never one per retry. */
static void chan_log_failure(struct chan *c, unsigned retry_s)
{
	char q[600];

	if (c->error_shown != NULL && strcmp(c->error_shown, c->error) == 0)
		return;
	log_warn("event=imap.%s channel=%lld host=%s user=%s folder=%s retry_in=%us error=%s",
		 imap_fail_status(c->fail), (long long)c->row.id, c->row.host, c->row.username, c->row.folder,
		 retry_s, log_quote(q, sizeof(q), c->error, strlen(c->error), 500));
	free(c->error_shown);
	c->error_shown = xstrdup(c->error);
}

/* ---- jobs (pool threads) ---- */

/* The status word of the current state, recorded when it changed (in a
 * job, on the pool's connection). */
static void status_record(struct chan *c, const char *status, const char *error)
{
	char *db_error = NULL;
	struct db *db;

	if (strcmp(c->status, status) == 0 && (c->error_shown == NULL) == (error[0] == '\0') &&
	    (c->error_shown == NULL || strcmp(c->error_shown, error) == 0))
		return;
	if ((db = workers_acquire(c->rt, &db_error)) != NULL &&
	    db_imap_status_set(db, c->m->holder, c->row.id, status, error, &db_error) == 0)
		snprintf(c->status, sizeof(c->status), "%s", status);
	workers_release(&db);
	free(db_error);
}

/* A failure ends the session; the next look starts a new one. */
static void job_failed(struct chan *c, enum imap_fail f)
{
	c->fail = f;
	imap_session_close(&c->sess);
	status_record(c, imap_fail_status(f), c->error);
}

/* Connects when needed: the session and its folder's UIDVALIDITY. A new
 * UIDVALIDITY (the mailbox was recreated) starts the position again at 0:
 * every message is fetched again and the dedupe keeps each once. */
static enum imap_fail session_ensure(struct chan *c)
{
	struct imap_target t = { .host = c->row.host, .port = c->row.port,
				 .implicit_tls = strcmp(c->row.tls, "implicit") == 0, .ca_file = c->row.ca_file,
				 .username = c->row.username, .password_file = c->row.password_file,
				 .oauth2_command = c->row.oauth2_command, .folder = c->row.folder,
				 .timeout_s = IMAP_TIMEOUT_S };
	enum imap_fail f;
	int64_t v;

	if (c->sess != NULL)
		return IMAP_OK;
	if (c->row.alias[0] == '\0') {
		c->error = xasprintf("team %lld has no alias to deliver to", (long long)c->row.team_id);
		return IMAP_FAIL_CONFIG;
	}
	if ((f = imap_session_open(&t, &c->sess, &c->error)) != IMAP_OK)
		return f;
	c->connected = true;
	c->rescan = strcmp(c->row.done_action, "flag") != 0;
	c->flag_rescan = !c->rescan;
	v = imap_session_uidvalidity(c->sess);
	if (c->uidvalidity != 0 && v != c->uidvalidity) {
		struct db *db = workers_acquire(c->rt, &c->error);

		if (db == NULL || db_imap_position_reset(db, c->row.id, v, &c->error) < 0) {
			workers_release(&db);
			return IMAP_FAIL_PROTOCOL;
		}
		workers_release(&db);
		c->uidvalidity_changed = true;
		c->old_uidvalidity = c->uidvalidity;
		c->last_uid = 0;
	}
	c->uidvalidity = v;
	return IMAP_OK;
}

/* Whether the bytes of uid were stored for the team before: 1 yes, 0 no
 * (also when too big to have been stored, or vanished), -1 (c->error). */
static int stored_before(struct chan *c, struct db **db, uint32_t uid, enum imap_fail *f)
{
	char *msg = NULL, sha[65];
	size_t len = 0;

	*f = imap_session_fetch(c->sess, uid, c->m->size_limit, &msg, &len, &c->error);
	if (*f != IMAP_OK || msg == NULL || len > c->m->size_limit) {
		free(msg);
		return *f != IMAP_OK ? -1 : 0;
	}
	mime_sha256_hex(msg, len, sha);
	free(msg);
	if (*db == NULL && (*db = workers_acquire(c->rt, &c->error)) == NULL)
		return -1;
	return db_delivery_stored(*db, c->row.tenant_id, c->row.team_id, sha, &c->error);
}

/* --flag after a crash between a message's commit and its flag: the
 * unseen UIDs at or below the position (the highest FLAG_RESCAN_MAX) are
 * fetched, and those the dedupe finds stored are flagged, never stored
 * again; one a person marked unread that is not stored is left alone. */
static enum imap_fail flag_rescan(struct chan *c)
{
	uint32_t *uids = NULL, *done;
	size_t n = 0, n_done = 0;
	struct db *db = NULL;
	enum imap_fail f = imap_session_search_unseen(c->sess, c->last_uid, FLAG_RESCAN_MAX, &uids, &n, &c->error);

	done = xcalloc(n + 1, sizeof(*done));
	for (size_t i = 0; f == IMAP_OK && i < n; i++) {
		int stored = stored_before(c, &db, uids[i], &f);

		if (stored > 0)
			done[n_done++] = uids[i];
		else if (stored < 0 && f == IMAP_OK)
			f = IMAP_FAIL_PROTOCOL; /* the database: c->error says */
	}
	workers_release(&db);
	if (f == IMAP_OK)
		f = imap_session_done(c->sess, done, n_done, "flag", "", &c->error);
	if (f == IMAP_OK) {
		c->reflagged = n_done;
		c->flag_rescan = false;
	}
	free(uids);
	free(done);
	return f;
}

/* Leaves IDLE, connects when needed, and looks for up to BATCH new
 * messages: their UIDs and sizes (no bodies yet). */
static void job_sync(struct chan *c)
{
	enum imap_fail f = IMAP_OK;

	if (c->in_idle && c->sess != NULL)
		f = imap_session_idle_done(c->sess, &c->error);
	c->in_idle = false;
	if (f == IMAP_OK)
		f = session_ensure(c);
	if (f == IMAP_OK && c->flag_rescan)
		f = flag_rescan(c);
	if (f == IMAP_OK)
		f = imap_session_search(c->sess, c->rescan ? 0 : c->last_uid, BATCH, &c->uids, &c->n_uids, &c->error);
	if (f == IMAP_OK && c->n_uids < BATCH)
		c->rescan = false;
	c->sizes = xcalloc(c->n_uids + 1, sizeof(*c->sizes));
	if (f == IMAP_OK)
		f = imap_session_sizes(c->sess, c->uids, c->n_uids, c->sizes, &c->error);
	if (f != IMAP_OK) {
		job_failed(c, f);
		return;
	}
	status_record(c, c->n_uids > 0 ? "fetching" : imap_session_has_idle(c->sess) ? "idle" : "polling", "");
}

/* The body of the batch's next message (at most message_size_limit + 1
 * bytes of it). */
static void job_fetch(struct chan *c)
{
	enum imap_fail f = IMAP_FAIL_CONNECT;

	if (c->sess != NULL)
		f = imap_session_fetch(c->sess, c->uids[c->cur], c->m->size_limit, &c->msg, &c->len, &c->error);
	else
		c->error = xstrdup("the session ended");
	if (f != IMAP_OK)
		job_failed(c, f);
}

/* The batch's next message cannot be stored: over the size limit (held
 * at once), or its delivery failed once more (counted; held after
 * imap_max_attempts). Held: moved to the hold folder, then counted and
 * passed by the position; a crash in between leaves it in the hold
 * folder with the position behind it, which harms nothing. */
static void job_refused(struct chan *c)
{
	uint32_t uid = c->uids[c->cur];
	struct db_channel_pos pos = { .channel_id = c->row.id, .holder = c->m->holder, .uidvalidity = c->uidvalidity,
				      .uid = uid };
	struct db *db = workers_acquire(c->rt, &c->error);
	enum imap_fail f = IMAP_OK;
	int r = db != NULL ? 1 : -1;

	c->attempts = 0;
	if (r > 0 && !c->too_big)
		r = db_imap_attempt_failed(db, c->m->holder, c->row.id, uid, c->refusal, &c->attempts, &c->error);
	if (r > 0 && (c->too_big || c->attempts >= c->m->max_attempts)) {
		f = c->sess == NULL ? IMAP_FAIL_CONNECT
				    : imap_session_done(c->sess, &uid, 1, "move", c->row.hold_folder, &c->error);
		if (f == IMAP_OK)
			r = db_imap_held(db, &pos, &c->error);
		c->held = f == IMAP_OK && r > 0;
	}
	workers_release(&db);
	c->lease_lost = r == 0;
	if (f == IMAP_OK && r < 0)
		f = IMAP_FAIL_PROTOCOL;
	if (f != IMAP_OK) {
		if (c->error == NULL)
			c->error = xstrdup("the session ended");
		job_failed(c, f);
	}
}

/* Runs the job the loop chose. */
static void chan_work(uv_work_t *req)
{
	struct chan *c = req->data;
	enum imap_fail f = IMAP_OK;
	char *db_error = NULL;
	struct db *db;

	c->fail = IMAP_OK;
	switch (c->job) {
	case JOB_SYNC:
		job_sync(c);
		break;
	case JOB_FETCH:
		job_fetch(c);
		break;
	case JOB_REFUSED:
		job_refused(c);
		break;
	case JOB_DONE:
		if (c->sess != NULL)
			f = imap_session_done(c->sess, c->stored, c->n_stored, c->row.done_action, c->row.done_folder,
					      &c->error);
		if (f != IMAP_OK)
			job_failed(c, f);
		break;
	case JOB_IDLE:
		if (c->sess == NULL)
			break;
		f = imap_session_idle_start(c->sess, &c->idle_fd, &c->idle_pending, &c->error);
		if (f != IMAP_OK)
			job_failed(c, f);
		else
			c->in_idle = true;
		break;
	case JOB_CLOSE:
		if (c->in_idle && c->sess != NULL)
			imap_session_idle_done(c->sess, &db_error);
		free(db_error);
		db_error = NULL;
		imap_session_close(&c->sess);
		if ((db = workers_acquire(c->rt, &db_error)) != NULL)
			db_imap_lease_release(db, c->m->holder, c->row.id, &db_error);
		workers_release(&db);
		free(db_error);
		break;
	}
}

/* ---- the loop's side of a channel ---- */

/* Frees what one batch held. */
static void batch_free(struct chan *c)
{
	free(c->uids);
	free(c->sizes);
	free(c->msg);
	free(c->refusal);
	free(c->stored);
	c->uids = c->sizes = c->stored = NULL;
	c->msg = c->refusal = NULL;
	c->n_uids = c->cur = c->n_stored = c->len = 0;
	c->too_big = c->batch_end = c->progress = false;
}

/* The next look after n failures in a row: 2 s, 4 s ... 5 min. */
static unsigned backoff_s(unsigned failures)
{
	unsigned s = BACKOFF_MIN_S;

	for (unsigned i = 1; i < failures && s < BACKOFF_MAX_S; i++)
		s *= 2;
	return s < BACKOFF_MAX_S ? s : BACKOFF_MAX_S;
}

static void on_timer_sync(uv_timer_t *t)
{
	struct chan *c = t->data;

	if (c->polling) { /* IDLE renewal: the poll handle is closed first */
		c->polling = false;
		uv_poll_stop(&c->poll);
	}
	chan_job(c, JOB_SYNC);
}

/* After a failure: a new session after the backoff. */
static void chan_backoff(struct chan *c)
{
	unsigned s = backoff_s(++c->failures);

	chan_log_failure(c, s);
	uv_timer_start(&c->timer, on_timer_sync, (uint64_t)s * 1000, 0);
}

static void next_message(struct chan *c);

/* Back on the loop with the delivery's answer: stored (the position
 * moved with it), or refused (why kept for the attempt count). */
static void on_delivery_reply(void *ctx, size_t index, unsigned code, const char *enh, const char *text)
{
	struct chan *c = ctx;
	uint32_t uid = c->uids[c->cur];

	(void)index;
	if (code / 100 == 2) {
		c->stored[c->n_stored++] = uid;
		if (uid > c->last_uid) /* a rescan refetches lower ones */
			c->last_uid = uid;
		c->cur++;
		c->progress = true;
	} else {
		free(c->refusal);
		c->refusal = xasprintf("%u %s %s (event=delivery session=imap%lld.%u)", code, enh, text,
				       (long long)c->row.id, uid);
	}
}

/* The delivery is over: the next message, or the refusal counted. */
static void on_delivery_done(void *ctx)
{
	struct chan *c = ctx;

	c->delivering = false;
	if (c->refusal != NULL && !c->stopping) {
		chan_job(c, JOB_REFUSED);
		return;
	}
	c->batch_end = c->batch_end || c->refusal != NULL;
	next_message(c);
}

static const struct delivery_data_cbs delivery_cbs = { .reply = on_delivery_reply, .done = on_delivery_done };

/* The Return-Path of a fetched message (its envelope sender, when the
 * provider's delivery wrote one): malloc'd, or NULL. */
static char *return_path(const char *msg, size_t len)
{
	static const char name[] = "return-path:";
	const char *p = msg, *end = msg + len;

	while (p < end && *p != '\r' && *p != '\n') {
		const char *eol = memchr(p, '\n', (size_t)(end - p));

		if (eol == NULL)
			break;
		if ((size_t)(eol - p) > sizeof(name) && strncasecmp(p, name, sizeof(name) - 1) == 0) {
			const char *lt = memchr(p, '<', (size_t)(eol - p)), *gt;

			if (lt != NULL && (gt = memchr(lt, '>', (size_t)(eol - lt))) != NULL)
				return xstrndup(lt + 1, (size_t)(gt - lt - 1));
			return NULL;
		}
		p = eol + 1;
	}
	return NULL;
}

/* The fetched message c->msg (taken) into the delivery path of LMTP, to
 * the team's first alias, with the channel position that commits with it. */
static int deliver_one(struct chan *c)
{
	uint32_t uid = c->uids[c->cur];
	struct rcpt_route route = { .address = c->row.alias, .tenant_id = c->row.tenant_id,
				    .team_id = c->row.team_id };
	const struct rcpt_route *routes[1] = { &route };
	const struct runtime *rt = runtime_get();
	struct smtp_received rcv = { .helo = c->row.host, .peer = c->row.host, .hostname = rt->hostname,
				     .tls = true, .with = "IMAP" };
	struct db_channel_pos pos = { .channel_id = c->row.id, .holder = c->m->holder, .uidvalidity = c->uidvalidity,
				     .uid = uid };
	char sid[17], *mail_from = return_path(c->msg, c->len);
	struct delivery_data d = { .session_id = sid, .mail_from = mail_from, .routes = routes, .n_rcpts = 1,
				   .received = &rcv, .trusted = false, .msg = c->msg, .len = c->len,
				   .channel_pos = &pos };
	int ret;

	snprintf(sid, sizeof(sid), "imap%lld.%u", (long long)c->row.id, uid);
	rcv.session_id = sid;
	c->msg = NULL; /* taken */
	ret = delivery_data_start(c->m->loop, &d, &delivery_cbs, c);
	free(mail_from);
	runtime_unref((struct runtime **)&rt);
	return ret;
}

/* The batch in UID order, one message at a time: the next one is held
 * (over the size limit) or fetched; at the end (or at a failure to retry
 * later: the position must not pass a message that is not stored) the
 * done action of the stored ones. */
static void next_message(struct chan *c)
{
	if (c->stopping || c->batch_end || c->cur >= c->n_uids) {
		chan_job(c, JOB_DONE);
	} else if (c->sizes[c->cur] > c->m->size_limit) {
		c->too_big = true;
		c->refusal = xasprintf("%u bytes, over message_size_limit (%zu): not fetched", c->sizes[c->cur],
				       c->m->size_limit);
		chan_job(c, JOB_REFUSED);
	} else {
		chan_job(c, JOB_FETCH);
	}
}

/* Back on the loop with one fetched message: into the delivery path, or
 * held when it is bigger than its size said. */
static void fetched(struct chan *c)
{
	if (c->msg == NULL) { /* vanished meanwhile */
		c->cur++;
		c->progress = true;
		next_message(c);
	} else if (c->len > c->m->size_limit) {
		free(c->msg);
		c->msg = NULL;
		c->too_big = true;
		c->refusal = xasprintf("over message_size_limit (%zu; the server said %u bytes)", c->m->size_limit,
				       c->sizes[c->cur]);
		chan_job(c, JOB_REFUSED);
	} else {
		c->delivering = true;
		if (deliver_one(c) != 0) { /* not queued: try later */
			c->delivering = false;
			c->batch_end = true;
			next_message(c);
		}
	}
}

/* Back on the loop after JOB_REFUSED: held (log, count, on with the
 * batch), the lease gone (give the channel up), or retry later. */
static void refused(struct chan *c)
{
	uint32_t uid = c->uids[c->cur];
	char q[600];

	log_quote(q, sizeof(q), c->refusal, strlen(c->refusal), 500);
	if (c->lease_lost) {
		log_warn("event=imap.lease-lost channel=%lld action=stop", (long long)c->row.id);
		c->stopping = true; /* the done action of what is stored, then the end */
	} else if (c->held) {
		log_warn("event=imap.held channel=%lld uid=%u uidvalidity=%lld folder=%s reason=%s attempts=%u error=%s",
			 (long long)c->row.id, uid, (long long)c->uidvalidity, c->row.hold_folder,
			 c->too_big ? "size" : "attempts", c->attempts, q);
		metrics_count_imap_held(c->too_big);
		if (uid > c->last_uid)
			c->last_uid = uid;
		c->cur++;
		c->progress = true;
	} else {
		log_warn("event=imap.refused channel=%lld uid=%u attempts=%u max=%u error=%s", (long long)c->row.id,
			 uid, c->attempts, c->m->max_attempts, q);
		c->batch_end = true;
	}
	free(c->refusal);
	c->refusal = NULL;
	c->too_big = false;
	next_message(c);
}

/* Back on the loop after a job. */
static void chan_work_done(uv_work_t *req, int status)
{
	struct chan *c = req->data;
	enum job job = c->job;

	c->busy = false;
	runtime_unref(&c->rt);
	c->m->running--;
	jobs_next(c->m);
	if (status != 0 && c->fail == IMAP_OK) {
		c->fail = IMAP_FAIL_PROTOCOL;
		free(c->error);
		c->error = xstrdup("the job was cancelled");
	}
	if (job == JOB_CLOSE) {
		uv_close((uv_handle_t *)&c->timer, on_chan_closed); /* the poll handle's close came first */
		return;
	}
	if (c->connected) {
		log_info("event=imap.connected channel=%lld host=%s user=%s folder=%s uidvalidity=%lld last_uid=%lld",
			 (long long)c->row.id, c->row.host, c->row.username, c->row.folder,
			 (long long)c->uidvalidity, (long long)c->last_uid);
		c->connected = false;
	}
	if (c->reflagged > 0) {
		log_info("event=imap.reflagged channel=%lld count=%zu", (long long)c->row.id, c->reflagged);
		c->reflagged = 0;
	}
	if (c->uidvalidity_changed) {
		log_warn("event=imap.uidvalidity channel=%lld old=%lld new=%lld action=resync", (long long)c->row.id,
			 (long long)c->old_uidvalidity, (long long)c->uidvalidity);
		c->uidvalidity_changed = false;
	}
	if (c->fail != IMAP_OK) {
		batch_free(c);
		if (c->stopping)
			chan_job(c, JOB_CLOSE);
		else
			chan_backoff(c);
		free(c->error);
		c->error = NULL;
		return;
	}
	c->failures = 0;
	free(c->error_shown);
	c->error_shown = NULL;
	if (c->stopping && job != JOB_SYNC && job != JOB_FETCH && job != JOB_REFUSED) {
		batch_free(c);
		chan_job(c, JOB_CLOSE);
	} else if (job == JOB_SYNC && c->n_uids > 0 && !c->stopping) {
		c->stored = xcalloc(c->n_uids, sizeof(*c->stored));
		next_message(c);
	} else if (job == JOB_FETCH) {
		fetched(c);
	} else if (job == JOB_REFUSED) {
		refused(c);
	} else if (job == JOB_SYNC) {
		batch_free(c);
		chan_wait(c);
	} else if (job == JOB_DONE) {
		bool retry = c->batch_end, again = !c->batch_end && c->progress;

		batch_free(c);
		if (retry) {
			c->error = xstrdup("a fetched message could not be stored now (see event=imap.refused)");
			c->fail = IMAP_FAIL_PROTOCOL;
			chan_backoff(c);
			free(c->error);
			c->error = NULL;
		} else if (again) {
			chan_job(c, JOB_SYNC); /* more may be waiting */
		} else {
			chan_wait(c);
		}
	} else if (job == JOB_IDLE) {
		chan_wait(c);
	}
}

/* Hands c's job to the pool (a slot is free). */
static void job_submit(struct chan *c)
{
	c->m->running++;
	c->rt = runtime_get();
	c->work.data = c;
	if (uv_queue_work(c->m->loop, &c->work, chan_work, chan_work_done) != 0) {
		c->m->running--;
		c->busy = false;
		runtime_unref(&c->rt);
		uv_timer_start(&c->timer, on_timer_sync, BACKOFF_MIN_S * 1000, 0);
	}
}

/* A slot came free: the job that waited longest goes to the pool. */
static void jobs_next(struct imap_channels *m)
{
	while (m->running < m->max_jobs && m->wait_head != NULL) {
		struct chan *c = m->wait_head;

		m->wait_head = c->wait_next;
		if (m->wait_head == NULL)
			m->wait_tail = NULL;
		c->wait_next = NULL;
		c->waiting = false;
		job_submit(c);
	}
}

/* Queues one job (the channel has at most one): to the pool when fewer
 * than max_jobs run, else at the end of the waiting line. */
static void chan_job(struct chan *c, enum job job)
{
	struct imap_channels *m = c->m;

	if (c->busy)
		return;
	if (job == JOB_CLOSE) {
		if (c->stop_queued)
			return;
		c->stop_queued = true;
	}
	uv_timer_stop(&c->timer);
	c->job = job;
	c->busy = true;
	if (m->running < m->max_jobs) {
		job_submit(c);
		return;
	}
	c->waiting = true;
	if (m->wait_tail != NULL)
		m->wait_tail->wait_next = c;
	else
		m->wait_head = c;
	m->wait_tail = c;
}

/* The poll handle is closed: the IDLE ends in a job. */
static void on_poll_closed(uv_handle_t *h)
{
	struct chan *c = h->data;

	chan_job(c, c->stopping ? JOB_CLOSE : JOB_SYNC);
}

/* The server said something while we were in IDLE (new mail, most
 * likely): leave IDLE and look. */
static void on_idle_readable(uv_poll_t *p, int status, int events)
{
	struct chan *c = p->data;

	(void)status;
	(void)events;
	if (!c->polling)
		return;
	c->polling = false;
	uv_timer_stop(&c->timer);
	uv_close((uv_handle_t *)&c->poll, on_poll_closed);
}

static void on_idle_renew(uv_timer_t *t)
{
	struct chan *c = t->data;

	on_idle_readable(&c->poll, 0, 0);
}

/* Nothing new: IDLE (the socket watched here) when we are in it, else
 * enter it when offered, else look again after imap_poll_interval. */
static void chan_wait(struct chan *c)
{
	if (c->stopping) {
		chan_job(c, JOB_CLOSE);
	} else if (c->in_idle && c->idle_pending) {
		chan_job(c, JOB_SYNC);
	} else if (c->in_idle) {
		uv_poll_init(c->m->loop, &c->poll, c->idle_fd);
		c->poll.data = c;
		c->polling = true;
		uv_poll_start(&c->poll, UV_READABLE | UV_DISCONNECT, on_idle_readable);
		uv_timer_start(&c->timer, on_idle_renew, IDLE_RESTART_MS, 0);
	} else if (c->sess != NULL && imap_session_has_idle(c->sess)) {
		chan_job(c, JOB_IDLE);
	} else {
		uv_timer_start(&c->timer, on_timer_sync, (uint64_t)c->m->poll_interval_s * 1000, 0);
	}
}

/* The channel's last handle is closed: unlink and free it. */
static void on_chan_closed(uv_handle_t *h)
{
	struct chan *c = h->data;
	struct imap_channels *m = c->m;

	for (struct chan **p = &m->chans; *p != NULL; p = &(*p)->next) {
		if (*p == c) {
			*p = c->next;
			break;
		}
	}
	log_info("event=imap.stopped channel=%lld", (long long)c->row.id);
	db_imap_channel_clear(&c->row);
	free(c->error_shown);
	free(c);
	mgr_maybe_free(m);
}

/* Stops a channel: its session ends (after a delivery in flight and its
 * done action), its lease is given up, then it is freed. */
static void chan_stop(struct chan *c)
{
	if (c->stopping)
		return;
	c->stopping = true;
	if (c->waiting && (c->job == JOB_SYNC || c->job == JOB_IDLE)) {
		c->job = JOB_CLOSE; /* not started: no look, just the end */
		c->stop_queued = true;
		return;
	}
	if (c->busy || c->delivering)
		return; /* the job's or the batch's end sees stopping */
	if (c->polling) {
		on_idle_readable(&c->poll, 0, 0);
		return;
	}
	chan_job(c, JOB_CLOSE);
}

/* A channel this daemon now holds: the first look at once. */
static void chan_start(struct imap_channels *m, struct db_imap_channel *row)
{
	struct chan *c = xcalloc(1, sizeof(*c));

	c->m = m;
	c->row = *row;
	memset(row, 0, sizeof(*row)); /* taken */
	c->uidvalidity = c->row.uidvalidity;
	c->last_uid = c->row.last_uid;
	uv_timer_init(m->loop, &c->timer);
	uv_unref((uv_handle_t *)&c->timer);
	c->timer.data = c;
	c->next = m->chans;
	m->chans = c;
	log_info("event=imap.start channel=%lld host=%s user=%s folder=%s", (long long)c->row.id, c->row.host,
		 c->row.username, c->row.folder);
	chan_job(c, JOB_SYNC);
}

/* ---- the lease ---- */

static void lease_work(uv_work_t *req)
{
	struct imap_channels *m = req->data;
	struct db *db = workers_acquire(m->rt, &m->lease_error);

	if (db != NULL)
		db_imap_lease(db, m->holder, LEASE_S, MAX_CHANNELS, &m->leased, &m->n_leased, &m->lease_error);
	workers_release(&db);
}

/* The channels leased now against the ones running: new ones start,
 * lost or paused ones stop, changed ones stop (and start at the next
 * renewal with their new settings). */
static void lease_reconcile(struct imap_channels *m)
{
	for (struct chan *c = m->chans; c != NULL; c = c->next) {
		bool keep = false;

		for (size_t i = 0; i < m->n_leased; i++)
			if (m->leased[i].id == c->row.id && m->leased[i].config_version == c->row.config_version)
				keep = true;
		if (!keep)
			chan_stop(c);
	}
	for (size_t i = 0; i < m->n_leased; i++) {
		bool running = false;

		for (struct chan *c = m->chans; c != NULL; c = c->next)
			running = running || c->row.id == m->leased[i].id;
		if (!running)
			chan_start(m, &m->leased[i]);
	}
}

static void lease_done(uv_work_t *req, int status)
{
	struct imap_channels *m = req->data;

	m->lease_busy = false;
	runtime_unref(&m->rt);
	if (m->lease_error != NULL) {
		log_warn("event=imap.lease status=failed error=\"%s\"", m->lease_error);
		free(m->lease_error);
		m->lease_error = NULL;
	} else if (status == 0 && !m->stopping) {
		lease_reconcile(m);
	}
	for (size_t i = 0; i < m->n_leased; i++)
		db_imap_channel_clear(&m->leased[i]);
	free(m->leased);
	m->leased = NULL;
	m->n_leased = 0;
	mgr_maybe_free(m);
}

static void on_lease_timer(uv_timer_t *t)
{
	struct imap_channels *m = t->data;

	if (m->lease_busy || m->stopping)
		return;
	m->lease_busy = true;
	m->rt = runtime_get();
	m->lease_work.data = m;
	if (uv_queue_work(m->loop, &m->lease_work, lease_work, lease_done) != 0) {
		m->lease_busy = false;
		runtime_unref(&m->rt);
	}
}

/* Contract in imap-channel.h. */
struct imap_channels *imap_channels_start(uv_loop_t *loop, const struct md_config *cfg)
{
	struct imap_channels *m = xcalloc(1, sizeof(*m));
	char host[256] = "";

	m->loop = loop;
	gethostname(host, sizeof(host) - 1);
	snprintf(m->holder, sizeof(m->holder), "%s:%ld", host, (long)getpid());
	m->poll_interval_s = cfg->imap_poll_interval;
	m->max_attempts = cfg->imap_max_attempts;
	m->size_limit = (size_t)cfg->message_size_limit;
	m->max_jobs = cfg->imap_max_jobs;
	uv_timer_init(loop, &m->lease_timer);
	m->lease_timer.data = m;
	uv_timer_start(&m->lease_timer, on_lease_timer, 0, RENEW_MS);
	uv_unref((uv_handle_t *)&m->lease_timer);
	return m;
}

/* Contract in imap-channel.h. */
void imap_channels_configure(struct imap_channels *m, const struct md_config *cfg)
{
	if (m == NULL)
		return;
	m->poll_interval_s = cfg->imap_poll_interval;
	m->max_attempts = cfg->imap_max_attempts;
	m->size_limit = (size_t)cfg->message_size_limit;
}

static void on_lease_timer_closed(uv_handle_t *h)
{
	struct imap_channels *m = h->data;

	m->timer_closed = true;
	mgr_maybe_free(m);
}

/* Frees the driver once stopped and idle. */
static void mgr_maybe_free(struct imap_channels *m)
{
	if (!m->stopping || !m->timer_closed || m->lease_busy || m->chans != NULL)
		return;
	free(m);
}

/* Contract in imap-channel.h. */
void imap_channels_stop(struct imap_channels **mp)
{
	struct imap_channels *m = *mp;

	if (m == NULL)
		return;
	*mp = NULL;
	m->stopping = true;
	uv_timer_stop(&m->lease_timer);
	uv_close((uv_handle_t *)&m->lease_timer, on_lease_timer_closed);
	for (struct chan *c = m->chans; c != NULL; c = c->next)
		chan_stop(c);
}
