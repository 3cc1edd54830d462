/* The commands at the top of an agent's reply: which lines are commands,
 * what each one means, and which combinations contradict each other (see
 * agent.h for the rules). */
#include "config.h"
#include "agent/agent.h"

#include <stdlib.h>
#include <string.h>

#include "base/orderref.h"
#include "base/xalloc.h"
#include "agent/agent-private.h"

#define N_ELEMENTS(a) (sizeof(a) / sizeof((a)[0]))

struct parser;
struct cmd_def;

/* Reads the arguments of one command line and adds its command(s). */
typedef int cmd_fn(struct parser *p, const struct cmd_def *d, struct strv rest);

struct cmd_def {
	const char *name;
	enum agent_cmd_type type;
	cmd_fn *fn;
	const char *usage; /* shown when the argument is missing */
};

struct parser {
	int64_t now;
	int32_t tz_offset_s;
	struct agent_reply *r;
	size_t cap;
	struct strv *raw; /* per command: its argument as written, for messages */
	unsigned line;
	struct buf err;
};

static cmd_fn cmd_plain, cmd_snooze, cmd_assign, cmd_tags, cmd_priority, cmd_template, cmd_cc, cmd_order;

static const struct cmd_def cmd_defs[] = {
	{ "close", AGENT_CMD_CLOSE, cmd_plain, NULL },
	{ "reopen", AGENT_CMD_REOPEN, cmd_plain, NULL },
	{ "snooze", AGENT_CMD_SNOOZE, cmd_snooze, AGENT_SNOOZE_USAGE },
	{ "assign", AGENT_CMD_ASSIGN, cmd_assign, "use an address or \"me\"" },
	{ "unassign", AGENT_CMD_UNASSIGN, cmd_plain, NULL },
	{ "tag", AGENT_CMD_TAG, cmd_tags, "use one or more tags" },
	{ "untag", AGENT_CMD_UNTAG, cmd_tags, "use one or more tags" },
	{ "priority", AGENT_CMD_PRIORITY, cmd_priority, "use urgent, high, medium, low or 0-3" },
	{ "note", AGENT_CMD_NOTE, cmd_plain, NULL },
	{ "template", AGENT_CMD_TEMPLATE, cmd_template, "use a template name" },
	/* Both #cc forms are read by the first entry; the second names the
	 * other type for agent_cmd_name(). */
	{ "cc", AGENT_CMD_CC_ADD, cmd_cc, "use add ADDRESS or remove ADDRESS" },
	{ "cc", AGENT_CMD_CC_REMOVE, cmd_cc, "use add ADDRESS or remove ADDRESS" },
	{ "order", AGENT_CMD_ORDER, cmd_order, "use an order reference, or - to clear it" },
	{ "open", AGENT_CMD_OPEN, cmd_plain, NULL },
	{ "solve", AGENT_CMD_SOLVE, cmd_plain, NULL },
};

/* The table is indexed by name lookups; this maps back for messages. */
const char *agent_cmd_name(enum agent_cmd_type type)
{
	for (size_t i = 0; i < N_ELEMENTS(cmd_defs); i++)
		if (cmd_defs[i].type == type)
			return cmd_defs[i].name;
	return "unknown";
}

/* NULL-safe string equality for optional arguments. */
static bool str_eq0(const char *a, const char *b)
{
	return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* Identical commands are kept once; "1d" and "24h" are identical too. */
static bool cmd_same(const struct agent_cmd *a, const struct agent_cmd *b)
{
	if (a->type != b->type)
		return false;
	switch (a->type) {
	case AGENT_CMD_SNOOZE:
		return a->snooze.until == b->snooze.until;
	case AGENT_CMD_ASSIGN:
		return a->assign_me == b->assign_me && str_eq0(a->arg, b->arg);
	case AGENT_CMD_PRIORITY:
		return a->priority == b->priority;
	default:
		return str_eq0(a->arg, b->arg);
	}
}

/* The commands that set the ticket's state: only one may win. */
static bool is_state(enum agent_cmd_type t)
{
	return t == AGENT_CMD_CLOSE || t == AGENT_CMD_REOPEN || t == AGENT_CMD_SNOOZE || t == AGENT_CMD_OPEN ||
	       t == AGENT_CMD_SOLVE;
}

/* Contract in agent.h: an answer's default status (pending) gives way to
 * the one the agent named. */
bool agent_reply_sets_status(const struct agent_reply *reply)
{
	for (size_t i = 0; reply != NULL && i < reply->cmds_count; i++)
		if (is_state(reply->cmds[i].type))
			return true;
	return false;
}

/* The commands that set the assignee. */
static bool is_assignment(enum agent_cmd_type t)
{
	return t == AGENT_CMD_ASSIGN || t == AGENT_CMD_UNASSIGN;
}

/* Two commands that are not identical but set the same thing contradict
 * each other: the ticket ends in one state with one assignee. */
static bool cmd_conflict(const struct agent_cmd *a, const struct agent_cmd *b)
{
	if (is_state(a->type) && is_state(b->type))
		return true;
	if (is_assignment(a->type) && is_assignment(b->type))
		return true;
	if (a->type == AGENT_CMD_PRIORITY && b->type == AGENT_CMD_PRIORITY)
		return true;
	if (a->type == AGENT_CMD_ORDER && b->type == AGENT_CMD_ORDER)
		return true;
	return (((a->type == AGENT_CMD_TAG && b->type == AGENT_CMD_UNTAG) ||
		 (a->type == AGENT_CMD_UNTAG && b->type == AGENT_CMD_TAG)) ||
		((a->type == AGENT_CMD_CC_ADD && b->type == AGENT_CMD_CC_REMOVE) ||
		 (a->type == AGENT_CMD_CC_REMOVE && b->type == AGENT_CMD_CC_ADD))) &&
	       str_eq0(a->arg, b->arg);
}

/* "#assign ana@example.org" as the agent wrote it (name in lower case). */
static void cmd_describe(struct buf *b, const struct agent_cmd *c, struct strv raw)
{
	buf_printf(b, "#%s", agent_cmd_name(c->type));
	if (raw.len > 0) {
		buf_append_str(b, " ");
		buf_append(b, raw.p, raw.len);
	}
}

/* A command that is dropped or refused gives its argument back. */
static void cmd_free_arg(struct agent_cmd *c)
{
	free(c->arg);
	c->arg = NULL;
}

/* Adds c (taking its arg) unless an identical one is there; refuses it
 * when it contradicts an earlier command or the list is full. */
static int cmd_add(struct parser *p, struct agent_cmd *c, struct strv raw)
{
	struct agent_reply *r = p->r;

	c->line = p->line;
	for (size_t i = 0; i < r->cmds_count; i++) {
		if (cmd_same(&r->cmds[i], c)) {
			cmd_free_arg(c);
			return 0;
		}
		if (cmd_conflict(&r->cmds[i], c)) {
			cmd_describe(&p->err, c, raw);
			buf_append_str(&p->err, " conflicts with ");
			cmd_describe(&p->err, &r->cmds[i], p->raw[i]);
			buf_printf(&p->err, " on line %u", r->cmds[i].line);
			cmd_free_arg(c);
			return -1;
		}
	}
	if (r->cmds_count == AGENT_CMDS_MAX) {
		buf_printf(&p->err, "too many commands (at most %d)", AGENT_CMDS_MAX);
		cmd_free_arg(c);
		return -1;
	}
	if (r->cmds_count == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 8;
		r->cmds = xrealloc(r->cmds, p->cap * sizeof(*r->cmds));
		p->raw = xrealloc(p->raw, p->cap * sizeof(*p->raw));
	}
	p->raw[r->cmds_count] = raw;
	r->cmds[r->cmds_count++] = *c;
	return 0;
}

/* The message for an argument a command does not take. */
static int extra_argument(struct parser *p, const struct cmd_def *d, struct strv w)
{
	if (d->usage == NULL)
		buf_printf(&p->err, "#%s takes no argument, found ", d->name);
	else
		buf_printf(&p->err, "#%s takes one argument, found also ", d->name);
	agent_quote(&p->err, w);
	return -1;
}

/* The message for a command written without its argument. */
static int missing_argument(struct parser *p, const struct cmd_def *d)
{
	buf_printf(&p->err, "#%s: missing argument (%s)", d->name, d->usage);
	return -1;
}

/* #close, #reopen, #unassign, #note: no arguments. */
static int cmd_plain(struct parser *p, const struct cmd_def *d, struct strv rest)
{
	struct strv w = agent_word_next(&rest, false);
	struct agent_cmd c = { .type = d->type };

	if (w.len > 0)
		return extra_argument(p, d, w);
	return cmd_add(p, &c, w);
}

/* #snooze DURATION or #snooze DATE [TIME]. */
static int cmd_snooze(struct parser *p, const struct cmd_def *d, struct strv rest)
{
	struct strv all = strv_trim(rest);
	struct strv w = agent_word_next(&rest, false);
	struct strv t = agent_word_next(&rest, false);
	struct strv extra = agent_word_next(&rest, false);
	struct agent_cmd c = { .type = d->type };

	if (w.len == 0)
		return missing_argument(p, d);
	if (agent_snooze_read(w, t, p->now, p->tz_offset_s, &c.snooze, &p->err) < 0)
		return -1;
	if (extra.len > 0) {
		buf_append_str(&p->err, "#snooze takes a date and a time, found also ");
		agent_quote(&p->err, extra);
		return -1;
	}
	return cmd_add(p, &c, all);
}

/* Commands with exactly one argument read it here. */
static int one_word(struct parser *p, const struct cmd_def *d, struct strv rest, struct strv *w_r)
{
	struct strv extra;

	*w_r = agent_word_next(&rest, false);
	if (w_r->len == 0)
		return missing_argument(p, d);
	extra = agent_word_next(&rest, false);
	if (extra.len > 0)
		return extra_argument(p, d, extra);
	return 0;
}

/* #assign ADDRESS or #assign me. */
static int cmd_assign(struct parser *p, const struct cmd_def *d, struct strv rest)
{
	struct agent_cmd c = { .type = d->type };
	struct strv w;

	if (one_word(p, d, rest, &w) < 0 ||
	    agent_address_read(w, &c.arg, &c.assign_me, &p->err) < 0)
		return -1;
	return cmd_add(p, &c, w);
}

/* #tag and #untag: one command per tag, at least one tag. */
static int cmd_tags(struct parser *p, const struct cmd_def *d, struct strv rest)
{
	struct strv w = agent_word_next(&rest, true);

	if (w.len == 0)
		return missing_argument(p, d);
	for (; w.len > 0; w = agent_word_next(&rest, true)) {
		struct agent_cmd c = { .type = d->type };
		if (agent_tag_read(d->name, w, &c.arg, &p->err) < 0 || cmd_add(p, &c, w) < 0)
			return -1;
	}
	return 0;
}

/* #priority WORD or DIGIT. */
static int cmd_priority(struct parser *p, const struct cmd_def *d, struct strv rest)
{
	struct agent_cmd c = { .type = d->type };
	struct strv w;

	if (one_word(p, d, rest, &w) < 0 || agent_priority_read(w, &c.priority, &p->err) < 0)
		return -1;
	return cmd_add(p, &c, w);
}

/* #template NAME. */
static int cmd_template(struct parser *p, const struct cmd_def *d, struct strv rest)
{
	struct agent_cmd c = { .type = d->type };
	struct strv w;

	if (one_word(p, d, rest, &w) < 0 || agent_template_read(w, &c.arg, &p->err) < 0)
		return -1;
	return cmd_add(p, &c, w);
}

/* #order REF sets the ticket's order; #order - and #order none clear it. */
static int cmd_order(struct parser *p, const struct cmd_def *d, struct strv rest)
{
	struct agent_cmd c = { .type = d->type };
	struct strv w;
	const char *why;

	if (one_word(p, d, rest, &w) < 0)
		return -1;
	if (strv_eq_ci(w, "-") || strv_eq_ci(w, "none"))
		return cmd_add(p, &c, w);
	if ((why = orderref_check(w.p, w.len)) != NULL) {
		buf_append_str(&p->err, "#order: ");
		agent_quote(&p->err, w);
		buf_printf(&p->err, " is not an order reference: %s (use at most %d visible characters, or - to clear it)",
			   why, ORDERREF_MAX);
		return -1;
	}
	c.arg = xstrndup(w.p, w.len);
	return cmd_add(p, &c, w);
}

/* #cc add ADDRESS or #cc remove ADDRESS: who else gets the answers. */
static int cmd_cc(struct parser *p, const struct cmd_def *d, struct strv rest)
{
	struct strv all = strv_trim(rest);
	struct strv verb = agent_word_next(&rest, false);
	struct strv w = agent_word_next(&rest, false);
	struct strv extra = agent_word_next(&rest, false);
	struct agent_cmd c = { .type = AGENT_CMD_CC_ADD };

	if (strv_eq_ci(verb, "remove"))
		c.type = AGENT_CMD_CC_REMOVE;
	else if (!strv_eq_ci(verb, "add")) {
		if (verb.len == 0)
			return missing_argument(p, d);
		buf_append_str(&p->err, "#cc: ");
		agent_quote(&p->err, verb);
		buf_append_str(&p->err, " is neither add nor remove (use #cc add ADDRESS or #cc remove ADDRESS)");
		return -1;
	}
	if (w.len == 0) {
		buf_printf(&p->err, "#cc %s: missing address", c.type == AGENT_CMD_CC_ADD ? "add" : "remove");
		return -1;
	}
	if (extra.len > 0) {
		buf_append_str(&p->err, "#cc takes one address per line, found also ");
		agent_quote(&p->err, extra);
		return -1;
	}
	if (agent_mailbox_read("cc", w, &c.arg, &p->err) < 0)
		return -1;
	return cmd_add(p, &c, all);
}

/* Looks the name up (any case) and hands the rest of the line to it. */
static int command_line(struct parser *p, struct strv v)
{
	struct strv rest = { v.p + 1, v.len - 1 };
	struct strv name = agent_word_next(&rest, false);

	for (size_t i = 0; i < N_ELEMENTS(cmd_defs); i++)
		if (strv_eq_ci(name, cmd_defs[i].name))
			return cmd_defs[i].fn(p, &cmd_defs[i], rest);
	buf_append_str(&p->err, "unknown command ");
	agent_quote(&p->err, (struct strv){ v.p, name.len + 1 });
	return -1;
}

/* The line without surrounding whitespace and without its CR. */
static struct strv line_trim(const char *p, const char *end)
{
	size_t n;

	while ((n = agent_ws_len(p, end)) > 0)
		p += n;
	while (end > p) {
		if (end[-1] == '\r' || end[-1] == ' ' || end[-1] == '\t')
			end--;
		else if (end - p >= 2 && (unsigned char)end[-2] == 0xc2 && (unsigned char)end[-1] == 0xa0)
			end -= 2;
		else
			break;
	}
	return (struct strv){ p, (size_t)(end - p) };
}

/* '#' and an ASCII letter: "#1" and "# heading" are text. */
static bool command_shaped(struct strv v)
{
	return v.len >= 2 && v.p[0] == '#' &&
	       ((v.p[1] >= 'a' && v.p[1] <= 'z') || (v.p[1] >= 'A' && v.p[1] <= 'Z'));
}

/* "-- " (or "--" after a client ate the space) starts the signature. */
static bool signature_separator(struct strv v)
{
	return (v.len == 3 && memcmp(v.p, "-- ", 3) == 0) || (v.len == 2 && memcmp(v.p, "--", 2) == 0);
}

/* Whether [p, end) has no text for the customer before a signature. */
static bool text_blank(const char *p, const char *end)
{
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *line_end = eol ? eol : end;
		struct strv raw = { p, (size_t)(line_end - p) };

		if (raw.len > 0 && raw.p[raw.len - 1] == '\r')
			raw.len--;
		if (signature_separator(raw))
			return true;
		if (line_trim(p, line_end).len > 0)
			return false;
		p = eol ? eol + 1 : end;
	}
	return true;
}

/* Drops the commands of a failed parse and records the message. */
static void reply_fail(struct parser *p)
{
	struct agent_reply *r = p->r;

	for (size_t i = 0; i < r->cmds_count; i++)
		free(r->cmds[i].arg);
	free(r->cmds);
	r->cmds = NULL;
	r->cmds_count = 0;
	r->error = xasprintf("line %u: %s", p->line, p->err.data ? p->err.data : "bad command");
	r->error_line = p->line;
}

/* Reads command lines from the top; returns the offset of the first
 * other line, or SIZE_MAX after an error. */
static size_t commands_scan(struct parser *p, const char *text, size_t len, size_t pos, bool *saw_r)
{
	while (pos < len) {
		const char *eol = memchr(text + pos, '\n', len - pos);
		const char *end = eol ? eol : text + len;
		struct strv v = line_trim(text + pos, end);

		p->line++;
		if (v.len > 0 && !command_shaped(v))
			break;
		if (v.len > 0 && command_line(p, v) < 0)
			return SIZE_MAX;
		*saw_r = *saw_r || v.len > 0;
		pos = eol ? (size_t)(eol + 1 - text) : len;
	}
	return pos;
}

/* Commands first, then the customer text and the flags that describe it. */
int agent_reply_parse(const char *text, size_t len, int64_t now, int32_t tz_offset_s,
		      struct agent_reply **reply_r, const char **error_r)
{
	struct parser p = { .now = now, .tz_offset_s = tz_offset_s };
	size_t start = len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;
	bool saw = false;
	size_t pos;

	p.r = *reply_r = xcalloc(1, sizeof(**reply_r));
	*error_r = NULL;
	buf_init(&p.err, 0);
	pos = commands_scan(&p, text, len, start, &saw);
	free(p.raw);
	if (pos == SIZE_MAX) {
		reply_fail(&p);
		buf_free(&p.err);
		*error_r = p.r->error;
		return -1;
	}
	buf_free(&p.err);
	p.r->text_offset = saw ? pos : 0;
	for (size_t i = 0; i < p.r->cmds_count; i++)
		p.r->has_note = p.r->has_note || p.r->cmds[i].type == AGENT_CMD_NOTE;
	p.r->only_commands = len == 0 ||
			     text_blank(text + (saw ? pos : start), text + len);
	return 0;
}

/* Frees what agent_reply_parse() allocated. */
void agent_reply_free(struct agent_reply **reply)
{
	if (*reply == NULL)
		return;
	for (size_t i = 0; i < (*reply)->cmds_count; i++)
		free((*reply)->cmds[i].arg);
	free((*reply)->cmds);
	free((*reply)->error);
	free(*reply);
	*reply = NULL;
}
