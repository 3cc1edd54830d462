/* Mail to a team's control address (support+control@...): an agent sets
 * their status with "#status away" (contract in desk.h). Never a ticket. */
#include "config.h"
#include "desk/desk-private.h"
#include "desk/desk-rules.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "agent/agent.h"
#include "base/xalloc.h"

#define CONTROL_EXTENSION "control"
#define USAGE "Write one line: #status online | away | offline | offline-and-reassign"

/* Contract in desk.h. */
bool desk_control_address(const char *rcpt_extension)
{
	return rcpt_extension != NULL && strcasecmp(rcpt_extension, CONTROL_EXTENSION) == 0;
}

/* The STATE of "#status STATE" on the first line that is not blank
 * (lower case, malloc'd), or NULL when that line is something else. */
static char *status_command(const char *text)
{
	const char *p = text != NULL ? text : "", *word, *end;

	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	if (strncasecmp(p, "#status", 7) != 0 || (p[7] != ' ' && p[7] != '\t'))
		return NULL;
	for (word = p + 7; *word == ' ' || *word == '\t'; word++)
		;
	for (end = word; *end != '\0' && !isspace((unsigned char)*end); end++)
		;
	for (p = end; *p == ' ' || *p == '\t' || *p == '\r'; p++)
		;
	if (end == word || (*p != '\n' && *p != '\0'))
		return NULL;
	char *state = xstrndup(word, (size_t)(end - word));
	for (char *c = state; *c != '\0'; c++)
		*c = (char)tolower((unsigned char)*c);
	return state;
}

/* Keeps the raw bytes (once per tenant and hash, as for every mail). */
static int keep_raw(struct db *db, int64_t tenant_id, const struct db_message_in *m, char **error_r)
{
	static const char hexd[] = "0123456789abcdef";
	char tn[24], size[24];
	char *hex = xmalloc(m->raw_len * 2 + 1);
	const char *params[4] = { tn, m->raw_sha256_hex, size, hex };
	int ret;

	for (size_t i = 0; i < m->raw_len; i++) {
		hex[2 * i] = hexd[(unsigned char)m->raw[i] >> 4];
		hex[2 * i + 1] = hexd[(unsigned char)m->raw[i] & 15];
	}
	hex[m->raw_len * 2] = '\0';
	snprintf(tn, sizeof(tn), "%" PRId64, tenant_id);
	snprintf(size, sizeof(size), "%zu", m->raw_len);
	ret = db_exec(db,
		      "INSERT INTO raw_messages (tenant_id, sha256, size, data)"
		      " VALUES ($1, lower($2), $3, decode($4, 'hex')) ON CONFLICT DO NOTHING",
		      4, params, NULL, error_r);
	free(hex);
	return ret;
}

/* The agent whose address the mail is From: 1 found, 0 none, -1 error. */
static int sender_agent(struct db *db, int64_t tenant_id, const struct db_message_in *m, struct desk_agent *a,
			char **error_r)
{
	char tn[24];
	const char *params[2] = { tn, m->from_addr != NULL ? m->from_addr : "" };
	struct db_table *res = NULL;
	int64_t id;

	snprintf(tn, sizeof(tn), "%" PRId64, tenant_id);
	if (db_exec(db, "SELECT id FROM agents WHERE tenant_id = $1 AND email = lower($2)", 2, params, &res,
		    error_r) < 0)
		return -1;
	id = res->n_rows > 0 ? strtoll(db_table_get(res, 0, 0), NULL, 10) : 0;
	db_table_free(&res);
	return id == 0 ? 0 : desk_agent_load(db, tenant_id, id, a, error_r);
}

/* With agent_reply_require_dkim: does our mail server vouch for the
 * agent's domain (the rule of agent answers)? A From naming more than one
 * author is refused always. NULL, or why not (static). */
static const char *dkim_refusal(const struct desk_settings *s, const struct db_message_in *m,
				const struct desk_agent *a)
{
	struct agent_header *fields;
	const char *why = NULL, *domain = strrchr(a->email, '@');
	size_t n;
	char *copy;

	if (m->from_count > 1)
		return "the message names more than one author in From";
	if (!s->require_dkim)
		return NULL;
	copy = desk_headers_split(m->header_block, &fields, &n);
	if (agent_auth_results_pass(fields, n, s->authserv_id, domain != NULL ? domain + 1 : "", &why))
		why = NULL;
	else if (why == NULL)
		why = "no passing Authentication-Results";
	free(fields);
	free(copy);
	return why;
}

/* The answer to the agent: what happened, from the team. */
static int answer(struct db *db, const struct desk_settings *s, int64_t tenant_id, int64_t team_id,
		  const struct desk_agent *a, const struct db_message_in *m, bool ok, const char *outcome,
		  char **error_r)
{
	char tn[24], tm[24], *body, *from = NULL;
	const char *params[2] = { tn, tm };
	struct db_table *res = NULL;
	int ret;

	snprintf(tn, sizeof(tn), "%" PRId64, tenant_id);
	snprintf(tm, sizeof(tm), "%" PRId64, team_id);
	if (db_exec(db, "SELECT name FROM teams WHERE tenant_id = $1 AND id = $2", 2, params, &res, error_r) < 0)
		return -1;
	if (desk_team_address(db, s, tenant_id, team_id, &from, error_r) < 0) {
		db_table_free(&res);
		return -1;
	}
	body = xasprintf("%s%s\n\n" USAGE "\n", ok ? "Done: " : "Nothing was changed: ", outcome);
	struct desk_notice n = { .team_name = db_table_get(res, 0, 0), .team_alias = from,
				 .subject = ok ? "Your status" : "Your status was not changed", .body = body,
				 .in_reply_to = m->message_id };
	ret = desk_team_notice(db, s, tenant_id, &n, a, error_r);
	free(body);
	free(from);
	db_table_free(&res);
	return ret;
}

/* A trusted agent's command: applied, then confirmed (or the error). */
static int agent_command(struct db *db, const struct desk_settings *s, int64_t tenant_id, int64_t team_id,
			 const struct desk_agent *a, const struct db_message_in *m, char **done_r, char **error_r)
{
	char *state = status_command(m->text_body), *outcome = NULL;
	const char *refused = dkim_refusal(s, m, a);
	bool ok = false;
	int ret;

	if (refused != NULL)
		outcome = xasprintf("our mail server could not confirm the mail came from you (%s)", refused);
	else if (state == NULL || !desk_agent_status_valid(state))
		outcome = xstrdup(state == NULL ? "the first line is not a #status command"
						: "that is not a status");
	else if (desk_agent_status_set(db, s, tenant_id, a->id, state, a->email, &outcome, error_r) < 0) {
		free(state);
		return -1;
	} else
		ok = true;
	ret = answer(db, s, tenant_id, team_id, a, m, ok, outcome, error_r);
	if (ret == 0)
		*done_r = xasprintf("from=%s %s: %s", a->email, ok ? "applied" : "refused", outcome);
	free(outcome);
	free(state);
	return ret;
}

/* Who wrote, and whether anything is done about it. */
static int control_handle(struct db *db, const struct desk_settings *s, int64_t tenant_id, int64_t team_id,
			  const struct db_message_in *m, char **done_r, char **error_r)
{
	struct desk_agent a;
	const char *why;
	int found, ret;

	if (!desk_may_autoreply(m, &why)) {
		*done_r = xasprintf("ignored: automatic mail (%s)", why);
		return 0;
	}
	if ((found = sender_agent(db, tenant_id, m, &a, error_r)) < 0)
		return -1;
	if (found == 0) {
		/* Not answered: the sender may be forged. */
		*done_r = xasprintf("from=%s refused: not an agent of this tenant",
				    m->from_addr != NULL && m->from_addr[0] ? m->from_addr : "-");
		return 0;
	}
	ret = agent_command(db, s, tenant_id, team_id, &a, m, done_r, error_r);
	desk_agent_free(&a);
	return ret;
}

/* Contract in desk.h. */
int desk_control_mail(struct db *db, const struct desk_settings *s, int64_t tenant_id, int64_t team_id,
		      const struct db_message_in *m, char **done_r, char **error_r)
{
	*done_r = NULL;
	if (db_begin(db, error_r) < 0)
		return -1;
	if (keep_raw(db, tenant_id, m, error_r) < 0 || control_handle(db, s, tenant_id, team_id, m, done_r, error_r) < 0 ||
	    db_commit(db, error_r) < 0) {
		db_rollback(db);
		free(*done_r);
		*done_r = NULL;
		return -1;
	}
	return 0;
}
