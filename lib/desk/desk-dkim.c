/* DKIM signatures on outbound mail at send time (contract in desk-dkim.h):
 * the signing domain and selectors from PostgreSQL, the keys from
 * dkim_key_dir (cached per thread), lib/dkim for the signatures. */
#include "config.h"
#include "desk/desk-dkim.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include "agent/agent.h"
#include "base/buf.h"
#include "base/log.h"
#include "base/xalloc.h"
#include "db/db-desk-dkim.h"
#include "desk/desk-private.h"
#include "dkim/dkim.h"

#define KEY_CACHE_MAX 32      /* keys one thread keeps loaded */
#define UNSIGNED_SEEN_MAX 1024 /* domains whose unsigned mail was logged */
#define SELECTORS_MAX 8       /* signatures on one message, at most */

/* A loaded key and the file it came from: reloaded when the file is
 * replaced, rewritten or has its mode changed (ctime moves then). */
struct key_cached {
	char *path;
	dev_t dev;
	ino_t ino;
	struct timespec mtime, ctime;
	struct dkim_key *key;
};
static __thread struct key_cached key_cache[KEY_CACHE_MAX];
static __thread unsigned key_cache_next;

/* Domains whose mail went out unsigned, each logged once per process. */
static pthread_mutex_t unsigned_lock = PTHREAD_MUTEX_INITIALIZER;
static char *unsigned_seen[UNSIGNED_SEEN_MAX];
static size_t n_unsigned_seen;

/* One selector to sign with: a row of the signing-domain query. */
struct selector_row {
	const char *domain, *selector, *algorithm, *key_file;
};

/* The file identity a cached key must still match. */
static bool key_cached_fresh(const struct key_cached *c, const char *path, const struct stat *st)
{
	return c->path != NULL && strcmp(c->path, path) == 0 && c->dev == st->st_dev && c->ino == st->st_ino &&
	       c->mtime.tv_sec == st->st_mtim.tv_sec && c->mtime.tv_nsec == st->st_mtim.tv_nsec &&
	       c->ctime.tv_sec == st->st_ctim.tv_sec && c->ctime.tv_nsec == st->st_ctim.tv_nsec;
}

/* Frees one cache slot. */
static void key_cached_clear(struct key_cached *c)
{
	free(c->path);
	dkim_key_free(&c->key);
	memset(c, 0, sizeof(*c));
}

/* The key in path, from this thread's cache when the file is unchanged
 * (owned by the cache). NULL with *error_r naming the file. */
static const struct dkim_key *key_get(const char *path, char **error_r)
{
	struct key_cached *c;
	struct stat st;
	struct dkim_key *key;

	if (stat(path, &st) < 0) {
		*error_r = xasprintf("cannot read DKIM key %s: %s", path, strerror(errno));
		return NULL;
	}
	for (size_t i = 0; i < KEY_CACHE_MAX; i++) {
		if (key_cached_fresh(&key_cache[i], path, &st))
			return key_cache[i].key;
	}
	if ((key = dkim_key_load_file(path, error_r)) == NULL)
		return NULL;
	c = &key_cache[key_cache_next++ % KEY_CACHE_MAX];
	key_cached_clear(c);
	*c = (struct key_cached){ xstrdup(path), st.st_dev, st.st_ino, st.st_mtim, st.st_ctim, key };
	return key;
}

/* The length of the header section (without the empty line); bare LF
 * line ends count too (a row put in by hand). */
static size_t header_len(const char *msg, size_t len)
{
	const char *crlf = memmem(msg, len, "\r\n\r\n", 4), *lf = memmem(msg, len, "\n\n", 2);

	if (crlf != NULL && (lf == NULL || crlf < lf))
		return (size_t)(crlf - msg) + 2;
	return lf != NULL ? (size_t)(lf - msg) + 1 : len;
}

/* Lower-cases s in place; false when a byte is not one of the allowed. */
static bool lower_only(char *s, const char *allowed)
{
	for (char *p = s; *p != '\0'; p++) {
		*p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || strchr(allowed, *p) != NULL))
			return false;
	}
	return true;
}

/* The domain of the first From field's address, lower-case (malloc'd);
 * NULL when there is none that looks like a domain name. *local_r gets
 * the address's local part, lower-case (malloc'd; "" when unusual). */
static char *from_address(const char *msg, size_t len, char **local_r)
{
	const char *at = NULL, *dend, *lstart;
	char *block = xstrndup(msg, header_len(msg, len)), *copy, *dom = NULL;
	struct mime_field *fields;
	size_t n;

	*local_r = NULL;
	copy = mime_fields_split(block, &fields, &n);
	for (size_t i = 0; i < n && at == NULL; i++) {
		struct strv name = strv_trim(strv_from(fields[i].name));
		const char *v = fields[i].value, *lt = strrchr(v, '<');

		if (!strv_eq_ci(name, "From"))
			continue;
		at = strrchr(lt != NULL ? lt : v, '@');
		if (at == NULL)
			break;
		for (lstart = lt != NULL ? lt + 1 : v; *lstart == ' ' || *lstart == '\t'; lstart++)
			;
		*local_r = xstrndup(lstart, (size_t)(at - lstart));
		for (dend = ++at; *dend != '\0' && *dend != '>' && *dend != ' ' && *dend != '\t'; dend++)
			;
		dom = xstrndup(at, (size_t)(dend - at));
	}
	if (dom != NULL && !lower_only(dom, "-.")) {
		free(dom);
		dom = NULL;
	}
	if (*local_r == NULL || !lower_only(*local_r, "!#$%&'*+/=?^_`{|}~.-")) {
		free(*local_r);
		*local_r = xstrdup("");
	}
	free(fields);
	free(copy);
	free(block);
	return dom;
}

/* Whether the bytes are what lib/mime composes: 7-bit with CRLF only. */
static bool seven_bit_crlf(const char *msg, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)msg[i];

		if (c >= 0x80 || c == '\0')
			return false;
		if (c == '\n' && (i == 0 || msg[i - 1] != '\r'))
			return false;
		if (c == '\r' && (i + 1 == len || msg[i + 1] != '\n'))
			return false;
	}
	return true;
}

/* Logs, once per domain and process, that its mail goes out unsigned. */
static void unsigned_log(const char *domain, const char *why)
{
	bool seen = false;

	pthread_mutex_lock(&unsigned_lock);
	for (size_t i = 0; i < n_unsigned_seen && !seen; i++)
		seen = strcmp(unsigned_seen[i], domain) == 0;
	if (!seen && n_unsigned_seen < UNSIGNED_SEEN_MAX)
		unsigned_seen[n_unsigned_seen++] = xstrdup(domain);
	pthread_mutex_unlock(&unsigned_lock);
	if (!seen)
		log_debug("event=dkim.unsigned from_domain=%s detail=\"%s\"", domain, why);
}

/* Whether the provider's key may sign a From address local@from_dom:
 * from_dom must be shared_domain itself (not a name under it) and local
 * ALIASLOCAL.TENANT for the outbound row's own tenant (its name, lower
 * case, after the last dot; no other tenant named so but for case), the
 * address db_desk_team_address() gives it. 1 yes, 0 no (*why_r static),
 * -1 error. */
static int shared_sender_ok(struct db *db, const char *local, const char *from_dom, const char *shared_domain,
			    int64_t tenant_id, const char **why_r, char **error_r)
{
	const char *dot = strrchr(local, '.');
	int ok;

	*why_r = "the shared domain signs only its own address ALIASLOCAL.TENANT@shared_domain";
	if (strcmp(from_dom, shared_domain) != 0 || dot == NULL || dot == local || dot[1] == '\0')
		return 0;
	if ((ok = db_desk_tenant_name_is(db, tenant_id, dot + 1, error_r)) < 0)
		return -1;
	*why_r = "its TENANT part is not the name of the tenant whose mail this is";
	return ok;
}

/* The rows of the most specific aligned domain into rows[] (pointing into
 * sel); returns how many (0: none may sign). */
static size_t selectors_pick(const struct db_desk_dkim_selector *sel, size_t n_sel, const char *from_dom,
			     struct selector_row *rows)
{
	const char *chosen = NULL;
	size_t n = 0;

	for (size_t i = 0; i < n_sel && n < SELECTORS_MAX; i++) {
		const char *d = sel[i].domain;

		if (chosen == NULL && dkim_aligned(from_dom, d))
			chosen = d;
		if (chosen != NULL && strcmp(chosen, d) == 0)
			rows[n++] = (struct selector_row){ d, sel[i].selector, sel[i].algorithm, sel[i].key_file };
	}
	return n;
}

/* One DKIM-Signature field for row appended to sigs; -1 with *error_r. */
static int sign_one(const char *key_dir, const struct selector_row *row, const char *msg, size_t len, struct buf *sigs,
		    char **error_r)
{
	const struct dkim_key *key;
	char *path, *field, *err = NULL;

	if (row->key_file[0] == '/' || strstr(row->key_file, "..") != NULL) {
		*error_r = xasprintf("DKIM key_file \"%s\" of %s selector %s is not a plain path inside dkim_key_dir",
				     row->key_file, row->domain, row->selector);
		return -1;
	}
	path = xasprintf("%s/%s", key_dir, row->key_file);
	key = key_get(path, &err);
	if (key != NULL && strcmp(dkim_alg_name(dkim_key_alg(key)), row->algorithm) != 0)
		err = xasprintf("DKIM key %s is %s, but selector %s of %s is %s", path,
				dkim_alg_name(dkim_key_alg(key)), row->selector, row->domain, row->algorithm);
	free(path);
	field = err == NULL ? dkim_sign(&(struct dkim_sign_params){ .domain = row->domain, .selector = row->selector,
								      .key = key, .timestamp = (long long)time(NULL) },
					msg, len, &err)
			    : NULL;
	if (field == NULL) {
		*error_r = err;
		return -1;
	}
	buf_append_str(sigs, field);
	free(field);
	return 0;
}

/* Signs with each row; fills out->data, domain and selectors. */
static int sign_all(const char *key_dir, const struct selector_row *rows, size_t n, const char *msg, size_t len,
		    struct desk_dkim_signed *out, char **error_r)
{
	struct buf sigs, names;

	buf_init(&sigs, 0);
	buf_init(&names, 0);
	for (size_t i = 0; i < n; i++) {
		if (sign_one(key_dir, &rows[i], msg, len, &sigs, error_r) < 0) {
			buf_free(&sigs);
			buf_free(&names);
			return -1;
		}
		buf_printf(&names, "%s%s", i > 0 ? " " : "", rows[i].selector);
	}
	buf_append(&sigs, msg, len);
	out->data = buf_steal(&sigs, &out->len);
	free(out->selectors);
	out->selectors = buf_steal(&names, NULL);
	free(out->domain);
	out->domain = xstrdup(rows[0].domain);
	return 0;
}

/* The shared domain's address space is the provider's: a From on it (or
 * under it) that is not the tenant's own shared address goes out unsigned,
 * with a warning. 1 go on, 0 leave unsigned, -1 error. */
static int shared_check(struct db *db, const char *local, const char *from_dom, const char *shared_domain,
			int64_t tenant_id, char **error_r)
{
	size_t fl = strlen(from_dom), sl = shared_domain != NULL ? strlen(shared_domain) : 0;
	const char *why;
	char q[600], *from;
	int ok;

	if (sl == 0 || fl < sl || strcmp(from_dom + fl - sl, shared_domain) != 0 ||
	    (fl > sl && from_dom[fl - sl - 1] != '.'))
		return 1;
	if ((ok = shared_sender_ok(db, local, from_dom, shared_domain, tenant_id, &why, error_r)) != 0)
		return ok;
	from = xasprintf("%s@%s", local, from_dom);
	log_warn("event=dkim.refused tenant=%" PRId64 " from=%s detail=\"not signed: %s\"", tenant_id,
		 log_quote(q, sizeof(q), from, strlen(from), 128), why);
	free(from);
	return 0;
}

int desk_dkim_sign(struct db *db, const char *key_dir, const char *shared_domain, int64_t tenant_id, const char *msg,
		   size_t len, struct desk_dkim_signed *out, char **error_r)
{
	struct selector_row rows[SELECTORS_MAX];
	struct db_desk_dkim_selector *sel = NULL;
	char *local, *dom = from_address(msg, len, &local);
	size_t n, n_sel = 0;
	int ret;

	*out = (struct desk_dkim_signed){ .domain = xstrdup(""), .selectors = xstrdup(""),
					  .from_domain = xstrdup(dom != NULL ? dom : ""),
					  .eight_bit = !seven_bit_crlf(msg, len) };
	free(dom);
	if (out->from_domain[0] == '\0') {
		free(local);
		unsigned_log("-", "the message has no From address with a domain");
		return 0;
	}
	ret = shared_check(db, local, out->from_domain, shared_domain, tenant_id, error_r);
	free(local);
	if (ret <= 0)
		return ret;
	if (db_desk_dkim_selectors(db, tenant_id, out->from_domain, shared_domain, &sel, &n_sel, error_r) < 0)
		return -1;
	n = selectors_pick(sel, n_sel, out->from_domain, rows);
	if (n == 0)
		unsigned_log(out->from_domain, "no verified sending domain with active DKIM selectors is aligned with it");
	ret = n == 0 ? 0 : sign_all(key_dir, rows, n, msg, len, out, error_r) < 0 ? -1 : 1;
	db_desk_dkim_selectors_free(&sel, n_sel);
	return ret;
}

void desk_dkim_signed_free(struct desk_dkim_signed *s)
{
	free(s->data);
	free(s->domain);
	free(s->selectors);
	free(s->from_domain);
	memset(s, 0, sizeof(*s));
}

int desk_dkim_startup_check(struct db *db, const char *key_dir, char **error_r)
{
	bool any;

	if (db_desk_sending_domains_any(db, &any, error_r) < 0)
		return -1;
	if (!any)
		return 0;
	return dkim_key_dir_check(key_dir, error_r);
}
