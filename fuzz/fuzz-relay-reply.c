/* Fuzz target: a relay's SMTP replies as the outbound client reads them
 * (lib/smtp smtp-client.h; daemon/relay.c does the I/O). The input is the
 * relay's reply, cut into lines at LF (a CR before it dropped), as libetpan
 * hands them over. Each line is parsed and its text added to the EHLO
 * summary, the whole input summarised as one response. Checked: codes 0 or
 * 100-599, a continuation or STARTTLS only with a code, the text inside the
 * line; summaries terminated inside their buffer, printable ASCII only, and
 * no trailing space on the reply line. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fuzz/fuzz.h"
#include "smtp/smtp-client.h"

#define SUMMARY_MAX 1000 /* as daemon/relay.c's REPLY_MAX */

/* A summary in a buffer of size bytes: terminated, printable. */
static void check_summary(const char *out, size_t size, bool reply_line)
{
	size_t n = strnlen(out, size);

	if (n >= size)
		abort();
	for (size_t i = 0; i < n; i++) {
		if (out[i] < 0x20 || out[i] > 0x7e)
			abort();
	}
	if (reply_line && n > 0 && out[n - 1] == ' ')
		abort();
}

/* One line, as smtp-client.h promises its parse. */
static void check_line(const char *line)
{
	struct smtp_client_line l;
	size_t len = strlen(line);

	smtp_client_line_parse(line, &l);
	if (l.code != 0 && (l.code < 100 || l.code > 599))
		abort();
	if (l.code == 0 && (l.more || l.starttls || l.text[0] != '\0'))
		abort();
	if (l.code != 0 && (l.text < line + 3 || l.text > line + len))
		abort();
	if (l.starttls && strncasecmp(l.text, "STARTTLS", 8) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size + 1), *p, *nl;
	char hello[SUMMARY_MAX] = "", small[8] = "", summary[SUMMARY_MAX];

	if (copy == NULL)
		abort();
	memcpy(copy, data, size);
	copy[size] = '\0';
	smtp_client_reply_summary(250, copy, summary, sizeof(summary));
	check_summary(summary, sizeof(summary), true);
	smtp_client_reply_summary(-1, copy, small, sizeof(small));
	check_summary(small, sizeof(small), true);
	for (p = copy; p != NULL; p = nl) {
		struct smtp_client_line l;

		if ((nl = strchr(p, '\n')) != NULL) {
			*nl++ = '\0';
			if (nl - 2 >= p && nl[-2] == '\r')
				nl[-2] = '\0';
		}
		check_line(p);
		smtp_client_line_parse(p, &l);
		smtp_client_text_append(hello, sizeof(hello), l.text);
		check_summary(hello, sizeof(hello), false);
	}
	free(copy);
	return 0;
}
