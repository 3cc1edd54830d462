/* Conditions: or of ands of (not) tests, with parentheses. Each test is
 * type-checked as it is read: a field only takes its own operators and
 * values, and every pattern is compiled here, once. */
#include "config.h"
#include "rules-private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

static const struct {
	const char *word;
	enum field field;
} text_fields[] = {
	{ "from", F_FROM },
	{ "from.domain", F_FROM_DOMAIN },
	{ "to", F_TO },
	{ "subject", F_SUBJECT },
	{ "body", F_BODY },
	{ "team", F_TEAM },
	{ "status", F_STATUS },
	{ "assignee", F_ASSIGNEE },
	{ "header", F_HEADER },
	{ "attachment.name", F_ATT_NAME },
	{ "attachment.type", F_ATT_TYPE },
	{ "tag", F_TAG },
	{ "event.name", F_EVENT_NAME },
	{ "added_tag", F_ADDED_TAG },
	{ "order", F_ORDER },
	{ "reason", F_REASON },
	{ "event.type", F_EVENT_TYPE },
};
#define N_TEXT_FIELDS (sizeof(text_fields) / sizeof(text_fields[0]))

static const char *const other_tests[] = { "priority", "customer.open_tickets", "business_hours", "attachment", "not" };
#define N_OTHER_TESTS (sizeof(other_tests) / sizeof(other_tests[0]))

static const char *const statuses[] = { "open", "pending", "snoozed", "solved", "closed", "draft" };

int parse_field_name(const struct token *t)
{
	for (size_t i = 0; t->kind == TOK_WORD && i < N_TEXT_FIELDS; i++)
		if (strlen(text_fields[i].word) == t->len && memcmp(text_fields[i].word, t->start, t->len) == 0)
			return (int)text_fields[i].field;
	return -1;
}

static struct cond *new_cond(struct parser *ps, enum cond_kind kind)
{
	struct cond *c = arena_alloc(ps->p->arena, sizeof(*c));

	c->kind = kind;
	return c;
}

/* A value of a text test: a string, or for status a bare status word;
 * is/is not/in on status only take the six statuses (draft: sql/023). */
static int parse_value(struct parser *ps, const struct cond *c, struct token *t_r)
{
	bool known = false;

	if (c->field == F_STATUS && ps->lx.tok.kind == TOK_WORD) {
		*t_r = ps->lx.tok;
		t_r->str = arena_strdup(ps->p->arena, t_r->start, t_r->len);
		lex_next(&ps->lx);
	} else if (parse_string(ps, t_r, "a string in double quotes") < 0) {
		return -1;
	}
	if (c->field != F_STATUS || (c->op != OP_IS && c->op != OP_IS_NOT && c->op != OP_IN))
		return 0;
	for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++)
		known = known || strcmp(statuses[i], t_r->str) == 0;
	if (!known)
		return parse_fail(ps, t_r, "unknown status '%s' (open, pending, snoozed, solved, closed)", t_r->str);
	return 0;
}

/* in ("a", "b", ...): the values are compiled together. */
static int parse_in_list(struct parser *ps, struct cond *c)
{
	struct token *vals = NULL;
	const struct token **ptrs = NULL;
	size_t n = 0;
	int ret = -1;

	if (ps->lx.tok.kind != TOK_LPAREN)
		return parse_expected(ps, "'(' after 'in'");
	do {
		lex_next(&ps->lx);
		vals = xrealloc(vals, (n + 1) * sizeof(*vals));
		if (parse_value(ps, c, &vals[n]) < 0)
			goto out;
		n++;
	} while (ps->lx.tok.kind == TOK_COMMA);
	if (ps->lx.tok.kind != TOK_RPAREN) {
		parse_expected(ps, "',' or ')' in the list");
		goto out;
	}
	lex_next(&ps->lx);
	ptrs = xcalloc(n, sizeof(*ptrs));
	for (size_t i = 0; i < n; i++)
		ptrs[i] = &vals[i];
	ret = check_text_patterns(ps, c, ptrs, n);
out:
	free(ptrs);
	free(vals);
	return ret;
}

/* The operator after a text field, then its value(s). */
static int parse_text_op(struct parser *ps, struct cond *c, const char *field)
{
	struct token t;
	const struct token *tp = &t;
	static const struct {
		const char *w1, *w2;
		enum text_op op;
	} ops[] = { { "contains", NULL, OP_CONTAINS }, { "starts", "with", OP_STARTS },
		    { "ends", "with", OP_ENDS },	   { "matches", NULL, OP_MATCHES },
		    { "in", NULL, OP_IN },		   { "is", NULL, OP_IS } };
	size_t i;

	for (i = 0; i < sizeof(ops) / sizeof(ops[0]) && !lex_is_word(&ps->lx, ops[i].w1); i++)
		;
	if (i == sizeof(ops) / sizeof(ops[0])) {
		char what[160];
		snprintf(what, sizeof(what), "is, is not, contains, starts with, ends with, matches or in after '%s'", field);
		return parse_expected(ps, what);
	}
	c->op = ops[i].op;
	lex_next(&ps->lx);
	if (ops[i].w2 && parse_word(ps, ops[i].w2, i == 1 ? "after 'starts'" : "after 'ends'") < 0)
		return -1;
	if (c->op == OP_IS && lex_is_word(&ps->lx, "not")) {
		c->op = OP_IS_NOT;
		lex_next(&ps->lx);
	}
	if (c->op == OP_IN)
		return parse_in_list(ps, c);
	if (c->field == F_ASSIGNEE && (c->op == OP_IS || c->op == OP_IS_NOT) && lex_is_word(&ps->lx, "none")) {
		c->kind = C_ASSIGNEE_NONE;
		c->negate = c->op == OP_IS_NOT;
		lex_next(&ps->lx);
		return 0;
	}
	if (c->field == F_ORDER && (c->op == OP_IS || c->op == OP_IS_NOT) && lex_is_word(&ps->lx, "empty")) {
		c->kind = C_ORDER_EMPTY;
		c->negate = c->op == OP_IS_NOT;
		lex_next(&ps->lx);
		return 0;
	}
	if (c->op == OP_MATCHES) {
		if (ps->lx.tok.kind != TOK_STRING)
			return parse_expected(ps, "a regular expression in double quotes after 'matches'");
		c->pats = arena_alloc(ps->p->arena, sizeof(*c->pats));
		c->n_pats = 1;
		if ((c->pats[0] = check_regex(ps, &ps->lx.tok)) == NULL)
			return -1;
		lex_next(&ps->lx);
		return 0;
	}
	if (parse_value(ps, c, &t) < 0)
		return -1;
	return check_text_patterns(ps, c, &tp, 1);
}

/* FIELD OP VALUE, or header "Name" exists. */
static struct cond *parse_text_test(struct parser *ps, enum field f)
{
	struct cond *c = new_cond(ps, C_TEXT);
	struct token ft = ps->lx.tok, name;
	char field[80];

	c->field = f;
	if ((f == F_ADDED_TAG && !(ps->events & 1u << RULES_EV_TAG_ADDED)) ||
	    (f == F_EVENT_NAME && !(ps->events & 1u << RULES_EV_EXTERNAL)))
		return parse_fail(ps, &ft, "%.*s is only set on %s: add that event to the rule", (int)ft.len, ft.start,
				  f == F_ADDED_TAG ? "tag.added" : "external.event"),
		       NULL;
	lex_next(&ps->lx);
	snprintf(field, sizeof(field), "%.*s", (int)ft.len, ft.start);
	if (f == F_HEADER) {
		if (parse_string(ps, &name, "the header's name in double quotes after 'header'") < 0)
			return NULL;
		c->header = name.str;
		snprintf(field, sizeof(field), "header \"%.60s\"", name.str);
		if (lex_is_word(&ps->lx, "exists")) {
			lex_next(&ps->lx);
			c->kind = C_HEADER_EXISTS;
			return c;
		}
	}
	return parse_text_op(ps, c, field) < 0 ? NULL : c;
}

/* priority is|is not|<|<=|>|>=|in P */
static struct cond *parse_priority_test(struct parser *ps)
{
	struct cond *c = new_cond(ps, C_PRIORITY);
	static const enum tok_kind syms[] = { TOK_LT, TOK_LE, TOK_GT, TOK_GE };
	static const enum cmp_op cmps[] = { CMP_LT, CMP_LE, CMP_GT, CMP_GE };
	int prio;

	lex_next(&ps->lx);
	c->cmp = CMP_IN;
	for (size_t i = 0; i < 4; i++)
		if (ps->lx.tok.kind == syms[i])
			c->cmp = cmps[i];
	if (lex_is_word(&ps->lx, "is")) {
		c->cmp = CMP_EQ;
		lex_next(&ps->lx);
		if (lex_is_word(&ps->lx, "not"))
			c->cmp = CMP_NE;
		else
			goto value;
	} else if (c->cmp == CMP_IN && !lex_is_word(&ps->lx, "in")) {
		return parse_fail(ps, &ps->lx.tok, "priority takes is, is not, <, <=, >, >=, in"), NULL;
	}
	lex_next(&ps->lx);
	if (c->cmp == CMP_IN) {
		if (ps->lx.tok.kind != TOK_LPAREN)
			return parse_expected(ps, "'(' after 'in'"), NULL;
		do {
			lex_next(&ps->lx);
			if ((prio = parse_priority(ps)) < 0)
				return NULL;
			c->mask |= 1u << prio;
		} while (ps->lx.tok.kind == TOK_COMMA);
		if (ps->lx.tok.kind != TOK_RPAREN)
			return parse_expected(ps, "',' or ')' in the list"), NULL;
		lex_next(&ps->lx);
		return c;
	}
value:
	if ((prio = parse_priority(ps)) < 0)
		return NULL;
	c->number = prio;
	return c;
}

/* customer.open_tickets =|is|<|<=|>|>= N */
static struct cond *parse_count_test(struct parser *ps)
{
	struct cond *c = new_cond(ps, C_OPEN_TICKETS);
	static const enum tok_kind syms[] = { TOK_EQ, TOK_LT, TOK_LE, TOK_GT, TOK_GE };
	static const enum cmp_op cmps[] = { CMP_EQ, CMP_LT, CMP_LE, CMP_GT, CMP_GE };
	bool found;

	lex_next(&ps->lx);
	c->cmp = CMP_EQ;
	found = lex_is_word(&ps->lx, "is");
	for (size_t i = 0; i < 5; i++)
		if (ps->lx.tok.kind == syms[i])
			c->cmp = cmps[i], found = true;
	if (!found)
		return parse_fail(ps, &ps->lx.tok, "customer.open_tickets takes =, is, <, <=, >, >="), NULL;
	lex_next(&ps->lx);
	if (ps->lx.tok.kind != TOK_NUMBER)
		return parse_fail(ps, &ps->lx.tok, "number expected after customer.open_tickets"), NULL;
	c->number = (long long)ps->lx.tok.num;
	lex_next(&ps->lx);
	return c;
}

/* One test: the word decides which kind. */
static struct cond *parse_test(struct parser *ps)
{
	const struct token *t = &ps->lx.tok;
	const char *names[N_TEXT_FIELDS + N_OTHER_TESTS];
	int f = parse_field_name(t);

	if (f >= 0)
		return parse_text_test(ps, (enum field)f);
	if (lex_is_word(&ps->lx, "priority"))
		return parse_priority_test(ps);
	if (lex_is_word(&ps->lx, "customer.open_tickets"))
		return parse_count_test(ps);
	if (lex_is_word(&ps->lx, "business_hours")) {
		lex_next(&ps->lx);
		return new_cond(ps, C_BUSINESS_HOURS);
	}
	if (lex_is_word(&ps->lx, "attachment")) {
		lex_next(&ps->lx);
		if (parse_word(ps, "exists", "after 'attachment' (or use attachment.name, attachment.type)") < 0)
			return NULL;
		return new_cond(ps, C_ATTACHMENT_EXISTS);
	}
	if (t->kind != TOK_WORD || lex_is_word(&ps->lx, "then") || lex_is_word(&ps->lx, "and") ||
	    lex_is_word(&ps->lx, "or") || lex_is_word(&ps->lx, "end"))
		return parse_expected(ps, "a condition"), NULL;
	for (size_t i = 0; i < N_TEXT_FIELDS; i++)
		names[i] = text_fields[i].word;
	memcpy(names + N_TEXT_FIELDS, other_tests, sizeof(other_tests));
	return parse_fail_unknown(ps, t, "condition", names, N_TEXT_FIELDS + N_OTHER_TESTS), NULL;
}

/* not binds tightest; parentheses group. */
static struct cond *parse_unary(struct parser *ps)
{
	struct cond *c;

	if (lex_is_word(&ps->lx, "not")) {
		lex_next(&ps->lx);
		c = new_cond(ps, C_NOT);
		return (c->a = parse_unary(ps)) ? c : NULL;
	}
	if (ps->lx.tok.kind != TOK_LPAREN)
		return parse_test(ps);
	lex_next(&ps->lx);
	if ((c = parse_cond(ps)) == NULL)
		return NULL;
	if (ps->lx.tok.kind != TOK_RPAREN)
		return parse_expected(ps, "')' to close the '('"), NULL;
	lex_next(&ps->lx);
	return c;
}

/* A left-to-right chain of one binary operator over sub-conditions. */
static struct cond *parse_chain(struct parser *ps, const char *word, enum cond_kind kind,
				struct cond *(*sub)(struct parser *ps))
{
	struct cond *a = sub(ps);

	while (a && lex_is_word(&ps->lx, word)) {
		struct cond *c = new_cond(ps, kind);
		lex_next(&ps->lx);
		c->a = a;
		if ((c->b = sub(ps)) == NULL)
			return NULL;
		a = c;
	}
	return a;
}

static struct cond *parse_and(struct parser *ps)
{
	return parse_chain(ps, "and", C_AND, parse_unary);
}

struct cond *parse_cond(struct parser *ps)
{
	return parse_chain(ps, "or", C_OR, parse_and);
}
