/* Templates: text with {{variables}}, checked when it is saved (so an
 * agent learns about a typo at once, with its line and column) and
 * expanded when a reply or an acknowledgement is written. Pure: no
 * database, no I/O; contract in desk.h. */
#include "config.h"
#include "desk/desk.h"

#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "base/utf8.h"

/* The names a template may use, in the order of struct desk_template_vars. */
static const char *const var_names[] = {
	"ticket.number", "ticket.subject", "customer.name", "customer.email",
	"agent.name",    "agent.email",    "team.name",      "ticket.order",
};
#define N_VARS (sizeof(var_names) / sizeof(var_names[0]))

/* A variable's value by its index in var_names ("" for NULL). */
static const char *var_value(const struct desk_template_vars *v, size_t i)
{
	const char *values[N_VARS] = {
		v->ticket_number, v->ticket_subject, v->customer_name, v->customer_email,
		v->agent_name,    v->agent_email,    v->team_name,      v->ticket_order,
	};
	return values[i] != NULL ? values[i] : "";
}


/* Fills err; what is printed with "%.*s" so a long name stays readable. */
static int fail(struct desk_template_error *err, unsigned line, unsigned col, const char *what, const char *name,
		size_t name_len)
{
	if (name_len > 64)
		name_len = 64;
	err->line = line;
	err->column = col;
	if (name != NULL)
		snprintf(err->message, sizeof(err->message), "%s {{%.*s}}", what, (int)name_len, name);
	else
		snprintf(err->message, sizeof(err->message), "%s", what);
	return -1;
}

/* Reads the variable whose "{{" is at text[0]: *used_r gets the bytes up to
 * and including "}}", *index_r the variable. Returns 0 or -1 (err set). */
static int var_read(const char *text, size_t len, unsigned line, unsigned col, size_t *used_r, size_t *index_r,
		    struct desk_template_error *err)
{
	const char *end = NULL, *name, *name_end;

	for (size_t i = 2; i + 1 < len && text[i] != '\n'; i++) {
		if (text[i] == '}' && text[i + 1] == '}') {
			end = text + i;
			break;
		}
	}
	if (end == NULL)
		return fail(err, line, col, "\"{{\" without \"}}\" on the same line", NULL, 0);
	for (name = text + 2; name < end && (*name == ' ' || *name == '\t'); name++)
		;
	for (name_end = end; name_end > name && (name_end[-1] == ' ' || name_end[-1] == '\t'); name_end--)
		;
	if (name == name_end)
		return fail(err, line, col, "empty variable", "", 0);
	for (const char *p = name; p < name_end; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '.' ||
		      *p == '_'))
			return fail(err, line, col, "malformed variable", name, (size_t)(name_end - name));
	}
	for (size_t i = 0; i < N_VARS; i++) {
		if (strlen(var_names[i]) == (size_t)(name_end - name) && memcmp(var_names[i], name, name_end - name) == 0) {
			*used_r = (size_t)(end + 2 - text);
			*index_r = i;
			return 0;
		}
	}
	return fail(err, line, col, "unknown variable", name, (size_t)(name_end - name));
}

/* One pass for both checking and expanding (out NULL: only check), so the
 * two can never disagree about what is valid. */
static int template_scan(const char *text, size_t len, const struct desk_template_vars *vars, struct buf *out,
			 struct desk_template_error *err)
{
	unsigned line = 1, col = 1;
	size_t i = 0;

	if (len > DESK_TEMPLATE_MAX)
		return fail(err, 1, 1, "the template is longer than 65536 bytes", NULL, 0);
	while (i < len) {
		size_t n, index;

		if (text[i] == '{' && i + 1 < len && text[i + 1] == '{') {
			if (var_read(text + i, len - i, line, col, &n, &index, err) < 0)
				return -1;
			if (out != NULL)
				buf_append_str(out, var_value(vars, index));
		} else if ((n = utf8_char_len((const unsigned char *)text + i, len - i)) == 0) {
			return fail(err, line, col, text[i] == '\0' ? "a NUL byte" : "not valid UTF-8", NULL, 0);
		} else if (out != NULL) {
			buf_append(out, text + i, n);
		}
		/* Columns count characters: the bytes of "{{name}}" are all ASCII. */
		for (size_t k = 0; k < n; k++) {
			if (text[i + k] == '\n') {
				line++;
				col = 1;
			} else if (((unsigned char)text[i + k] & 0xc0) != 0x80) {
				col++;
			}
		}
		i += n;
	}
	return 0;
}

int desk_template_check(const char *text, size_t len, struct desk_template_error *err)
{
	return template_scan(text, len, NULL, NULL, err);
}

char *desk_template_expand(const char *text, size_t len, const struct desk_template_vars *vars, size_t *len_r,
			   struct desk_template_error *err)
{
	struct buf b;

	buf_init(&b, 0);
	if (template_scan(text, len, vars, &b, err) < 0) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b, len_r); /* "" when empty */
}

bool desk_text_valid(const char *text, size_t len)
{
	for (size_t i = 0, n; i < len; i += n)
		if ((n = utf8_char_len((const unsigned char *)text + i, len - i)) == 0)
			return false;
	return true;
}
