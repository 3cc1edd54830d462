/* mboxrd writing (contract in mbox.h). */
#include "config.h"
#include "base/mbox.h"

#include <stdbool.h>
#include <string.h>

/* Whether sender can stand on the "From " line as it is: printable ASCII
 * without blanks, so the line keeps its three words. */
static bool sender_ok(const char *sender)
{
	if (sender == NULL || sender[0] == '\0')
		return false;
	for (const unsigned char *p = (const unsigned char *)sender; *p != '\0'; p++)
		if (*p <= 0x20 || *p >= 0x7f)
			return false;
	return true;
}

/* One line of the mail (without its line end), quoted when it would read
 * as a "From " line once the reader takes one '>' off. */
static void line_append(struct buf *mbox, const char *line, size_t n)
{
	size_t q = 0;

	while (q < n && line[q] == '>')
		q++;
	if (n - q >= 5 && memcmp(line + q, "From ", 5) == 0)
		buf_append(mbox, ">", 1);
	buf_append(mbox, line, n);
	buf_append(mbox, "\n", 1);
}

/* Contract in mbox.h. */
void mbox_append(struct buf *mbox, const char *sender, time_t when, const char *data, size_t len)
{
	char date[64];
	struct tm tm;

	gmtime_r(&when, &tm);
	if (strftime(date, sizeof(date), "%a %b %e %H:%M:%S %Y", &tm) == 0)
		strcpy(date, "Thu Jan  1 00:00:00 1970");
	buf_printf(mbox, "From %s %s\n", sender_ok(sender) ? sender : "MAILER-DAEMON", date);
	for (size_t i = 0; i < len;) {
		const char *nl = memchr(data + i, '\n', len - i);
		size_t end = nl != NULL ? (size_t)(nl - data) : len, n = end - i;

		if (nl != NULL && n > 0 && data[end - 1] == '\r')
			n--;
		line_append(mbox, data + i, n);
		i = nl != NULL ? end + 1 : len;
	}
	buf_append(mbox, "\n", 1);
}
