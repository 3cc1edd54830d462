/* Fuzz target: delivery reports (lib/smtp smtp_dsn_parse), written by a
 * stranger's mail server and read by lib/desk when a report comes back for
 * one of our mails. The input is the message/delivery-status body. Checked
 * against smtp-dsn.h: every field set, valid UTF-8 without control
 * characters, no space or tab at either end, no longer than the input;
 * the text is read only inside its bounds; a field named at the start is
 * found; smtp_dsn_free clears the struct. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz/fuzz-check.h"
#include "fuzz/fuzz.h"
#include "smtp/smtp-dsn.h"

/* One field value as smtp-dsn.h promises it. */
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

/* Parses, checks and frees one report. */
static void parse_checked(const char *text, size_t len, struct smtp_dsn *d)
{
	smtp_dsn_parse(text, len, d);
	check_value(d->action, len);
	check_value(d->status, len);
	check_value(d->diagnostic, len);
	check_value(d->recipient, len);
}

/* "Status: " put in front of the input: the status must be found. */
static void check_found(const uint8_t *data, size_t size)
{
	static const char prefix[] = "Status: x";
	size_t plen = sizeof(prefix) - 1;
	char *text = malloc(plen + size);
	struct smtp_dsn d;

	if (text == NULL)
		abort();
	memcpy(text, prefix, plen);
	if (size > 0)
		memcpy(text + plen, data, size);
	parse_checked(text, plen + size, &d);
	if (d.status[0] != 'x')
		abort();
	smtp_dsn_free(&d);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct smtp_dsn d;

	parse_checked(size > 0 ? (const char *)data : NULL, size, &d);
	smtp_dsn_free(&d);
	if (d.action != NULL || d.status != NULL || d.diagnostic != NULL || d.recipient != NULL)
		abort();
	check_found(data, size);
	return 0;
}
