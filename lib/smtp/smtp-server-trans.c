#include "config.h"
#include "smtp-server-private.h"

#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"
#include "smtp-address.h"

/* The ESMTP parameters of MAIL FROM that are advertised. */
struct smtp_mail_params {
	uint64_t size;
	bool body_8bitmime;
	bool smtputf8;
};

/* A reply chosen while parsing, written by the caller. */
struct smtp_param_error {
	unsigned code;
	const char *enh;
	const char *text;
};

static int smtp_param_fail(struct smtp_param_error *e, unsigned code, const char *enh, const char *text)
{
	e->code = code;
	e->enh = enh;
	e->text = text;
	return -1;
}

/* The text after the verb, "FROM:" / "TO:" dropped. A space after the colon
 * is not RFC 5321 but common enough to accept. */
static bool smtp_args_skip_prefix(struct strv *args, const char *prefix)
{
	size_t n = strlen(prefix);

	if (!strv_prefix_ci(*args, prefix))
		return false;
	args->p += n;
	args->len -= n;
	while (args->len > 0 && args->p[0] == ' ') {
		args->p++;
		args->len--;
	}
	return true;
}

/* Cuts the next space-separated word off *rest. */
static struct strv smtp_args_next_word(struct strv *rest)
{
	struct strv w;

	while (rest->len > 0 && rest->p[0] == ' ') {
		rest->p++;
		rest->len--;
	}
	w.p = rest->p;
	while (rest->len > 0 && rest->p[0] != ' ') {
		rest->p++;
		rest->len--;
	}
	w.len = (size_t)(rest->p - w.p);
	return w;
}

/* RFC 1870 size-value: 1*20DIGIT that fits into 64 bits. */
static bool smtp_param_parse_size(struct strv v, uint64_t *size_r)
{
	uint64_t n = 0;
	size_t i;

	if (v.len == 0 || v.len > 20)
		return false;
	for (i = 0; i < v.len; i++) {
		unsigned d = (unsigned)(v.p[i] - '0');
		if (d > 9 || n > (UINT64_MAX - d) / 10)
			return false;
		n = n * 10 + d;
	}
	*size_r = n;
	return true;
}

/* One "KEYWORD[=value]" of MAIL FROM. */
static int smtp_mail_param(struct strv word, struct smtp_mail_params *p, struct smtp_param_error *e)
{
	const char *eq = memchr(word.p, '=', word.len);
	struct strv key = { word.p, eq != NULL ? (size_t)(eq - word.p) : word.len };
	struct strv val = { eq != NULL ? eq + 1 : "", eq != NULL ? word.len - key.len - 1 : 0 };

	if (strv_eq_ci(key, "SIZE")) {
		if (eq == NULL || !smtp_param_parse_size(val, &p->size))
			return smtp_param_fail(e, 501, "5.5.4", "Bad SIZE parameter");
	} else if (strv_eq_ci(key, "BODY")) {
		if (eq != NULL && strv_eq_ci(val, "8BITMIME"))
			p->body_8bitmime = true;
		else if (eq != NULL && strv_eq_ci(val, "7BIT"))
			p->body_8bitmime = false;
		else
			return smtp_param_fail(e, 501, "5.5.4", "Bad BODY parameter");
	} else if (strv_eq_ci(key, "SMTPUTF8")) {
		if (eq != NULL)
			return smtp_param_fail(e, 501, "5.5.4", "Bad SMTPUTF8 parameter");
		p->smtputf8 = true;
	} else {
		return smtp_param_fail(e, 555, "5.5.4", "Unsupported MAIL parameter");
	}
	return 0;
}

/* The parameters after the path: at least one space, then words. */
static int smtp_mail_params_parse(struct strv rest, struct smtp_mail_params *p, struct smtp_param_error *e)
{
	struct strv word;

	memset(p, 0, sizeof(*p));
	if (rest.len > 0 && rest.p[0] != ' ')
		return smtp_param_fail(e, 501, "5.5.4", "Syntax: MAIL FROM:<address> [parameters]");
	while ((word = smtp_args_next_word(&rest)).len > 0) {
		if (smtp_mail_param(word, p, e) < 0)
			return -1;
	}
	return 0;
}

/* RFC 6531 3.4: a UTF-8 address needs SMTPUTF8 on MAIL. */
static bool smtp_trans_utf8_refused(struct smtp_session *s, bool addr_utf8, bool smtputf8)
{
	if (!addr_utf8 || smtputf8)
		return false;
	smtp_cmd_error(s, 553, "5.6.7", "SMTPUTF8 is required for a non-ASCII address");
	return true;
}

/* Checks MAIL FROM's sequencing; replies and returns false when it is out
 * of order. */
static bool smtp_cmd_mail_allowed(struct smtp_session *s)
{
	if (!s->greeted) {
		smtp_cmd_error(s, 503, "5.5.1",
			       s->set.protocol == SMTP_PROTOCOL_LMTP ? "Send LHLO first" : "Send EHLO/HELO first");
		return false;
	}
	if (s->t.active) {
		smtp_cmd_error(s, 503, "5.5.1", "Nested MAIL command");
		return false;
	}
	return true;
}

/* Everything after the path: parameters, SMTPUTF8 and the declared size.
 * Replies and returns false on the first problem. */
static bool smtp_cmd_mail_check(struct smtp_session *s, const struct smtp_address *a, struct strv rest,
				struct smtp_mail_params *p)
{
	struct smtp_param_error e;

	if (smtp_mail_params_parse(rest, p, &e) < 0) {
		smtp_cmd_error(s, e.code, e.enh, e.text);
		return false;
	}
	if (smtp_trans_utf8_refused(s, a->utf8, p->smtputf8))
		return false;
	if (s->set.max_message_size > 0 && p->size > s->set.max_message_size) {
		smtp_reply_status(s, SMTP_STATUS_TOO_BIG);
		return false;
	}
	return true;
}

void smtp_cmd_mail(struct smtp_session *s, struct strv args)
{
	struct smtp_mail_params p;
	struct smtp_address a;
	struct strv rest;
	const char *error;

	if (!smtp_cmd_mail_allowed(s))
		return;
	if (!smtp_args_skip_prefix(&args, "FROM:")) {
		smtp_cmd_error(s, 501, "5.5.4", "Syntax: MAIL FROM:<address>");
		return;
	}
	if (smtp_address_parse_path(args, SMTP_ADDRESS_ALLOW_NULL, &a, &rest, &error) < 0) {
		smtp_replyf(s, 501, "5.1.7", "Bad sender address syntax: %s", error);
		smtp_cmd_count_error(s);
		return;
	}
	if (!smtp_cmd_mail_check(s, &a, rest, &p)) {
		free(a.addr);
		return;
	}
	s->t.active = true;
	s->t.mail_from = a.addr;
	s->t.declared_size = p.size;
	s->t.body_8bitmime = p.body_8bitmime;
	s->t.smtputf8 = p.smtputf8;
	if (s->cb.mail != NULL)
		s->cb.mail(s->ctx, s->t.mail_from);
	smtp_reply(s, 250, "2.1.0", "Ok");
}

/* RCPT TO takes no parameters: DSN is not offered. */
static bool smtp_cmd_rcpt_check(struct smtp_session *s, const struct smtp_address *a, struct strv rest)
{
	if (rest.len > 0 && rest.p[0] != ' ') {
		smtp_cmd_error(s, 501, "5.5.4", "Syntax: RCPT TO:<address>");
		return false;
	}
	if (strv_trim(rest).len > 0) {
		smtp_cmd_error(s, 555, "5.5.4", "Unsupported RCPT parameter");
		return false;
	}
	if (smtp_trans_utf8_refused(s, a->utf8, s->t.smtputf8))
		return false;
	if (s->t.n_rcpts >= s->set.max_recipients) {
		smtp_reply_status(s, SMTP_STATUS_TOO_MANY_RCPTS);
		return false;
	}
	return true;
}

void smtp_cmd_rcpt(struct smtp_session *s, struct strv args)
{
	struct smtp_address a;
	struct strv rest;
	const char *error;

	if (!s->t.active) {
		smtp_cmd_error(s, 503, "5.5.1", "Need MAIL command");
		return;
	}
	if (!smtp_args_skip_prefix(&args, "TO:")) {
		smtp_cmd_error(s, 501, "5.5.4", "Syntax: RCPT TO:<address>");
		return;
	}
	if (smtp_address_parse_path(args, 0, &a, &rest, &error) < 0) {
		smtp_replyf(s, 501, "5.1.3", "Bad recipient address syntax: %s", error);
		smtp_cmd_count_error(s);
		return;
	}
	if (!smtp_cmd_rcpt_check(s, &a, rest)) {
		free(a.addr);
		return;
	}
	free(s->rcpt_address);
	s->rcpt_address = a.addr;
	s->wait = SMTP_WAIT_RCPT;
	s->cb.rcpt(s->ctx, s->rcpt_address);
}

/* An application reply code outside 2xx-5xx would corrupt the dialogue: it
 * becomes a temporary failure instead. */
static void smtp_trans_sane_reply(unsigned *code, const char **enh, const char **text)
{
	const struct smtp_status_reply *r = smtp_status_reply(SMTP_STATUS_INTERNAL);

	if (*code >= 200 && *code <= 599)
		return;
	*code = r->code;
	*enh = r->enh;
	*text = r->text;
}

/* Drops a recipient context the core will not keep. */
static void smtp_trans_context_free(struct smtp_session *s, void *rcpt_ctx)
{
	if (rcpt_ctx != NULL && s->cb.rcpt_context_free != NULL)
		s->cb.rcpt_context_free(s->ctx, rcpt_ctx);
}

/* The pending RCPT's address joins the transaction with its context. */
static void smtp_trans_rcpt_add(struct smtp_session *s, void *rcpt_ctx)
{
	struct smtp_trans *t = &s->t;

	if (t->n_rcpts == t->cap_rcpts) {
		t->cap_rcpts = t->cap_rcpts ? t->cap_rcpts * 2 : 8;
		t->rcpts = xrealloc(t->rcpts, t->cap_rcpts * sizeof(*t->rcpts));
		t->contexts = xrealloc(t->contexts, t->cap_rcpts * sizeof(*t->contexts));
	}
	t->contexts[t->n_rcpts] = rcpt_ctx;
	t->rcpts[t->n_rcpts++] = xstrdup(s->rcpt_address);
}

/* Both answers to a pending RCPT: the one reply, and the context kept
 * with an accepted recipient or freed. */
static unsigned smtp_trans_rcpt_answer(struct smtp_session *s, unsigned code, const char *enh, const char *text,
				       void *rcpt_ctx)
{
	const struct smtp_status_reply *full = smtp_status_reply(SMTP_STATUS_TOO_MANY_RCPTS);

	if (s->wait != SMTP_WAIT_RCPT || s->phase == SMTP_PHASE_CLOSED) {
		if (s->wait == SMTP_WAIT_RCPT)
			s->wait = SMTP_WAIT_NONE;
		smtp_trans_context_free(s, rcpt_ctx);
		return 0;
	}
	s->wait = SMTP_WAIT_NONE;
	smtp_trans_sane_reply(&code, &enh, &text);
	if (code / 100 == 2 && s->t.n_rcpts >= s->set.max_recipients) {
		code = full->code;
		enh = full->enh;
		text = full->text;
	}
	if (code / 100 == 2)
		smtp_trans_rcpt_add(s, rcpt_ctx);
	else
		smtp_trans_context_free(s, rcpt_ctx);
	s->cmd_name = "RCPT";
	smtp_reply(s, code, enh, text != NULL ? text : "");
	smtp_session_resume(s);
	return code;
}

unsigned smtp_session_rcpt_reply(struct smtp_session *s, unsigned code, const char *enh, const char *text)
{
	return smtp_trans_rcpt_answer(s, code, enh, text, NULL);
}

unsigned smtp_session_rcpt_accept(struct smtp_session *s, void *rcpt_ctx, const char *enh, const char *text)
{
	return smtp_trans_rcpt_answer(s, 250, enh, text, rcpt_ctx);
}

void smtp_cmd_data(struct smtp_session *s, struct strv args)
{
	if (!s->t.active) {
		smtp_cmd_error(s, 503, "5.5.1", "Need MAIL command");
		return;
	}
	if (s->t.n_rcpts == 0) {
		smtp_cmd_error(s, 554, "5.5.1", "No valid recipients");
		return;
	}
	if (!smtp_cmd_no_args(s, args, "Syntax: DATA"))
		return;
	smtp_reply(s, 354, NULL, "End data with <CR><LF>.<CR><LF>");
	smtp_data_init(&s->data, &s->msg);
	s->phase = SMTP_PHASE_DATA;
}

/* The message was too big: one 552 per recipient for LMTP (RFC 2033 4.2),
 * one for SMTP; the application never sees it. */
static void smtp_trans_refuse_too_big(struct smtp_session *s)
{
	size_t i, n = s->set.protocol == SMTP_PROTOCOL_LMTP ? s->t.n_rcpts : 1;

	for (i = 0; i < n; i++)
		smtp_reply_status(s, SMTP_STATUS_TOO_BIG);
	buf_free(&s->msg);
	smtp_trans_reset(s);
}

/* SMTP's one answer for all recipients (see the data callback). */
static const struct smtp_data_reply *smtp_trans_combined_reply(const struct smtp_trans *t)
{
	size_t i;

	for (i = 0; i < t->n_rcpts; i++) {
		if (t->replies[i].code / 100 == 4)
			return &t->replies[i];
	}
	for (i = 0; i < t->n_rcpts; i++) {
		if (t->replies[i].code / 100 != 2)
			return &t->replies[i];
	}
	return &t->replies[0];
}

/* All recipients are answered: the transaction is over and the input that
 * was pipelined behind the message runs. */
static void smtp_trans_data_done(struct smtp_session *s)
{
	const struct smtp_data_reply *r;

	if (s->set.protocol == SMTP_PROTOCOL_SMTP && s->phase != SMTP_PHASE_CLOSED) {
		r = smtp_trans_combined_reply(&s->t);
		s->cmd_name = "EOM";
		smtp_reply_raw(s, r->line, r->code);
	}
	smtp_trans_reset(s);
	s->wait = SMTP_WAIT_NONE;
	smtp_session_resume(s);
}

void smtp_trans_data_end(struct smtp_session *s)
{
	struct smtp_transaction t;

	s->cmd_name = "EOM";
	s->junk_commands = 0; /* a message moved: the client is doing real work */
	if (s->data.too_big) {
		smtp_trans_refuse_too_big(s);
		return;
	}
	s->t.replies = xcalloc(s->t.n_rcpts, sizeof(*s->t.replies));
	s->wait = SMTP_WAIT_DATA;
	t = (struct smtp_transaction){ .mail_from = s->t.mail_from,
				       .declared_size = s->t.declared_size,
				       .body_8bitmime = s->t.body_8bitmime,
				       .smtputf8 = s->t.smtputf8,
				       .rcpts = (const char *const *)s->t.rcpts,
				       .rcpt_contexts = (void *const *)s->t.contexts,
				       .n_rcpts = s->t.n_rcpts };
	s->in_data_cb = true;
	s->cb.data(s->ctx, &t, s->msg.data != NULL ? s->msg.data : "", s->msg.len);
	s->in_data_cb = false;
	buf_free(&s->msg);
	if (s->wait == SMTP_WAIT_DATA && s->t.n_replied == s->t.n_rcpts)
		smtp_trans_data_done(s);
}

/* LMTP writes each answer as soon as all earlier recipients have theirs. */
static void smtp_trans_write_ready(struct smtp_session *s)
{
	struct smtp_trans *t = &s->t;

	if (s->set.protocol != SMTP_PROTOCOL_LMTP || s->phase == SMTP_PHASE_CLOSED)
		return;
	s->cmd_name = "EOM";
	while (t->next_reply < t->n_rcpts && t->replies[t->next_reply].line != NULL) {
		smtp_reply_raw(s, t->replies[t->next_reply].line, t->replies[t->next_reply].code);
		t->next_reply++;
	}
}

void smtp_session_data_reply(struct smtp_session *s, size_t rcpt_index, unsigned code, const char *enh,
			     const char *text)
{
	struct smtp_data_reply *r;

	if (s->wait != SMTP_WAIT_DATA || rcpt_index >= s->t.n_rcpts || s->t.replies[rcpt_index].line != NULL)
		return;
	smtp_trans_sane_reply(&code, &enh, &text);
	r = &s->t.replies[rcpt_index];
	r->code = code;
	r->line = smtp_reply_format(code, enh, text);
	s->t.n_replied++;
	smtp_trans_write_ready(s);
	if (s->t.n_replied == s->t.n_rcpts && !s->in_data_cb)
		smtp_trans_data_done(s);
}

char *smtp_session_take_message(struct smtp_session *s)
{
	if (!s->in_data_cb)
		return NULL;
	return buf_steal(&s->msg, NULL);
}

void smtp_trans_reset(struct smtp_session *s)
{
	struct smtp_trans *t = &s->t;
	size_t i;

	for (i = 0; i < t->n_rcpts; i++) {
		free(t->rcpts[i]);
		smtp_trans_context_free(s, t->contexts[i]);
		if (t->replies != NULL)
			free(t->replies[i].line);
	}
	free(t->rcpts);
	free(t->contexts);
	free(t->replies);
	free(t->mail_from);
	memset(t, 0, sizeof(*t));
}
