/* Fuzz target: DKIM relaxed canonicalisation (lib/dkim). The input is
 * canonicalised as one header field and as a body, and hashed as a whole
 * message (which splits it into fields and body first). Checked: the
 * relaxed forms are fixed points (canonicalising twice changes nothing),
 * a header ends in CRLF, a body is "" or ends in CRLF and keeps no tab,
 * no WSP run and no WSP before a line end. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "dkim/dkim.h"
#include "fuzz/fuzz.h"

/* Both relaxed forms end in CRLF (a non-empty body too). */
static bool ends_crlf(const char *s, size_t len)
{
	return len >= 2 && s[len - 2] == '\r' && s[len - 1] == '\n';
}

/* What RFC 6376 3.4.4 leaves of whitespace in a relaxed body. */
static bool body_wsp_ok(const char *s, size_t len)
{
	if (memchr(s, '\t', len) != NULL)
		return false;
	for (size_t i = 0; i + 1 < len; i++) {
		if (s[i] == ' ' && (s[i + 1] == ' ' || (s[i + 1] == '\r' && i + 2 < len && s[i + 2] == '\n')))
			return false;
	}
	return true;
}

/* A canonical form canonicalised again must come out the same. */
typedef char *canon_fn(const char *in, size_t len, size_t *len_r);
static void check_fixed_point(canon_fn *canon, const char *once, size_t once_len)
{
	size_t twice_len;
	char *twice = canon(once, once_len, &twice_len);

	if (twice_len != once_len || memcmp(twice, once, once_len) != 0)
		abort();
	free(twice);
}

/* One header field: relaxed, CRLF-ended, with a colon, stable. */
static void check_header(const char *in, size_t len)
{
	size_t out_len;
	char *out = dkim_canon_header_relaxed(in, len, &out_len);

	if (!ends_crlf(out, out_len) || memchr(out, ':', out_len) == NULL)
		abort();
	check_fixed_point(dkim_canon_header_relaxed, out, out_len);
	free(out);
}

/* A body: relaxed whitespace, CRLF-ended or empty, stable. */
static void check_body(const char *in, size_t len)
{
	size_t out_len;
	char *out = dkim_canon_body_relaxed(in, len, &out_len);

	if ((out_len > 0 && !ends_crlf(out, out_len)) || !body_wsp_ok(out, out_len))
		abort();
	check_fixed_point(dkim_canon_body_relaxed, out, out_len);
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data;
	char *bh;

	check_header(in, size);
	check_body(in, size);
	bh = dkim_body_hash(in, size);
	if (bh == NULL || strlen(bh) != 44)
		abort();
	free(bh);
	return 0;
}
