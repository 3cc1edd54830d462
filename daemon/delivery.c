#include "config.h"
#include "delivery.h"
#include "metrics.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/xalloc.h"
#include "agent/agent.h"
#include "conn.h"
#include "db/db.h"
#include "desk/desk.h"
#include "message-map.h"
#include "mime/mime.h"
#include "smtp/smtp-received.h"
#include "smtp/smtp-status.h"
#include "thread/thread.h"

/* Everything a worker thread needs, immutable once published. A reload
 * publishes a new snapshot; each thread moves to it (reconnecting) at its
 * next job and drops its reference to the old one. */
struct snapshot {
	unsigned refs; /* under snapshot_lock */
	char *conninfo;
	unsigned timeout_s;
	char *delimiters;
	char *secret;
	char *hostname;
	char *authserv_id;
	char *shared_domain; /* "" when none */
	struct desk_settings desk; /* points into this snapshot */
};

static pthread_mutex_t snapshot_lock = PTHREAD_MUTEX_INITIALIZER;
static struct snapshot *current; /* the newest; the loop thread owns a reference */

static __thread struct db *thread_db;
static __thread struct snapshot *thread_snapshot; /* what thread_db was made with */

/* Drops one reference; frees the snapshot with the last one. */
static void snapshot_unref(struct snapshot *sn)
{
	bool last;

	if (sn == NULL)
		return;
	pthread_mutex_lock(&snapshot_lock);
	last = --sn->refs == 0;
	pthread_mutex_unlock(&snapshot_lock);
	if (!last)
		return;
	free(sn->conninfo);
	free(sn->delimiters);
	free(sn->secret);
	free(sn->hostname);
	free(sn->authserv_id);
	free(sn->shared_domain);
	free(sn);
}

void delivery_configure(const struct md_config *cfg, const char *secret)
{
	struct snapshot *sn = xcalloc(1, sizeof(*sn)), *old;

	sn->refs = 1;
	sn->conninfo = xstrdup(cfg->database);
	sn->timeout_s = cfg->db_timeout;
	sn->delimiters = xstrdup(cfg->recipient_delimiter);
	sn->secret = secret != NULL ? xstrdup(secret) : NULL;
	sn->hostname = xstrdup(cfg->hostname);
	sn->authserv_id = xstrdup(cfg->authserv_id);
	sn->shared_domain = xstrdup(cfg->shared_domain);
	sn->desk = (struct desk_settings){
		.secret = sn->secret, .hostname = sn->hostname, .delimiter = sn->delimiters[0],
		.auto_per_ticket_hour = cfg->auto_mail_per_ticket_hour,
		.auto_per_address_hour = cfg->auto_mail_per_address_hour,
		.auto_per_team_hour = cfg->auto_mail_per_team_hour,
		.require_dkim = cfg->agent_reply_require_dkim, .authserv_id = sn->authserv_id,
		.agent_token_lifetime_s = cfg->agent_token_lifetime,
		.autoack_window_s = cfg->autoack_window, .shared_domain = sn->shared_domain,
		.rule_match_limit = cfg->rule_match_limit, .delimiters = sn->delimiters,
	};
	pthread_mutex_lock(&snapshot_lock);
	old = current;
	current = sn;
	pthread_mutex_unlock(&snapshot_lock);
	snapshot_unref(old);
}

/* The delimiters RCPT addresses are split at (loop thread, which owns
 * `current` between reloads). */
static const char *rcpt_delimiters(void)
{
	return current != NULL ? current->delimiters : "";
}

void delivery_thread_cleanup(void)
{
	db_close(&thread_db);
	snapshot_unref(thread_snapshot);
	thread_snapshot = NULL;
}

/* The calling worker thread's connection, (re)connected as needed. Returns
 * NULL with *error_r malloc'd when PostgreSQL can't be reached. */
static struct db *worker_db(char **error_r)
{
	struct snapshot *sn;

	pthread_mutex_lock(&snapshot_lock);
	sn = current;
	pthread_mutex_unlock(&snapshot_lock);
	if (thread_snapshot != sn) {
		delivery_thread_cleanup();
		pthread_mutex_lock(&snapshot_lock);
		sn = current;
		sn->refs++;
		pthread_mutex_unlock(&snapshot_lock);
		thread_snapshot = sn;
	}
	if (thread_db == NULL)
		(void)db_connect(sn->conninfo, sn->timeout_s, &thread_db, error_r);
	return thread_db;
}

/* Contract in delivery.h. */
struct db *delivery_thread_db(const struct desk_settings **settings_r, char **error_r)
{
	struct db *db = worker_db(error_r);

	if (db != NULL)
		*settings_r = &thread_snapshot->desk;
	return db;
}

static void (*stored_hook)(void *arg);
static void *stored_hook_arg;

void delivery_set_stored_hook(void (*fn)(void *arg), void *arg)
{
	stored_hook = fn;
	stored_hook_arg = arg;
}

/* ---- RCPT lookups ---- */

struct rcpt_job {
	uv_work_t req;
	struct conn *conn;
	char *address;   /* as given */
	char *base;      /* without the extension: what is looked up */
	char *extension; /* or NULL */
	int found; /* 1 found, 0 unknown, -1 error */
	int64_t tenant_id, team_id;
	char *error;
};

static void rcpt_job_work(uv_work_t *req)
{
	struct rcpt_job *j = req->data;
	struct db *db = worker_db(&j->error);

	j->found = db == NULL ? -1
			      : db_alias_lookup(db, j->base, thread_snapshot->shared_domain, &j->tenant_id, &j->team_id,
						&j->error);
}

/* Remembers where an accepted recipient goes, for the DATA that follows.
 * Returns -1 when the transaction's table is full (cannot happen while it
 * is sized by max_recipients; then the RCPT is refused for now). */
static int conn_route_add(struct conn *c, const struct rcpt_job *j)
{
	return route_cache_put(&c->routes, j->address, j->extension, j->tenant_id, j->team_id);
}

static void rcpt_job_done(uv_work_t *req, int status)
{
	struct rcpt_job *j = req->data;
	struct conn *c = j->conn;
	enum smtp_status st;
	const struct smtp_status_reply *r;
	char q[300];

	if (status != 0 || j->found < 0)
		st = SMTP_STATUS_TEMPFAIL;
	else
		st = j->found ? SMTP_STATUS_OK : SMTP_STATUS_NO_SUCH_USER;
	r = smtp_status_reply(st);
	metrics_rcpt_result(st);
	log_quote(q, sizeof(q), j->address, strlen(j->address), 200);
	if (j->found < 0) {
		const char *e = j->error ? j->error : "cancelled";
		char eq[600];
		log_warn("event=rcpt session=%s rcpt=%s reply=%u error=%s", c->id, q, r->code,
			 log_quote(eq, sizeof(eq), e, strlen(e), 400));
	} else
		log_info("event=rcpt session=%s rcpt=%s reply=%u", c->id, q, r->code);
	if (!c->closing) {
		if (j->found > 0 && conn_route_add(c, j) < 0) {
			r = smtp_status_reply(SMTP_STATUS_TOO_MANY_RCPTS);
			smtp_session_rcpt_reply(c->session, r->code, r->enh, r->text);
		} else if (j->found > 0) {
			smtp_session_rcpt_reply(c->session, 250, "2.1.5", "Ok");
		} else {
			smtp_session_rcpt_reply(c->session, r->code, r->enh, r->text);
		}
		conn_arm_timer(c);
		conn_flush(c);
	}
	free(j->address);
	free(j->base);
	free(j->extension);
	free(j->error);
	free(j);
	conn_unref(c);
}

void delivery_rcpt_start(struct conn *c, const char *address)
{
	struct rcpt_job *j = xcalloc(1, sizeof(*j));
	size_t n = strlen(address) + 1, ext_len;
	const char *ext;

	j->req.data = j;
	j->conn = c;
	j->address = xstrdup(address);
	j->base = xmalloc(n);
	if (thread_address_split(address, rcpt_delimiters(), j->base, n, &ext, &ext_len) < 0)
		strcpy(j->base, address);
	else if (ext != NULL)
		j->extension = xstrndup(ext, ext_len);
	c->refs++;
	if (uv_queue_work(c->srv->loop, &j->req, rcpt_job_work, rcpt_job_done) != 0) {
		j->found = -1;
		rcpt_job_done(&j->req, UV_ECANCELED);
	}
}

/* ---- storing messages ---- */

struct data_result {
	enum smtp_status status;
	struct db_delivery_result r;
	char *error;
	char *control; /* mail to the control address: what it did */
};

struct data_job {
	uv_work_t req;
	struct conn *conn;
	char *msg;
	size_t len;
	char *mail_from;
	struct rcpt_route *routes; /* one per recipient, in RCPT order */
	char **received;           /* our Received field for each recipient */
	bool trusted;              /* the peer's Authentication-Results may count */
	size_t n;
	struct data_result *results;
	char *message_id;
	unsigned defects;
	char raw_sha256[65]; /* logged for mail to the control address */
	double started; /* metrics_now() at the end of DATA */
};

/* Parses once, then stores the message for each recipient in its own
 * transaction, so each LMTP reply means exactly "committed" or "not". */
static void data_job_work(uv_work_t *req)
{
	struct data_job *j = req->data;
	struct mime_message *m = mime_parse(j->msg, j->len);
	struct message_map map;
	char *error = NULL;
	struct db *db = worker_db(&error);

	char *stripped;

	message_map_init(&map, m, j->msg, j->len, j->mail_from);
	memcpy(j->raw_sha256, map.raw_sha256, sizeof(j->raw_sha256));
	/* Results in our mail server's name that no trusted peer wrote are
	 * dropped from the stored header; the raw bytes stay as received
	 * (and their hash, which finds a retried delivery, with them). */
	stripped = db != NULL && thread_snapshot->authserv_id[0] != '\0'
			   ? agent_auth_results_strip(map.in.header_block, thread_snapshot->authserv_id, j->trusted)
			   : xstrdup(map.in.header_block);
	j->message_id = m->message_id ? xstrdup(m->message_id) : NULL;
	j->defects = m->defects;
	for (size_t i = 0; i < j->n; i++) {
		struct data_result *res = &j->results[i];
		if (db == NULL) {
			res->status = SMTP_STATUS_TEMPFAIL;
			res->error = xstrdup(error);
			continue;
		}
		/* Our Received on top: the trust boundary lib/agent reads. */
		char *header = xasprintf("%s%s", j->received[i], stripped);
		map.in.header_block = header;
		map.in.rcpt_extension = j->routes[i].extension;
		/* Who vouches for the author: read below our Received line. */
		desk_inbound_trust(&thread_snapshot->desk, &map.in);
		if (desk_control_address(map.in.rcpt_extension)) {
			/* ALIAS+control@: agent status by mail; no ticket. */
			res->status = desk_control_mail(db, &thread_snapshot->desk, j->routes[i].tenant_id,
							j->routes[i].team_id, &map.in, &res->control,
							&res->error) < 0
					      ? SMTP_STATUS_TEMPFAIL
					      : SMTP_STATUS_OK;
		} else if (desk_deliver(db, &thread_snapshot->desk, j->routes[i].tenant_id, j->routes[i].team_id,
					j->routes[i].address, &map.in, &res->r, &res->error) < 0)
			res->status = SMTP_STATUS_TEMPFAIL;
		else
			res->status = res->r.duplicate ? SMTP_STATUS_DUPLICATE : SMTP_STATUS_OK;
		free(header);
	}
	free(error);
	free(stripped);
	message_map_free(&map);
	mime_message_free(&m);
}

/* One log line per recipient: the ticket it landed on, or why it did not. */
static void data_result_log(const struct data_job *j, size_t i)
{
	const struct data_result *res = &j->results[i];
	char q[300], mid[300], defects[200], why[300];

	log_quote(q, sizeof(q), j->routes[i].address, strlen(j->routes[i].address), 200);
	log_quote(mid, sizeof(mid), j->message_id ? j->message_id : "", j->message_id ? strlen(j->message_id) : 0,
		  200);
	mime_defects_str(j->defects, defects, sizeof(defects));
	if (res->control != NULL)
		log_info("event=control session=%s rcpt=%s message_id=%s status=done sha256=%s size=%zu result=%s",
			 j->conn->id, q, mid, j->raw_sha256, j->len,
			 log_quote(why, sizeof(why), res->control, strlen(res->control), 280));
	else if (res->status == SMTP_STATUS_TEMPFAIL)
		log_warn("event=delivery session=%s rcpt=%s message_id=%s status=deferred reply=451 error=%s",
			 j->conn->id, q, mid,
			 log_quote(why, sizeof(why), res->error ? res->error : "", res->error ? strlen(res->error) : 0,
				   280));
	else
		log_info("event=delivery session=%s rcpt=%s message_id=%s status=%s ticket=%lld message=%lld"
			 " match=%s new_ticket=%s reopened=%s linked=%lld size=%zu defects=\"%s\" why=%s",
			 j->conn->id, q, mid, res->r.duplicate ? "duplicate" : "stored",
			 (long long)res->r.ticket_number, (long long)res->r.message_id,
			 res->r.duplicate ? "-" : res->r.match_reason, res->r.new_ticket ? "yes" : "no",
			 res->r.reopened ? "yes" : "no", (long long)res->r.linked_ticket_number, j->len, defects,
			 log_quote(why, sizeof(why), res->r.match_detail, strlen(res->r.match_detail), 200));
}

static void data_job_done(uv_work_t *req, int status)
{
	struct data_job *j = req->data;
	struct conn *c = j->conn;

	for (size_t i = 0; i < j->n; i++) {
		const struct smtp_status_reply *r;
		char text[200];

		if (status != 0)
			j->results[i].status = SMTP_STATUS_TEMPFAIL;
		data_result_log(j, i);
		metrics_delivery_result(j->results[i].status, j->results[i].r.duplicate, metrics_now() - j->started);
		r = smtp_status_reply(j->results[i].status);
		if (j->results[i].status == SMTP_STATUS_TEMPFAIL || j->results[i].control != NULL)
			snprintf(text, sizeof(text), "%s", r->text);
		else
			snprintf(text, sizeof(text), "%s as ticket %lld", r->text,
				 (long long)j->results[i].r.ticket_number);
		if (!c->closing)
			smtp_session_data_reply(c->session, i, r->code, r->enh, text);
	}
	if (!c->closing) {
		conn_arm_timer(c);
		conn_flush(c);
	}
	for (size_t i = 0; i < j->n; i++) {
		if (stored_hook != NULL && j->results[i].status == SMTP_STATUS_OK) {
			stored_hook(stored_hook_arg);
			break;
		}
	}
	for (size_t i = 0; i < j->n; i++) {
		free(j->routes[i].address);
		free(j->routes[i].extension);
		free(j->received[i]);
		free(j->results[i].error);
		free(j->results[i].control);
	}
	free(j->routes);
	free(j->received);
	free(j->results);
	free(j->msg);
	free(j->mail_from);
	free(j->message_id);
	free(j);
	conn_unref(c);
}

/* Our Received field for one recipient of the session's message. */
static char *conn_received(const struct conn *c, const char *rcpt)
{
	struct smtp_received r = {
		.helo = smtp_session_helo(c->session), .peer = c->peer, .is_unix = c->is_unix,
		.hostname = c->srv->cfg.hostname, .lmtp = c->protocol == SMTP_PROTOCOL_LMTP, .tls = c->tls_up,
		.session_id = c->id,
	};

	return smtp_received_format(&r, rcpt, time(NULL));
}

void delivery_data_start(struct conn *c, const char *mail_from, const char *const *rcpts,
			 size_t n_rcpts, char *msg, size_t len)
{
	struct data_job *j = xcalloc(1, sizeof(*j));

	j->req.data = j;
	j->started = metrics_now();
	j->conn = c;
	j->msg = msg;
	j->len = len;
	j->mail_from = xstrdup(mail_from);
	j->n = n_rcpts;
	j->routes = xcalloc(n_rcpts, sizeof(*j->routes));
	j->results = xcalloc(n_rcpts, sizeof(*j->results));
	j->received = xcalloc(n_rcpts, sizeof(*j->received));
	j->trusted = c->trusted;
	for (size_t i = 0; i < n_rcpts; i++) {
		const struct rcpt_route *r = conn_route_find(c, rcpts[i]);
		/* Every accepted recipient was routed by its RCPT lookup. */
		if (r == NULL)
			abort();
		j->routes[i].address = xstrdup(rcpts[i]);
		j->routes[i].extension = r->extension != NULL ? xstrdup(r->extension) : NULL;
		j->routes[i].tenant_id = r->tenant_id;
		j->routes[i].team_id = r->team_id;
		j->received[i] = conn_received(c, rcpts[i]);
	}
	c->refs++;
	if (uv_queue_work(c->srv->loop, &j->req, data_job_work, data_job_done) != 0)
		data_job_done(&j->req, UV_ECANCELED);
}

int delivery_check_database(const char *conninfo, unsigned timeout_s, char **error_r)
{
	struct db *db = NULL;
	int ret;

	if (db_connect(conninfo, timeout_s, &db, error_r) < 0)
		return -1;
	ret = db_schema_check(db, error_r);
	db_close(&db);
	return ret;
}
