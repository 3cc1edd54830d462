/* The recursive-descent parser's top: a program is a list of
 *   rule "NAME" on EVENT[, EVENT...] [if CONDITION] then ACTION... end
 * and the helpers every part of the parser uses to consume tokens and
 * report the first error. */
#include "config.h"
#include "rules-private.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/xalloc.h"

/* Names what was found instead, so "expected X" says what is wrong. */
static void describe_token(const struct token *t, char *out, size_t size)
{
	switch (t->kind) {
	case TOK_EOF: snprintf(out, size, "the end of the file"); break;
	case TOK_STRING: snprintf(out, size, "a string"); break;
	default: snprintf(out, size, "'%.*s'", t->len > 40 ? 40 : (int)t->len, t->start); break;
	}
}

int parse_fail(struct parser *ps, const struct token *t, const char *fmt, ...)
{
	va_list ap;

	if (ps->failed)
		return -1;
	ps->failed = true;
	if (ps->lx.tok.kind == TOK_ERROR)
		return -1; /* the lexer's error is the first one */
	ps->err->line = t->line;
	ps->err->column = t->column;
	va_start(ap, fmt);
	vsnprintf(ps->err->message, sizeof(ps->err->message), fmt, ap);
	va_end(ap);
	return -1;
}

int parse_expected(struct parser *ps, const char *what)
{
	char found[64];

	describe_token(&ps->lx.tok, found, sizeof(found));
	return parse_fail(ps, &ps->lx.tok, "expected %s, found %s", what, found);
}

int parse_fail_unknown(struct parser *ps, const struct token *t, const char *what, const char *const *names, size_t n)
{
	const char *near = rules_suggest(t->start, t->len, names, n);

	return parse_fail(ps, t, "unknown %s '%.*s'%s%s%s", what, (int)t->len, t->start, near ? " (did you mean " : "",
			  near ? near : "", near ? "?)" : "");
}

int parse_word(struct parser *ps, const char *w, const char *where)
{
	char what[128];

	if (lex_is_word(&ps->lx, w)) {
		lex_next(&ps->lx);
		return 0;
	}
	snprintf(what, sizeof(what), "'%s' %s", w, where);
	return parse_expected(ps, what);
}

int parse_string(struct parser *ps, struct token *t_r, const char *what)
{
	if (ps->lx.tok.kind != TOK_STRING)
		return parse_expected(ps, what);
	*t_r = ps->lx.tok;
	lex_next(&ps->lx);
	return 0;
}

int parse_priority(struct parser *ps)
{
	const struct token *t = &ps->lx.tok;
	char word[16] = "";
	int prio;

	if ((t->kind == TOK_WORD || t->kind == TOK_NUMBER) && t->len < sizeof(word))
		memcpy(word, t->start, t->len);
	if (t->kind != TOK_WORD && t->kind != TOK_NUMBER)
		return parse_expected(ps, "a priority (low, medium, high, urgent or 0..3)");
	prio = rules_priority_parse(word);
	if (prio < 0)
		return parse_fail(ps, t, "unknown priority '%.*s' (low, medium, high, urgent or 0..3)", (int)t->len,
				  t->start);
	lex_next(&ps->lx);
	return prio;
}

/* "on EVENT, EVENT": the rule's event bits; 0 on error. */
static unsigned parse_events(struct parser *ps)
{
	unsigned events = 0;

	for (;;) {
		const struct token *t = &ps->lx.tok;
		char name[64] = "";
		int ev;
		if (t->kind != TOK_WORD) {
			parse_expected(ps, "an event such as ticket.created");
			return 0;
		}
		if (t->len < sizeof(name))
			memcpy(name, t->start, t->len);
		ev = rules_event_parse(name);
		if (ev < 0) {
			parse_fail_unknown(ps, t, "event", rules_event_names(), RULES_EV_COUNT);
			return 0;
		}
		events |= 1u << ev;
		lex_next(&ps->lx);
		if (ps->lx.tok.kind != TOK_COMMA)
			return events;
		lex_next(&ps->lx);
	}
}

/* The rule's name: a non-empty string not used by an earlier rule. */
static const char *parse_rule_name(struct parser *ps)
{
	struct token t;

	if (parse_string(ps, &t, "the rule's name in double quotes after 'rule'") < 0)
		return NULL;
	if (t.str[0] == '\0')
		return parse_fail(ps, &t, "a rule's name must not be empty"), NULL;
	for (size_t i = 0; i < ps->p->n_rules; i++)
		if (strcmp(ps->p->rules[i].name, t.str) == 0)
			return parse_fail(ps, &t, "duplicate rule name \"%s\" (first used on line %u)", t.str,
					  ps->p->rules[i].line),
			       NULL;
	return t.str;
}

/* The actions between "then" and "end", one per line, copied into the
 * program's arena when the rule is complete. */
static int parse_rule_actions(struct parser *ps, struct rule *r)
{
	ps->n_acts = 0;
	ps->stop = false;
	if (lex_is_word(&ps->lx, "end"))
		return parse_expected(ps, "an action after 'then'");
	while (!lex_is_word(&ps->lx, "end")) {
		if (ps->n_acts > 0 && ps->lx.tok.line == ps->lx.prev_line && ps->lx.tok.kind != TOK_EOF)
			return parse_expected(ps, "a new line before the next action");
		if (ps->stop)
			return parse_fail(ps, &ps->lx.tok, "'stop' must be the last action of a rule");
		if (parse_action(ps, r) < 0)
			return -1;
	}
	lex_next(&ps->lx);
	/* A rule whose only action is stop has none to copy (ps->acts NULL). */
	r->acts = arena_alloc(ps->p->arena, ps->n_acts * sizeof(*r->acts));
	if (ps->n_acts > 0)
		memcpy(r->acts, ps->acts, ps->n_acts * sizeof(*r->acts));
	r->n_acts = ps->n_acts;
	r->stop = ps->stop;
	return 0;
}

/* rule "NAME" on EVENTS [if CONDITION] then ACTIONS end */
static int parse_rule(struct parser *ps)
{
	struct rule r = { .line = ps->lx.tok.line };

	lex_next(&ps->lx);
	if ((r.name = parse_rule_name(ps)) == NULL || parse_word(ps, "on", "after the rule's name") < 0)
		return -1;
	if ((r.events = parse_events(ps)) == 0)
		return -1;
	ps->events = r.events;
	if (lex_is_word(&ps->lx, "if")) {
		lex_next(&ps->lx);
		if ((r.cond = parse_cond(ps)) == NULL)
			return -1;
		if (parse_word(ps, "then", "after the condition") < 0)
			return -1;
	} else if (!lex_is_word(&ps->lx, "then")) {
		return parse_expected(ps, "'if' or 'then' after the events");
	} else {
		lex_next(&ps->lx);
	}
	if (parse_rule_actions(ps, &r) < 0)
		return -1;
	if (ps->p->n_rules == ps->rules_cap) {
		ps->rules_cap = ps->rules_cap ? ps->rules_cap * 2 : 16;
		ps->p->rules = xrealloc(ps->p->rules, ps->rules_cap * sizeof(*ps->p->rules));
	}
	ps->p->rules[ps->p->n_rules++] = r;
	return 0;
}

int rules_parse(struct rules_program *p, const char *text, size_t len, struct rules_error *err)
{
	struct parser ps = { .p = p, .err = err };

	lex_init(&ps.lx, text, len, p->arena, err);
	while (!ps.failed && ps.lx.tok.kind != TOK_EOF) {
		if (ps.lx.tok.kind == TOK_ERROR)
			ps.failed = true;
		else if (!lex_is_word(&ps.lx, "rule"))
			parse_expected(&ps, "'rule'");
		else
			parse_rule(&ps);
	}
	free(ps.acts);
	return ps.failed ? -1 : 0;
}
