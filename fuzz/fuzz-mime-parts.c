/* Fuzz target: the parts of lib/mime that read a body's bytes, one per
 * input by its first byte:
 *   'h' the rest is an HTML document (mime_html_to_text, libxml2);
 *   't' the rest is a winmail.dat TNEF stream (mime_tnef_unpack: our own
 *       framing check, then libytnef);
 *   anything else: charsets. Up to the first LF is the declared charset
 *       ("-" none), the rest the text (mime_text_to_utf8 with uchardet,
 *       mime_charset_decode_short, mime_charset_guess, mime_utf8_dup).
 * Checked against mime-private.h and mime.h: every text valid UTF-8
 * without NUL bytes and of the length said; a guessed charset a
 * terminated name that decodes; HTML text without CR LF; the attachments
 * TNEF adds with clean names and right digests, only known defects. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz/fuzz-mime-check.h"
#include "fuzz/fuzz.h"
#include "mime/mime-private.h"

/* GMime's global set-up once per process, released at exit. */
static void init_once(void)
{
	static bool done;

	if (!done) {
		mime_init();
		atexit(mime_shutdown);
		done = true;
	}
}

/* A converted text and the length the converter gave. */
static void check_text(char *s, size_t len_said)
{
	if (s == NULL || strlen(s) != len_said || !fuzz_utf8_valid(s, len_said))
		abort();
	free(s);
}

/* The charset repairs on data in the declared charset (NULL: none). */
static void run_charsets(const char *data, size_t len, const char *declared)
{
	unsigned defects = 0;
	size_t n;
	char guess[MIME_CHARSET_MAX];
	char *s = mime_text_to_utf8(data, len, declared, &defects, &n);

	check_text(s, n);
	s = mime_charset_decode_short(data, len, declared, &defects);
	check_text(s, strlen(s));
	s = mime_utf8_dup(data, len, &n);
	check_text(s, n);
	memset(guess, 'x', sizeof(guess));
	mime_charset_guess(data, len, declared, guess);
	if (memchr(guess, '\0', sizeof(guess)) == NULL || guess[0] == '\0')
		abort();
	s = mime_charset_decode_short(data, len, guess, &defects);
	check_text(s, strlen(s));
	if ((defects & ~FUZZ_MIME_DEFECTS_ALL) != 0)
		abort();
}

/* "charset\ntext": the charset line, then the bytes. */
static void charsets(const char *in, size_t len)
{
	const char *nl = memchr(in, '\n', len);
	size_t clen = nl != NULL ? (size_t)(nl - in) : len;
	char *cs = malloc(clen + 1);

	if (cs == NULL)
		abort();
	memcpy(cs, in, clen);
	cs[clen] = '\0';
	if (nl != NULL)
		run_charsets(nl + 1, len - clen - 1, strcmp(cs, "-") == 0 ? NULL : cs);
	else
		run_charsets(in, len, NULL);
	free(cs);
}

/* HTML to text; the document must be UTF-8 first, as mime-part.c makes it. */
static void html(const char *in, size_t len)
{
	size_t n;
	char *doc = mime_utf8_dup(in, len, &n);
	char *text = mime_html_to_text(doc, n);

	if (!fuzz_str_valid(text) || strstr(text, "\r\n") != NULL)
		abort();
	free(text);
	free(doc);
}

/* A TNEF stream unpacked into an empty message, as mime-part.c does for
 * a winmail.dat attachment. */
static void tnef(const char *in, size_t len)
{
	struct mime_message *msg = mime_parse("", 0);
	struct mime_ctx ctx = { .msg = msg };

	mime_tnef_unpack(&ctx, (const unsigned char *)in, len);
	free(ctx.body_charset);
	free(ctx.prologue);
	/* Each file counts as a part; an empty entry is counted, not added. */
	if (msg->n_attachments > ctx.n_parts)
		abort();
	fuzz_mime_message(msg);
	mime_message_free(&msg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data;

	init_once();
	if (size > 0 && data[0] == 'h')
		html(in + 1, size - 1);
	else if (size > 0 && data[0] == 't')
		tnef(in + 1, size - 1);
	else
		charsets(in, size);
	return 0;
}
