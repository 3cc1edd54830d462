/* The intake routes (issue 13, intake 1-3): web forms a browser loads and
 * posts without an API key, chat transcripts and shop events posted by a
 * tenant's systems with an intake key. lib/intake reads and checks the
 * bodies; lib/desk stores them through the delivery pipeline
 * (desk-intake.h), as "maildeskctl chat post" and "event post" do. */
#include "config.h"
#include "http-routes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "base/log.h"
#include "base/xalloc.h"
#include "desk/desk-intake.h"
#include "intake/intake.h"
#include "mime/mime-compose.h"

/* How long a served form may be posted (its stamp's lifetime). */
#define FORM_MAX_AGE_S 86400
/* The most fields and files a form post may carry. */
#define FORM_MAX_PARTS 60
#define FORM_MAX_FILES 10

/* A browser posting the HTML form wants HTML back; a script JSON. */
static bool wants_html(const struct http_exchange *ex)
{
	const char *accept = http_exchange_header(ex, "Accept");

	return accept != NULL && strstr(accept, "text/html") != NULL;
}

/* A short HTML page (title and one paragraph, both escaped). */
static void reply_page(struct http_exchange *ex, unsigned status, const char *title, const char *text)
{
	char *t = intake_html_escape(title), *p = intake_html_escape(text);
	char *page = xasprintf("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>%s</title></head>"
			       "<body>\n<h1>%s</h1>\n<p>%s</p>\n</body></html>\n",
			       t, t, p);

	http_reply_body(ex, status, "text/html; charset=utf-8", page, strlen(page));
	free(page);
	free(p);
	free(t);
}

/* A refusal: problem+json, or a page for a browser. */
static void refuse(struct http_exchange *ex, enum http_problem p, const char *detail, const char *field)
{
	if (wants_html(ex)) {
		reply_page(ex, http_problem_status(p), http_problem_title(p), detail);
		http_exchange_outcome(ex, "problem=%s", http_problem_name(p));
	} else {
		http_reply_problem(ex, p, detail, field);
	}
}

/* 422 with one entry per field in "errors" (problem+json), or a page. */
static void refuse_fields(struct http_exchange *ex, const struct intake_form_errors *errs)
{
	char *s = http_problem_json(HTTP_PROBLEM_INVALID, "some fields are missing or invalid", errs->v[0].field);
	json_t *o = json_loads(s, 0, NULL), *arr = json_array();
	char *detail;

	free(s);
	for (size_t i = 0; i < errs->n; i++)
		json_array_append_new(arr, json_pack("{s:s, s:s, s:s}", "field", errs->v[i].field, "code",
						     errs->v[i].code, "detail", errs->v[i].detail));
	json_object_set_new(o, "errors", arr);
	http_exchange_outcome(ex, "problem=invalid-field field=%s errors=%zu", errs->v[0].field, errs->n);
	if (wants_html(ex)) {
		detail = xasprintf("%s: %s%s", errs->v[0].field, errs->v[0].detail,
				   errs->n > 1 ? " (and more: go back and check the form)" : "");
		reply_page(ex, 422, "Please check the form", detail);
		free(detail);
	} else {
		s = json_dumps(o, JSON_COMPACT);
		http_reply_body(ex, 422, "application/problem+json", s, strlen(s));
		free(s);
	}
	json_decref(o);
}

/* The form named in the path: 1 loaded, 0 answered 404 (or 500). */
static int form_get(struct http_exchange *ex, struct desk_form *f)
{
	char *error = NULL;
	int found = desk_form_load(ex->db, ex->path_args[0], f, &error);

	if (found < 0) {
		log_warn("event=http.forms id=%s error=\"%s\"", ex->request_id, error != NULL ? error : "");
		http_reply_problem(ex, HTTP_PROBLEM_UNAVAILABLE, "the form could not be read", NULL);
	} else if (found == 0) {
		refuse(ex, HTTP_PROBLEM_NOT_FOUND, "no such form", NULL);
	}
	free(error);
	return found > 0;
}

/* GET /v1/forms/{form}: the form as a page (?embed=1: a fragment posting
 * to this server's absolute URL), with a fresh stamp. */
static void forms_page(struct http_exchange *ex)
{
	const char *embed = http_exchange_query(ex, "embed", NULL), *host = http_exchange_header(ex, "Host");
	struct desk_form f;
	char *stamp, *action, *html;

	if (!form_get(ex, &f))
		return;
	stamp = intake_stamp_make(ex->rt->desk.secret != NULL ? ex->rt->desk.secret : "", f.name, (int64_t)time(NULL));
	action = embed != NULL && host != NULL ? xasprintf("//%s/v1/forms/%s", host, f.name)
					       : xasprintf("/v1/forms/%s", f.name);
	const struct intake_form_view v = { .name = f.name, .title = f.title, .action = action, .stamp = stamp,
					    .fields = f.fields, .n_fields = f.n_fields, .page = embed == NULL,
					    .attachments = true };
	html = intake_form_html(&v);
	http_reply_body(ex, 200, "text/html; charset=utf-8", html, strlen(html));
	http_exchange_outcome(ex, "form=%s", f.name);
	free(html);
	free(action);
	free(stamp);
	desk_form_free(&f);
}

/* The body as fields (and files): 0, or answered 400. */
static int form_body(struct http_exchange *ex, struct intake_pairs *values, struct intake_files *files)
{
	const char *ct = ex->content_type != NULL ? ex->content_type : "";
	char *error = NULL;
	int ret;

	memset(files, 0, sizeof(*files));
	if (strncasecmp(ct, "multipart/form-data", 19) == 0)
		ret = intake_multipart_parse(ct, ex->body, ex->body_len, FORM_MAX_PARTS, values, files, &error);
	else
		ret = intake_urlencoded_parse(ex->body, ex->body_len, FORM_MAX_PARTS, values, &error);
	if (ret == 0 && files->n > FORM_MAX_FILES) {
		error = xasprintf("at most %d files", FORM_MAX_FILES);
		ret = -1;
	}
	if (ret < 0)
		refuse(ex, HTTP_PROBLEM_BAD_JSON, error, NULL);
	free(error);
	return ret;
}

/* The spam defences: the honeypot empty, the stamp ours and not too
 * fresh. 0 fine, or answered (422 form-spam, 400 form-stamp, 422
 * form-too-fast). */
static int form_defences(struct http_exchange *ex, const struct desk_form *f, const struct intake_pairs *values)
{
	const struct intake_pair *hp = intake_pairs_get(values, INTAKE_HONEYPOT);
	const struct intake_pair *st = intake_pairs_get(values, INTAKE_STAMP);
	const char *why;
	int ok;

	if (hp != NULL && hp->value_len > 0) {
		refuse(ex, HTTP_PROBLEM_FORM_SPAM, "the form was not filled in by a person", INTAKE_HONEYPOT);
		return -1;
	}
	ok = intake_stamp_check(ex->rt->desk.secret != NULL ? ex->rt->desk.secret : "", f->name,
				st != NULL ? st->value : NULL, (int64_t)time(NULL), f->min_fill_s, FORM_MAX_AGE_S, &why);
	if (ok < 0)
		refuse(ex, HTTP_PROBLEM_FORM_STAMP, why, INTAKE_STAMP);
	else if (ok == 0)
		refuse(ex, HTTP_PROBLEM_FORM_TOO_FAST, "the form was sent too soon after it was loaded: try again",
		       INTAKE_STAMP);
	return ok > 0 ? 0 : -1;
}

/* A stored submission's answer: 201, a page or JSON. */
static void form_answer(struct http_exchange *ex, int64_t number)
{
	char *text;

	if (wants_html(ex)) {
		text = xasprintf("Your message is ticket %lld. We will answer you by mail.", (long long)number);
		reply_page(ex, 201, "Thank you", text);
		free(text);
	} else {
		http_reply_json(ex, 201, json_pack("{s:I}", "ticket", (json_int_t)number));
	}
}

/* Replays a form's stored answer (an Idempotency-Key's retry). */
static void forms_replay(struct http_exchange *ex, const struct db_http_idem *rec)
{
	form_answer(ex, rec->ticket_number);
}

/* Stores the submission and answers 201 (a page, or JSON). */
static void form_store(struct http_exchange *ex, const struct desk_form *f, const struct intake_pairs *values,
		       const struct intake_files *files)
{
	struct mime_compose_attachment *att = xcalloc(files->n + 1, sizeof(*att));
	struct desk_intake_result res;
	char *error = NULL;

	for (size_t i = 0; i < files->n; i++)
		att[i] = (struct mime_compose_attachment){ files->v[i].filename, files->v[i].content_type,
							   (const unsigned char *)files->v[i].data, files->v[i].size };
	const struct desk_form_submission sub = { .values = values, .attachments = att, .n_attachments = files->n,
						  .actor = "http:form", .idem = ex->idem };
	if (desk_form_submit(ex->db, &ex->rt->desk, f, &sub, &res, &error) < 0) {
		log_warn("event=http.forms id=%s form=%s error=\"%s\"", ex->request_id, f->name,
			 error != NULL ? error : "");
		refuse(ex, HTTP_PROBLEM_INTERNAL, "the form could not be stored; try again later", NULL);
	} else {
		form_answer(ex, res.number);
		ex->done_before = res.duplicate;
	}
	if (error == NULL)
		http_exchange_outcome(ex, "form=%s ticket=%lld", f->name, (long long)res.number);
	free(error);
	free(att);
}

/* POST /v1/forms/{form}: a browser's (or a script's) submission. */
static void forms_post(struct http_exchange *ex)
{
	struct desk_form f;
	struct intake_pairs values = { 0 };
	struct intake_files files = { 0 };
	struct intake_form_errors errs;

	if (!form_get(ex, &f))
		return;
	if (form_body(ex, &values, &files) == 0 && form_defences(ex, &f, &values) == 0) {
		if (intake_form_check(f.fields, f.n_fields, &values, &errs) > 0)
			refuse_fields(ex, &errs);
		else
			form_store(ex, &f, &values, &files);
	}
	intake_pairs_free(&values);
	intake_files_free(&files);
	desk_form_free(&f);
}

/* A JSON body's refusal: the member named before the first ':' of the
 * parser's error is the field. */
static void refuse_json(struct http_exchange *ex, const char *error)
{
	const char *colon = strchr(error, ':');
	char field[64];
	bool json_broken = strncmp(error, "not valid JSON", 14) == 0 || strncmp(error, "the body must", 13) == 0;

	snprintf(field, sizeof(field), "%.*s", colon != NULL ? (int)(colon - error) : 0, error);
	http_reply_problem(ex, json_broken ? HTTP_PROBLEM_BAD_JSON : HTTP_PROBLEM_INVALID, error,
			   json_broken || field[0] == '\0' ? NULL : field);
}

/* The answer of a chat or an event: 201 new, 200 joined or duplicate,
 * 202 ignored. */
static void intake_answer(struct http_exchange *ex, const struct desk_intake_result *res)
{
	const char *what = res->ignored ? "ignored" : res->duplicate ? "duplicate" : res->joined ? "joined" : "new";
	unsigned status = res->ignored ? 202 : res->duplicate || res->joined ? 200 : 201;
	json_t *o = json_pack("{s:s, s:b}", "result", what, "draft", res->draft);

	if (!res->ignored)
		json_object_set_new(o, "ticket", json_integer(res->number));
	http_reply_json(ex, status, o);
	http_exchange_outcome(ex, "ticket=%lld result=%s", (long long)res->number, what);
	ex->done_before = res->duplicate;
}

/* A chat's or an event's stored answer (201 new: a draft for an event;
 * 200 joined). */
static void intake_replay(struct http_exchange *ex, const struct db_http_idem *rec, bool event)
{
	const struct desk_intake_result res = { .number = rec->ticket_number, .joined = rec->joined,
						.draft = event && rec->status == 201 };

	intake_answer(ex, &res);
}

/* Replays a chat's answer (an Idempotency-Key's retry). */
static void chat_replay(struct http_exchange *ex, const struct db_http_idem *rec)
{
	intake_replay(ex, rec, false);
}

/* Replays an event's answer (an Idempotency-Key's retry). */
static void events_replay(struct http_exchange *ex, const struct db_http_idem *rec)
{
	intake_replay(ex, rec, true);
}

/* POST /v1/chat/transcripts. */
static void chat_post(struct http_exchange *ex)
{
	struct intake_chat c;
	struct desk_intake_result res;
	char *error = NULL, actor[32];

	snprintf(actor, sizeof(actor), "api:%s", ex->key_id);
	if (intake_chat_parse(ex->body, ex->body_len, &c, &error) < 0)
		refuse_json(ex, error);
	else if (desk_chat_post(ex->db, &ex->rt->desk, ex->tenant_id, 0, &c, actor, ex->idem, &res, &error) < 0) {
		log_warn("event=http.chat id=%s tenant=%lld error=\"%s\"", ex->request_id, (long long)ex->tenant_id,
			 error != NULL ? error : "");
		http_reply_problem(ex, HTTP_PROBLEM_INTERNAL, "the transcript could not be stored", NULL);
	} else {
		intake_answer(ex, &res);
	}
	free(error);
	intake_chat_free(&c);
}

/* POST /v1/events. */
static void events_post(struct http_exchange *ex)
{
	struct intake_event e;
	struct desk_intake_result res;
	char *error = NULL, actor[32];

	snprintf(actor, sizeof(actor), "api:%s", ex->key_id);
	if (intake_event_parse(ex->body, ex->body_len, &e, &error) < 0)
		refuse_json(ex, error);
	else if (desk_event_post(ex->db, &ex->rt->desk, ex->tenant_id, &e, actor, ex->idem, &res, &error) < 0) {
		/* An unknown type is the sender's mistake; anything else ours. */
		if (error != NULL && strncmp(error, "unknown event type", 18) == 0) {
			http_reply_problem(ex, HTTP_PROBLEM_INVALID, error, "type");
		} else {
			log_warn("event=http.events id=%s tenant=%lld error=\"%s\"", ex->request_id,
				 (long long)ex->tenant_id, error != NULL ? error : "");
			http_reply_problem(ex, HTTP_PROBLEM_INTERNAL, "the event could not be stored", NULL);
		}
	} else {
		intake_answer(ex, &res);
	}
	free(error);
	intake_event_free(&e);
}

const struct http_route http_routes_intake[] = {
	{ "GET", "/v1/forms/{}", 0, NULL, false, forms_page, NULL },
	{ "POST", "/v1/forms/{}", 0, http_ctypes_form, true, forms_post, forms_replay },
	{ "POST", "/v1/chat/transcripts", HTTP_SCOPE_INTAKE, http_ctypes_json, true, chat_post, chat_replay },
	{ "POST", "/v1/events", HTTP_SCOPE_INTAKE, http_ctypes_json, true, events_post, events_replay },
	{ 0 },
};
