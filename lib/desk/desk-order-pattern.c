/* A tenant's order patterns: checked when they are set, compiled once per
 * thread and version, and matched with bounded work on a stranger's text
 * (contracts in desk.h and desk-private.h). */
#include "config.h"
#include "desk/desk-private.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <inttypes.h>
#include <pcre2.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/orderref.h"
#include "base/xalloc.h"
#include "db/db-order.h"

/* How the patterns are compiled: UTF-8, and text that is not valid UTF-8
 * never makes a match fail with an error. */
#define PATTERN_OPTIONS (PCRE2_UTF | PCRE2_MATCH_INVALID_UTF)
/* The default backtracking budget of one match (rule_match_limit 0). */
#define MATCH_LIMIT_DEFAULT 100000u
#define DEPTH_LIMIT 10000u

/* Contract in desk.h. */
char *desk_order_pattern_check(const char *pattern)
{
	int code;
	PCRE2_SIZE offset;
	PCRE2_UCHAR msg[256];
	pcre2_code *re;

	if (strlen(pattern) > DESK_ORDER_PATTERN_MAX)
		return xasprintf("order pattern \"%.40s...\" is longer than %d bytes", pattern, DESK_ORDER_PATTERN_MAX);
	re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, PATTERN_OPTIONS, &code, &offset, NULL);
	if (re != NULL) {
		pcre2_code_free(re);
		return NULL;
	}
	pcre2_get_error_message(code, msg, sizeof(msg));
	return xasprintf("order pattern \"%s\" does not compile at offset %zu: %s", pattern, (size_t)offset,
			 (const char *)msg);
}

/* One tenant's compiled patterns at one version. */
struct order_entry {
	int64_t tenant_id, version;
	pcre2_code **codes; /* NULL where a pattern did not compile */
	size_t n;
};

struct order_cache {
	struct order_entry *entries;
	size_t n;
};

/* Frees one entry's compiled patterns. */
static void entry_clear(struct order_entry *e)
{
	for (size_t i = 0; i < e->n; i++)
		pcre2_code_free(e->codes[i]);
	free(e->codes);
	e->codes = NULL;
	e->n = 0;
}

static pthread_key_t cache_key;
static pthread_once_t cache_once = PTHREAD_ONCE_INIT;

/* Frees a thread's cache when the thread ends. */
static void cache_destroy(void *p)
{
	struct order_cache *c = p;

	for (size_t i = 0; i < c->n; i++)
		entry_clear(&c->entries[i]);
	free(c->entries);
	free(c);
}

/* Once per process: the key that gives each thread its own cache. */
static void cache_key_make(void)
{
	if (pthread_key_create(&cache_key, cache_destroy) != 0)
		abort(); /* only without memory or keys: nothing to go on with */
}

/* The calling thread's entry of the tenant (made empty when new). */
static struct order_entry *entry_get(int64_t tenant_id)
{
	struct order_cache *c;

	pthread_once(&cache_once, cache_key_make);
	if ((c = pthread_getspecific(cache_key)) == NULL) {
		c = xcalloc(1, sizeof(*c));
		if (pthread_setspecific(cache_key, c) != 0)
			abort();
	}
	for (size_t i = 0; i < c->n; i++)
		if (c->entries[i].tenant_id == tenant_id)
			return &c->entries[i];
	c->entries = xrealloc(c->entries, (c->n + 1) * sizeof(*c->entries));
	c->entries[c->n] = (struct order_entry){ .tenant_id = tenant_id };
	return &c->entries[c->n++];
}

/* Compiles the stored patterns into e; one that does not compile (only a
 * hand-edited row: maildeskctl checks them) is logged and skipped. */
static void entry_compile(struct order_entry *e, char **patterns, size_t n, int64_t version)
{
	entry_clear(e);
	e->codes = xcalloc(n > 0 ? n : 1, sizeof(*e->codes));
	e->n = n;
	e->version = version;
	for (size_t i = 0; i < n; i++) {
		int code;
		PCRE2_SIZE offset;

		e->codes[i] = pcre2_compile((PCRE2_SPTR)patterns[i], PCRE2_ZERO_TERMINATED, PATTERN_OPTIONS, &code,
					    &offset, NULL);
		if (e->codes[i] == NULL)
			log_warn("event=order.pattern_failed tenant=%" PRId64 " index=%zu offset=%zu", e->tenant_id, i,
				 (size_t)offset);
	}
}

/* The tenant's compiled patterns at version: re-read and recompiled only
 * when the version the delivery read differs from the one held. */
static int patterns_get(struct db *db, int64_t tenant_id, int64_t version, struct order_entry **e_r,
			char **error_r)
{
	struct order_entry *e = entry_get(tenant_id);
	char **patterns = NULL;
	size_t n = 0;
	int64_t stored;

	*e_r = e;
	if (e->version == version && e->codes != NULL)
		return 0;
	if (db_order_patterns_get(db, tenant_id, &patterns, &n, &stored, error_r) < 0)
		return -1;
	entry_compile(e, patterns, n, stored);
	db_order_patterns_free(&patterns, n);
	return 0;
}

/* The order one pattern finds in text: its first capture group when that
 * took part, else the whole match. Returns 1 with *order_r (malloc'd), 0
 * none (no match, the work budget ran out, or no valid reference). */
static int match_one(const pcre2_code *re, pcre2_match_context *mc, const char *text, size_t len,
		     char **order_r)
{
	pcre2_match_data *md = pcre2_match_data_create_from_pattern(re, NULL);
	int rc = pcre2_match(re, (PCRE2_SPTR)text, len, 0, 0, md, mc);
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
	size_t start = 0, end = 0;

	if (rc > 0) {
		bool group = rc > 1 && ov[2] != PCRE2_UNSET;
		start = ov[group ? 2 : 0];
		end = ov[group ? 3 : 1];
	} else if (rc != PCRE2_ERROR_NOMATCH) {
		log_info("event=order.match_stopped rc=%d", rc);
	}
	pcre2_match_data_free(md);
	if (rc <= 0 || end <= start || orderref_check(text + start, end - start) != NULL)
		return 0;
	*order_r = xstrndup(text + start, end - start);
	return 1;
}

/* The first order any pattern finds in text (at most max bytes of it). */
static int match_text(const struct order_entry *e, pcre2_match_context *mc, const char *text, size_t max,
		      char **order_r)
{
	size_t len = text != NULL ? strnlen(text, max) : 0;

	for (size_t i = 0; i < e->n; i++)
		if (e->codes[i] != NULL && match_one(e->codes[i], mc, text != NULL ? text : "", len, order_r))
			return 1;
	return 0;
}

/* Contract in desk-private.h. */
int desk_order_find(struct db *db, const struct desk_settings *s, int64_t tenant_id, int64_t version,
		    const char *subject, const char *body, char **order_r, char **error_r)
{
	struct order_entry *e;
	pcre2_match_context *mc;
	int found;

	*order_r = NULL;
	if (patterns_get(db, tenant_id, version, &e, error_r) < 0)
		return -1;
	mc = pcre2_match_context_create(NULL);
	pcre2_set_match_limit(mc, s->rule_match_limit != 0 ? s->rule_match_limit : MATCH_LIMIT_DEFAULT);
	pcre2_set_depth_limit(mc, DEPTH_LIMIT);
	found = match_text(e, mc, subject, DESK_ORDER_SUBJECT_MAX, order_r) ||
		match_text(e, mc, body, DESK_ORDER_BODY_MAX, order_r);
	pcre2_match_context_free(mc);
	return found;
}
