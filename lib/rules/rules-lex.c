/* The lexer of maildesk-rules(5): words, strings, numbers, durations and
 * a few symbols, with 1-based line and character columns. */
#include "config.h"
#include "rules-private.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/xalloc.h"

/* Errors keep only the first message; callers check before calling. */
void rules_error_set(struct rules_error *err, unsigned line, unsigned column, const char *fmt, ...)
{
	va_list ap;

	err->line = line;
	err->column = column;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
}

/* Columns count characters: continuation bytes do not move the column. */
static void advance(struct lexer *lx)
{
	unsigned char c = (unsigned char)*lx->p++;

	if (c == '\n') {
		lx->line++;
		lx->column = 1;
	} else if ((c & 0xC0) != 0x80) {
		lx->column++;
	}
}

/* The offset of the first byte that is not valid UTF-8 (PCRE2's own
 * check, with no pattern to speak of) or a NUL; len when there is none. */
static size_t bad_utf8_offset(const char *text, size_t len)
{
	int errcode, rc;
	PCRE2_SIZE erroff;
	pcre2_code *code = pcre2_compile((PCRE2_SPTR) "", 0, PCRE2_UTF, &errcode, &erroff, NULL);
	pcre2_match_data *md = code ? pcre2_match_data_create(1, NULL) : NULL;
	const char *nul = memchr(text, '\0', len);
	size_t bad = nul ? (size_t)(nul - text) : len;

	if (md == NULL)
		abort();
	rc = pcre2_match(code, (PCRE2_SPTR)text, len, 0, 0, md, NULL);
	if (rc <= PCRE2_ERROR_UTF8_ERR1 && rc >= PCRE2_ERROR_UTF8_ERR21 &&
	    pcre2_get_startchar(md) < bad)
		bad = pcre2_get_startchar(md);
	pcre2_match_data_free(md);
	pcre2_code_free(code);
	return bad;
}

/* The language is UTF-8 text: a bad byte is reported where it is, before
 * any token, so that columns are always well defined. */
static int validate_utf8(struct lexer *lx, size_t len)
{
	size_t bad = bad_utf8_offset(lx->p, len);
	const char *at = lx->p + bad;

	if (bad == len)
		return 0;
	while (lx->p < at)
		advance(lx);
	rules_error_set(lx->err, lx->line, lx->column, *at == 0 ? "NUL byte in the program" : "invalid UTF-8");
	return -1;
}

void lex_init(struct lexer *lx, const char *text, size_t len, struct arena *a, struct rules_error *err)
{
	memset(lx, 0, sizeof(*lx));
	lx->p = text;
	lx->end = text + len;
	lx->line = 1;
	lx->column = 1;
	lx->arena = a;
	lx->err = err;
	if (validate_utf8(lx, len) < 0) {
		lx->tok.kind = TOK_ERROR;
		return;
	}
	lex_next(lx);
}

/* Spaces, tabs, line ends and # comments separate tokens. */
static void skip_blanks(struct lexer *lx)
{
	while (lx->p < lx->end) {
		if (*lx->p == '#') {
			while (lx->p < lx->end && *lx->p != '\n')
				advance(lx);
		} else if (*lx->p == ' ' || *lx->p == '\t' || *lx->p == '\r' || *lx->p == '\n') {
			advance(lx);
		} else {
			break;
		}
	}
}

static bool is_word_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_word_char(char c)
{
	return is_word_start(c) || (c >= '0' && c <= '9') || c == '.' || c == '-';
}

/* "..." with \" and \\; any other backslash stays as it is, so regular
 * expressions read as written ("\d+"). */
static void lex_string(struct lexer *lx, struct token *t)
{
	struct buf b;

	buf_init(&b, 0);
	advance(lx);
	for (;;) {
		if (lx->p >= lx->end || *lx->p == '\n') {
			rules_error_set(lx->err, t->line, t->column, "unterminated string");
			t->kind = TOK_ERROR;
			buf_free(&b);
			return;
		}
		if (*lx->p == '"')
			break;
		if (*lx->p == '\\' && lx->p + 1 < lx->end && (lx->p[1] == '"' || lx->p[1] == '\\'))
			advance(lx);
		buf_append(&b, lx->p, 1);
		advance(lx);
	}
	advance(lx);
	t->kind = TOK_STRING;
	t->str = arena_strdup(lx->arena, b.data ? b.data : "", b.len);
	buf_free(&b);
}

/* Digits alone are a number; digits followed by letters a duration. */
static void lex_number(struct lexer *lx, struct token *t)
{
	bool digits_only = true;

	t->num = 0;
	while (lx->p < lx->end && ((*lx->p >= '0' && *lx->p <= '9') || is_word_start(*lx->p))) {
		if (*lx->p >= '0' && *lx->p <= '9') {
			if (digits_only && t->num < 1000000000000ULL)
				t->num = t->num * 10 + (unsigned)(*lx->p - '0');
		} else {
			digits_only = false;
		}
		advance(lx);
	}
	t->kind = digits_only ? TOK_NUMBER : TOK_DURATION;
}

/* One- and two-character symbols: ( ) , < <= > >= = */
static void lex_symbol(struct lexer *lx, struct token *t)
{
	char c = *lx->p;
	bool eq_next = lx->p + 1 < lx->end && lx->p[1] == '=';

	switch (c) {
	case '(': t->kind = TOK_LPAREN; break;
	case ')': t->kind = TOK_RPAREN; break;
	case ',': t->kind = TOK_COMMA; break;
	case '=': t->kind = TOK_EQ; break;
	case '<': t->kind = eq_next ? TOK_LE : TOK_LT; break;
	case '>': t->kind = eq_next ? TOK_GE : TOK_GT; break;
	default: {
		size_t n = 1;
		while (lx->p + n < lx->end && (lx->p[n] & 0xC0) == 0x80)
			n++;
		rules_error_set(lx->err, t->line, t->column, "unexpected character '%.*s'", (int)n, lx->p);
		t->kind = TOK_ERROR;
		return;
	}
	}
	if ((c == '<' || c == '>') && eq_next)
		advance(lx);
	advance(lx);
}

void lex_next(struct lexer *lx)
{
	struct token *t = &lx->tok;

	if (t->kind == TOK_ERROR)
		return;
	lx->prev_line = t->line;
	skip_blanks(lx);
	memset(t, 0, sizeof(*t));
	t->start = lx->p;
	t->line = lx->line;
	t->column = lx->column;
	if (lx->p >= lx->end)
		t->kind = TOK_EOF;
	else if (*lx->p == '"')
		lex_string(lx, t);
	else if (*lx->p >= '0' && *lx->p <= '9')
		lex_number(lx, t);
	else if (is_word_start(*lx->p)) {
		t->kind = TOK_WORD;
		while (lx->p < lx->end && is_word_char(*lx->p))
			advance(lx);
	} else
		lex_symbol(lx, t);
	t->len = (size_t)(lx->p - t->start);
}

bool lex_is_word(const struct lexer *lx, const char *w)
{
	return lx->tok.kind == TOK_WORD && lx->tok.len == strlen(w) && memcmp(lx->tok.start, w, lx->tok.len) == 0;
}

unsigned lex_string_column(const struct token *t, size_t off)
{
	const char *s = t->start + 1;
	unsigned column = t->column + 1;
	size_t pos = 0;

	while (pos < off && s < t->start + t->len - 1) {
		if (*s == '\\' && (s[1] == '"' || s[1] == '\\'))
			s++, column++;
		s++;
		pos++;
		while ((*s & 0xC0) == 0x80 && pos < off)
			s++, pos++;
		column++;
	}
	return column;
}
