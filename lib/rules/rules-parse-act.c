/* The actions of a rule: one keyword each, dispatched from a table. */
#include "config.h"
#include "rules-private.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "base/orderref.h"
#include "base/xalloc.h"

/* A new action of rule r on the current token's line; valid until the
 * next push. */
static struct act *push_act(struct parser *ps, const struct rule *r, enum rules_action_kind kind, unsigned line)
{
	struct act *a;

	if (ps->n_acts == ps->acts_cap) {
		ps->acts_cap = ps->acts_cap ? ps->acts_cap * 2 : 8;
		ps->acts = xrealloc(ps->acts, ps->acts_cap * sizeof(*ps->acts));
	}
	a = &ps->acts[ps->n_acts++];
	memset(a, 0, sizeof(*a));
	a->a.kind = kind;
	a->a.rule = r->name;
	a->a.line = line;
	return a;
}

/* Names only the database can check, kept with their position. */
static void add_ref(struct parser *ps, enum rules_ref_kind kind, const struct token *t)
{
	struct rules_program *p = ps->p;

	if (p->n_refs == ps->refs_cap) {
		ps->refs_cap = ps->refs_cap ? ps->refs_cap * 2 : 16;
		p->refs = xrealloc(p->refs, ps->refs_cap * sizeof(*p->refs));
	}
	p->refs[p->n_refs++] = (struct rules_ref){ kind, t->str, t->line, t->column };
}

/* A string that must not be empty. */
static int parse_text(struct parser *ps, struct token *t, const char *what)
{
	if (parse_string(ps, t, what) < 0)
		return -1;
	if (t->str[0] == '\0')
		return parse_fail(ps, t, "%s must not be empty", what);
	return 0;
}

/* Agent and notification addresses are compared in lower case. */
static int parse_address(struct parser *ps, struct token *t, const char *what)
{
	if (parse_string(ps, t, what) < 0)
		return -1;
	if (!check_address(t->str))
		return parse_fail(ps, t, "%s: \"%s\" is not a mail address", what, t->str);
	for (char *c = t->str; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	return 0;
}

/* KEYWORD W1 W2 "NAME": an action on a name only the database knows. */
static int act_named(struct parser *ps, const struct rule *r, unsigned line, const char *const w[3],
		     enum rules_action_kind kind, enum rules_ref_kind ref, const char *what)
{
	char after1[32], after2[48];
	struct token t;

	snprintf(after1, sizeof(after1), "after '%s'", w[0]);
	snprintf(after2, sizeof(after2), "after '%s %s'", w[0], w[1]);
	if (parse_word(ps, w[1], after1) < 0 || parse_word(ps, w[2], after2) < 0 || parse_text(ps, &t, what) < 0)
		return -1;
	push_act(ps, r, kind, line)->a.text = t.str;
	add_ref(ps, ref, &t);
	return 0;
}

static int act_move(struct parser *ps, const struct rule *r, unsigned line)
{
	static const char *const w[3] = { "move", "to", "team" };

	return act_named(ps, r, line, w, RULES_ACT_MOVE_TEAM, RULES_REF_TEAM, "the team's name in double quotes");
}

/* assign to "AGENT" | assign round-robin|least-open [max N] */
static int act_assign(struct parser *ps, const struct rule *r, unsigned line)
{
	struct token t;
	struct act *a;
	enum rules_strategy s = RULES_LEAST_OPEN;
	unsigned max = 0;

	if (lex_is_word(&ps->lx, "to")) {
		lex_next(&ps->lx);
		if (parse_address(ps, &t, "assign to takes an agent's address") < 0)
			return -1;
		push_act(ps, r, RULES_ACT_ASSIGN, line)->a.text = t.str;
		add_ref(ps, RULES_REF_AGENT, &t);
		return 0;
	}
	if (lex_is_word(&ps->lx, "round-robin"))
		s = RULES_ROUND_ROBIN;
	else if (!lex_is_word(&ps->lx, "least-open"))
		return parse_expected(ps, "'to', 'round-robin' or 'least-open' after 'assign'");
	lex_next(&ps->lx);
	if (lex_is_word(&ps->lx, "max")) {
		lex_next(&ps->lx);
		if (ps->lx.tok.kind != TOK_NUMBER)
			return parse_fail(ps, &ps->lx.tok, "number expected after 'max'");
		if (ps->lx.tok.num < 1 || ps->lx.tok.num > 1000000)
			return parse_fail(ps, &ps->lx.tok, "max takes 1 to 1000000 open tickets");
		max = (unsigned)ps->lx.tok.num;
		lex_next(&ps->lx);
	}
	a = push_act(ps, r, RULES_ACT_ASSIGN_STRATEGY, line);
	a->a.strategy = s;
	a->a.max_open = max;
	return 0;
}

static int act_unassign(struct parser *ps, const struct rule *r, unsigned line)
{
	push_act(ps, r, RULES_ACT_UNASSIGN, line);
	return 0;
}

/* tag "a", "b" and untag "a", "b": one action per tag. */
static int act_tags(struct parser *ps, const struct rule *r, unsigned line, enum rules_action_kind kind)
{
	for (;;) {
		struct token t;
		if (parse_string(ps, &t, "a tag in double quotes") < 0)
			return -1;
		if (!check_tag(t.str))
			return parse_fail(ps, &t, "tag must match [a-z0-9][a-z0-9_.-]{0,63}, not \"%s\"", t.str);
		push_act(ps, r, kind, line)->a.text = t.str;
		if (ps->lx.tok.kind != TOK_COMMA)
			return 0;
		lex_next(&ps->lx);
	}
}

static int act_tag(struct parser *ps, const struct rule *r, unsigned line)
{
	return act_tags(ps, r, line, RULES_ACT_TAG_ADD);
}

static int act_untag(struct parser *ps, const struct rule *r, unsigned line)
{
	return act_tags(ps, r, line, RULES_ACT_TAG_REMOVE);
}

/* set field "NAME" to "VALUE" | set field "NAME" from FIELD matching "RE" */
static int act_set_field(struct parser *ps, const struct rule *r, unsigned line)
{
	struct token name, val, src;
	struct act a = { 0 };

	if (parse_string(ps, &name, "the field's name in double quotes") < 0)
		return -1;
	if (!check_field_name(name.str))
		return parse_fail(ps, &name, "a field name must match [A-Za-z0-9_.-]{1,64}");
	if (lex_is_word(&ps->lx, "to")) {
		lex_next(&ps->lx);
		if (parse_string(ps, &val, "the value in double quotes") < 0)
			return -1;
		a.value = val.str;
	} else if (lex_is_word(&ps->lx, "from")) {
		lex_next(&ps->lx);
		src = ps->lx.tok;
		int f = parse_field_name(&src);
		if (f != F_SUBJECT && f != F_BODY && f != F_FROM && f != F_HEADER)
			return parse_expected(ps, "subject, body, from or header \"Name\" after 'from'");
		a.src = (enum field)f;
		lex_next(&ps->lx);
		if (f == F_HEADER && parse_string(ps, &src, "the header's name in double quotes") < 0)
			return -1;
		a.src_header = f == F_HEADER ? src.str : NULL;
		if (parse_word(ps, "matching", "after the field") < 0)
			return -1;
		if (ps->lx.tok.kind != TOK_STRING)
			return parse_expected(ps, "a regular expression in double quotes");
		if ((a.re = check_regex(ps, &ps->lx.tok)) == NULL)
			return -1;
		lex_next(&ps->lx);
	} else {
		return parse_expected(ps, "'to' or 'from' after the field's name");
	}
	struct act *pa = push_act(ps, r, RULES_ACT_SET_FIELD, line);
	a.a = pa->a;
	a.a.text = name.str;
	*pa = a;
	return 0;
}

/* set order "REF": a valid order reference (base/orderref.h). */
static int act_set_order(struct parser *ps, const struct rule *r, unsigned line)
{
	struct token t;
	const char *why;

	if (parse_string(ps, &t, "the order reference in double quotes") < 0)
		return -1;
	if ((why = orderref_check(t.str, strlen(t.str))) != NULL)
		return parse_fail(ps, &t, "order \"%s\" is not valid: %s (at most %d visible characters, no spaces)",
				  t.str, why, ORDERREF_MAX);
	push_act(ps, r, RULES_ACT_SET_ORDER, line)->a.text = t.str;
	return 0;
}

/* set priority P | set field ... | set order "REF" */
static int act_set(struct parser *ps, const struct rule *r, unsigned line)
{
	int prio;

	if (lex_is_word(&ps->lx, "field")) {
		lex_next(&ps->lx);
		return act_set_field(ps, r, line);
	}
	if (lex_is_word(&ps->lx, "order")) {
		lex_next(&ps->lx);
		return act_set_order(ps, r, line);
	}
	if (parse_word(ps, "priority", "or 'field' or 'order' after 'set'") < 0 || (prio = parse_priority(ps)) < 0)
		return -1;
	push_act(ps, r, RULES_ACT_SET_PRIORITY, line)->a.priority = prio;
	return 0;
}

/* snooze for DURATION | snooze until "YYYY-MM-DD HH:MM" */
static int act_snooze(struct parser *ps, const struct rule *r, unsigned line)
{
	const struct token *t = &ps->lx.tok;
	char raw[32] = "";
	long long secs;
	struct token until;

	if (lex_is_word(&ps->lx, "until")) {
		lex_next(&ps->lx);
		if (parse_string(ps, &until, "\"YYYY-MM-DD HH:MM\" after 'snooze until'") < 0)
			return -1;
		if (!check_datetime(until.str))
			return parse_fail(ps, &until, "snooze until takes \"YYYY-MM-DD HH:MM\", not \"%s\"", until.str);
		push_act(ps, r, RULES_ACT_SNOOZE_UNTIL, line)->a.text = until.str;
		return 0;
	}
	if (parse_word(ps, "for", "or 'until' after 'snooze'") < 0)
		return -1;
	if (t->kind != TOK_DURATION && t->kind != TOK_NUMBER)
		return parse_expected(ps, "a snooze duration such as 30m, 4h, 2d, 1w or 1d12h");
	if (t->len < sizeof(raw))
		memcpy(raw, t->start, t->len);
	if ((secs = rules_duration_parse(raw)) < 0)
		return parse_fail(ps, t,
				  "snooze duration '%.*s' must be like 30m, 4h, 2d, 1w or 1d12h (units s m h d w), "
				  "at most 366 days",
				  (int)t->len, t->start);
	lex_next(&ps->lx);
	push_act(ps, r, RULES_ACT_SNOOZE_FOR, line)->a.seconds = secs;
	return 0;
}

static int act_close(struct parser *ps, const struct rule *r, unsigned line)
{
	push_act(ps, r, RULES_ACT_CLOSE, line);
	return 0;
}

static int act_reply(struct parser *ps, const struct rule *r, unsigned line)
{
	static const char *const w[3] = { "reply", "with", "template" };

	return act_named(ps, r, line, w, RULES_ACT_REPLY_TEMPLATE, RULES_REF_TEMPLATE,
			 "the template's name in double quotes");
}

static int act_note(struct parser *ps, const struct rule *r, unsigned line)
{
	struct token t;

	if (parse_text(ps, &t, "the note's text in double quotes") < 0)
		return -1;
	push_act(ps, r, RULES_ACT_NOTE, line)->a.text = t.str;
	return 0;
}

static int act_notify(struct parser *ps, const struct rule *r, unsigned line)
{
	struct token t;

	if (parse_address(ps, &t, "notify takes an address in double quotes") < 0)
		return -1;
	push_act(ps, r, RULES_ACT_NOTIFY, line)->a.text = t.str;
	return 0;
}

/* clear order */
static int act_clear(struct parser *ps, const struct rule *r, unsigned line)
{
	if (parse_word(ps, "order", "after 'clear'") < 0)
		return -1;
	push_act(ps, r, RULES_ACT_CLEAR_ORDER, line);
	return 0;
}

/* no order reminder */
static int act_no(struct parser *ps, const struct rule *r, unsigned line)
{
	if (parse_word(ps, "order", "after 'no'") < 0 || parse_word(ps, "reminder", "after 'no order'") < 0)
		return -1;
	push_act(ps, r, RULES_ACT_NO_ORDER_REMINDER, line);
	return 0;
}

static int act_stop(struct parser *ps, const struct rule *r, unsigned line)
{
	(void)r;
	(void)line;
	ps->stop = true;
	return 0;
}

static const struct {
	const char *word;
	int (*parse)(struct parser *ps, const struct rule *r, unsigned line);
} actions[] = {
	{ "move", act_move },	    { "assign", act_assign }, { "unassign", act_unassign }, { "tag", act_tag },
	{ "untag", act_untag },	    { "set", act_set },	      { "snooze", act_snooze },	    { "close", act_close },
	{ "reply", act_reply },	    { "note", act_note },     { "notify", act_notify },	    { "stop", act_stop },
	{ "clear", act_clear },	    { "no", act_no },
};
#define N_ACTIONS (sizeof(actions) / sizeof(actions[0]))

int parse_action(struct parser *ps, const struct rule *r)
{
	const struct token *t = &ps->lx.tok;
	const char *names[N_ACTIONS];
	unsigned line = t->line;

	for (size_t i = 0; i < N_ACTIONS; i++) {
		if (lex_is_word(&ps->lx, actions[i].word)) {
			lex_next(&ps->lx);
			return actions[i].parse(ps, r, line);
		}
		names[i] = actions[i].word;
	}
	if (t->kind != TOK_WORD)
		return parse_expected(ps, "an action or 'end'");
	return parse_fail_unknown(ps, t, "action", names, N_ACTIONS);
}
