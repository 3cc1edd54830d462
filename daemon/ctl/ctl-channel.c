/* "maildeskctl channel ...": IMAP channels of mail hosted elsewhere
 * (issue 15). The password never reaches the database: only the path of a
 * file the daemon reads at connect time, or a token command. */
#include "config.h"
#include "ctl.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"
#include "db/db-imap.h"
#include "../imap-secret.h"
#include "../imap-session.h"

/* A channel id argument: 1 to 18 digits. */
static int channel_id(const struct ctl_args *a, int64_t *id_r)
{
	if (!ctl_number_valid(a->pos[0]))
		return ctl_usage_error(a, "channel id \"%s\" is not a number", a->pos[0]);
	*id_r = ctl_id(a->pos[0]);
	return 0;
}

/* The options shared by add and set into s; checks them. Returns 0, or a
 * usage error or failure. */
static int settings_read(const struct ctl_args *a, struct db_imap_settings *s)
{
	const char *port = ctl_opt_get(a, "port"), *tls = ctl_opt_get(a, "tls");
	int done_opts = (ctl_opt_get(a, "done-folder") != NULL) + (ctl_opt_get(a, "delete") != NULL) +
			(ctl_opt_get(a, "flag") != NULL);
	char *error = NULL;

	memset(s, 0, sizeof(*s));
	s->host = ctl_opt_get(a, "host");
	s->username = ctl_opt_get(a, "user");
	s->password_file = ctl_opt_get(a, "password-file");
	s->oauth2_command = ctl_opt_get(a, "oauth2-token-command");
	s->folder = ctl_opt_get(a, "folder");
	s->ca_file = ctl_opt_get(a, "ca-file");
	s->tls = tls;
	if (port != NULL) {
		char *end;
		unsigned long p = strtoul(port, &end, 10);

		if (*end != '\0' || p == 0 || p > 65535)
			return ctl_usage_error(a, "--port %s is not a port number", port);
		s->port = (unsigned)p;
	}
	if (tls != NULL && strcmp(tls, "implicit") != 0 && strcmp(tls, "starttls") != 0)
		return ctl_usage_error(a, "--tls must be implicit or starttls");
	if (s->password_file != NULL && s->oauth2_command != NULL)
		return ctl_usage_error(a, "give --password-file or --oauth2-token-command, not both");
	if (done_opts > 1)
		return ctl_usage_error(a, "give one of --done-folder, --delete, --flag");
	s->done_action = ctl_opt_get(a, "delete") ? "delete" : ctl_opt_get(a, "flag") ? "flag"
			 : ctl_opt_get(a, "done-folder") ? "move" : NULL;
	s->done_folder = ctl_opt_get(a, "done-folder");
	s->hold_folder = ctl_opt_get(a, "hold-folder");
	if ((s->host != NULL && !ctl_name_valid(s->host)) || (s->username != NULL && !ctl_name_valid(s->username)) ||
	    (s->folder != NULL && !ctl_name_valid(s->folder)) ||
	    (s->done_folder != NULL && !ctl_name_valid(s->done_folder)) ||
	    (s->hold_folder != NULL && !ctl_name_valid(s->hold_folder)))
		return ctl_usage_error(a, "host, user and folders must be printable and not empty");
	if (s->password_file != NULL && s->password_file[0] != '/')
		return ctl_fail("--password-file must be an absolute path (the daemon reads it)");
	if (s->password_file != NULL && imap_secret_file_check(s->password_file, &error) < 0)
		return ctl_db_fail(error);
	if (s->ca_file != NULL && s->ca_file[0] != '\0' && s->ca_file[0] != '/')
		return ctl_fail("--ca-file must be an absolute path (the daemon reads it)");
	return 0;
}

/* channel add imap --team T --host H ... */
static int channel_add(struct ctl *ctl, const struct ctl_args *a)
{
	const char *team = ctl_opt_get(a, "team");
	char *tenant_id = NULL, *tenant_name = NULL, *team_id = NULL, *error = NULL;
	struct db_imap_settings s;
	int64_t id = 0;
	int ret;

	if ((ret = settings_read(a, &s)) != 0)
		return ret;
	if (team == NULL || s.host == NULL || s.username == NULL || s.tls == NULL)
		return ctl_usage_error(a, "--team, --host, --tls and --user are required");
	if (s.password_file == NULL && s.oauth2_command == NULL)
		return ctl_usage_error(a, "give --password-file or --oauth2-token-command");
	if (s.port == 0)
		s.port = strcmp(s.tls, "implicit") == 0 ? 993 : 143;
	if ((ret = ctl_tenant_resolve(ctl, a, team, &tenant_id, &tenant_name)) == 0 &&
	    (ret = ctl_team_find(ctl, tenant_id, tenant_name, team, &team_id)) == 0) {
		if (db_imap_channel_add(ctl->db, ctl_id(tenant_id), ctl_id(team_id), &s, &id, &error) < 0)
			ret = ctl_db_fail(error);
		else
			printf("channel %" PRId64 " added (team %s)\n", id, team);
	}
	free(tenant_id);
	free(tenant_name);
	free(team_id);
	return ret;
}

/* channel set ID ...: a new session follows at the daemon. */
static int channel_set(struct ctl *ctl, const struct ctl_args *a)
{
	struct db_imap_settings s;
	char *error = NULL;
	int64_t id = 0;
	int ret, found;

	if ((ret = channel_id(a, &id)) != 0 || (ret = settings_read(a, &s)) != 0)
		return ret;
	if ((found = db_imap_channel_set(ctl->db, id, &s, &error)) < 0)
		return ctl_db_fail(error);
	if (found == 0)
		return ctl_fail("channel %s not found", a->pos[0]);
	printf("channel %s changed\n", a->pos[0]);
	return 0;
}

/* pause, resume, remove: one row each. */
static int channel_simple(struct ctl *ctl, const struct ctl_args *a, const char *what)
{
	char *error = NULL;
	int64_t id = 0;
	int ret, found;

	if ((ret = channel_id(a, &id)) != 0)
		return ret;
	found = strcmp(what, "removed") == 0 ? db_imap_channel_remove(ctl->db, id, &error)
					     : db_imap_channel_pause(ctl->db, id, strcmp(what, "paused") == 0, &error);
	if (found < 0)
		return ctl_db_fail(error);
	if (found == 0)
		return ctl_fail("channel %s not found", a->pos[0]);
	printf("channel %s %s\n", a->pos[0], what);
	return 0;
}

static int channel_pause(struct ctl *ctl, const struct ctl_args *a)
{
	return channel_simple(ctl, a, "paused");
}

static int channel_resume(struct ctl *ctl, const struct ctl_args *a)
{
	return channel_simple(ctl, a, "resumed");
}

static int channel_remove(struct ctl *ctl, const struct ctl_args *a)
{
	return channel_simple(ctl, a, "removed");
}

static int channel_list(struct ctl *ctl, const struct ctl_args *a)
{
	char *tenant_id = NULL, *tenant_name = NULL, *error = NULL;
	struct db_table *t = NULL;
	int ret = 0;

	if (ctl_opt_get(a, "tenant") != NULL && (ret = ctl_tenant_resolve(ctl, a, NULL, &tenant_id, &tenant_name)) != 0)
		return ret;
	if (db_imap_channel_list(ctl->db, ctl_id(tenant_id), &t, &error) < 0)
		ret = ctl_db_fail(error);
	else
		ctl_output_rows(ctl, t, DB_IMAP_LIST_KINDS);
	db_table_free(&t);
	free(tenant_id);
	free(tenant_name);
	return ret;
}

/* One channel, one "name: value" line per column (or a JSON object). */
static int channel_show(struct ctl *ctl, const struct ctl_args *a)
{
	struct db_table *t = NULL;
	char *error = NULL;
	int64_t id = 0;
	int ret, found;

	if ((ret = channel_id(a, &id)) != 0)
		return ret;
	if ((found = db_imap_channel_show(ctl->db, id, &t, &error)) < 0)
		return ctl_db_fail(error);
	if (found == 0)
		return ctl_fail("channel %s not found", a->pos[0]);
	if (ctl->json) {
		ctl_output_json_print(ctl_output_row_json(t, 0, DB_IMAP_SHOW_KINDS));
	} else {
		for (size_t c = 0; c < t->n_cols; c++) {
			const char *v = db_table_get(t, 0, c);
			char *safe = ctl_output_sanitize(v != NULL ? v : "", false);

			printf("%s: %s\n", t->col_names[c], safe);
			free(safe);
		}
	}
	db_table_free(&t);
	return 0;
}

/* channel test ID: one session as the daemon would open it, from here. */
static int channel_test(struct ctl *ctl, const struct ctl_args *a)
{
	struct db_imap_channel c;
	struct imap_session *s = NULL;
	char *error = NULL;
	uint32_t *uids = NULL;
	size_t n = 0;
	int64_t id = 0;
	int ret, found;
	enum imap_fail f;

	if ((ret = channel_id(a, &id)) != 0)
		return ret;
	memset(&c, 0, sizeof(c));
	if ((found = db_imap_channel_get(ctl->db, id, &c, &error)) < 0)
		return ctl_db_fail(error);
	if (found == 0)
		return ctl_fail("channel %s not found", a->pos[0]);
	struct imap_target t = { .host = c.host, .port = c.port, .implicit_tls = strcmp(c.tls, "implicit") == 0,
				 .ca_file = c.ca_file, .username = c.username, .password_file = c.password_file,
				 .oauth2_command = c.oauth2_command, .folder = c.folder, .timeout_s = 30 };
	if ((f = imap_session_open(&t, &s, &error)) == IMAP_OK)
		f = imap_session_search(s, c.uidvalidity == imap_session_uidvalidity(s) ? c.last_uid : 0, SIZE_MAX,
					&uids, &n, &error);
	if (f != IMAP_OK) {
		ret = ctl_fail("channel %s: %s: %s", a->pos[0], imap_fail_status(f), error);
	} else {
		printf("channel %s: ok: logged in to %s:%u as %s, folder %s, uidvalidity %" PRId64
		       ", %zu new message(s), IDLE %s\n",
		       a->pos[0], c.host, c.port, c.username, c.folder, imap_session_uidvalidity(s), n,
		       imap_session_has_idle(s) ? "yes" : "no (polled)");
	}
	free(uids);
	free(error);
	imap_session_close(&s);
	db_imap_channel_clear(&c);
	return ret;
}

#define SETTINGS_OPTS                                                                                      \
	"host= port= tls= user= password-file= oauth2-token-command= folder= done-folder= delete flag ca-file= hold-folder="

const struct ctl_command ctl_channel_commands[] = {
	{ "channel add imap",
	  "--team T --host H [--port N] --tls implicit|starttls --user U --password-file F | --oauth2-token-command CMD"
	  " [--folder INBOX] [--done-folder Processed | --delete | --flag] [--ca-file F] [--hold-folder maildesk-hold]"
	  " [--tenant T]",
	  "fetch a team's mail from an IMAP mailbox (the password stays in F, mode o-rwx, read at each connect)", 0,
	  0, "team= tenant= " SETTINGS_OPTS, channel_add },
	{ "channel list", "[--tenant T] [--json]", "list IMAP channels with their status", 0, 0, "tenant= json",
	  channel_list },
	{ "channel show", "ID [--json]", "show a channel: settings, status, last error, position, lease", 1, 1, "json",
	  channel_show },
	{ "channel test", "ID", "connect, verify TLS, log in and select the folder from here; count new mail", 1, 1,
	  "", channel_test },
	{ "channel pause", "ID", "stop fetching (the daemon ends its session)", 1, 1, "", channel_pause },
	{ "channel resume", "ID", "fetch again", 1, 1, "", channel_resume },
	{ "channel remove", "ID", "forget a channel (nothing on the server changes)", 1, 1, "", channel_remove },
	{ "channel set",
	  "ID [--host H] [--port N] [--tls M] [--user U] [--password-file F | --oauth2-token-command CMD]"
	  " [--folder F] [--done-folder F | --delete | --flag] [--ca-file F] [--hold-folder F]",
	  "change a channel; the daemon starts a new session with it", 1, 1, SETTINGS_OPTS, channel_set },
	{ NULL, NULL, NULL, 0, 0, NULL, NULL },
};
