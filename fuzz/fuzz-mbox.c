/* Fuzz target: mboxrd writing (lib/base/mbox.h). The input's first line
 * is the sender, the rest the mail. Two messages are written (the input,
 * then a fixed one) and read back by an independent reader: exactly two
 * lines start with "From " (the separators: no line of the mail passes for
 * one), the separators hold only printable ASCII, and taking one '>' off
 * every line that starts with '>'s and "From " gives back the mail with
 * CRLF read as LF and a final LF. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/mbox.h"
#include "fuzz/fuzz.h"

/* The mail as the mbox must give it back: CR LF as LF, ending in LF. */
static char *normalised(const char *d, size_t len, size_t *n_r)
{
	char *out = malloc(len + 2);
	size_t n = 0;

	if (out == NULL)
		abort();
	for (size_t i = 0; i < len; i++)
		if (!(d[i] == '\r' && i + 1 < len && d[i + 1] == '\n'))
			out[n++] = d[i];
	if (n > 0 && out[n - 1] != '\n')
		out[n++] = '\n';
	*n_r = n;
	return out;
}

/* Whether a line (without its LF) is a separator, or quoted as mboxrd does. */
static int is_from(const char *l, size_t n)
{
	return n >= 5 && memcmp(l, "From ", 5) == 0;
}
static int is_quoted_from(const char *l, size_t n)
{
	size_t q = 0;

	while (q < n && l[q] == '>')
		q++;
	return q > 0 && is_from(l + q, n - q);
}

/* Reads the mbox back and checks the contract. */
static void check(const char *mbox, size_t len, const char *want, size_t want_len)
{
	struct buf got;
	size_t froms = 0, msg = 0;

	if (len == 0 || mbox[len - 1] != '\n')
		abort();
	buf_init(&got, 0);
	for (size_t i = 0; i < len;) {
		const char *nl = memchr(mbox + i, '\n', len - i);
		size_t n = (size_t)(nl - (mbox + i));

		if (is_from(mbox + i, n)) {
			froms++;
			for (size_t k = 0; k < n; k++)
				if ((unsigned char)mbox[i + k] < 0x20 || (unsigned char)mbox[i + k] >= 0x7f)
					abort();
			msg++;
		} else if (msg == 1) {
			size_t skip = is_quoted_from(mbox + i, n) ? 1 : 0;

			buf_append(&got, mbox + i + skip, n - skip);
			buf_append(&got, "\n", 1);
		}
		i += n + 1;
	}
	/* The first message ends with the empty line mbox_append adds. */
	if (froms != 2 || got.len != want_len + 1 || (want_len > 0 && memcmp(got.data, want, want_len) != 0) ||
	    got.data[want_len] != '\n')
		abort();
	buf_free(&got);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *d = (const char *)data, *nl = memchr(d, '\n', size);
	size_t slen = nl != NULL ? (size_t)(nl - d) : 0, rest = nl != NULL ? size - slen - 1 : size, wlen;
	char *sender = malloc(slen + 1), *want;
	struct buf mbox;

	if (sender == NULL)
		abort();
	memcpy(sender, d, slen);
	sender[slen] = '\0';
	buf_init(&mbox, 0);
	mbox_append(&mbox, sender, (time_t)size * 86400, d + size - rest, rest);
	mbox_append(&mbox, NULL, 0, "x", 1);
	want = normalised(d + size - rest, rest, &wlen);
	check(mbox.data, mbox.len, want, wlen);
	free(want);
	free(sender);
	buf_free(&mbox);
	return 0;
}
