/* Fuzz target: a whole message through lib/mime (mime_parse): GMime's
 * parse, the header fields, RFC 2047 words, charset repair, the MIME tree,
 * HTML to text and winmail.dat unpacking, all on a stranger's bytes. The
 * input is the raw message. Checked against mime.h: always a message, all
 * strings valid UTF-8, LF line ends in the bodies, header block without a
 * trailing newline, sanitised file names, lower-case content types,
 * digests that match the bytes, only known defects; freed to NULL. */
#include "config.h"

#include <stdlib.h>

#include "fuzz/fuzz-mime-check.h"
#include "fuzz/fuzz.h"
#include "mime/mime.h"

/* GMime's global set-up once per process, released at exit so that the
 * leak checker of make check-asan sees only real leaks. */
static void init_once(void)
{
	static bool done;

	if (!done) {
		mime_init();
		atexit(mime_shutdown);
		done = true;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mime_message *m;

	init_once();
	m = mime_parse((const char *)data, size);
	fuzz_mime_message(m);
	mime_message_free(&m);
	if (m != NULL)
		abort();
	return 0;
}
