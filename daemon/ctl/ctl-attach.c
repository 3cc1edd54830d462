/* "maildeskctl message show ID [--raw]" and "attachment get ID [-o FILE]":
 * what maildesk stored, written out byte for byte (lib/db/db-attach.h).
 * An attachment's name is a stranger's text: it picks a file name only
 * inside the directory the user named, never a path. */
#include "config.h"
#include "ctl.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/xalloc.h"
#include "db/db-attach.h"

/* Writes all of data to fd. Returns 0, or -1 with errno. */
static int write_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, data, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The tenant a command means (--tenant, else the only one) as a number. */
static int tenant_of(struct ctl *ctl, const struct ctl_args *a, int64_t *tenant_id_r)
{
	char *tenant_id = NULL, *tenant_name = NULL;
	int ret = ctl_tenant_resolve(ctl, a, NULL, &tenant_id, &tenant_name);

	if (ret == 0)
		*tenant_id_r = ctl_id(tenant_id);
	free(tenant_id);
	free(tenant_name);
	return ret;
}

/* "message show ID [--tenant T] [--raw]": --raw writes the stored bytes
 * as they are; without it they are made safe for a terminal. */
static int message_show(struct ctl *ctl, const struct ctl_args *a)
{
	int64_t tenant_id = 0;
	char *data = NULL, *error = NULL;
	size_t len = 0;
	int ret, found = 0;

	if (!ctl_number_valid(a->pos[0]))
		return ctl_usage_error(a, "message id \"%s\" is not a number", a->pos[0]);
	ret = tenant_of(ctl, a, &tenant_id);
	if (ret == 0 && (found = db_attach_message_raw(ctl->db, tenant_id, ctl_id(a->pos[0]), &data, &len, &error)) < 0)
		ret = ctl_db_fail(error);
	else if (ret == 0 && found == 0)
		ret = ctl_fail("message %s not found (or it has no stored bytes: a note, or purged by the"
				" tenant's retention or a contact erase)", a->pos[0]);
	if (ret == 0 && ctl_opt_get(a, "raw") != NULL) {
		if (write_all(STDOUT_FILENO, data, len) < 0)
			ret = ctl_fail("standard output: %s", strerror(errno));
	} else if (ret == 0) {
		char *safe = ctl_output_sanitize(data, true);

		fputs(safe, stdout);
		free(safe);
	}
	free(data);
	return ret;
}

/* Contract in ctl.h. The name lib/mime stored is already clean; this
 * holds whatever is in the table to the same rule. */
char *ctl_attach_file_name(const char *name, const char *id)
{
	const char *slash = strrchr(name, '/');
	char *out;
	size_t n = 0;

	name = slash != NULL ? slash + 1 : name;
	while (*name == '.' || *name == ' ')
		name++;
	out = xmalloc(strlen(name) + 1);
	for (const unsigned char *p = (const unsigned char *)name; *p != '\0';) {
		size_t clen = *p < 0x80 ? 1 : *p >= 0xf0 ? 4 : *p >= 0xe0 ? 3 : 2;

		if (n + clen > 255 || strnlen((const char *)p, clen) < clen)
			break; /* never half a character */
		for (size_t i = 0; i < clen; i++, p++)
			out[n++] = *p < 0x20 || *p == 0x7f || *p == '\\' ? '_' : (char)*p;
	}
	out[n] = '\0';
	if (n == 0) {
		free(out);
		out = xasprintf("attachment-%s", id);
	}
	return out;
}

/* Where -o PATH writes: PATH itself, or in an existing directory the
 * attachment's own (cleaned) name, created new (never over a file or
 * through a symbolic link that is there). Returns an open fd or -1. */
static int output_open(const char *path, const char *filename, const char *id, char **where_r)
{
	struct stat st;
	char *name;
	int fd;

	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		name = ctl_attach_file_name(filename, id);
		*where_r = xasprintf("%s%s%s", path, path[strlen(path) - 1] == '/' ? "" : "/", name);
		free(name);
		fd = open(*where_r, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
	} else {
		*where_r = xstrdup(path);
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	}
	return fd;
}

/* Writes data to -o's file; a partial file is removed. */
static int output_write(const char *path, const char *filename, const char *id, const char *data, size_t len)
{
	char *where = NULL;
	int fd = output_open(path, filename, id, &where), ret = 0;

	if (fd < 0) {
		ret = ctl_fail("%s: %s", where, strerror(errno));
	} else if (write_all(fd, data, len) < 0 || close(fd) < 0) {
		ret = ctl_fail("%s: %s", where, strerror(errno));
		unlink(where);
	} else {
		char *shown = ctl_output_sanitize(where, false);

		printf("attachment %s: %zu bytes written to %s\n", id, len, shown);
		free(shown);
	}
	free(where);
	return ret;
}

/* "attachment get ID [--tenant T] [-o FILE|DIR]": the decoded content,
 * to standard output without -o. */
static int attachment_get(struct ctl *ctl, const struct ctl_args *a)
{
	const char *out = ctl_opt_get(a, "o") != NULL ? ctl_opt_get(a, "o") : ctl_opt_get(a, "output");
	int64_t tenant_id = 0;
	char *data = NULL, *filename = NULL, *error = NULL;
	size_t len = 0;
	int ret, found = 0;

	if (!ctl_number_valid(a->pos[0]))
		return ctl_usage_error(a, "attachment id \"%s\" is not a number", a->pos[0]);
	if (out != NULL && out[0] == '\0')
		return ctl_usage_error(a, "-o needs a file or directory name");
	ret = tenant_of(ctl, a, &tenant_id);
	if (ret == 0 &&
	    (found = db_attach_get(ctl->db, tenant_id, ctl_id(a->pos[0]), &data, &len, &filename, &error)) < 0)
		ret = ctl_db_fail(error);
	else if (ret == 0 && found == 0)
		ret = ctl_fail("attachment %s not found (or its content was purged by the tenant's retention or a"
			       " contact erase)", a->pos[0]);
	if (ret == 0 && out != NULL && strcmp(out, "-") != 0)
		ret = output_write(out, filename, a->pos[0], data, len);
	else if (ret == 0 && write_all(STDOUT_FILENO, data, len) < 0)
		ret = ctl_fail("standard output: %s", strerror(errno));
	free(filename);
	free(data);
	return ret;
}

const struct ctl_command ctl_attach_commands[] = {
	{ "message show", "ID [--tenant T] [--raw]",
	  "print a stored message (ids in ticket show); --raw: its bytes exactly as received or sent", 1, 1,
	  "tenant= raw", message_show },
	{ "attachment get", "ID [--tenant T] [-o FILE|DIR]",
	  "write an attachment's content (ids in ticket show) to standard output, FILE, or DIR under its own"
	  " name (never outside DIR, never over an existing file)",
	  1, 1, "tenant= o= output=", attachment_get },
	{ NULL, NULL, NULL, 0, 0, NULL, NULL },
};

/* The largest --notify-attach-max: message_size_limit's own ceiling. */
#define ATTACH_MAX_CEILING (UINT64_C(1) << 32)

/* Contract in ctl.h. */
int ctl_attach_max_check(const struct ctl_args *a, const char *size)
{
	uint64_t n;

	if (config_size_parse(size, &n) < 0 || n > ATTACH_MAX_CEILING)
		return ctl_usage_error(a, "invalid --notify-attach-max \"%s\": bytes from 0 to 4G, optionally with k, M"
				       " or G", size);
	return 0;
}

/* Contract in ctl.h. */
int ctl_team_attach_max_set(struct ctl *ctl, const char *tenant_id, const char *tenant_name, const char *team_id,
			    const char *team, const char *size)
{
	uint64_t n = 0;
	char *error = NULL;

	config_size_parse(size, &n); /* ctl_attach_max_check() accepted it */
	if (db_attach_team_max_set(ctl->db, ctl_id(tenant_id), ctl_id(team_id), (int64_t)n, &error) < 0)
		return ctl_db_fail(error);
	if (n == 0)
		printf("team \"%s\" in tenant \"%s\": notifications list attachments and carry none\n", team,
		       tenant_name);
	else
		printf("team \"%s\" in tenant \"%s\": notifications carry attachments up to %" PRIu64
		       " bytes together\n", team, tenant_name, n);
	return 0;
}
