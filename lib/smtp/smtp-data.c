#include "config.h"
#include "smtp-data.h"

#include <string.h>

void smtp_data_init(struct smtp_data *d, struct buf *out)
{
	d->state = SMTP_DATA_LINE_START;
	d->out = out;
	d->too_big = false;
	buf_reset(out);
}

/* Stores message bytes until the cap; past it the buffer is released at once
 * so an oversized message costs no more memory than the limit. */
static void smtp_data_emit(struct smtp_data *d, const char *p, size_t n)
{
	if (d->too_big || n == 0)
		return;
	if (buf_append(d->out, p, n) < 0) {
		d->too_big = true;
		buf_free(d->out);
	}
}

/* Copies the run of text up to the next CR in one go: the common case of a
 * long line costs one memchr and one append. Returns the bytes used. */
static size_t smtp_data_text(struct smtp_data *d, const char *p, size_t n)
{
	const char *cr = memchr(p, '\r', n);
	size_t run = cr != NULL ? (size_t)(cr - p) + 1 : n;

	smtp_data_emit(d, p, run);
	if (cr != NULL)
		d->state = SMTP_DATA_CR;
	return run;
}

/* One step of the state machine on byte c; TEXT runs are handled by
 * smtp_data_text(). Returns false when c must be looked at again in the new
 * state. */
static bool smtp_data_step(struct smtp_data *d, char c)
{
	switch (d->state) {
	case SMTP_DATA_LINE_START:
		if (c == '.') {
			d->state = SMTP_DATA_DOT;
			return true;
		}
		d->state = SMTP_DATA_TEXT;
		return false;
	case SMTP_DATA_DOT:
		/* ".x": the leading dot was stuffing (RFC 5321 4.5.2). */
		d->state = c == '\r' ? SMTP_DATA_DOT_CR : SMTP_DATA_TEXT;
		return c == '\r';
	case SMTP_DATA_DOT_CR:
		if (c == '\n') {
			d->state = SMTP_DATA_END;
			return true;
		}
		/* ".\rx" is a line with more than the dot: drop the dot, keep CR. */
		smtp_data_emit(d, "\r", 1);
		d->state = SMTP_DATA_CR;
		return false;
	case SMTP_DATA_CR:
		smtp_data_emit(d, &c, 1);
		d->state = c == '\n' ? SMTP_DATA_LINE_START : c == '\r' ? SMTP_DATA_CR : SMTP_DATA_TEXT;
		return true;
	case SMTP_DATA_TEXT:
	case SMTP_DATA_END:
		break;
	}
	return true;
}

size_t smtp_data_parse(struct smtp_data *d, const char *p, size_t n, bool *end_r)
{
	size_t i = 0;

	*end_r = false;
	while (i < n && d->state != SMTP_DATA_END) {
		if (d->state == SMTP_DATA_TEXT)
			i += smtp_data_text(d, p + i, n - i);
		else if (smtp_data_step(d, p[i]))
			i++;
	}
	*end_r = d->state == SMTP_DATA_END;
	return i;
}
