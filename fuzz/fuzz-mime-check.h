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

/* A delivery report's value as mime-dsn.h promises it: valid UTF-8, no
 * control byte, no space at either end. */
static inline void fuzz_mime_dsn_text(const char *v)
{
	size_t n;

	fuzz_mime_str(v, false);
	n = strlen(v);
	for (size_t i = 0; i < n; i++) {
		if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f)
			abort();
	}
	if (n > 0 && (v[0] == ' ' || v[n - 1] == ' '))
		abort();
}

/* m->dsn: there exactly when the first delivery-status attachment is not
 * empty, every value clean (mime-dsn.h). */
static inline void fuzz_mime_dsn(const struct mime_message *m)
{
	const struct mime_dsn *d = m->dsn;
	const struct mime_attachment *status = NULL;

	for (size_t i = 0; i < m->n_attachments && status == NULL; i++)
		if (mime_dsn_is_status_type(m->attachments[i].content_type))
			status = &m->attachments[i];
	if ((d != NULL) != (status != NULL && status->size > 0))
		abort();
	if (d == NULL)
		return;
	for (size_t i = 0; i < d->n_recipients; i++) {
		fuzz_mime_dsn_text(d->recipients[i].action);
		fuzz_mime_dsn_text(d->recipients[i].status);
		fuzz_mime_dsn_text(d->recipients[i].diagnostic);
		fuzz_mime_dsn_text(d->recipients[i].final_recipient);
		fuzz_mime_dsn_text(d->recipients[i].original_recipient);
	}
	for (size_t i = 0; i < d->n_message_fields; i++) {
		fuzz_mime_dsn_text(d->message_fields[i].name);
		fuzz_mime_dsn_text(d->message_fields[i].value);
	}
}

/* The header fields: each span inside header_block, in order, each name
 * without ':'. */
static inline void fuzz_mime_fields(const struct mime_message *m)
{
	size_t hlen = strlen(m->header_block), end = 0;

	if (m->n_fields > 0 && (m->fields == NULL || m->field_spans == NULL))
		abort();
	for (size_t i = 0; i < m->n_fields; i++) {
		if (m->field_spans[i].off < end || m->field_spans[i].len == 0 ||
		    m->field_spans[i].off + m->field_spans[i].len > hlen || strchr(m->fields[i].name, ':') != NULL)
			abort();
		end = m->field_spans[i].off + m->field_spans[i].len;
	}
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
	fuzz_mime_dsn(m);
	fuzz_mime_fields(m);
	if (mime_defects_str(m->defects, defects, sizeof(defects)) != defects ||
	    memchr(defects, '\0', sizeof(defects)) == NULL)
		abort();
}

#endif
