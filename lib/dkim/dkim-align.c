/* DMARC relaxed alignment (RFC 7489 3.1.1): organisational domains from
 * the Public Suffix List, loaded once per process. */
#include "config.h"
#include "dkim/dkim.h"
#include "base/xalloc.h"

#include <ctype.h>
#include <libpsl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static pthread_once_t psl_once = PTHREAD_ONCE_INIT;
static const psl_ctx_t *psl_ctx; /* read-only after psl_init(), never freed */

/* Debian's list first (updated with the package), then whatever libpsl
 * finds newest, then its built-in copy. */
static void psl_init(void)
{
	psl_ctx = psl_load_file(MD_PSL_FILE);
	if (psl_ctx == NULL)
		psl_ctx = psl_latest(NULL);
	if (psl_ctx == NULL)
		psl_ctx = psl_builtin();
}

/* Lower-case copy without a final dot, or NULL for a name that cannot be
 * a host name (empty, empty labels, spaces or controls). */
static char *normalise(const char *name)
{
	size_t n = name != NULL ? strlen(name) : 0;
	char *s;

	if (n > 0 && name[n - 1] == '.')
		n--;
	if (n == 0 || n > 253 || name[0] == '.')
		return NULL;
	s = xstrndup(name, n);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c <= ' ' || c == 0x7f || (c == '.' && s[i + 1] == '.')) {
			free(s);
			return NULL;
		}
		s[i] = (char)tolower(c);
	}
	return s;
}

char *dkim_org_domain(const char *name)
{
	char *s = normalise(name);
	const char *reg;
	char *org = NULL;

	if (s == NULL)
		return NULL;
	pthread_once(&psl_once, psl_init);
	reg = psl_ctx != NULL ? psl_registrable_domain(psl_ctx, s) : NULL;
	if (reg != NULL)
		org = xstrdup(reg);
	free(s);
	return org;
}

/* Identical names are aligned even when the list knows no organisational
 * domain for them (strict alignment implies relaxed). */
bool dkim_aligned(const char *from_domain, const char *d_domain)
{
	char *a = normalise(from_domain), *b = normalise(d_domain);
	char *oa, *ob;
	bool same;

	if (a == NULL || b == NULL) {
		free(a);
		free(b);
		return false;
	}
	same = strcmp(a, b) == 0;
	free(a);
	free(b);
	if (same)
		return true;
	oa = dkim_org_domain(from_domain);
	ob = dkim_org_domain(d_domain);
	same = oa != NULL && ob != NULL && strcmp(oa, ob) == 0;
	free(oa);
	free(ob);
	return same;
}
