#include "config.h"
#include "ctl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/conf.h"
#include "base/xalloc.h"
#include "thread/thread.h"

/* What the reply address is made of, as found in the database. */
struct address_parts {
	int64_t tenant_id, ticket_number, agent_id;
	char *alias; /* the team's first alias */
};

/* The signing secret and the delimiter come from the configuration file
 * the daemon uses, so the address is one the daemon accepts. Without -c
 * that is the default file even when MAILDESK_DATABASE is set. */
static int secret_load(const struct ctl *ctl, char **secret_r, char *delimiter_r)
{
	const char *path = ctl->config_path != NULL ? ctl->config_path : CTL_DEFAULT_CONFIG;
	struct md_config c;
	char *error = NULL;
	int ret = 0;

	config_defaults(&c);
	if (config_load(path, &c, &error) < 0) {
		ret = ctl_fail("%s", error);
	} else if (config_read_secret(c.secret_file, secret_r, &error) < 0) {
		ret = ctl_fail("cannot read the reply token secret (secret_file): %s", error);
	} else {
		/* Like Postfix, the first of several delimiters is the one to write. */
		*delimiter_r = c.recipient_delimiter != NULL && c.recipient_delimiter[0] != '\0'
				       ? c.recipient_delimiter[0]
				       : '+';
	}
	free(error);
	config_free(&c);
	return ret;
}

/* Says which part is missing: the ticket, the agent or an alias. */
static int parts_check(const struct db_table *t, const char *number, const char *agent)
{
	if (t->n_rows == 0)
		return ctl_fail("ticket %s not found", number);
	if (agent != NULL && db_table_get(t, 0, 4) == NULL)
		return ctl_fail("agent \"%s\" not found in tenant \"%s\"", agent, db_table_get(t, 0, 1));
	if (db_table_get(t, 0, 3) == NULL)
		return ctl_fail("team \"%s\" of tenant \"%s\" has no alias: add one with "
				"\"maildeskctl team alias add\"",
				db_table_get(t, 0, 2), db_table_get(t, 0, 1));
	return 0;
}

/* Finds the tenant, the team's first alias and the agent's id. */
static int parts_find(struct ctl *ctl, const char *number, const char *agent, struct address_parts *p)
{
	const char *params[2] = { number, agent };
	struct db_table *t;
	char *error = NULL;
	int ret;

	if (db_exec(ctl->db,
		    "SELECT t.tenant_id, n.name, m.name,"
		    " (SELECT address FROM team_aliases WHERE tenant_id = t.tenant_id AND team_id = t.team_id"
		    "   ORDER BY created_at, address LIMIT 1), g.id"
		    " FROM tickets t JOIN tenants n ON n.id = t.tenant_id"
		    " JOIN teams m ON m.tenant_id = t.tenant_id AND m.id = t.team_id"
		    " LEFT JOIN agents g ON g.tenant_id = t.tenant_id AND g.email = lower($2)"
		    " WHERE t.number = $1",
		    2, params, &t, &error) < 0)
		return ctl_db_fail(error);
	ret = parts_check(t, number, agent);
	if (ret == 0) {
		p->tenant_id = strtoll(db_table_get(t, 0, 0), NULL, 10);
		p->ticket_number = strtoll(number, NULL, 10);
		p->agent_id = agent != NULL ? strtoll(db_table_get(t, 0, 4), NULL, 10) : 0;
		p->alias = xstrdup(db_table_get(t, 0, 3));
	}
	db_table_free(&t);
	return ret;
}

/* "local@domain" -> "local+TOKEN@domain"; NULL when no token can be made. */
static char *address_make(const struct address_parts *p, const char *secret, char delimiter)
{
	const struct thread_token tok = { .ticket_number = p->ticket_number, .agent_id = p->agent_id };
	const char *at = strrchr(p->alias, '@');
	char token[64];

	if (at == NULL) /* only SQL written by hand can store such an alias */
		at = p->alias + strlen(p->alias);
	thread_token_make(secret, p->tenant_id, &tok, token, sizeof(token));
	if (token[0] == '\0')
		return NULL;
	return xasprintf("%.*s%c%s%s", (int)(at - p->alias), p->alias, delimiter, token, at);
}

/* "ticket address NUMBER [--agent EMAIL]": the address that an agent
 * notification for the ticket carries, so replies thread by token. */
int ctl_ticket_address(struct ctl *ctl, const struct ctl_args *a)
{
	const char *agent = ctl_opt_get(a, "agent");
	struct address_parts p = { 0 };
	char *secret = NULL, *address, delimiter = '+';
	int ret;

	if (!ctl_number_valid(a->pos[0]))
		return ctl_usage_error(a, "ticket number \"%s\" is not a number", a->pos[0]);
	ret = parts_find(ctl, a->pos[0], agent, &p);
	if (ret == 0)
		ret = secret_load(ctl, &secret, &delimiter);
	if (ret == 0 && (address = address_make(&p, secret, delimiter)) == NULL)
		ret = ctl_fail("cannot make a reply token for ticket %s", a->pos[0]);
	else if (ret == 0) {
		puts(address);
		free(address);
	}
	if (secret != NULL)
		explicit_bzero(secret, strlen(secret));
	free(secret);
	free(p.alias);
	return ret;
}
