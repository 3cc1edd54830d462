/* Our Received trace field (contract in smtp-received.h). */
#include "config.h"
#include "smtp-received.h"

#include <string.h>

#include "base/buf.h"
#include "base/xalloc.h"

/* Appends client text made harmless for a header: printable ASCII minus
 * the characters that would end a comment, an address or the field. */
static void put_client_text(struct buf *b, const char *s, const char *none)
{
	size_t n = 0;

	if (s == NULL || s[0] == '\0')
		s = none;
	for (; *s != '\0' && n < 255; s++, n++) {
		unsigned char c = (unsigned char)*s;
		char out = c > 0x20 && c < 0x7f && strchr("()<>;\\\"", c) == NULL ? (char)c : '?';
		buf_append(b, &out, 1);
	}
}

/* RFC 5322 date-time in UTC, in the C locale whatever the process uses. */
static void put_date(struct buf *b, time_t now)
{
	static const char days[7][4] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char months[12][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm tm;

	gmtime_r(&now, &tm);
	buf_printf(b, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon],
		    tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* Contract in smtp-received.h. */
char *smtp_received_format(const struct smtp_received *r, const char *rcpt, time_t now)
{
	struct buf b;

	buf_init(&b, 0);
	buf_append_str(&b, "Received: from ");
	put_client_text(&b, r->helo, "unknown");
	if (r->is_unix)
		buf_append_str(&b, " (local)");
	else
		buf_printf(&b, " ([%s%s])", strchr(r->peer, ':') != NULL ? "IPv6:" : "", r->peer);
	buf_printf(&b, "\r\n\tby %s (maildesk) with %s%s id %s", r->hostname,
		   r->with != NULL ? r->with : r->lmtp ? "LMTP" : "ESMTP", r->tls ? "S" : "", r->session_id);
	if (rcpt != NULL) {
		buf_append_str(&b, "\r\n\tfor <");
		put_client_text(&b, rcpt, "");
		buf_append_str(&b, ">");
	}
	buf_append_str(&b, "; ");
	put_date(&b, now);
	buf_append_str(&b, "\r\n");
	return buf_steal(&b, NULL);
}
