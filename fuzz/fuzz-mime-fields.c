/* Fuzz target: the one header field splitter (lib/mime mime-fields.h),
 * which every reader of a stranger's header fields goes through (loop
 * checks, Authentication-Results and their stripping, rule facts, DKIM
 * alignment, delivery reports). The input is a header section (up to its
 * first NUL byte, as the functions read a C string). Checked: split and
 * split_spans give the same fields; each span lies inside the input, the
 * spans are in order and do not overlap; each name is non-blank-ended
 * and holds no ':' or whitespace; each value holds no line break and no
 * blank at either end; a span split alone gives back its field;
 * mime_fields_drop of nothing gives back the input byte for byte, and
 * dropping field k removes exactly its span; the view of one recipient
 * (mime_fields_view_make, a Received field on top, every field whose
 * first byte is odd dropped) is that top plus mime_fields_drop's block,
 * with the top's and the kept fields, each span holding its own field. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz/fuzz.h"
#include "mime/mime-fields.h"

/* One field's name and value as mime-fields.h promises them. */
static void check_field(const struct mime_field *f)
{
	size_t n = strlen(f->value);

	if (strpbrk(f->name, ": \t\r\n") != NULL || strpbrk(f->value, "\r\n") != NULL)
		abort();
	if (n > 0 && (f->value[0] == ' ' || f->value[0] == '\t' || f->value[n - 1] == ' ' || f->value[n - 1] == '\t'))
		abort();
}

/* The spans: inside the block, in order, not overlapping, not empty. */
static void check_spans(const struct mime_field_span *sp, size_t n, size_t blen)
{
	size_t end = 0;

	for (size_t i = 0; i < n; i++) {
		if (sp[i].len == 0 || sp[i].off < end || sp[i].off > blen || sp[i].len > blen - sp[i].off)
			abort();
		end = sp[i].off + sp[i].len;
	}
}

/* The bytes of span k split alone: exactly the same one field. */
static void check_alone(const char *block, const struct mime_field_span *sp, const struct mime_field *f)
{
	char *one = strndup(block + sp->off, sp->len);
	struct mime_field *g;
	size_t n;
	char *buf;

	if (one == NULL)
		abort();
	buf = mime_fields_split(one, &g, &n);
	if (n != 1 || strcmp(g[0].name, f->name) != 0 || strcmp(g[0].value, f->value) != 0)
		abort();
	free(g);
	free(buf);
	free(one);
}

/* mime_fields_drop: nothing dropped is the input; field k dropped is the
 * input without exactly its span. */
static void check_drop(const char *block, size_t blen, const struct mime_field_span *sp, size_t n)
{
	unsigned char *drop = calloc(n + 1, 1);
	char *out = mime_fields_drop(block, sp, drop, n);

	if (drop == NULL || strcmp(out, block) != 0)
		abort();
	free(out);
	for (size_t k = 0; k < n; k++) {
		drop[k] = 1;
		out = mime_fields_drop(block, sp, drop, n);
		if (strlen(out) != blen - sp[k].len || memcmp(out, block, sp[k].off) != 0 ||
		    strcmp(out + sp[k].off, block + sp[k].off + sp[k].len) != 0)
			abort();
		free(out);
		drop[k] = 0;
	}
	free(drop);
}

/* The view of one recipient against mime_fields_drop and the spans. */
static void check_view(const char *block, const struct mime_field *f, const struct mime_field_span *sp, size_t n)
{
	static const char top[] = "Received: from h\r\n\tby us; date\r\n";
	unsigned char *drop = calloc(n + 1, 1);
	struct mime_fields_view v;
	size_t kept = 0, tlen = sizeof(top) - 1;
	char *dropped;

	if (drop == NULL)
		abort();
	for (size_t i = 0; i < n; i++) {
		drop[i] = (unsigned char)block[sp[i].off] & 1;
		kept += !drop[i];
	}
	mime_fields_view_make(&v, top, block, f, sp, drop, n);
	dropped = mime_fields_drop(block, sp, drop, n);
	if (strncmp(v.block, top, tlen) != 0 || strcmp(v.block + tlen, dropped) != 0 || v.n != 1 + kept)
		abort();
	check_spans(v.spans, v.n, strlen(v.block));
	for (size_t i = 0, k = 1; i < n; i++) {
		if (drop[i])
			continue;
		if (v.fields[k].name != f[i].name || v.fields[k].value != f[i].value)
			abort();
		k++;
	}
	for (size_t i = 0; i < v.n; i++)
		check_alone(v.block, &v.spans[i], &v.fields[i]);
	mime_fields_view_free(&v);
	free(dropped);
	free(drop);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *block = strndup(size > 0 ? (const char *)data : "", size);
	struct mime_field *f, *g;
	struct mime_field_span *sp;
	size_t n, m, blen;
	char *buf, *buf2;

	if (block == NULL)
		abort();
	blen = strlen(block);
	buf = mime_fields_split_spans(block, &f, &sp, &n);
	buf2 = mime_fields_split(block, &g, &m);
	if (m != n || (n > 0 && (f == NULL || sp == NULL)))
		abort();
	for (size_t i = 0; i < n; i++) {
		check_field(&f[i]);
		if (strcmp(f[i].name, g[i].name) != 0 || strcmp(f[i].value, g[i].value) != 0)
			abort();
	}
	check_spans(sp, n, blen);
	for (size_t i = 0; i < n; i++)
		check_alone(block, &sp[i], &f[i]);
	check_drop(block, blen, sp, n);
	check_view(block, f, sp, n);
	free(f);
	free(sp);
	free(g);
	free(buf);
	free(buf2);
	free(block);
	return 0;
}
