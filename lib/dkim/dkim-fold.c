/* Folding the DKIM-Signature field at 78 columns (RFC 5322 2.1.1): only
 * between tags, between h= names and inside b=, where RFC 6376 allows
 * FWS, so relaxed canonicalisation gives back the same field. */
#include "config.h"
#include "dkim/dkim-private.h"

#include <string.h>

void dkim_fold_init(struct dkim_fold *f, const char *name)
{
	buf_init(&f->b, 0);
	buf_append_str(&f->b, name);
	buf_append(&f->b, ":", 1);
	f->col = f->b.len;
}

/* A continuation line starts with one SP. */
static void fold_break(struct dkim_fold *f)
{
	buf_append(&f->b, "\r\n ", 3);
	f->col = 1;
}

void dkim_fold_add(struct dkim_fold *f, const char *piece, bool space)
{
	size_t n = strlen(piece);

	if (f->col + (space ? 1 : 0) + n > DKIM_FOLD_COLS)
		fold_break(f);
	else if (space) {
		buf_append(&f->b, " ", 1);
		f->col++;
	}
	buf_append(&f->b, piece, n);
	f->col += n;
}

void dkim_fold_add_breakable(struct dkim_fold *f, const char *value)
{
	size_t n = strlen(value);

	while (n > 0) {
		size_t room = DKIM_FOLD_COLS - f->col;
		size_t take = n < room ? n : room;

		if (take == 0) {
			fold_break(f);
			continue;
		}
		buf_append(&f->b, value, take);
		f->col += take;
		value += take;
		n -= take;
	}
}
