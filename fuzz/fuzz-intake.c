/* Fuzz target: lib/intake, what strangers post to the HTTP intake routes.
 * The first byte chooses the parser: 'u' an urlencoded form body, checked
 * against a fixed form (name, email, order, message); 'm' a multipart body
 * whose first line is the Content-Type; 'c' a chat transcript; 'e' a shop
 * event; anything else a form stamp to check. Checked against intake.h: a
 * submission the form check accepts has only the form's names, each once,
 * its values valid UTF-8 (one line for line fields); a multipart's values
 * and files lie within the input's length; an accepted chat has exactly
 * one customer with an address, every message from a participant, and a
 * transcript text of valid UTF-8; an accepted event has a valid type;
 * HTML escaping leaves no '<', '>' or '"'. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz/fuzz-check.h"
#include "fuzz/fuzz.h"
#include "intake/intake.h"

/* The contact form of the tests. */
static void fields(struct intake_field f[4])
{
	static const char *const specs[] = { "name:required", "email:required:email", "order", "message:required:text" };
	char *error = NULL;

	for (int i = 0; i < 4; i++) {
		if (intake_field_spec_parse(specs[i], &f[i], &error) < 0)
			abort();
	}
}

/* An accepted submission holds only the form's names, each once, valid text. */
static void check_accepted(const struct intake_field f[4], const struct intake_pairs *p)
{
	for (size_t i = 0; i < p->n; i++) {
		bool known = strcmp(p->v[i].name, INTAKE_HONEYPOT) == 0 || strcmp(p->v[i].name, INTAKE_STAMP) == 0;
		char *esc;

		for (int j = 0; j < 4; j++) {
			if (strcmp(f[j].name, p->v[i].name) == 0) {
				known = true;
				if (!fuzz_utf8_valid(p->v[i].value, p->v[i].value_len) ||
				    (f[j].type != INTAKE_TEXT && memchr(p->v[i].value, '\n', p->v[i].value_len) != NULL))
					abort();
			}
		}
		if (!known || intake_pairs_get(p, p->v[i].name) != &p->v[i])
			abort();
		esc = intake_html_escape(p->v[i].value);
		if (strpbrk(esc, "<>\"'") != NULL)
			abort();
		free(esc);
	}
}

/* A form body, urlencoded or multipart. */
static void form(const char *data, size_t size, bool multipart)
{
	struct intake_field f[4];
	struct intake_pairs p = { 0 };
	struct intake_files files = { 0 };
	struct intake_form_errors errs;
	char *error = NULL, *ct = NULL;
	int ret;

	fields(f);
	if (multipart) {
		const char *nl = memchr(data, '\n', size);
		size_t ctlen = nl != NULL ? (size_t)(nl - data) : size;

		ct = strndup(data, ctlen);
		data += nl != NULL ? ctlen + 1 : ctlen;
		size -= nl != NULL ? ctlen + 1 : ctlen;
		ret = intake_multipart_parse(ct, data, size, 20, &p, &files, &error);
	} else {
		ret = intake_urlencoded_parse(data, size, 50, &p, &error);
	}
	if (ret == 0) {
		size_t total = 0;

		for (size_t i = 0; i < p.n; i++)
			total += p.v[i].value_len;
		for (size_t i = 0; i < files.n; i++)
			total += files.v[i].size;
		if (total > size || error != NULL)
			abort();
		if (intake_form_check(f, 4, &p, &errs) == 0)
			check_accepted(f, &p);
	} else if (error == NULL) {
		abort();
	}
	free(error);
	free(ct);
	intake_pairs_free(&p);
	intake_files_free(&files);
}

/* A chat transcript. */
static void chat(const char *data, size_t size)
{
	struct intake_chat c;
	char *error = NULL, *text;
	size_t len;

	if (intake_chat_parse(data, size, &c, &error) == 0) {
		if (c.customer == NULL || c.customer->email[0] == '\0' || c.n_messages == 0)
			abort();
		text = intake_chat_text(&c, &len);
		if (!fuzz_utf8_valid(text, len))
			abort();
		free(text);
	} else if (error == NULL) {
		abort();
	}
	free(error);
	intake_chat_free(&c);
}

/* A shop event. */
static void event(const char *data, size_t size)
{
	struct intake_event e;
	char *error = NULL, *text;
	size_t len;

	if (intake_event_parse(data, size, &e, &error) == 0) {
		if (!intake_event_type_valid(e.type) || !intake_email_valid(e.email, strlen(e.email)))
			abort();
		text = intake_event_text(&e, &len);
		if (!fuzz_utf8_valid(text, len))
			abort();
		free(text);
	} else if (error == NULL) {
		abort();
	}
	free(error);
	intake_event_free(&e);
}

/* A stamp as a browser returns it. */
static void stamp(const char *data, size_t size)
{
	char *s = strndup(data, size);
	const char *why;

	if (intake_stamp_check("fuzz-secret-fuzz-secret-fuzz-secret", "contact", s, 1000000, 3, 86400, &why) != -1)
		abort(); /* nobody can make a valid MAC without the secret */
	free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *d = (const char *)data + 1;

	if (size == 0)
		return 0;
	switch (data[0]) {
	case 'u': form(d, size - 1, false); break;
	case 'm': form(d, size - 1, true); break;
	case 'c': chat(d, size - 1); break;
	case 'e': event(d, size - 1); break;
	default: stamp(d, size - 1); break;
	}
	return 0;
}
