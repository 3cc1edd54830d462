#ifndef MD_FUZZ_MIME_CHECK_H
#define MD_FUZZ_MIME_CHECK_H
/* The contract of struct mime_message (lib/mime/mime.h) as the lib/mime
 * fuzz targets check it; abort() on a violation. Header only (static
 * inline), for fuzz/ alone. */
#include <openssl/sha.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz/fuzz-check.h"
#include "mime/mime.h"

#define FUZZ_MIME_DEFECTS_ALL ((1u << 13) - 1)

/* A string the struct promises: valid UTF-8 (NULL only where allowed). */
static inline void fuzz_mime_str(const char *s, bool may_be_null)
{
	if (s == NULL ? !may_be_null : !fuzz_str_valid(s))
		abort();
}

/* A text with LF line ends: no CR LF pair. */
static inline void fuzz_mime_lf(const char *s)
{
	if (s != NULL && strstr(s, "\r\n") != NULL)
		abort();
}

/* name and addr; the domain after the last '@' in lower case. */
static inline void fuzz_mime_address(const struct mime_address *a)
{
	const char *at;

	fuzz_mime_str(a->name, false);
	fuzz_mime_str(a->addr, false);
	if ((at = strrchr(a->addr, '@')) != NULL) {
		for (const char *p = at + 1; *p != '\0'; p++) {
			if (*p >= 'A' && *p <= 'Z')
				abort();
		}
	}
}

static inline void fuzz_mime_list(const struct mime_address_list *l)
{
	if (l->n > 0 && l->items == NULL)
		abort();
	for (size_t i = 0; i < l->n; i++)
		fuzz_mime_address(&l->items[i]);
}

/* A sanitised file name: no '/', '\\' or control byte, at most 255 bytes,
 * no leading dot or space, and sanitising it again changes nothing. */
static inline void fuzz_mime_filename(const char *name)
{
	char *again;

	fuzz_mime_str(name, false);
	if (strlen(name) > 255 || strpbrk(name, "/\\") != NULL || name[0] == '.' || name[0] == ' ')
		abort();
	for (const char *p = name; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			abort();
	}
	again = mime_filename_sanitise(name);
	if (strcmp(again, name) != 0)
		abort();
	free(again);
}

/* One attachment: clean name, "type/subtype" in lower case, the digest of
 * its bytes. */
static inline void fuzz_mime_attachment(const struct mime_attachment *a)
{
	unsigned char sum[SHA256_DIGEST_LENGTH];

	fuzz_mime_filename(a->filename);
	fuzz_mime_str(a->content_type, false);
	fuzz_mime_str(a->content_id, true);
	if (strchr(a->content_type, '/') == NULL)
		abort();
	for (const char *p = a->content_type; *p != '\0'; p++) {
		if (*p >= 'A' && *p <= 'Z')
			abort();
	}
	if (a->size > 0 && a->data == NULL)
		abort();
	SHA256(a->data != NULL ? a->data : (const unsigned char *)"", a->size, sum);
	if (memcmp(sum, a->sha256, sizeof(sum)) != 0)
		abort();
}

/* The whole message as mime.h promises it. */
static inline void fuzz_mime_message(const struct mime_message *m)
{
	char defects[512];
	size_t hlen;

	if (m == NULL || (m->defects & ~FUZZ_MIME_DEFECTS_ALL) != 0)
		abort();
	fuzz_mime_address(&m->from);
	fuzz_mime_list(&m->to);
	fuzz_mime_list(&m->cc);
	fuzz_mime_list(&m->reply_to);
	fuzz_mime_str(m->subject, false);
	fuzz_mime_str(m->message_id, true);
	fuzz_mime_str(m->in_reply_to, true);
	if (m->n_references > 0 && m->references == NULL)
		abort();
	for (size_t i = 0; i < m->n_references; i++)
		fuzz_mime_str(m->references[i], false);
	fuzz_mime_str(m->header_block, false);
	hlen = strlen(m->header_block);
	if (hlen > 0 && m->header_block[hlen - 1] == '\n')
		abort();
	fuzz_mime_str(m->text_body, false);
	fuzz_mime_lf(m->text_body);
	fuzz_mime_str(m->html_body, true);
	fuzz_mime_lf(m->html_body);
	if (m->n_attachments > 0 && m->attachments == NULL)
		abort();
	for (size_t i = 0; i < m->n_attachments; i++)
		fuzz_mime_attachment(&m->attachments[i]);
	if (mime_defects_str(m->defects, defects, sizeof(defects)) != defects ||
	    memchr(defects, '\0', sizeof(defects)) == NULL)
		abort();
}

#endif
