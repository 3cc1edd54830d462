/* POST /v1/requests (issue 13, intake 4): a brand opens a request about an
 * order, exactly as "maildeskctl request new" does (lib/desk's
 * desk_request_open: the same (order, reason) deduplication, pipeline,
 * rules and mail), with the Idempotency-Key record in its transaction. */
#include "config.h"
#include "http-routes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/xalloc.h"
#include "desk/desk-request.h"
#include "mime/mime-compose.h"

/* The answer for a request opened (201) or joined (200). */
static void answer(struct http_exchange *ex, unsigned status, int64_t number, bool joined)
{
	json_t *o = json_object();

	json_object_set_new(o, "ticket", json_integer(number));
	json_object_set_new(o, "joined", json_boolean(joined));
	http_reply_json(ex, status, o);
}

/* Replays a stored answer (an Idempotency-Key's retry). */
static void requests_replay(struct http_exchange *ex, const struct db_http_idem *rec)
{
	answer(ex, rec->status, rec->ticket_number, rec->joined);
}

/* lib/desk refused or failed: the field it named is the client's 422,
 * anything else is ours (500; the detail is logged, not sent). */
static void refused(struct http_exchange *ex, const struct desk_request_result *res, const char *error)
{
	if (res->bad_field != NULL) {
		const char *field = strcmp(res->bad_field, "text") == 0 ? "message" : res->bad_field;
		http_reply_problem(ex, HTTP_PROBLEM_INVALID, error, field);
		return;
	}
	log_warn("event=http.requests id=%s tenant=%lld error=\"%s\"", ex->request_id, (long long)ex->tenant_id,
		 error != NULL ? error : "");
	http_reply_problem(ex, HTTP_PROBLEM_INTERNAL, "the request could not be stored; see the server's log", NULL);
}

/* POST /v1/requests. */
static void requests_post(struct http_exchange *ex)
{
	struct http_request_in in;
	struct mime_compose_attachment *att;
	struct desk_request_result res;
	enum http_problem problem;
	const char *field;
	char *detail = NULL, actor[32];

	if (http_request_parse(ex->body, ex->body_len, &in, &problem, &detail, &field) < 0) {
		http_reply_problem(ex, problem, detail, field);
		free(detail);
		return;
	}
	att = xcalloc(in.n_attachments + 1, sizeof(*att));
	for (size_t i = 0; i < in.n_attachments; i++)
		att[i] = (struct mime_compose_attachment){ in.attachments[i].filename,
							   in.attachments[i].content_type != NULL
								   ? in.attachments[i].content_type
								   : "application/octet-stream",
							   in.attachments[i].data, in.attachments[i].len };
	snprintf(actor, sizeof(actor), "api:%s", ex->key_id);
	const struct desk_request rq = {
		.tenant_id = ex->tenant_id, .order = in.order, .reason = in.reason, .from = in.from,
		.subject = in.subject, .text = in.message, .len = strlen(in.message), .attachments = att,
		.n_attachments = in.n_attachments, .actor = actor, .idem = ex->idem,
	};
	if (desk_request_open(ex->db, &ex->rt->desk, &rq, &res, &detail) < 0) {
		refused(ex, &res, detail);
	} else {
		answer(ex, res.joined ? 200 : 201, res.number, res.joined);
		http_exchange_outcome(ex, "ticket=%lld joined=%d", (long long)res.number, res.joined);
	}
	free(detail);
	free(att);
	http_request_in_free(&in);
}

const struct http_route http_routes_requests[] = {
	{ "POST", "/v1/requests", HTTP_SCOPE_INTAKE, http_ctypes_json, true, requests_post, requests_replay },
	{ 0 },
};
