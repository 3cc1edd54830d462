/* Compiled rule programs per thread: a delivery must not query or compile
 * anything when the rules did not change. Entries are keyed by (tenant,
 * scope) where scope 0 is the tenant-wide set; an entry remembers the
 * rule_sets row it came from (version and load time) or that there is
 * none. A global generation, bumped by desk_rules_changed(), tells every
 * cache to re-check its entries once before trusting them again. */
#include "config.h"
#include "desk/desk-rules-private.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/log.h"
#include "base/xalloc.h"
#include "db/db-desk-rules.h"

struct cache_entry {
	int64_t tenant_id, scope; /* scope: team id, 0 for the tenant-wide set */
	unsigned long checked;    /* the generation it was last checked at */
	char *stamp;              /* "version/loaded_at" of its row, NULL: no row */
	struct rules_program *prog; /* NULL: no row, or it does not compile */
	bool used;
};

struct desk_rules_cache {
	struct rules_limits limits;
	struct cache_entry *slots; /* open addressing, linear probing */
	size_t cap, n;
};

static atomic_ulong rules_generation = 1;

void desk_rules_changed(void)
{
	atomic_fetch_add(&rules_generation, 1);
}

struct desk_rules_cache *desk_rules_cache_new(uint32_t match_limit)
{
	struct desk_rules_cache *c = xcalloc(1, sizeof(*c));

	c->limits.match_limit = match_limit;
	c->cap = 16;
	c->slots = xcalloc(c->cap, sizeof(*c->slots));
	return c;
}

void desk_rules_cache_free(struct desk_rules_cache **c)
{
	if (*c == NULL)
		return;
	for (size_t i = 0; i < (*c)->cap; i++) {
		free((*c)->slots[i].stamp);
		rules_program_free(&(*c)->slots[i].prog);
	}
	free((*c)->slots);
	free(*c);
	*c = NULL;
}

/* The slot of (tenant, scope), or the empty slot where it belongs. */
static struct cache_entry *slot_find(struct cache_entry *slots, size_t cap, int64_t tenant_id, int64_t scope)
{
	uint64_t h = ((uint64_t)tenant_id * 0x9e3779b97f4a7c15ULL) ^ ((uint64_t)scope * 0xc2b2ae3d27d4eb4fULL);
	size_t i = (size_t)(h ^ (h >> 29)) & (cap - 1);

	while (slots[i].used && (slots[i].tenant_id != tenant_id || slots[i].scope != scope))
		i = (i + 1) & (cap - 1);
	return &slots[i];
}

/* Doubles the table when it is half full, so probes stay short. */
static void cache_grow(struct desk_rules_cache *c)
{
	size_t old_cap = c->cap;
	struct cache_entry *old = c->slots;

	if (2 * (c->n + 1) <= c->cap)
		return;
	c->cap *= 2;
	c->slots = xcalloc(c->cap, sizeof(*c->slots));
	for (size_t i = 0; i < old_cap; i++)
		if (old[i].used)
			*slot_find(c->slots, c->cap, old[i].tenant_id, old[i].scope) = old[i];
	free(old);
}

/* The entry of (tenant, scope), made (never checked) when new. */
static struct cache_entry *cache_entry_get(struct desk_rules_cache *c, int64_t tenant_id, int64_t scope)
{
	struct cache_entry *e;

	cache_grow(c);
	e = slot_find(c->slots, c->cap, tenant_id, scope);
	if (!e->used) {
		*e = (struct cache_entry){ .tenant_id = tenant_id, .scope = scope, .used = true };
		c->n++;
	}
	return e;
}

/* Compiles a stored program into e; a program that does not compile
 * (rule load validates, so only a hand-edited row) is logged and left
 * out: the delivery goes on without it. */
static void entry_compile(const struct desk_rules_cache *c, struct cache_entry *e, const char *source)
{
	struct rules_error err;

	rules_program_free(&e->prog);
	e->prog = rules_compile(source, strlen(source), &c->limits, &err);
	if (e->prog == NULL) {
		char why[600];
		log_warn("event=rules.compile_failed tenant=%" PRId64 " team=%" PRId64 " line=%u column=%u error=%s",
			 e->tenant_id, e->scope, err.line, err.column,
			 log_quote(why, sizeof(why), err.message, strlen(err.message), 200));
	}
}

/* Re-reads e's row: the source only when the row is not the one e holds. */
static int entry_check(struct db *db, const struct desk_rules_cache *c, struct cache_entry *e, char **error_r)
{
	char *stamp = NULL, *source = NULL;
	int found = db_desk_rule_set_read(db, e->tenant_id, e->scope, e->stamp, &stamp, &source, error_r);

	if (found < 0)
		return -1;
	if (found == 0) {
		free(e->stamp);
		e->stamp = NULL;
		rules_program_free(&e->prog);
	} else if (source != NULL) {
		free(e->stamp);
		e->stamp = stamp;
		stamp = NULL;
		entry_compile(c, e, source);
	}
	free(stamp);
	free(source);
	return 0;
}

/* Re-reads whether the tenant has any rule set (the entry of scope -1:
 * stamp "any" when it has). */
static int entry_check_any(struct db *db, struct cache_entry *e, char **error_r)
{
	bool any;

	if (db_desk_rule_sets_any(db, e->tenant_id, &any, error_r) < 0)
		return -1;
	free(e->stamp);
	e->stamp = any ? xstrdup("any") : NULL;
	return 0;
}

int desk_rules_cache_any(struct db *db, struct desk_rules_cache *c, int64_t tenant_id, bool *any_r, char **error_r)
{
	struct cache_entry *e = cache_entry_get(c, tenant_id, -1);
	unsigned long gen = atomic_load(&rules_generation);

	if (e->checked != gen) {
		if (entry_check_any(db, e, error_r) < 0)
			return -1;
		e->checked = gen;
	}
	*any_r = e->stamp != NULL;
	return 0;
}

int desk_rules_cache_program(struct db *db, struct desk_rules_cache *c, int64_t tenant_id, int64_t scope,
			     const struct rules_program **prog_r, char **error_r)
{
	struct cache_entry *e = cache_entry_get(c, tenant_id, scope);
	/* Read before the query: a change committed meanwhile is seen next time. */
	unsigned long gen = atomic_load(&rules_generation);

	if (e->checked != gen) {
		if (entry_check(db, c, e, error_r) < 0)
			return -1;
		e->checked = gen;
	}
	*prog_r = e->prog;
	return 0;
}

static pthread_key_t thread_cache_key;
static pthread_once_t thread_cache_once = PTHREAD_ONCE_INIT;

/* Frees a thread's cache when the thread ends. */
static void thread_cache_destroy(void *p)
{
	struct desk_rules_cache *c = p;

	desk_rules_cache_free(&c);
}

static void thread_cache_key_make(void)
{
	if (pthread_key_create(&thread_cache_key, thread_cache_destroy) != 0)
		abort(); /* only fails without memory or keys: nothing to go on with */
}

struct desk_rules_cache *desk_rules_thread_cache(uint32_t match_limit)
{
	struct desk_rules_cache *c;

	pthread_once(&thread_cache_once, thread_cache_key_make);
	if ((c = pthread_getspecific(thread_cache_key)) == NULL) {
		c = desk_rules_cache_new(match_limit);
		if (pthread_setspecific(thread_cache_key, c) != 0)
			abort();
	}
	return c;
}
