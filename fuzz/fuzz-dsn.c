/* Fuzz target: delivery reports (lib/mime mime_dsn_parse), written by a
 * stranger's mail server and read by lib/desk when a report comes back for
 * one of our mails. The input is the message/delivery-status body. Checked
 * against mime-dsn.h: every recipient field set, valid UTF-8 without
 * control characters, no space at either end, no longer than the input
 * (per-message names and values too); the text is read only inside its
 * bounds; mime_dsn_main is a failed group when there is one, else the
 * first; a field named at the start is found in the first recipient
 * group; the same text with LF, CRLF or CR line ends reads the same;
 * mime_dsn_free clears the pointer. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fuzz/fuzz-check.h"
#include "fuzz/fuzz.h"
#include "mime/mime-dsn.h"

/* One field value as mime-dsn.h promises it. */
static void check_value(const char *v, size_t input_len)
{
	size_t n;

	if (v == NULL)
		abort();
	n = strlen(v);
	if (n > input_len || !fuzz_utf8_valid(v, n))
		abort();
	for (size_t i = 0; i < n; i++) {
		if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f)
			abort();
	}
	if (n > 0 && (v[0] == ' ' || v[n - 1] == ' '))
		abort();
}

/* The choice of mime_dsn_main, computed apart. */
static void check_main(const struct mime_dsn *d)
{
	const struct mime_dsn_recipient *m = mime_dsn_main(d), *want = NULL;

	for (size_t i = 0; i < d->n_recipients && want == NULL; i++)
		if (strcasecmp(d->recipients[i].action, "failed") == 0)
			want = &d->recipients[i];
	if (want == NULL && d->n_recipients > 0)
		want = &d->recipients[0];
	if (m != want)
		abort();
}

/* Parses and checks one report (free with mime_dsn_free). */
static struct mime_dsn *parse_checked(const char *text, size_t len)
{
	struct mime_dsn *d = mime_dsn_parse(text, len);

	if (d == NULL)
		abort();
	for (size_t i = 0; i < d->n_recipients; i++) {
		const struct mime_dsn_recipient *r = &d->recipients[i];
		check_value(r->action, len);
		check_value(r->status, len);
		check_value(r->diagnostic, len);
		check_value(r->final_recipient, len);
		check_value(r->original_recipient, len);
	}
	for (size_t i = 0; i < d->n_message_fields; i++) {
		check_value(d->message_fields[i].name, len);
		check_value(d->message_fields[i].value, len);
	}
	check_main(d);
	return d;
}

/* "Status: x" put in front of the input: the first recipient group's
 * status must start with it. */
static void check_found(const uint8_t *data, size_t size)
{
	static const char prefix[] = "Status: x";
	size_t plen = sizeof(prefix) - 1;
	char *text = malloc(plen + size);
	struct mime_dsn *d;

	if (text == NULL)
		abort();
	memcpy(text, prefix, plen);
	if (size > 0)
		memcpy(text + plen, data, size);
	d = parse_checked(text, plen + size);
	if (d->n_recipients == 0 || d->recipients[0].status[0] != 'x')
		abort();
	mime_dsn_free(&d);
	free(text);
}

/* Equal recipients and per-message fields. */
static bool same(const struct mime_dsn *a, const struct mime_dsn *b)
{
	if (a->n_recipients != b->n_recipients || a->n_message_fields != b->n_message_fields)
		return false;
	for (size_t i = 0; i < a->n_recipients; i++) {
		const struct mime_dsn_recipient *x = &a->recipients[i], *y = &b->recipients[i];
		if (strcmp(x->action, y->action) != 0 || strcmp(x->status, y->status) != 0 ||
		    strcmp(x->diagnostic, y->diagnostic) != 0 || strcmp(x->final_recipient, y->final_recipient) != 0 ||
		    strcmp(x->original_recipient, y->original_recipient) != 0)
			return false;
	}
	for (size_t i = 0; i < a->n_message_fields; i++)
		if (strcmp(a->message_fields[i].name, b->message_fields[i].name) != 0 ||
		    strcmp(a->message_fields[i].value, b->message_fields[i].value) != 0)
			return false;
	return true;
}

/* The input's LFs written as eol (CR and NUL bytes left out, so that
 * only the line end differs): the three forms must read the same. */
static char *with_eol(const uint8_t *data, size_t size, const char *eol, size_t *len_r)
{
	char *out = malloc(2 * size + 1);
	size_t o = 0, el = strlen(eol);

	if (out == NULL)
		abort();
	for (size_t i = 0; i < size; i++) {
		if (data[i] == '\n') {
			memcpy(out + o, eol, el);
			o += el;
		} else if (data[i] != '\r' && data[i] != '\0') {
			out[o++] = (char)data[i];
		}
	}
	*len_r = o;
	return out;
}

/* LF, CRLF and CR-only line ends give the same report. */
static void check_line_ends(const uint8_t *data, size_t size)
{
	size_t l1, l2, l3;
	char *lf = with_eol(data, size, "\n", &l1), *crlf = with_eol(data, size, "\r\n", &l2),
	     *cr = with_eol(data, size, "\r", &l3);
	struct mime_dsn *a = parse_checked(lf, l1), *b = parse_checked(crlf, l2), *c = parse_checked(cr, l3);

	if (!same(a, b) || !same(a, c))
		abort();
	mime_dsn_free(&a);
	mime_dsn_free(&b);
	mime_dsn_free(&c);
	free(lf);
	free(crlf);
	free(cr);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mime_dsn *d = parse_checked(size > 0 ? (const char *)data : NULL, size);

	mime_dsn_free(&d);
	if (d != NULL)
		abort();
	check_found(data, size);
	check_line_ends(data, size);
	return 0;
}
