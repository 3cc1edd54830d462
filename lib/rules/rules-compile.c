/* A compiled program's life: compile, list, free; and the names of
 * events, priorities and durations the language and its callers share. */
#include "config.h"
#include "rules-private.h"

#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

#define DEFAULT_MATCH_LIMIT 100000
#define DEFAULT_DEPTH_LIMIT 10000

/* Everything a program owns, freed at once: no per-node destructors. */
struct arena {
	void **ptrs;
	size_t n, cap;
	pcre2_code **codes;
	size_t n_codes, cap_codes;
};

void *arena_alloc(struct arena *a, size_t n)
{
	void *p = xcalloc(1, n ? n : 1);

	if (a->n == a->cap) {
		a->cap = a->cap ? a->cap * 2 : 64;
		a->ptrs = xrealloc(a->ptrs, a->cap * sizeof(*a->ptrs));
	}
	a->ptrs[a->n++] = p;
	return p;
}

char *arena_strdup(struct arena *a, const char *s, size_t n)
{
	char *d = arena_alloc(a, n + 1);

	memcpy(d, s, n);
	return d;
}

void arena_add_code(struct arena *a, pcre2_code *code)
{
	if (a->n_codes == a->cap_codes) {
		a->cap_codes = a->cap_codes ? a->cap_codes * 2 : 64;
		a->codes = xrealloc(a->codes, a->cap_codes * sizeof(*a->codes));
	}
	a->codes[a->n_codes++] = code;
}

/* Frees the arena's allocations and patterns, then the arena. */
static void arena_free(struct arena *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->ptrs[i]);
	for (size_t i = 0; i < a->n_codes; i++)
		pcre2_code_free(a->codes[i]);
	free(a->ptrs);
	free(a->codes);
	free(a);
}

/* One match context per program, read-only while evaluating, carries the
 * limits every match of the program runs under. */
static pcre2_match_context *match_context(const struct rules_limits *limits)
{
	pcre2_match_context *m = pcre2_match_context_create(NULL);
	uint32_t match = limits && limits->match_limit ? limits->match_limit : DEFAULT_MATCH_LIMIT;
	uint32_t depth = limits && limits->depth_limit ? limits->depth_limit : DEFAULT_DEPTH_LIMIT;

	if (m == NULL)
		abort();
	pcre2_set_match_limit(m, match);
	pcre2_set_depth_limit(m, depth);
	return m;
}

struct rules_program *rules_compile(const char *text, size_t len, const struct rules_limits *limits,
				    struct rules_error *err)
{
	struct rules_program *p = xcalloc(1, sizeof(*p));

	memset(err, 0, sizeof(*err));
	p->arena = xcalloc(1, sizeof(*p->arena));
	p->mctx = match_context(limits);
	p->ovec_pairs = 2;
	if (rules_parse(p, text, len, err) < 0)
		rules_program_free(&p);
	return p;
}

void rules_program_free(struct rules_program **pp)
{
	struct rules_program *p = *pp;

	if (p == NULL)
		return;
	*pp = NULL;
	arena_free(p->arena);
	pcre2_match_context_free(p->mctx);
	free(p->rules);
	free(p->refs);
	free(p);
}

size_t rules_count(const struct rules_program *p)
{
	return p->n_rules;
}

const char *rules_name(const struct rules_program *p, size_t i)
{
	return p->rules[i].name;
}

unsigned rules_line(const struct rules_program *p, size_t i)
{
	return p->rules[i].line;
}

unsigned rules_events(const struct rules_program *p, size_t i)
{
	return p->rules[i].events;
}

const struct rules_ref *rules_refs(const struct rules_program *p, size_t *n_r)
{
	*n_r = p->n_refs;
	return p->refs;
}

static const char *const event_names[RULES_EV_COUNT] = {
	"ticket.created", "message.received", "agent.replied", "ticket.woke",
	"sla.breached", "tag.added", "external.event", "ticket.solved",
};

const char *rules_event_name(enum rules_event ev)
{
	return (unsigned)ev < RULES_EV_COUNT ? event_names[ev] : "unknown";
}

int rules_event_parse(const char *name)
{
	for (int i = 0; i < RULES_EV_COUNT; i++)
		if (strcmp(name, event_names[i]) == 0)
			return i;
	return -1;
}

/* For "did you mean" after an unknown event. */
const char *const *rules_event_names(void)
{
	return event_names;
}

static const char *const priority_names[] = { "low", "medium", "high", "urgent" };

const char *rules_priority_name(int priority)
{
	return priority >= 0 && priority <= 3 ? priority_names[priority] : "unknown";
}

int rules_priority_parse(const char *s)
{
	for (int i = 0; i < 4; i++)
		if (strcmp(s, priority_names[i]) == 0)
			return i;
	if (s[0] >= '0' && s[0] <= '3' && s[1] == '\0')
		return s[0] - '0';
	return -1;
}

long long rules_duration_parse(const char *s)
{
	long long total = 0;

	if (*s == '\0')
		return -1;
	while (*s) {
		long long n = 0, unit;
		if (*s < '0' || *s > '9')
			return -1;
		while (*s >= '0' && *s <= '9') {
			n = n * 10 + (*s++ - '0');
			if (n > 366LL * 86400)
				return -1;
		}
		switch (*s++) {
		case 's': unit = 1; break;
		case 'm': unit = 60; break;
		case 'h': unit = 3600; break;
		case 'd': unit = 86400; break;
		case 'w': unit = 7 * 86400; break;
		default: return -1;
		}
		total += n * unit;
		if (total > 366LL * 86400)
			return -1;
	}
	return total > 0 ? total : -1;
}
