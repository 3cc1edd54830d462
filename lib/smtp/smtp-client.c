/* Reading a server's replies on the client side (contract in
 * smtp-client.h): code, continuation and EHLO keywords of a line, and the
 * relay's words made into one clean line for logs and the queue table. */
#include "config.h"
#include "smtp/smtp-client.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Strict RFC 5321 reply code: "250garbage" or "25" is no reply. */
void smtp_client_line_parse(const char *line, struct smtp_client_line *l_r)
{
	bool digits = line[0] >= '1' && line[0] <= '5' && line[1] >= '0' && line[1] <= '9' && line[2] >= '0' &&
		      line[2] <= '9';
	const char *text;

	memset(l_r, 0, sizeof(*l_r));
	l_r->text = "";
	if (!digits || (line[3] != '\0' && line[3] != ' ' && line[3] != '-'))
		return;
	l_r->code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
	l_r->more = line[3] == '-';
	text = line[3] != '\0' ? line + 4 : line + 3;
	l_r->text = text;
	l_r->starttls = strncasecmp(text, "STARTTLS", 8) == 0 &&
			(text[8] == '\0' || text[8] == ' ' || text[8] == '\t');
}

/* One byte as the summary may hold it. */
static char summary_byte(unsigned char c)
{
	if (c == '\r' || c == '\n' || c == '\t')
		return ' ';
	return c >= 0x20 && c <= 0x7e ? (char)c : '?';
}

/* Bytes of a stranger's text into a bounded, printable line. */
void smtp_client_text_append(char *out, size_t size, const char *text)
{
	size_t n = strnlen(out, size - 1);

	if (n > 0 && n + 1 < size && text[0] != '\0')
		out[n++] = ' ';
	for (; *text != '\0' && n + 1 < size; text++)
		out[n++] = summary_byte((unsigned char)*text);
	out[n] = '\0';
}

/* The line last_error and the logs show for a reply. */
void smtp_client_reply_summary(int code, const char *response, char *out, size_t size)
{
	size_t len;

	snprintf(out, size, "%d", code);
	if (response != NULL)
		smtp_client_text_append(out, size, response);
	for (len = strlen(out); len > 0 && out[len - 1] == ' '; len--)
		out[len - 1] = '\0';
}
