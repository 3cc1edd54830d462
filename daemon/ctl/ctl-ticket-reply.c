/* "maildeskctl ticket reply" and "ticket note": an agent answers or notes
 * from the shell, exactly as by mail (lib/desk does the work, inside the
 * transaction ctl_change_run() opens). Also the helpers "ticket new" and
 * "template add" share: reading a text file, and lib/desk's settings. */
#include "config.h"
#include "ctl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/xalloc.h"
#include "desk/desk.h"
#include "mime/mime.h"

int ctl_file_read(const char *path, size_t max, bool text, char **data_r, size_t *len_r)
{
	bool is_stdin = strcmp(path, "-") == 0;
	FILE *f = is_stdin ? stdin : fopen(path, "rb");
	struct buf b;
	char chunk[8192];
	size_t n;
	int ret = 0;

	if (f == NULL)
		return ctl_fail("%s: %s", path, strerror(errno));
	buf_init(&b, max);
	while (ret == 0 && (n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (buf_append(&b, chunk, n) < 0)
			ret = ctl_fail("%s: longer than %zu bytes", path, max);
	}
	if (ret == 0 && ferror(f))
		ret = ctl_fail("%s: read error", path);
	if (ret == 0 && text && !desk_text_valid(b.data != NULL ? b.data : "", b.len))
		ret = ctl_fail("%s: not UTF-8 text", path);
	if (!is_stdin)
		fclose(f);
	if (ret != 0) {
		buf_free(&b);
		return ret;
	}
	*data_r = buf_steal(&b, len_r);
	return 0;
}

int ctl_desk_load(const struct ctl *ctl, struct ctl_desk *d)
{
	const char *path = ctl->config_path != NULL ? ctl->config_path : CTL_DEFAULT_CONFIG;
	char *error = NULL;
	int ret = 0;

	memset(d, 0, sizeof(*d));
	config_defaults(&d->cfg);
	if (config_load(path, &d->cfg, &error) < 0)
		ret = ctl_fail("%s", error);
	else if (config_read_secret(d->cfg.secret_file, &d->secret, &error) < 0)
		ret = ctl_fail("cannot read the reply token secret (secret_file): %s", error);
	free(error);
	if (ret != 0) {
		ctl_desk_free(d);
		return ret;
	}
	/* Like Postfix, the first of several delimiters is the one to write. */
	d->s = (struct desk_settings){
		.secret = d->secret, .hostname = d->cfg.hostname,
		.delimiter = d->cfg.recipient_delimiter[0] != '\0' ? d->cfg.recipient_delimiter[0] : '+',
		.auto_per_ticket_hour = d->cfg.auto_mail_per_ticket_hour,
		.auto_per_address_hour = d->cfg.auto_mail_per_address_hour,
		.auto_per_team_hour = d->cfg.auto_mail_per_team_hour,
		.autoack_window_s = d->cfg.autoack_window, .shared_domain = d->cfg.shared_domain,
		.agent_token_lifetime_s = d->cfg.agent_token_lifetime,
	};
	mime_init();
	return 0;
}

void ctl_desk_free(struct ctl_desk *d)
{
	if (d->secret != NULL)
		explicit_bzero(d->secret, strlen(d->secret));
	free(d->secret);
	config_free(&d->cfg);
	memset(d, 0, sizeof(*d));
}

/* What reply and note differ in. */
typedef int desk_write_fn(struct db *db, const struct desk_settings *s, int64_t ticket_number,
			  const char *agent_email, const char *text, size_t len, char **done_r, char **error_r);

/* Reads the file and hands it to lib/desk; ctl_change_run() commits. */
static int write_change(struct ctl *ctl, const struct ctl_args *a, desk_write_fn *fn, char **done_r)
{
	struct ctl_desk d;
	char *text = NULL, *error = NULL;
	size_t len;
	int ret = ctl_desk_load(ctl, &d);

	if (ret == 0)
		ret = ctl_file_read(ctl_opt_get(a, "file"), CTL_TEXT_MAX, true, &text, &len);
	if (ret == 0 && fn(ctl->db, &d.s, strtoll(a->pos[0], NULL, 10), ctl_opt_get(a, "from"), text, len, done_r,
			   &error) < 0)
		ret = ctl_fail("%s", error != NULL ? error : "failed");
	free(error);
	free(text);
	ctl_desk_free(&d);
	return ret;
}

/* ctl_change_run() callback of "ticket reply": the answer and its files
 * (--attach). */
static int reply_change(struct ctl *ctl, const struct ctl_args *a, char **done_r)
{
	struct ctl_attachments at = { 0 };
	struct ctl_desk d;
	char *text = NULL, *error = NULL;
	size_t len;
	int ret = ctl_desk_load(ctl, &d);

	if (ret == 0)
		ret = ctl_file_read(ctl_opt_get(a, "file"), CTL_TEXT_MAX, true, &text, &len);
	if (ret == 0)
		ret = ctl_attachments_read(a, &at);
	if (ret == 0 && desk_cli_reply_attach(ctl->db, &d.s, strtoll(a->pos[0], NULL, 10), ctl_opt_get(a, "from"),
					      text, len, at.list, at.n, done_r, &error) < 0)
		ret = ctl_fail("%s", error != NULL ? error : "failed");
	ctl_attachments_free(&at);
	free(error);
	free(text);
	ctl_desk_free(&d);
	return ret;
}

/* ctl_change_run() callback of "ticket note". */
static int note_change(struct ctl *ctl, const struct ctl_args *a, char **done_r)
{
	return write_change(ctl, a, desk_cli_note, done_r);
}

/* The checks both commands share, before anything is read. */
static int write_args_check(const struct ctl_args *a)
{
	if (!ctl_number_valid(a->pos[0]))
		return ctl_usage_error(a, "ticket number \"%s\" is not a number", a->pos[0]);
	if (ctl_opt_get(a, "from") == NULL)
		return ctl_usage_error(a, "missing --from AGENT");
	if (ctl_opt_get(a, "file") == NULL)
		return ctl_usage_error(a, "missing --file F (- reads standard input)");
	return 0;
}

/* "ticket reply NUMBER --from AGENT --file F [--attach FILE]...". */
int ctl_ticket_reply(struct ctl *ctl, const struct ctl_args *a)
{
	int ret = write_args_check(a);

	if (ret == 0)
		ret = ctl_attach_args_check(a);

	return ret != 0 ? ret : ctl_change_run(ctl, a, reply_change);
}

/* "ticket note NUMBER --from AGENT --file F". */
int ctl_ticket_note(struct ctl *ctl, const struct ctl_args *a)
{
	int ret = write_args_check(a);

	return ret != 0 ? ret : ctl_change_run(ctl, a, note_change);
}
