/* The system's MIME database, /etc/mime.types (contract in mimetypes.h).
 * No library offers it: GLib's content types come from shared-mime-info and
 * libmagic reads file contents, while a sysadmin edits mime.types. */
#include "config.h"
#include "mimetypes.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "xalloc.h"

#define DEFAULT_PATH "/etc/mime.types"
#define UNKNOWN "application/octet-stream"

struct ext_type {
	char *ext;
	char *type;
};

static const char *db_path = DEFAULT_PATH;
static struct ext_type *entries;
static size_t n_entries;
static bool loaded;

void mimetypes_set_path(const char *path)
{
	db_path = path != NULL ? path : DEFAULT_PATH;
}

/* One "type ext ext ..." line into the table; the first type listed for an
 * extension wins, as in mailcap-style readers. */
static void add_line(char *line)
{
	char *save = NULL, *type = strtok_r(line, " \t\r\n", &save), *ext;

	if (type == NULL || type[0] == '#' || strchr(type, '/') == NULL)
		return;
	while ((ext = strtok_r(NULL, " \t\r\n", &save)) != NULL) {
		if (ext[0] == '#')
			break;
		entries = xrealloc(entries, (n_entries + 1) * sizeof(*entries));
		entries[n_entries].ext = xstrdup(ext);
		entries[n_entries].type = xstrdup(type);
		n_entries++;
	}
}

/* Reads the database once; a missing file leaves the table empty. */
static void load(void)
{
	FILE *f;
	char *line = NULL;
	size_t cap = 0;

	loaded = true;
	if ((f = fopen(db_path, "r")) == NULL)
		return;
	while (getline(&line, &cap, f) >= 0)
		add_line(line);
	free(line);
	fclose(f);
}

const char *mimetypes_guess(const char *filename)
{
	const char *slash = strrchr(filename, '/');
	const char *base = slash != NULL ? slash + 1 : filename;
	const char *dot = strrchr(base, '.');

	if (dot == NULL || dot == base || dot[1] == '\0')
		return UNKNOWN;
	if (!loaded)
		load();
	for (size_t i = 0; i < n_entries; i++)
		if (strcasecmp(entries[i].ext, dot + 1) == 0)
			return entries[i].type;
	return UNKNOWN;
}
