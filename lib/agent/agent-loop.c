/* Mail loops: when maildesk may answer a message automatically (RFC 3834
 * section 2 and what robots in the wild send), and the header fields our
 * own automatic mail carries so that others, and we, can tell. */
#include "config.h"
#include "agent/agent.h"

#include <string.h>

#include "base/buf.h"
#include "base/strv.h"

#define N_ELEMENTS(a) (sizeof(a) / sizeof((a)[0]))
#define LOOP_VALUE_MAX 200

/* Folded header values may still hold CR and LF. */
static bool is_fws(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

/* Skips a (possibly nested) comment starting at p, which is at '('. */
static const char *comment_skip(const char *p)
{
	int depth = 0;

	for (; *p != '\0'; p++) {
		if (*p == '\\' && p[1] != '\0')
			p++;
		else if (*p == '(')
			depth++;
		else if (*p == ')' && --depth == 0)
			return p + 1;
	}
	return p;
}

/* The first token of a structured value ("auto-replied" in
 * " auto-replied (vacation); owner=x"): CFWS skipped, ends at space, ';'
 * or '('. An empty view when the value has none. */
static struct strv value_token(const char *value)
{
	const char *p = value ? value : "";
	const char *start;

	for (;;) {
		while (is_fws(*p))
			p++;
		if (*p != '(')
			break;
		p = comment_skip(p);
	}
	start = p;
	while (*p != '\0' && !is_fws(*p) && *p != ';' && *p != '(')
		p++;
	return (struct strv){ start, (size_t)(p - start) };
}

/* Header names may come with stray whitespace from obsolete syntax. */
static bool name_is(const char *name, const char *want)
{
	return name != NULL && strv_eq_ci(strv_trim(strv_from(name)), want);
}

/* Whether any field called name is present. */
static bool header_present(const struct agent_mail_facts *f, const char *name)
{
	for (size_t i = 0; i < f->headers_count; i++)
		if (name_is(f->headers[i].name, name))
			return true;
	return false;
}

/* Whether any field called name has a first token that is (or, with
 * negate, is not) one of the words. */
static bool header_token_in(const struct agent_mail_facts *f, const char *name,
			    const char *const *words, size_t n, bool negate)
{
	for (size_t i = 0; i < f->headers_count; i++) {
		struct strv t;
		bool in = false;

		if (!name_is(f->headers[i].name, name))
			continue;
		t = value_token(f->headers[i].value);
		for (size_t w = 0; w < n; w++)
			in = in || strv_eq_ci(t, words[w]);
		if (in != negate)
			return true;
	}
	return false;
}

/* List-Id, List-Unsubscribe, List-Post, ... (RFC 2369, 2919). */
static bool list_header_present(const struct agent_mail_facts *f)
{
	for (size_t i = 0; i < f->headers_count; i++) {
		const char *name = f->headers[i].name;
		if (name != NULL && strv_prefix_ci(strv_trim(strv_from(name)), "List-"))
			return true;
	}
	return false;
}

/* The local part of an address, without <>, quotes or the domain. */
static struct strv local_part(const char *address)
{
	struct strv a = strv_trim(strv_from(address));
	const char *at;

	if (a.len > 0 && a.p[0] == '<') {
		a.p++;
		a.len--;
	}
	if (a.len > 0 && a.p[a.len - 1] == '>')
		a.len--;
	at = a.len > 0 ? memrchr(a.p, '@', a.len) : NULL;
	if (at != NULL)
		a.len = (size_t)(at - a.p);
	if (a.len >= 2 && a.p[0] == '"' && a.p[a.len - 1] == '"')
		a = (struct strv){ a.p + 1, a.len - 2 };
	return a;
}

/* Mailboxes of robots and list software that must never get an answer. */
static bool robot_local_part(struct strv local)
{
	static const char *const names[] = {
		"mailer-daemon", "postmaster", "nobody", "noreply", "no-reply", "no_reply",
		"donotreply", "do-not-reply", "do_not_reply", "listserv", "majordomo",
	};
	static const char suffix[] = "-request";
	size_t n = sizeof(suffix) - 1;

	for (size_t i = 0; i < N_ELEMENTS(names); i++)
		if (strv_eq_ci(local, names[i]))
			return true;
	if (local.len >= n && strv_eq_ci((struct strv){ local.p + local.len - n, n }, suffix))
		return true;
	return strv_prefix_ci(local, "owner-");
}

/* Checks the local part as written and without its "+detail". */
static bool robot_address(const char *address)
{
	struct strv local = local_part(address);
	const char *plus = memchr(local.p, '+', local.len);

	if (robot_local_part(local))
		return true;
	return plus != NULL && robot_local_part((struct strv){ local.p, (size_t)(plus - local.p) });
}

/* MAIL FROM:<> is how bounces and other notifications arrive. */
static bool null_sender(const char *sender)
{
	struct strv s = strv_trim(strv_from(sender));
	return s.len == 0 || (s.len == 2 && memcmp(s.p, "<>", 2) == 0);
}

/* The refusal reason, or NULL when an automatic answer is fine. */
static const char *autoreply_refusal(const struct agent_mail_facts *f)
{
	static const char *const no[] = { "no" };
	static const char *const report[] = { "multipart/report" };
	static const char *const bulk[] = { "bulk", "junk", "list", "auto_reply" };

	if (null_sender(f->envelope_sender))
		return "null envelope sender (a bounce or notification)";
	if (header_present(f, AGENT_LOOP_HEADER))
		return "our own " AGENT_LOOP_HEADER " header is present";
	if (header_token_in(f, "Auto-Submitted", no, N_ELEMENTS(no), true))
		return "Auto-Submitted is present and not \"no\"";
	if (header_token_in(f, "Content-Type", report, N_ELEMENTS(report), false))
		return "Content-Type is multipart/report (a delivery or read report)";
	if (header_token_in(f, "Precedence", bulk, N_ELEMENTS(bulk), false))
		return "Precedence is bulk, junk, list or auto_reply";
	if (list_header_present(f))
		return "a List-* header field marks mailing list mail";
	if (header_present(f, "X-Auto-Response-Suppress"))
		return "X-Auto-Response-Suppress is present";
	if (header_present(f, "X-Autoreply") || header_present(f, "X-Autorespond"))
		return "X-Autoreply or X-Autorespond is present";
	if (robot_address(f->envelope_sender))
		return "envelope sender is a robot or list address";
	if (f->from_address != NULL && robot_address(f->from_address))
		return "From is a robot or list address";
	return NULL;
}

/* The public yes/no with the reason as an out-parameter. */
bool agent_may_autoreply(const struct agent_mail_facts *f, const char **why_r)
{
	const char *why = autoreply_refusal(f);

	if (why_r != NULL)
		*why_r = why;
	return why == NULL;
}

/* Header injection is impossible when only printable ASCII gets through. */
static bool loop_value_ok(const char *v)
{
	size_t n = v ? strlen(v) : 0;

	if (n == 0 || n > LOOP_VALUE_MAX || v[0] == ' ' || v[n - 1] == ' ')
		return false;
	for (size_t i = 0; i < n; i++)
		if (v[i] < 0x20 || v[i] > 0x7e)
			return false;
	return true;
}

/* One buf_printf, so a full buffer gets nothing rather than half. */
int agent_autoheaders_write(struct buf *b, enum agent_auto_kind kind, const char *loop_value)
{
	const char *what = kind == AGENT_AUTO_GENERATED ? "auto-generated" : "auto-replied";

	if (!loop_value_ok(loop_value))
		return -1;
	return buf_printf(b,
			  "Auto-Submitted: %s\r\n"
			  "X-Auto-Response-Suppress: All\r\n"
			  AGENT_LOOP_HEADER ": %s\r\n",
			  what, loop_value);
}
