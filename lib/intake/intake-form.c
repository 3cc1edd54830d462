/* Forms (contracts in intake.h): field specifications, a submission read
 * and checked against its form. */
#include "config.h"
#include "intake/intake.h"

#include <stdlib.h>
#include <string.h>

#include "base/orderref.h"
#include "base/xalloc.h"
#include "intake/intake-private.h"

static const char *const type_names[] = { "text", "line", "email", "order" };

/* Contract in intake.h. */
const char *intake_field_type_name(enum intake_field_type t)
{
	return (unsigned)t < 4 ? type_names[t] : "line";
}

/* Contract in intake.h. */
int intake_field_type_parse(const char *name, enum intake_field_type *t_r)
{
	for (unsigned i = 0; i < 4; i++) {
		if (strcmp(name, type_names[i]) == 0) {
			*t_r = (enum intake_field_type)i;
			return 1;
		}
	}
	return 0;
}

/* A field name: [a-z][a-z0-9_]{0,31}, and not one of ours. */
static bool field_name_valid(const char *s, size_t len)
{
	if (len == 0 || len > INTAKE_NAME_MAX || s[0] < 'a' || s[0] > 'z')
		return false;
	for (size_t i = 1; i < len; i++) {
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	}
	return !(len == strlen(INTAKE_HONEYPOT) && memcmp(s, INTAKE_HONEYPOT, len) == 0) &&
	       !(len == strlen(INTAKE_STAMP) && memcmp(s, INTAKE_STAMP, len) == 0);
}

/* The type a field has when its spec names none. */
static enum intake_field_type default_type(const char *name)
{
	if (strcmp(name, "email") == 0)
		return INTAKE_EMAIL;
	if (strcmp(name, "order") == 0)
		return INTAKE_ORDER;
	return strcmp(name, "message") == 0 ? INTAKE_TEXT : INTAKE_LINE;
}

/* Contract in intake.h. */
int intake_field_spec_parse(const char *spec, struct intake_field *f, char **error_r)
{
	const char *colon = strchr(spec, ':'), *p;
	size_t len = colon != NULL ? (size_t)(colon - spec) : strlen(spec);
	bool typed = false;

	memset(f, 0, sizeof(*f));
	if (!field_name_valid(spec, len)) {
		*error_r = xasprintf("field \"%s\": a name is [a-z][a-z0-9_]{0,31} (not \"%s\" or \"%s\")", spec,
				     INTAKE_HONEYPOT, INTAKE_STAMP);
		return -1;
	}
	memcpy(f->name, spec, len);
	for (p = colon; p != NULL; p = strchr(p + 1, ':')) {
		const char *end = strchr(p + 1, ':');
		char *word = xstrndup(p + 1, end != NULL ? (size_t)(end - p - 1) : strlen(p + 1));
		int ok = 1;

		if (strcmp(word, "required") == 0 && !f->required)
			f->required = true;
		else if (!typed && intake_field_type_parse(word, &f->type))
			typed = true;
		else
			ok = 0;
		if (!ok)
			*error_r = xasprintf("field \"%s\": unknown or repeated word \"%s\" (required, text, line,"
					     " email, order)", spec, word);
		free(word);
		if (!ok)
			return -1;
	}
	if (!typed)
		f->type = default_type(f->name);
	return 0;
}

/* Contract in intake.h. */
int intake_fields_check(const struct intake_field *fields, size_t n, char **error_r)
{
	size_t emails = 0, orders = 0;

	if (n > INTAKE_FIELDS_MAX) {
		*error_r = xasprintf("a form has at most %d fields", INTAKE_FIELDS_MAX);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < i; j++) {
			if (strcmp(fields[i].name, fields[j].name) == 0) {
				*error_r = xasprintf("field \"%s\" is named twice", fields[i].name);
				return -1;
			}
		}
		emails += fields[i].type == INTAKE_EMAIL;
		orders += fields[i].type == INTAKE_ORDER;
		if (fields[i].type == INTAKE_EMAIL && !fields[i].required) {
			*error_r = xasprintf("field \"%s\": the email field must be required (it is the requester)",
					     fields[i].name);
			return -1;
		}
	}
	if (emails != 1 || orders > 1) {
		*error_r = xstrdup(emails != 1 ? "a form has exactly one email field (the requester's address)"
					       : "a form has at most one order field");
		return -1;
	}
	return 0;
}

/* Contract in intake.h. */
void intake_pairs_add(struct intake_pairs *p, const char *name, size_t name_len, const char *value,
		      size_t value_len)
{
	if (p->n == p->cap) {
		p->cap = p->cap != 0 ? p->cap * 2 : 8;
		p->v = xrealloc(p->v, p->cap * sizeof(*p->v));
	}
	char *copy = xmalloc(value_len + 1);

	memcpy(copy, value, value_len);
	copy[value_len] = '\0';
	p->v[p->n++] = (struct intake_pair){ xstrndup(name, name_len), copy, value_len };
}

/* Contract in intake.h. */
void intake_pairs_free(struct intake_pairs *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->v[i].name);
		free(p->v[i].value);
	}
	free(p->v);
	memset(p, 0, sizeof(*p));
}

/* Contract in intake.h. */
const struct intake_pair *intake_pairs_get(const struct intake_pairs *p, const char *name)
{
	for (size_t i = 0; i < p->n; i++) {
		if (strcmp(p->v[i].name, name) == 0)
			return &p->v[i];
	}
	return NULL;
}

/* Contract in intake.h. */
bool intake_email_valid(const char *s, size_t len)
{
	const char *at = memchr(s, '@', len), *dot;

	if (len == 0 || len > 254 || at == NULL || at == s || memchr(at + 1, '@', len - (size_t)(at + 1 - s)) != NULL)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c <= 0x20 || c >= 0x7f || strchr("<>\"(),;:\\[]", c) != NULL)
			return false;
	}
	dot = memchr(at + 1, '.', len - (size_t)(at + 1 - s));
	return dot != NULL && dot > at + 1 && (size_t)(dot - s) + 1 < len && s[len - 1] != '.';
}

/* Records one problem (past the array's end, the rest are dropped). */
static void error_add(struct intake_form_errors *errs, const char *field, const char *code, const char *detail)
{
	struct intake_field_error *e;

	if (errs->n >= sizeof(errs->v) / sizeof(errs->v[0]))
		return;
	e = &errs->v[errs->n++];
	memset(e->field, 0, sizeof(e->field));
	strncpy(e->field, field, INTAKE_NAME_MAX);
	intake_text_sanitise_name(e->field);
	e->code = code;
	e->detail = detail;
}

/* Whether a value is only blanks (a required field left empty). */
static bool blank(const char *v, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (v[i] != ' ' && v[i] != '\t' && v[i] != '\r' && v[i] != '\n')
			return false;
	}
	return true;
}

/* One present value against its field's type: NULL fine, else the code. */
static const char *value_problem(const struct intake_field *f, const char *v, size_t len, const char **detail_r)
{
	bool multiline = f->type == INTAKE_TEXT;

	if (len > (multiline ? INTAKE_VALUE_MAX : INTAKE_LINE_MAX)) {
		*detail_r = multiline ? "at most 65536 bytes" : "at most 1000 bytes";
		return "too_long";
	}
	if (!intake_text_valid(v, len, multiline)) {
		*detail_r = multiline ? "must be UTF-8 text without control characters"
				      : "must be one line of UTF-8 text without control characters";
		return "invalid";
	}
	if (f->type == INTAKE_EMAIL && !intake_email_valid(v, len)) {
		*detail_r = "must be an e-mail address (name@example.com)";
		return "invalid";
	}
	if (f->type == INTAKE_ORDER && orderref_check(v, len) != NULL) {
		*detail_r = "must be an order reference: 1-64 printable characters without spaces";
		return "invalid";
	}
	return NULL;
}

/* Whether a submitted name is one of the form's own hidden fields. */
static bool hidden_name(const char *name)
{
	return strcmp(name, INTAKE_HONEYPOT) == 0 || strcmp(name, INTAKE_STAMP) == 0;
}

/* Contract in intake.h. */
size_t intake_form_check(const struct intake_field *fields, size_t n, const struct intake_pairs *submitted,
			 struct intake_form_errors *errs)
{
	errs->n = 0;
	for (size_t i = 0; i < submitted->n; i++) {
		const char *name = submitted->v[i].name;
		bool known = hidden_name(name);

		for (size_t j = 0; !known && j < n; j++)
			known = strcmp(fields[j].name, name) == 0;
		if (!known)
			error_add(errs, name, "unknown", "this form has no such field");
		else if (intake_pairs_get(submitted, name) != &submitted->v[i])
			error_add(errs, name, "repeated", "sent more than once");
	}
	for (size_t j = 0; j < n; j++) {
		const struct intake_pair *p = intake_pairs_get(submitted, fields[j].name);
		const char *detail = NULL, *code;

		/* A blank value is still checked: "\n" is no empty line field. */
		if (p == NULL || p->value_len == 0 || (fields[j].required && blank(p->value, p->value_len))) {
			if (fields[j].required)
				error_add(errs, fields[j].name, "required", "this field is required");
		} else if ((code = value_problem(&fields[j], p->value, p->value_len, &detail)) != NULL)
			error_add(errs, fields[j].name, code, detail);
	}
	return errs->n;
}
