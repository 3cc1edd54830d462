/* Compile-time checks: patterns compiled once (with their errors placed
 * on the offending character), the shapes of tags, addresses, field names
 * and times, and "did you mean" for misspelt words. */
#include "config.h"
#include "rules-private.h"

#include <stdio.h>
#include <string.h>

#include "base/xalloc.h"

#define LITERAL_OPTS (PCRE2_LITERAL | PCRE2_CASELESS | PCRE2_UTF | PCRE2_MATCH_INVALID_UTF)
#define REGEX_OPTS (PCRE2_UTF | PCRE2_UCP | PCRE2_MATCH_INVALID_UTF)

/* Compiles and JIT-compiles one pattern; the program owns it. A JIT
 * failure is no error: pcre2_match then interprets. */
static pcre2_code *compile(struct parser *ps, const char *pat, uint32_t opts, int *errcode_r, PCRE2_SIZE *off_r)
{
	pcre2_code *code = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED, opts, errcode_r, off_r, NULL);
	uint32_t captures = 0;

	if (code == NULL)
		return NULL;
	arena_add_code(ps->p->arena, code);
	(void)pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
	pcre2_pattern_info(code, PCRE2_INFO_CAPTURECOUNT, &captures);
	if (captures + 1 > ps->p->ovec_pairs)
		ps->p->ovec_pairs = captures + 1;
	return code;
}

/* is / is not / in match the whole value, starts with its beginning,
 * ends with its end, contains anywhere; all ignore case (Unicode simple
 * case folding, PCRE2's). */
int check_text_patterns(struct parser *ps, struct cond *c, const struct token *const *vals, size_t n)
{
	uint32_t opts = LITERAL_OPTS;

	if (c->op == OP_IS || c->op == OP_IS_NOT || c->op == OP_IN)
		opts |= PCRE2_ANCHORED | PCRE2_ENDANCHORED;
	else if (c->op == OP_STARTS)
		opts |= PCRE2_ANCHORED;
	else if (c->op == OP_ENDS)
		opts |= PCRE2_ENDANCHORED;
	c->pats = arena_alloc(ps->p->arena, n * sizeof(*c->pats));
	c->n_pats = n;
	for (size_t i = 0; i < n; i++) {
		int errcode;
		PCRE2_SIZE off;
		if ((c->pats[i] = compile(ps, vals[i]->str, opts, &errcode, &off)) == NULL)
			return parse_fail(ps, vals[i], "cannot compile the string (PCRE2 error %d)", errcode);
	}
	return 0;
}

pcre2_code *check_regex(struct parser *ps, const struct token *t)
{
	int errcode;
	PCRE2_SIZE off;
	pcre2_code *code = compile(ps, t->str, REGEX_OPTS, &errcode, &off);
	PCRE2_UCHAR msg[200];
	struct token at = *t;

	if (code != NULL)
		return code;
	pcre2_get_error_message(errcode, msg, sizeof(msg));
	at.column = lex_string_column(t, off);
	parse_fail(ps, &at, "bad regular expression: %s (at offset %zu)", (const char *)msg, (size_t)off);
	return NULL;
}

bool check_tag(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n > 64 || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= '0' && s[0] <= '9')))
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_.-") == n;
}

bool check_address(const char *s)
{
	const char *at = strrchr(s, '@');

	return at && at != s && at[1] != '\0' && strcspn(s, " \t\"<>,;") == strlen(s) && strchr(s, '@') == at;
}

bool check_field_name(const char *s)
{
	size_t n = strlen(s);

	return n >= 1 && n <= 64 &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == n;
}

bool check_datetime(const char *s)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y, mo, d, h, mi, n = 0;

	if (strlen(s) != 16 || sscanf(s, "%4d-%2d-%2d %2d:%2d%n", &y, &mo, &d, &h, &mi, &n) != 5 || n != 16)
		return false;
	if (s[4] != '-' || s[7] != '-' || s[10] != ' ' || s[13] != ':' || y < 1970 || mo < 1 || mo > 12 || d < 1 ||
	    h > 23 || mi > 59 || h < 0 || mi < 0)
		return false;
	if (mo == 2 && d == 29)
		return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return d <= mdays[mo - 1];
}

/* Levenshtein distance of short words, capped at 9. */
static unsigned distance(const char *a, size_t na, const char *b)
{
	size_t nb = strlen(b);
	unsigned row[64], prev;

	if (na >= 63 || nb >= 63)
		return 9;
	for (size_t j = 0; j <= nb; j++)
		row[j] = (unsigned)j;
	for (size_t i = 1; i <= na; i++) {
		prev = row[0];
		row[0] = (unsigned)i;
		for (size_t j = 1; j <= nb; j++) {
			unsigned cur = row[j], best = prev + (a[i - 1] != b[j - 1]);
			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			prev = cur;
		}
	}
	return row[nb];
}

const char *rules_suggest(const char *word, size_t len, const char *const *names, size_t n)
{
	const char *best = NULL;
	unsigned best_d = 3;

	for (size_t i = 0; i < n; i++) {
		unsigned d = distance(word, len, names[i]);
		if (d < best_d && d * 3 <= strlen(names[i])) {
			best = names[i];
			best_d = d;
		}
	}
	return best;
}
