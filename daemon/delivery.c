#include "config.h"
#include "delivery.h"
#include "metrics.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/log.h"
#include "base/xalloc.h"
#include "agent/agent.h"
#include "db/db.h"
#include "desk/desk.h"
#include "message-map.h"
#include "mime/mime.h"
#include "runtime.h"
#include "smtp/smtp-status.h"
#include "thread/thread.h"
#include "workers.h"

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
	struct runtime *rt; /* held for the job's duration */
	delivery_rcpt_cb *cb;
	void *ctx;
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
	struct db *db = workers_acquire(j->rt, &j->error);

	j->found = db == NULL ? -1
			      : db_alias_lookup(db, j->base, j->rt->shared_domain, &j->tenant_id, &j->team_id,
						&j->error);
	workers_release(&db);
}

/* Back on the loop: the result goes to whoever asked. */
static void rcpt_job_done(uv_work_t *req, int status)
{
	struct rcpt_job *j = req->data;
	struct delivery_rcpt_result res = { .address = j->address, .found = status != 0 ? -1 : j->found,
					    .error = j->error != NULL ? j->error : "cancelled" };

	if (res.found > 0)
		res.route = rcpt_route_new(j->address, j->extension, j->tenant_id, j->team_id);
	j->cb(j->ctx, &res);
	rcpt_route_free(&res.route); /* when the callback did not take it */
	runtime_unref(&j->rt);
	free(j->address);
	free(j->base);
	free(j->extension);
	free(j->error);
	free(j);
}

/* Contract in delivery.h. */
int delivery_rcpt_start(uv_loop_t *loop, const char *address, delivery_rcpt_cb *cb, void *ctx)
{
	struct rcpt_job *j = xcalloc(1, sizeof(*j));
	size_t n = strlen(address) + 1, ext_len;
	const char *ext;

	j->req.data = j;
	j->rt = runtime_get();
	j->cb = cb;
	j->ctx = ctx;
	j->address = xstrdup(address);
	j->base = xmalloc(n);
	if (thread_address_split(address, j->rt->delimiters, j->base, n, &ext, &ext_len) < 0)
		strcpy(j->base, address);
	else if (ext != NULL)
		j->extension = xstrndup(ext, ext_len);
	if (uv_queue_work(loop, &j->req, rcpt_job_work, rcpt_job_done) == 0)
		return 0;
	runtime_unref(&j->rt);
	free(j->address);
	free(j->base);
	free(j->extension);
	free(j);
	return -1;
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
	struct runtime *rt; /* held for the job's duration */
	const struct delivery_data_cbs *cbs;
	void *ctx;
	char session_id[17];
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
	bool has_pos;   /* an IMAP channel's message: pos goes with it */
	struct db_channel_pos pos;
	char *pos_holder; /* pos.holder's copy */
};

/* Parses once, then stores the message for each recipient in its own
 * transaction, so each LMTP reply means exactly "committed" or "not". */
static void data_job_work(uv_work_t *req)
{
	struct data_job *j = req->data;
	struct mime_message *m = mime_parse(j->msg, j->len);
	struct message_map map;
	char *error = NULL;
	struct db *db = workers_acquire(j->rt, &error);
	unsigned char *drop;

	message_map_init(&map, m, j->msg, j->len, j->mail_from != NULL ? j->mail_from : "");
	if (j->mail_from == NULL) /* fetched without a Return-Path: From stands in */
		map.in.envelope_from = map.in.from_addr != NULL ? map.in.from_addr : "";
	memcpy(j->raw_sha256, map.raw_sha256, sizeof(j->raw_sha256));
	/* Results in our mail server's name that no trusted peer wrote are
	 * dropped from the stored header (drop[i]: field i goes); the raw
	 * bytes stay as received (and their hash, which finds a retried
	 * delivery, with them). */
	drop = xcalloc(m->n_fields + 1, 1);
	if (db != NULL && j->rt->authserv_id[0] != '\0')
		free(agent_auth_results_strip_fields(m->header_block, m->fields, m->field_spans, m->n_fields,
						     j->rt->authserv_id, j->trusted, drop));
	j->message_id = m->message_id ? xstrdup(m->message_id) : NULL;
	j->defects = m->defects;
	for (size_t i = 0; i < j->n; i++) {
		struct data_result *res = &j->results[i];
		struct mime_fields_view view;

		if (db == NULL) {
			res->status = SMTP_STATUS_TEMPFAIL;
			res->error = xstrdup(error);
			continue;
		}
		/* Our Received on top (the trust boundary lib/agent reads),
		 * then the kept fields: the stored header block and the fields
		 * lib/desk reads are made in one pass, so they agree. */
		mime_fields_view_make(&view, j->received[i], m->header_block, m->fields, m->field_spans, drop,
				      m->n_fields);
		map.in.header_block = view.block;
		map.in.fields = view.fields;
		map.in.n_fields = view.n;
		map.in.rcpt_extension = j->routes[i].extension;
		map.in.channel_pos = j->has_pos ? &j->pos : NULL;
		/* Who vouches for the author: read below our Received line. */
		desk_inbound_trust(&j->rt->desk, &map.in);
		if (desk_control_address(map.in.rcpt_extension)) {
			/* ALIAS+control@: agent status by mail; no ticket. */
			res->status = desk_control_mail(db, &j->rt->desk, j->routes[i].tenant_id,
							j->routes[i].team_id, &map.in, &res->control,
							&res->error) < 0
					      ? SMTP_STATUS_TEMPFAIL
					      : SMTP_STATUS_OK;
		} else if (desk_deliver(db, &j->rt->desk, j->routes[i].tenant_id, j->routes[i].team_id,
					j->routes[i].address, &map.in, &res->r, &res->error) < 0)
			res->status = SMTP_STATUS_TEMPFAIL;
		else
			res->status = res->r.duplicate ? SMTP_STATUS_DUPLICATE : SMTP_STATUS_OK;
		mime_fields_view_free(&view);
	}
	workers_release(&db);
	free(error);
	free(drop);
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
			 j->session_id, q, mid, j->raw_sha256, j->len,
			 log_quote(why, sizeof(why), res->control, strlen(res->control), 280));
	else if (res->status == SMTP_STATUS_TEMPFAIL)
		log_warn("event=delivery session=%s rcpt=%s message_id=%s status=deferred reply=451 error=%s",
			 j->session_id, q, mid,
			 log_quote(why, sizeof(why), res->error ? res->error : "", res->error ? strlen(res->error) : 0,
				   280));
	else
		log_info("event=delivery session=%s rcpt=%s message_id=%s status=%s ticket=%lld message=%lld"
			 " match=%s new_ticket=%s reopened=%s linked=%lld size=%zu defects=\"%s\" why=%s",
			 j->session_id, q, mid, res->r.duplicate ? "duplicate" : "stored",
			 (long long)res->r.ticket_number, (long long)res->r.message_id,
			 res->r.duplicate ? "-" : res->r.match_reason, res->r.new_ticket ? "yes" : "no",
			 res->r.reopened ? "yes" : "no", (long long)res->r.linked_ticket_number, j->len, defects,
			 log_quote(why, sizeof(why), res->r.match_detail, strlen(res->r.match_detail), 200));
}

/* Frees a job and everything it holds. */
static void data_job_free(struct data_job *j)
{
	for (size_t i = 0; i < j->n; i++) {
		free(j->routes[i].address);
		free(j->routes[i].extension);
		free(j->received[i]);
		free(j->results[i].error);
		free(j->results[i].control);
	}
	runtime_unref(&j->rt);
	free(j->routes);
	free(j->received);
	free(j->results);
	free(j->msg);
	free(j->mail_from);
	free(j->message_id);
	free(j->pos_holder);
	free(j);
}

/* Back on the loop: one log line and one answer per recipient, in order,
 * then done(). */
static void data_job_done(uv_work_t *req, int status)
{
	struct data_job *j = req->data;

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
		j->cbs->reply(j->ctx, i, r->code, r->enh, text);
	}
	j->cbs->done(j->ctx);
	for (size_t i = 0; i < j->n; i++) {
		if (stored_hook != NULL && j->results[i].status == SMTP_STATUS_OK) {
			stored_hook(stored_hook_arg);
			break;
		}
	}
	data_job_free(j);
}

/* Contract in delivery.h. */
int delivery_data_start(uv_loop_t *loop, const struct delivery_data *d, const struct delivery_data_cbs *cbs,
			void *ctx)
{
	struct data_job *j = xcalloc(1, sizeof(*j));
	struct smtp_received rcv = *d->received;
	time_t now = time(NULL);

	j->req.data = j;
	j->rt = runtime_get();
	j->cbs = cbs;
	j->ctx = ctx;
	snprintf(j->session_id, sizeof(j->session_id), "%s", d->session_id);
	j->started = metrics_now();
	j->msg = d->msg;
	j->len = d->len;
	j->mail_from = d->mail_from != NULL ? xstrdup(d->mail_from) : NULL;
	j->n = d->n_rcpts;
	j->routes = xcalloc(j->n, sizeof(*j->routes));
	j->results = xcalloc(j->n, sizeof(*j->results));
	j->received = xcalloc(j->n, sizeof(*j->received));
	j->trusted = d->trusted;
	if (d->channel_pos != NULL) {
		j->has_pos = true;
		j->pos = *d->channel_pos;
		j->pos_holder = xstrdup(d->channel_pos->holder);
		j->pos.holder = j->pos_holder;
	}
	for (size_t i = 0; i < j->n; i++) {
		const struct rcpt_route *r = d->routes[i];

		j->routes[i].address = xstrdup(r->address);
		j->routes[i].extension = r->extension != NULL ? xstrdup(r->extension) : NULL;
		j->routes[i].tenant_id = r->tenant_id;
		j->routes[i].team_id = r->team_id;
		j->received[i] = smtp_received_format(&rcv, r->address, now);
	}
	if (uv_queue_work(loop, &j->req, data_job_work, data_job_done) == 0)
		return 0;
	data_job_free(j);
	return -1;
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
