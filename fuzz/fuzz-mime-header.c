/* Fuzz target: a message's header section through lib/mime: where the
 * section ends (mime_header_section_len), RFC 2047 words in a header value
 * (mime_rfc2047_decode) and the fields mime_parse reads from it (From, To,
 * Cc, Reply-To, Subject, Date, ids, 8-bit bytes, the header block). The
 * input is the header section; a short body is put after it. Checked:
 * the section ends inside the input, at the start of a line, on an empty
 * line; a decoded value is valid UTF-8; the message keeps mime.h's
 * contract (see fuzz-mime-check.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz/fuzz-mime-check.h"
#include "fuzz/fuzz.h"
#include "mime/mime-private.h"

static const char body[] = "\n\nbody\n";

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

/* The end of the section: inside, at a line start, on an empty line. */
static void check_section(const char *raw, size_t len)
{
	bool has;
	size_t n = mime_header_section_len(raw, len, &has);

	if (n > len || (n > 0 && n < len && raw[n - 1] != '\n'))
		abort();
	if (n < len && raw[n] != '\n' && !(raw[n] == '\r' && n + 1 < len && raw[n + 1] == '\n'))
		abort();
}

/* The whole input as one unfolded header value (mime_rfc2047_decode's
 * precondition: valid UTF-8, no line ends). */
static void check_rfc2047(const char *raw, size_t len)
{
	size_t vlen;
	char *value = mime_utf8_dup(raw, len, &vlen), *out;
	unsigned defects = 0;

	for (size_t i = 0; i < vlen; i++) {
		if (value[i] == '\r' || value[i] == '\n')
			value[i] = ' ';
	}
	out = mime_rfc2047_decode(value, &defects);
	if (!fuzz_str_valid(out) || (defects & ~FUZZ_MIME_DEFECTS_ALL) != 0)
		abort();
	free(out);
	free(value);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *raw = (const char *)data;
	char *msg = malloc(size + sizeof(body) - 1);
	struct mime_message *m;

	if (msg == NULL)
		abort();
	init_once();
	check_section(raw, size);
	check_rfc2047(raw, size);
	if (size > 0)
		memcpy(msg, data, size);
	memcpy(msg + size, body, sizeof(body) - 1);
	m = mime_parse(msg, size + sizeof(body) - 1);
	fuzz_mime_message(m);
	mime_message_free(&m);
	free(msg);
	return 0;
}
