#include "config.h"
#include "ctl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/xalloc.h"

/* Longest text cell of a table, in characters; longer ones end in "...". */
#define CELL_MAX_CHARS 60

/* Mail text may hold escape sequences; a terminal must not obey them. */
char *ctl_output_sanitize(const char *s, bool keep_lines)
{
	size_t n = strlen(s);
	char *r = xmalloc(n + 1), *o = r;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == 0xc2 && i + 1 < n && (unsigned char)s[i + 1] >= 0x80 &&
		    (unsigned char)s[i + 1] <= 0x9f) {
			/* A C1 control character: some terminals obey it. */
			*o++ = '?';
			i++;
		} else if ((c < 0x20 && !(keep_lines && (c == '\n' || c == '\t'))) || c == 0x7f) {
			*o++ = '?';
		} else {
			*o++ = (char)c;
		}
	}
	*o = '\0';
	return r;
}

/* Short timestamps for tables; JSON keeps the full ISO form. */
const char *ctl_output_time(const char *iso, char *buf, size_t size)
{
	/* "2024-05-01T12:00:00Z" -> "2024-05-01 12:00Z" */
	if (strlen(iso) < 16) {
		snprintf(buf, size, "%s", iso);
		return buf;
	}
	snprintf(buf, size, "%.10s %.5sZ", iso, iso + 11);
	return buf;
}

/* Characters, not bytes, so UTF-8 text lines up. */
static size_t text_width(const char *s)
{
	size_t w = 0;

	for (; *s != '\0'; s++) {
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	}
	return w;
}

/* Cuts s after max characters, adding "...". */
static void text_truncate(char *s, size_t max)
{
	size_t chars = 0;

	for (char *p = s; *p != '\0'; p++) {
		if (((unsigned char)*p & 0xc0) != 0x80 && ++chars > max - 3) {
			if (text_width(p) <= 3)
				return;
			strcpy(p, "...");
			return;
		}
	}
}

/* A JSON cell as text: a list of strings joined by ", ", else compact. */
static char *json_cell_text(const char *v)
{
	json_t *j = json_loads(v, JSON_DECODE_ANY, NULL);
	struct buf b;
	size_t i;
	json_t *item;

	if (j == NULL)
		return xstrdup(v);
	buf_init(&b, 0);
	if (json_is_array(j)) {
		json_array_foreach (j, i, item) {
			char *s = json_is_string(item) ? xstrdup(json_string_value(item))
						       : json_dumps(item, JSON_COMPACT | JSON_ENCODE_ANY);
			buf_printf(&b, "%s%s", i > 0 ? ", " : "", s != NULL ? s : "");
			free(s);
		}
	} else {
		char *s = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
		buf_append_str(&b, s != NULL ? s : "");
		free(s);
	}
	json_decref(j);
	if (b.len == 0)
		buf_append_str(&b, "-");
	return buf_steal(&b, NULL);
}

/* One cell as it reads in a text table. */
static char *cell_text(const char *v, char kind)
{
	char tbuf[32], *s, *r;

	if (v == NULL)
		return xstrdup("-");
	switch (kind) {
	case 't':
		return xstrdup(ctl_output_time(v, tbuf, sizeof(tbuf)));
	case 'b':
		return xstrdup(v[0] == 't' ? "yes" : "no");
	case 'j':
		s = json_cell_text(v);
		break;
	default:
		s = xstrdup(v);
		break;
	}
	r = ctl_output_sanitize(s, false);
	free(s);
	if (kind != 'j') /* lists (aliases, teams) are shown whole */
		text_truncate(r, CELL_MAX_CHARS);
	return r;
}

/* Prints an aligned table with a header line. */
static void rows_print_text(const struct db_table *t, const char *kinds)
{
	size_t n = t->n_rows * t->n_cols;
	char **cells = xcalloc(n, sizeof(char *));
	size_t *width = xcalloc(t->n_cols, sizeof(size_t));

	for (size_t c = 0; c < t->n_cols; c++)
		width[c] = text_width(t->col_names[c]);
	for (size_t i = 0; i < n; i++) {
		size_t c = i % t->n_cols, w;

		cells[i] = cell_text(t->cells[i], c < strlen(kinds) ? kinds[c] : 's');
		w = text_width(cells[i]);
		if (w > width[c])
			width[c] = w;
	}
	for (size_t r = 0; r <= t->n_rows; r++) {
		for (size_t c = 0; c < t->n_cols; c++) {
			const char *s = r == 0 ? t->col_names[c] : cells[(r - 1) * t->n_cols + c];
			bool last = c + 1 == t->n_cols;

			fputs(s, stdout);
			for (size_t pad = text_width(s); !last && pad < width[c] + 2; pad++)
				putchar(' ');
		}
		putchar('\n');
	}
	for (size_t i = 0; i < n; i++)
		free(cells[i]);
	free(cells);
	free(width);
}

/* Typed JSON values from the all-text table, by column kind. */
json_t *ctl_output_row_json(const struct db_table *t, size_t row, const char *kinds)
{
	json_t *o = json_object();

	for (size_t c = 0; c < t->n_cols; c++) {
		const char *v = db_table_get(t, row, c);
		char kind = c < strlen(kinds) ? kinds[c] : 's';
		json_t *j;

		if (v == NULL)
			j = json_null();
		else if (kind == 'i')
			j = json_integer(strtoll(v, NULL, 10));
		else if (kind == 'b')
			j = json_boolean(v[0] == 't');
		else if (kind == 'j')
			j = json_loads(v, JSON_DECODE_ANY, NULL);
		else
			j = json_string(v);
		json_object_set_new(o, t->col_names[c], j != NULL ? j : json_null());
	}
	return o;
}

/* One indented document per command. */
void ctl_output_json_print(json_t *json)
{
	json_dumpf(json, stdout, JSON_INDENT(2) | JSON_ENCODE_ANY);
	putchar('\n');
	json_decref(json);
}

/* Every listing goes through here, so --json works the same everywhere. */
void ctl_output_rows(const struct ctl *ctl, const struct db_table *t, const char *kinds)
{
	json_t *arr;

	if (!ctl->json) {
		rows_print_text(t, kinds);
		return;
	}
	arr = json_array();
	for (size_t r = 0; r < t->n_rows; r++)
		json_array_append_new(arr, ctl_output_row_json(t, r, kinds));
	ctl_output_json_print(arr);
}
