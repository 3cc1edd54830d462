#ifndef MD_MIME_FIELDS_H
#define MD_MIME_FIELDS_H
/* Header fields as one list, parsed once per message by lib/mime and read
 * from memory by everyone else (loop checks, Authentication-Results, rule
 * facts, DKIM alignment). Pure C: no GMime, so lib/agent may include it. */
#include <stddef.h>

struct mime_field {
	const char *name;  /* as written, before the colon, blanks trimmed */
	const char *value; /* unfolded (RFC 5322 3.2.2: a line break before a
			    * blank is removed), blanks trimmed at both ends;
			    * not RFC 2047-decoded */
};

/* Where a field's bytes are in the block it was split from (with its
 * line end): kept apart so a field can be written as { name, value }. */
struct mime_field_span {
	size_t off, len;
};

/* Splits a header section (CRLF or LF line ends, no body) into fields; a
 * line without a colon, or whose name (before the colon, unfolded) has a
 * blank inside, is skipped (it stays in the block, in no span). Returns a malloc'd buffer that owns the
 * strings the fields point at (free it after *fields_r); *fields_r is
 * malloc'd (NULL when *n_r is 0). block NULL is "". Never fails. */
char *mime_fields_split(const char *block, struct mime_field **fields_r, size_t *n_r);
/* The same, with each field's span in block (*spans_r malloc'd, n entries). */
char *mime_fields_split_spans(const char *block, struct mime_field **fields_r, struct mime_field_span **spans_r,
			      size_t *n_r);

/* A copy of block (the one fields were split from) without the bytes of
 * each field i whose drop[i] is true; everything else stays as it was,
 * lines without a colon included. malloc'd. */
char *mime_fields_drop(const char *block, const struct mime_field_span *spans, const unsigned char *drop, size_t n);

/* One recipient's header section and its fields, made together so they
 * cannot disagree: block is top (whole fields with their line ends, e.g.
 * our Received field) followed by the block the message's fields were
 * split from without the fields i whose drop[i] is true (as
 * mime_fields_drop); fields are top's, split here, then the kept fields
 * of the message in order; spans[i] is where fields[i]'s bytes are in
 * block. */
struct mime_fields_view {
	char *block;                   /* malloc'd, owned */
	struct mime_field *fields;     /* owned array; top's strings owned,
					* the message's borrowed */
	struct mime_field_span *spans; /* owned, n entries, into block */
	size_t n;
	char *top_buf_;                /* private: top's field strings */
};
/* Makes the view (free with mime_fields_view_free). block, fields and
 * spans (n of them) are the message's, from mime_fields_split_spans;
 * its field strings must outlive the view. drop NULL drops nothing. */
void mime_fields_view_make(struct mime_fields_view *v, const char *top, const char *block,
			   const struct mime_field *fields, const struct mime_field_span *spans,
			   const unsigned char *drop, size_t n);
/* Frees what mime_fields_view_make made and zeroes v. */
void mime_fields_view_free(struct mime_fields_view *v);

#endif
