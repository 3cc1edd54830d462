/* Evaluation: every rule for the event, in order, against the facts plus
 * what earlier rules of the same run changed (tags, priority, status,
 * team, assignee). The program is only read, so threads may share it. */
#include "config.h"
#include "rules-private.h"
#include "rules-stats.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/strv.h"
#include "base/xalloc.h"

/* The facts as the rules see them now. */
struct state {
	const struct rules_program *p;
	const struct rules_facts *f;
	pcre2_match_data *md;
	const char **tags;          /* own copy once an action changes tags */
	const char *const *tags_ro; /* the facts' tags until then */
	size_t n_tags;
	int priority;
	const char *status, *team, *assignee, *order;
	bool assigned_unknown; /* a strategy assigned someone not yet known */
	bool limit;            /* a match of the current rule hit the limit */
	int rc;                /* pcre2_match's last return */
	size_t lens[F_ORDER + 1]; /* of the facts' fields, SIZE_MAX: not yet */
	struct rules_result *r;
	size_t acts_cap;
};

static const char *nz(const char *s)
{
	return s ? s : "";
}

/* One pattern against one value: 1 match, 0 not; a limit hit counts as
 * no match and is remembered for the trace. */
static int match(struct state *st, const pcre2_code *code, struct strv v)
{
	int rc = pcre2_match(code, (PCRE2_SPTR)v.p, v.len, 0, 0, st->md, st->p->mctx);

	if (rc == PCRE2_ERROR_JIT_STACKLIMIT) /* the interpreter has its own limits */
		rc = pcre2_match(code, (PCRE2_SPTR)v.p, v.len, 0, PCRE2_NO_JIT, st->md, st->p->mctx);
	st->rc = rc;
	if (rc >= 0)
		return 1;
	if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT || rc == PCRE2_ERROR_HEAPLIMIT ||
	    rc == PCRE2_ERROR_JIT_STACKLIMIT)
		st->limit = true;
	return 0;
}

/* Any of the test's patterns against one value. */
static bool match_any(struct state *st, const struct cond *c, struct strv v)
{
	for (size_t i = 0; i < c->n_pats; i++)
		if (match(st, c->pats[i], v))
			return true;
	return false;
}

static const char *domain_of(const char *addr)
{
	const char *at = strrchr(nz(addr), '@');

	return at ? at + 1 : "";
}

/* The single value of a one-valued field, as a string. */
static const char *field_str(const struct state *st, enum field f)
{
	switch (f) {
	case F_FROM: return nz(st->f->from);
	case F_FROM_DOMAIN: return domain_of(st->f->from);
	case F_TO: return nz(st->f->to);
	case F_SUBJECT: return nz(st->f->subject);
	case F_BODY: return nz(st->f->body);
	case F_TEAM: return st->team;
	case F_STATUS: return st->status;
	case F_ASSIGNEE: return st->assignee;
	case F_EVENT_NAME: return nz(st->f->event_name);
	case F_ADDED_TAG: return nz(st->f->added_tag);
	case F_ORDER: return st->order;
	case F_REASON: return nz(st->f->reason);
	case F_EVENT_TYPE: return nz(st->f->event_type);
	default: return "";
	}
}

/* The facts' own fields are measured once per run (a body is long);
 * team, status and assignee change with actions and are short. */
static struct strv field_value(struct state *st, enum field f)
{
	const char *v = field_str(st, f);

	if (f == F_TEAM || f == F_STATUS || f == F_ASSIGNEE || f == F_ORDER)
		return strv_from(v);
	if (st->lens[f] == SIZE_MAX)
		st->lens[f] = strlen(v);
	return (struct strv){ v, st->lens[f] };
}

/* Headers of that name (ASCII case ignored) or, when there is none, "". */
static bool any_header(struct state *st, const struct cond *c, const char *name)
{
	bool found = false;

	for (size_t i = 0; i < st->f->n_headers; i++) {
		if (strcasecmp(nz(st->f->headers[i].name), name) != 0)
			continue;
		found = true;
		if (match_any(st, c, strv_from(nz(st->f->headers[i].value))))
			return true;
	}
	return !found && match_any(st, c, STRV_LIT(""));
}

/* True when any value of the field matches (multi-valued fields hold
 * when one value does). */
static bool any_value(struct state *st, const struct cond *c)
{
	switch (c->field) {
	case F_HEADER:
		return any_header(st, c, c->header);
	case F_TAG:
		for (size_t i = 0; i < st->n_tags; i++)
			if (match_any(st, c, strv_from(st->tags ? st->tags[i] : nz(st->tags_ro[i]))))
				return true;
		return false;
	case F_ATT_NAME:
	case F_ATT_TYPE:
		for (size_t i = 0; i < st->f->n_attachments; i++) {
			const struct rules_attachment *a = &st->f->attachments[i];
			if (match_any(st, c, strv_from(nz(c->field == F_ATT_NAME ? a->name : a->type))))
				return true;
		}
		return false;
	default:
		return match_any(st, c, field_value(st, c->field));
	}
}

static bool compare(enum cmp_op op, long long a, long long b)
{
	switch (op) {
	case CMP_EQ: return a == b;
	case CMP_NE: return a != b;
	case CMP_LT: return a < b;
	case CMP_LE: return a <= b;
	case CMP_GT: return a > b;
	case CMP_GE: return a >= b;
	default: return false;
	}
}

static bool eval_cond(struct state *st, const struct cond *c)
{
	switch (c->kind) {
	case C_AND: return eval_cond(st, c->a) && eval_cond(st, c->b);
	case C_OR: return eval_cond(st, c->a) || eval_cond(st, c->b);
	case C_NOT: return !eval_cond(st, c->a);
	case C_TEXT: return c->op == OP_IS_NOT ? !any_value(st, c) : any_value(st, c);
	case C_HEADER_EXISTS:
		for (size_t i = 0; i < st->f->n_headers; i++)
			if (strcasecmp(nz(st->f->headers[i].name), c->header) == 0)
				return true;
		return false;
	case C_ATTACHMENT_EXISTS: return st->f->n_attachments > 0;
	case C_ASSIGNEE_NONE: return (st->assignee[0] == '\0' && !st->assigned_unknown) != c->negate;
	case C_PRIORITY:
		return c->cmp == CMP_IN ? (c->mask >> st->priority & 1) != 0 : compare(c->cmp, st->priority, c->number);
	case C_OPEN_TICKETS: return compare(c->cmp, st->f->customer_open_tickets, c->number);
	case C_BUSINESS_HOURS: return st->f->business_hours;
	case C_ORDER_EMPTY: return (st->order[0] == '\0') != c->negate;
	}
	return false;
}

/* The tag list becomes the run's own on its first change. */
static void tags_own(struct state *st)
{
	if (st->tags)
		return;
	st->tags = xcalloc(st->n_tags + 1, sizeof(*st->tags));
	for (size_t i = 0; i < st->n_tags; i++)
		st->tags[i] = nz(st->tags_ro[i]);
}

static void tags_change(struct state *st, const char *tag, bool add)
{
	size_t i;

	tags_own(st);
	for (i = 0; i < st->n_tags && strcasecmp(st->tags[i], tag) != 0; i++)
		;
	if (add && i == st->n_tags) {
		st->tags = xrealloc(st->tags, (st->n_tags + 1) * sizeof(*st->tags));
		st->tags[st->n_tags++] = tag;
	} else if (!add && i < st->n_tags) {
		memmove(&st->tags[i], &st->tags[i + 1], (st->n_tags - i - 1) * sizeof(*st->tags));
		st->n_tags--;
	}
}

/* set field "x" from FIELD matching RE: group 1, else the whole match;
 * NULL when it does not match. */
static char *capture(struct state *st, const struct act *a)
{
	struct strv v = a->src == F_HEADER ? STRV_LIT("") : field_value(st, a->src);
	PCRE2_SIZE *ov;

	for (size_t i = 0; a->src == F_HEADER && i < st->f->n_headers; i++)
		if (strcasecmp(nz(st->f->headers[i].name), a->src_header) == 0) {
			v = strv_from(nz(st->f->headers[i].value));
			break;
		}
	if (!match(st, a->re, v))
		return NULL;
	ov = pcre2_get_ovector_pointer(st->md);
	if (st->rc >= 2 && ov[2] != PCRE2_UNSET)
		return xstrndup(v.p + ov[2], ov[3] - ov[2]);
	return xstrndup(v.p + ov[0], ov[1] - ov[0]);
}

/* What an action changes in the facts later rules see. */
static void apply(struct state *st, const struct rules_action *a)
{
	switch (a->kind) {
	case RULES_ACT_MOVE_TEAM: st->team = a->text; break;
	case RULES_ACT_ASSIGN: st->assignee = a->text, st->assigned_unknown = false; break;
	case RULES_ACT_ASSIGN_STRATEGY: st->assignee = "", st->assigned_unknown = true; break;
	case RULES_ACT_UNASSIGN: st->assignee = "", st->assigned_unknown = false; break;
	case RULES_ACT_SET_ORDER: st->order = a->text; break;
	case RULES_ACT_CLEAR_ORDER: st->order = ""; break;
	case RULES_ACT_TAG_ADD: tags_change(st, a->text, true); break;
	case RULES_ACT_TAG_REMOVE: tags_change(st, a->text, false); break;
	case RULES_ACT_SET_PRIORITY: st->priority = a->priority; break;
	case RULES_ACT_SNOOZE_FOR:
	case RULES_ACT_SNOOZE_UNTIL: st->status = "snoozed"; break;
	case RULES_ACT_CLOSE: st->status = "closed"; break;
	default: break;
	}
}

/* Appends the rule's actions to the result and applies them. */
static void run_actions(struct state *st, const struct rule *ru)
{
	struct rules_result *r = st->r;

	for (size_t i = 0; i < ru->n_acts; i++) {
		const struct act *a = &ru->acts[i];
		char *value = NULL;
		if (a->a.kind == RULES_ACT_SET_FIELD) {
			value = a->re ? capture(st, a) : xstrdup(a->value);
			if (value == NULL)
				continue; /* no match: nothing to set */
		}
		if (r->n_actions == st->acts_cap) {
			st->acts_cap = st->acts_cap ? st->acts_cap * 2 : 8;
			r->actions = xrealloc(r->actions, st->acts_cap * sizeof(*r->actions));
		}
		r->actions[r->n_actions] = a->a;
		r->actions[r->n_actions++].value = value;
		apply(st, &a->a);
	}
}

int rules_eval(const struct rules_program *p, const struct rules_facts *f, struct rules_result *r)
{
	struct state st = {
		.p = p, .f = f, .tags_ro = f->tags, .n_tags = f->n_tags, .priority = f->priority,
		.status = nz(f->status), .team = nz(f->team), .assignee = nz(f->assignee), .order = nz(f->order), .r = r,
	};
	bool stopped = false;

	rules_stats_count_eval();
	if (st.priority < 0 || st.priority > 3)
		st.priority = st.priority < 0 ? 0 : 3;
	memset(st.lens, 0xff, sizeof(st.lens));
	memset(r, 0, sizeof(*r));
	if ((st.md = pcre2_match_data_create(p->ovec_pairs, NULL)) == NULL)
		return -1;
	r->trace = xcalloc(p->n_rules ? p->n_rules : 1, sizeof(*r->trace));
	r->n_trace = p->n_rules;
	for (size_t i = 0; i < p->n_rules; i++) {
		const struct rule *ru = &p->rules[i];
		struct rules_trace *t = &r->trace[i];
		t->rule = ru->name;
		t->line = ru->line;
		if (stopped) {
			t->outcome = RULES_NOT_REACHED;
		} else if (!(ru->events & 1u << f->event)) {
			t->outcome = RULES_NOT_THIS_EVENT;
		} else {
			st.limit = false;
			bool m = ru->cond == NULL || eval_cond(&st, ru->cond);
			t->outcome = st.limit ? RULES_LIMIT : m ? RULES_MATCHED : RULES_NO_MATCH;
			if (t->outcome == RULES_MATCHED) {
				run_actions(&st, ru);
				stopped = ru->stop;
			}
		}
	}
	pcre2_match_data_free(st.md);
	free(st.tags);
	r->stopped = stopped;
	return 0;
}

void rules_result_free(struct rules_result *r)
{
	for (size_t i = 0; i < r->n_actions; i++)
		free(r->actions[i].value);
	free(r->actions);
	free(r->trace);
	memset(r, 0, sizeof(*r));
}
