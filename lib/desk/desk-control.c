/* Mail to a team's control address: an agent sets their status with
 * "#status away" (contract in desk.h). Never a ticket. Counts only from an
 * authenticated agent: through the agent's own signed control address
 * (support+control-7-MAC@...) from the agent's address, or through the
 * plain support+control@... with our mail server's DMARC (or exact DKIM)
 * pass for the agent's domain. */
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
#include "db/db-desk-facts.h"
#include "db/db-desk-mail.h"
#include "db/db-desk-team.h"
#include "thread/thread.h"

#define CONTROL_EXTENSION "control"
#define USAGE "Write one line: #status online | away | offline | offline-and-reassign"

/* Contract in desk.h. */
bool desk_control_address(const char *rcpt_extension)
{
	return rcpt_extension != NULL && (strcasecmp(rcpt_extension, CONTROL_EXTENSION) == 0 ||
					  strncasecmp(rcpt_extension, CONTROL_EXTENSION "-", strlen(CONTROL_EXTENSION) + 1) == 0);
}

/* Contract in desk-private.h. */
char *desk_control_address_make(const struct desk_settings *s, int64_t tenant_id, const char *team_alias,
				 int64_t agent_id)
{
	const char *at = team_alias != NULL ? strrchr(team_alias, '@') : NULL;
	char token[64];

	thread_control_token_make(s->secret, tenant_id, agent_id, token, sizeof(token));
	if (at == NULL || at == team_alias || token[0] == '\0' || s->delimiter == '\0')
		return NULL;
	return xasprintf("%.*s%c%s%s", (int)(at - team_alias), team_alias, s->delimiter, token, at);
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

/* Keeps the raw bytes (once per tenant and hash, as for every mail).
 * Returns 1 when they are new, 0 when this tenant had them already (a
 * redelivery: the MTA did not see our 250), -1 on error. */
static int keep_raw(struct db *db, int64_t tenant_id, const struct db_message_in *m, char **error_r)
{
	return db_desk_raw_keep(db, tenant_id, m->raw, m->raw_len, m->raw_sha256_hex, error_r);
}

/* The agent whose address the mail is From: 1 found, 0 none, -1 error. */
static int sender_agent(struct db *db, int64_t tenant_id, const struct db_message_in *m, struct desk_agent *a,
			char **error_r)
{
	int64_t id = 0;
	int found = db_desk_agent_find(db, tenant_id, m->from_addr, &id, error_r);

	return found <= 0 ? found : desk_agent_load(db, tenant_id, id, a, error_r);
}

/* Does our mail server vouch for the author: a DMARC pass, or a DKIM
 * pass for exactly the agent's domain (m's From is the agent's address)?
 * NULL, or why not (static). */
static const char *auth_refusal(const struct desk_settings *s, const struct db_message_in *m)
{
	struct agent_auth_verdict v;

	if (m->from_count > 1)
		return "the message names more than one author in From";
	if (s->authserv_id == NULL || s->authserv_id[0] == '\0')
		return "authserv_id is not set, so no Authentication-Results are trusted";
	desk_sender_auth(s, m, &v);
	if (agent_auth_verdict_author(&v))
		return NULL;
	return v.seen ? "no DMARC or DKIM pass for the agent's domain" : "no Authentication-Results of our mail server";
}

/* The answer to the agent: what happened, from the team. */
static int answer(struct db *db, const struct desk_settings *s, int64_t tenant_id, int64_t team_id,
		  const struct desk_agent *a, const struct db_message_in *m, bool ok, const char *outcome,
		  char **error_r)
{
	char *body, *from = NULL, *team = NULL;
	int ret;

	if (db_desk_team_name(db, tenant_id, team_id, &team, error_r) < 0)
		return -1;
	if (desk_team_address(db, s, tenant_id, team_id, &from, error_r) < 0) {
		free(team);
		return -1;
	}
	char *own = desk_control_address_make(s, tenant_id, from, a->id);
	body = xasprintf("%s%s\n\n" USAGE "\nto your own control address%s%s.\n", ok ? "Done: " : "Nothing was changed: ",
			 outcome, own != NULL ? ": " : "", own != NULL ? own : "");
	free(own);
	struct desk_notice n = { .team_name = team, .team_alias = from,
				 .subject = ok ? "Your status" : "Your status was not changed", .body = body,
				 .in_reply_to = m->message_id };
	ret = desk_team_notice(db, s, tenant_id, &n, a, error_r);
	free(body);
	free(from);
	free(team);
	return ret;
}

/* A trusted agent's command: applied, then confirmed (or the error). */
static int agent_command(struct db *db, const struct desk_settings *s, int64_t tenant_id, int64_t team_id,
			 const struct desk_agent *a, const struct db_message_in *m, char **done_r, char **error_r)
{
	char *state = status_command(m->text_body), *outcome = NULL;
	const char *refused = s->require_dkim ? auth_refusal(s, m) : NULL;
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

/* The sender, for the log ("-" when none). */
static const char *from_text(const struct db_message_in *m)
{
	return m->from_addr != NULL && m->from_addr[0] != '\0' ? m->from_addr : "-";
}

/* Mail to an agent's own signed control address: the agent it names, when
 * the address verifies and From is that agent. 1 (*a loaded), 0 refused
 * (*done_r says why; nobody is answered), -1 error. */
static int signed_sender(struct db *db, const struct desk_settings *s, int64_t tenant_id,
			 const struct db_message_in *m, struct desk_agent *a, char **done_r, char **error_r)
{
	const char *ext = m->rcpt_extension;
	int64_t agent_id;
	int found;

	if (thread_control_token_verify(s->secret, tenant_id, ext, strlen(ext), &agent_id) != 1) {
		*done_r = xasprintf("from=%s refused: the control address does not verify", from_text(m));
		return 0;
	}
	if ((found = desk_agent_load(db, tenant_id, agent_id, a, error_r)) <= 0) {
		if (found == 0)
			*done_r = xasprintf("from=%s refused: control address of a removed agent", from_text(m));
		return found;
	}
	if (m->from_addr == NULL || strcasecmp(m->from_addr, a->email) != 0) {
		*done_r = xasprintf("from=%s refused: the control address of %s used by another sender", from_text(m),
				    a->email);
		desk_agent_free(a);
		return 0;
	}
	return 1;
}

/* Mail to the team's plain control address: the agent From names, only
 * when our mail server vouches for that address's domain (From alone is
 * easy to forge). 1 (*a loaded), 0 refused (*done_r; no answer), -1 error. */
static int plain_sender(struct db *db, const struct desk_settings *s, int64_t tenant_id,
			const struct db_message_in *m, struct desk_agent *a, char **done_r, char **error_r)
{
	const char *why;
	int found;

	if ((found = sender_agent(db, tenant_id, m, a, error_r)) <= 0) {
		if (found == 0)
			*done_r = xasprintf("from=%s refused: not an agent of this tenant", from_text(m));
		return found;
	}
	if ((why = auth_refusal(s, m)) != NULL) {
		*done_r = xasprintf("from=%s refused: sender not authenticated (%s); use the agent's own control "
				    "address",
				    from_text(m), why);
		desk_agent_free(a);
		return 0;
	}
	return 1;
}

/* Who wrote, and whether anything is done about it. A refusal is only
 * logged: answering a forged sender would mail whoever it names. */
static int control_handle(struct db *db, const struct desk_settings *s, int64_t tenant_id, int64_t team_id,
			  const struct db_message_in *m, bool first, char **done_r, char **error_r)
{
	struct desk_agent a;
	const char *why;
	int found, ret;

	if (!first) {
		*done_r = xasprintf("from=%s ignored: the same mail was handled before (redelivery)", from_text(m));
		return 0;
	}
	if (!desk_may_autoreply(m, &why)) {
		*done_r = xasprintf("ignored: automatic mail (%s)", why);
		return 0;
	}
	if (strcasecmp(m->rcpt_extension, CONTROL_EXTENSION) == 0)
		found = plain_sender(db, s, tenant_id, m, &a, done_r, error_r);
	else
		found = signed_sender(db, s, tenant_id, m, &a, done_r, error_r);
	if (found <= 0)
		return found;
	ret = agent_command(db, s, tenant_id, team_id, &a, m, done_r, error_r);
	desk_agent_free(&a);
	return ret;
}

/* Contract in desk.h. */
int desk_control_mail(struct db *db, const struct desk_settings *s, int64_t tenant_id, int64_t team_id,
		      const struct db_message_in *m, char **done_r, char **error_r)
{
	int fresh;

	*done_r = NULL;
	if (db_begin(db, error_r) < 0)
		return -1;
	fresh = keep_raw(db, tenant_id, m, error_r);
	if (fresh < 0 || control_handle(db, s, tenant_id, team_id, m, fresh == 1, done_r, error_r) < 0 ||
	    db_commit(db, error_r) < 0) {
		db_rollback(db);
		free(*done_r);
		*done_r = NULL;
		return -1;
	}
	return 0;
}

/* Contract in desk.h. */
int desk_cli_control_address(struct db *db, const struct desk_settings *s, int64_t tenant_id, int64_t team_id,
			     int64_t agent_id, char **address_r, char **error_r)
{
	char *alias = NULL;

	*address_r = NULL;
	if (desk_team_address(db, s, tenant_id, team_id, &alias, error_r) < 0)
		return -1;
	*address_r = desk_control_address_make(s, tenant_id, alias, agent_id);
	free(alias);
	if (*address_r == NULL) {
		*error_r = xstrdup("cannot make a control address (no team alias, secret or recipient_delimiter)");
		return -1;
	}
	return 0;
}
