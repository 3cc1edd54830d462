/* Fuzz target: where a reply's quoted history starts (lib/text). The input
 * is a reply's plain text. Checked against text.h: the length of the new
 * part is 0, the whole input, or the start of a line; the text is read
 * only inside its bounds (the input is an exact heap block); a marker line
 * put in front cuts at 0, and a marker line put after the text cuts no
 * later than that line (the first separator from the top wins). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz/fuzz.h"
#include "text/text.h"

#define MARKER_LINE TEXT_REPLY_MARKER "\n"

/* The contract for any text: 0, len, or just after an LF. */
static size_t checked_len(const char *text, size_t len)
{
	size_t n = text_reply_new_len(text, len);

	if (n > len || (n != 0 && n != len && text[n - 1] != '\n'))
		abort();
	return n;
}

/* text with the marker line before it, then after it: both must cut. */
static void check_marker(const char *text, size_t len)
{
	size_t mlen = strlen(MARKER_LINE);
	char *buf = malloc(len + mlen + 1);

	if (buf == NULL)
		abort();
	memcpy(buf, MARKER_LINE, mlen);
	if (len > 0)
		memcpy(buf + mlen, text, len);
	if (checked_len(buf, mlen + len) != 0)
		abort();
	if (len > 0)
		memcpy(buf, text, len);
	buf[len] = '\n';
	memcpy(buf + len + 1, MARKER_LINE, mlen);
	if (checked_len(buf, len + 1 + mlen) > len + 1)
		abort();
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;

	checked_len(size > 0 ? text : NULL, size);
	check_marker(text, size);
	return 0;
}
