#include "config.h"
#include "smtp-server-private.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

/* Appends text with every control byte turned into a space: a reply is one
 * line whatever the application or the client put into it. */
static void smtp_reply_append_text(struct buf *b, const char *text)
{
	size_t start = b->len, i;

	buf_append_str(b, text);
	for (i = start; i < b->len; i++) {
		unsigned char c = (unsigned char)b->data[i];
		if (c < 0x20 || c == 0x7f)
			b->data[i] = ' ';
	}
}

/* "code[sep]enh text\r\n" into b; sep is ' ' for the last line of a reply
 * and '-' before the others. */
static void smtp_reply_append_line(struct buf *b, unsigned code, char sep, const char *enh, const char *text)
{
	buf_printf(b, "%03u%c", code, sep);
	if (enh != NULL && enh[0] != '\0') {
		smtp_reply_append_text(b, enh);
		buf_append_str(b, " ");
	}
	smtp_reply_append_text(b, text);
	buf_append_str(b, "\r\n");
}

/* Hands the formatted scratch buffer to the client and the trace. */
static void smtp_reply_flush(struct smtp_session *s, unsigned code)
{
	s->cb.write(s->ctx, s->out.data, s->out.len);
	if (s->cb.trace != NULL)
		s->cb.trace(s->ctx, s->cmd_name != NULL ? s->cmd_name : "-", code);
	buf_reset(&s->out);
}

void smtp_reply(struct smtp_session *s, unsigned code, const char *enh, const char *text)
{
	buf_reset(&s->out);
	smtp_reply_append_line(&s->out, code, ' ', enh, text);
	smtp_reply_flush(s, code);
}

void smtp_replyf(struct smtp_session *s, unsigned code, const char *enh, const char *fmt, ...)
{
	struct buf text;
	va_list ap;

	buf_init(&text, 0);
	va_start(ap, fmt);
	buf_vprintf(&text, fmt, ap);
	va_end(ap);
	smtp_reply(s, code, enh, text.data != NULL ? text.data : "");
	buf_free(&text);
}

void smtp_reply_status(struct smtp_session *s, enum smtp_status st)
{
	const struct smtp_status_reply *r = smtp_status_reply(st);

	smtp_reply(s, r->code, r->enh, r->text);
}

void smtp_reply_lines(struct smtp_session *s, unsigned code, const char *const *lines, size_t n)
{
	size_t i;

	buf_reset(&s->out);
	for (i = 0; i < n; i++)
		smtp_reply_append_line(&s->out, code, i + 1 < n ? '-' : ' ', NULL, lines[i]);
	smtp_reply_flush(s, code);
}

char *smtp_reply_format(unsigned code, const char *enh, const char *text)
{
	struct buf b;

	buf_init(&b, 0);
	smtp_reply_append_line(&b, code, ' ', enh, text != NULL ? text : "");
	return buf_steal(&b, NULL);
}

void smtp_reply_raw(struct smtp_session *s, const char *line, unsigned code)
{
	buf_reset(&s->out);
	buf_append_str(&s->out, line);
	smtp_reply_flush(s, code);
}
