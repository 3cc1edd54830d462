/* multipart/form-data (RFC 7578; contract in intake.h): a browser's form
 * post with files. Only what a form sends is read: parts delimited by the
 * boundary, each with a Content-Disposition naming its field (and a file
 * name for a file) and maybe a Content-Type; nested multiparts and
 * transfer encodings are not (browsers send neither). */
#include "config.h"
#include "intake/intake.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/xalloc.h"

/* Contract in intake.h. */
void intake_files_free(struct intake_files *f)
{
	for (size_t i = 0; i < f->n; i++) {
		free(f->v[i].field);
		free(f->v[i].filename);
		free(f->v[i].content_type);
		free(f->v[i].data);
	}
	free(f->v);
	memset(f, 0, sizeof(*f));
}

/* The first occurrence of needle (nlen bytes) in hay (hlen bytes). */
static const char *find(const char *hay, size_t hlen, const char *needle, size_t nlen)
{
	if (nlen == 0 || hlen < nlen)
		return NULL;
	for (const char *p = hay; (p = memchr(p, needle[0], hlen - (size_t)(p - hay) - nlen + 1)) != NULL; p++) {
		if (memcmp(p, needle, nlen) == 0)
			return p;
		if ((size_t)(p - hay) + nlen >= hlen)
			break;
	}
	return NULL;
}

/* The value of parameter name (";name=value" or ";name=\"value\"") in a
 * header value, malloc'd, or NULL when absent or malformed. */
static char *param(const char *value, const char *name)
{
	size_t nlen = strlen(name);

	for (const char *p = strchr(value, ';'); p != NULL; p = strchr(p + 1, ';')) {
		const char *q = p + 1, *end;

		while (*q == ' ' || *q == '\t')
			q++;
		if (strncasecmp(q, name, nlen) != 0 || q[nlen] != '=')
			continue;
		q += nlen + 1;
		if (*q != '"')
			return xstrndup(q, strcspn(q, "; \t"));
		/* A quoted string: browsers escape '"' as %22, so no backslashes. */
		if ((end = strchr(q + 1, '"')) == NULL)
			return NULL;
		return xstrndup(q + 1, (size_t)(end - q - 1));
	}
	return NULL;
}

/* The boundary of a multipart/form-data content type: 1-70 bytes of
 * printable ASCII (RFC 2046), malloc'd, or NULL. */
static char *boundary_of(const char *content_type)
{
	char *b;

	if (content_type == NULL || strncasecmp(content_type, "multipart/form-data", 19) != 0)
		return NULL;
	if ((b = param(content_type, "boundary")) == NULL)
		return NULL;
	for (size_t i = 0; b[i] != '\0'; i++) {
		if ((unsigned char)b[i] < 0x20 || (unsigned char)b[i] > 0x7e) {
			free(b);
			return NULL;
		}
	}
	if (b[0] == '\0' || strlen(b) > 70) {
		free(b);
		return NULL;
	}
	return b;
}

/* One header line's value when its name is name (case-insensitive), malloc'd. */
static char *header_get(const char *head, size_t len, const char *name)
{
	size_t nlen = strlen(name), start = 0;

	while (start < len) {
		const char *eol = find(head + start, len - start, "\r\n", 2);
		size_t llen = eol != NULL ? (size_t)(eol - head) - start : len - start;
		const char *line = head + start;

		if (llen > nlen && strncasecmp(line, name, nlen) == 0 && line[nlen] == ':') {
			size_t skip = nlen + 1;

			while (skip < llen && (line[skip] == ' ' || line[skip] == '\t'))
				skip++;
			return xstrndup(line + skip, llen - skip);
		}
		start += llen + 2;
	}
	return NULL;
}


/* RFC 2045 token characters (no controls, blanks or tspecials). */
static bool token_char(unsigned char c)
{
	return c > 32 && c < 127 && strchr("()<>@,;:\\\"/[]?=", c) == NULL;
}

/* A file's Content-Type as a visitor sent it, cut to "type/subtype" of
 * token characters and lower-cased (parameters dropped): a value that
 * carries anything else (a bare LF would become a header of the stored
 * mail and a line of the agents' notification) is
 * "application/octet-stream". Takes and returns malloc'd strings. */
static char *media_type(char *sent)
{
	size_t n = sent != NULL ? strcspn(sent, ";") : 0, slash = 0, i;
	bool ok = n > 0 && n <= 127;

	while (ok && n > 0 && (sent[n - 1] == ' ' || sent[n - 1] == '\t'))
		n--;
	for (i = 0; ok && i < n; i++) {
		if (sent[i] == '/' && slash == 0 && i > 0)
			slash = i;
		else if (!token_char((unsigned char)sent[i]))
			ok = false;
	}
	ok = ok && slash > 0 && slash + 1 < n && (sent[n] == '\0' || sent[n] == ';' || sent[n] == ' ' || sent[n] == '\t');
	if (ok && sent[n] != '\0') {
		/* Parameters may follow, but only on the same line. */
		ok = strpbrk(sent + n, "\r\n") == NULL;
	}
	if (!ok) {
		free(sent);
		return xstrdup("application/octet-stream");
	}
	sent[n] = '\0';
	for (i = 0; i < n; i++)
		sent[i] = (char)tolower((unsigned char)sent[i]);
	return sent;
}

/* One part (its header block and content): a value or a file. */
static int part_take(const char *head, size_t hlen, const char *content, size_t clen, struct intake_pairs *values,
		     struct intake_files *files, char **error_r)
{
	char *disp = header_get(head, hlen, "Content-Disposition"), *name = NULL, *filename = NULL, *type;
	int ret = 0;

	if (disp == NULL || strncasecmp(disp, "form-data", 9) != 0 || (name = param(disp, "name")) == NULL) {
		*error_r = xstrdup("a part without Content-Disposition: form-data; name=...");
		ret = -1;
	} else if ((filename = param(disp, "filename")) == NULL) {
		intake_pairs_add(values, name, strlen(name), content, clen);
	} else {
		if (files->n == files->cap) {
			files->cap = files->cap != 0 ? files->cap * 2 : 4;
			files->v = xrealloc(files->v, files->cap * sizeof(*files->v));
		}
		type = media_type(header_get(head, hlen, "Content-Type"));
		files->v[files->n] = (struct intake_file){ .field = name, .filename = filename,
							   .content_type = type,
							   .data = xmalloc(clen + 1), .size = clen };
		memcpy(files->v[files->n].data, content, clen);
		files->v[files->n++].data[clen] = '\0';
		name = filename = NULL;
	}
	free(name);
	free(filename);
	free(disp);
	return ret;
}

/* The parts after the first delimiter line: p points at its "--BOUNDARY";
 * delim is "\r\n--BOUNDARY" (dlen bytes), which ends every part. */
static int parts_read(const char *body, size_t len, const char *p, const char *delim, size_t dlen,
		      size_t max_parts, struct intake_pairs *values, struct intake_files *files, char **error_r)
{
	const char *end = body + len;

	for (size_t n = 0;; n++) {
		const char *start, *content, *next;

		p += dlen - 2;
		if (end - p >= 2 && p[0] == '-' && p[1] == '-')
			return 0; /* the close delimiter */
		if (end - p < 2 || p[0] != '\r' || p[1] != '\n')
			break;
		if (n >= max_parts) {
			*error_r = xasprintf("more than %zu parts", max_parts);
			return -1;
		}
		start = p + 2;
		/* The header lines end with an empty line (a part without
		 * header lines starts with it). */
		if (end - start >= 2 && start[0] == '\r' && start[1] == '\n')
			content = start + 2;
		else if ((content = find(start, (size_t)(end - start), "\r\n\r\n", 4)) != NULL)
			content += 4;
		if (content == NULL || (next = find(content, (size_t)(end - content), delim, dlen)) == NULL)
			break;
		if (part_take(start, (size_t)(content - start), content, (size_t)(next - content), values, files,
			      error_r) < 0)
			return -1;
		p = next + 2;
	}
	*error_r = xstrdup("the body ends before the closing boundary");
	return -1;
}

/* Contract in intake.h. */
int intake_multipart_parse(const char *content_type, const char *body, size_t len, size_t max_parts,
			   struct intake_pairs *values, struct intake_files *files, char **error_r)
{
	char *boundary = boundary_of(content_type), *delim;
	const char *p;
	size_t dlen;
	int ret;

	memset(values, 0, sizeof(*values));
	memset(files, 0, sizeof(*files));
	if (boundary == NULL) {
		*error_r = xstrdup("multipart/form-data needs a boundary of 1-70 printable characters");
		return -1;
	}
	/* "\r\n--BOUNDARY": the first delimiter may also open the body. */
	delim = xasprintf("\r\n--%s", boundary);
	dlen = strlen(delim) - 2;
	if (len >= dlen && memcmp(body, delim + 2, dlen) == 0)
		p = body;
	else if ((p = find(body, len, delim, dlen + 2)) != NULL)
		p += 2;
	if (p == NULL) {
		*error_r = xstrdup("the body has no boundary line");
		ret = -1;
	} else {
		ret = parts_read(body, len, p, delim, dlen + 2, max_parts, values, files, error_r);
	}
	free(delim);
	free(boundary);
	return ret;
}
