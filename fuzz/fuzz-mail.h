#ifndef MD_FUZZ_MAIL_H
#define MD_FUZZ_MAIL_H
/* Input layout shared by the lib/agent fuzz targets that read a header
 * section: a few lines of settings, then header fields "Name: value" with
 * folded continuation lines, up to an empty line or the end. Header only
 * (static inline), for fuzz/ alone. */
#include <stdlib.h>
#include <string.h>

#include "agent/agent.h"

#define FUZZ_MAIL_FIELDS 64

struct fuzz_mail {
	char *copy;  /* the input, NUL-terminated, cut into strings in place */
	char *rest;  /* where the next line starts (NULL at the end) */
	struct mime_field fields[FUZZ_MAIL_FIELDS + 1]; /* one spare slot */
	size_t n;
};

/* Copies the input so it can be cut up; free with fuzz_mail_free. */
static inline void fuzz_mail_init(struct fuzz_mail *m, const uint8_t *data, size_t size)
{
	memset(m, 0, sizeof(*m));
	m->copy = malloc(size + 1);
	if (m->copy == NULL)
		abort();
	memcpy(m->copy, data, size);
	m->copy[size] = '\0';
	m->rest = m->copy;
}

static inline void fuzz_mail_free(struct fuzz_mail *m)
{
	free(m->copy);
	m->copy = NULL;
}

/* The next line (CRLF or LF cut off), or NULL at the end. */
static inline char *fuzz_mail_line(struct fuzz_mail *m)
{
	char *s = m->rest, *e;

	if (s == NULL)
		return NULL;
	e = strchr(s, '\n');
	m->rest = e != NULL ? e + 1 : NULL;
	if (e != NULL) {
		*e = '\0';
		if (e > s && e[-1] == '\r')
			e[-1] = '\0';
	}
	return s;
}

/* A settings line: "-" (or no line at all) stands for NULL. */
static inline const char *fuzz_mail_setting(struct fuzz_mail *m)
{
	const char *s = fuzz_mail_line(m);

	return s == NULL || strcmp(s, "-") == 0 ? NULL : s;
}

/* The header fields into m->fields; a line starting with a space or tab
 * is folded into the previous value (its line end restored). Lines
 * without a colon are skipped. */
static inline void fuzz_mail_fields(struct fuzz_mail *m)
{
	char *line;

	while (m->n < FUZZ_MAIL_FIELDS && (line = fuzz_mail_line(m)) != NULL && *line != '\0') {
		char *colon = strchr(line, ':');

		if ((*line == ' ' || *line == '\t') && m->n > 0) {
			line[-1] = '\n';
			if (line - 2 >= m->copy && line[-2] == '\0')
				line[-2] = '\r';
			continue;
		}
		if (colon == NULL)
			continue;
		*colon = '\0';
		m->fields[m->n].name = line;
		m->fields[m->n++].value = colon + 1;
	}
}

#endif
