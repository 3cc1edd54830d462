#ifndef MD_CTL_H
#define MD_CTL_H
/* maildeskctl internals: the command table entry, parsed arguments, shared
 * look-ups and the output helpers. Talks to PostgreSQL only through lib/db.
 *
 * Exit codes: 0 success, 1 an operation failed (one "maildeskctl: ..." line
 * on stderr), 2 bad usage (a line naming the problem and a usage line). */
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/conf.h"
#include "db/db.h"
#include "desk/desk.h"

#define CTL_EXIT_OK 0
#define CTL_EXIT_FAIL 1
#define CTL_EXIT_USAGE 2

struct ctl_opt {
	const char *name; /* without "--" */
	const char *value; /* NULL for flags */
};

/* One command line after the command words: positionals and options. */
struct ctl_args {
	const struct ctl_command *cmd;
	char **pos;
	size_t n_pos;
	struct ctl_opt *opts;
	size_t n_opts;
};

/* The configuration file when -c gives none. */
#define CTL_DEFAULT_CONFIG SYSCONFDIR "/maildesk/maildesk.conf"

struct ctl {
	struct db *db;
	bool json;
	const char *config_path; /* -c, or NULL */
};

struct ctl_command {
	const char *words; /* "team alias add" */
	const char *synopsis; /* arguments, for usage lines */
	const char *help; /* one line for --help */
	unsigned min_pos, max_pos;
	/* Space-separated option names; "name=" takes a value, "name=*" takes
	 * one and may repeat. "json" is accepted where listed. */
	const char *opts;
	int (*run)(struct ctl *ctl, const struct ctl_args *a);
};

/* Command groups defined in their own files, each ended by an entry with
 * words == NULL: "domain ..." (ctl-domain.c), "rule ..." (ctl-rule.c),
 * the agent's work: status, folders, assignment (ctl-work.c). */
extern const struct ctl_command ctl_domain_commands[];
extern const struct ctl_command ctl_rule_commands[];
extern const struct ctl_command ctl_work_commands[];
/* "message show", "attachment get": stored bytes written out (ctl-attach.c). */
extern const struct ctl_command ctl_attach_commands[];
/* An attachment's stored name as a file name in a directory: its last
 * path part, without leading dots and blanks, control characters and '\\'
 * replaced, at most 255 bytes; "attachment-ID" when nothing is left
 * (malloc'd). */
char *ctl_attach_file_name(const char *name, const char *id);
/* "team set --notify-attach-max SIZE" (ctl-attach.c): checks SIZE (bytes,
 * k, M or G; 0 to 4G) before anything is read: 0, or the usage error's
 * exit code. */
int ctl_attach_max_check(const struct ctl_args *a, const char *size);
/* Stores it for the team and prints the outcome. Returns 0, or prints why
 * and fails. */
int ctl_team_attach_max_set(struct ctl *ctl, const char *tenant_id, const char *tenant_name, const char *team_id,
			    const char *team, const char *size);
/* "reason ..." and "request ..." (ctl-request.c): requests about orders. */
extern const struct ctl_command ctl_request_commands[];
/* "ticket show" of a request (ctl-request.c): request is
 * db_report_request()'s table (no row: the ticket is no request). The
 * text adds the lines "Order:", "Reason:", "Reference:"; the JSON the
 * object "request": {order, reason, reference}, or null. */
void ctl_request_print(const struct db_table *request);
void ctl_request_json_add(json_t *ticket, const struct db_table *request);
/* "ticket solve", "ticket search", "contact show" (ctl-find.c). */
extern const struct ctl_command ctl_find_commands[];
/* "channel ...": IMAP channels (ctl-channel.c). */
extern const struct ctl_command ctl_channel_commands[];
/* "contact export|erase", "retention purge": privacy (ctl-privacy.c). */
extern const struct ctl_command ctl_privacy_commands[];
/* "connection ...": providers and their brands (ctl-connection.c). */
extern const struct ctl_command ctl_connection_commands[];
/* --brand B of a provider listing (ctl-connection.c): B's tenant id, when
 * B is connected to provider_id (active or not: history stays readable).
 * Returns 0, or prints why and fails. */
int ctl_brand_find(struct ctl *ctl, const char *provider_id, const char *brand, int64_t *brand_id_r);
/* "apikey ...": the HTTP API's keys (ctl-apikey.c, issue 13). */
extern const struct ctl_command ctl_apikey_commands[];
/* "webhook ...": webhooks out (ctl-webhook.c). */
extern const struct ctl_command ctl_webhook_commands[];
/* A receiver URL: http:// or https://, a host, no blanks or control
 * characters, at most 2048 bytes. */
bool ctl_webhook_url_valid(const char *u);
/* A new webhook secret, "whsec_" and 64 hex digits (malloc'd). */
char *ctl_webhook_secret_make(void);
/* Every event a webhook can want, as a PostgreSQL array literal
 * ("{ticket.created,...}", malloc'd): a connection's webhook wants all. */
char *ctl_webhook_events_all(void);
/* "form ...", "event-type ...", "chat post", "event post": intake beyond
 * mail (ctl-intake.c, issue 13). */
extern const struct ctl_command ctl_intake_commands[];

/* The last value of an option, or NULL when absent. */
const char *ctl_opt_get(const struct ctl_args *a, const char *name);
/* Prints "maildeskctl: <msg>" on stderr; returns CTL_EXIT_FAIL. */
int ctl_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints the problem and the command's usage line; returns CTL_EXIT_USAGE. */
int ctl_usage_error(const struct ctl_args *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Reports a failed lib/db call (frees error); returns CTL_EXIT_FAIL. */
int ctl_db_fail(char *error);

/* Checks a tenant/team name: non-empty, printable, at most 200 bytes. */
bool ctl_name_valid(const char *s);
/* Checks an e-mail address closely enough for an alias or agent login:
 * one "@" with text on both sides, no blanks or control characters. */
bool ctl_address_valid(const char *s);
/* An id as lib/db takes it, from the decimal text maildeskctl keeps
 * (NULL: 0, which lib/db reads as "none"). */
int64_t ctl_id(const char *s);
/* Checks a ticket or message number: 1 to 18 decimal digits. */
bool ctl_number_valid(const char *s);

/* Which tenant a command means: --tenant when given; else the one tenant
 * that has a team named team (when team != NULL); else the only tenant.
 * Returns 0 with *tenant_id_r and *tenant_name_r (malloc'd) set, or prints
 * the problem and returns CTL_EXIT_FAIL. */
int ctl_tenant_resolve(struct ctl *ctl, const struct ctl_args *a, const char *team,
		       char **tenant_id_r, char **tenant_name_r);
/* A team's id in a tenant. Returns 0, or prints "team not found" and
 * returns CTL_EXIT_FAIL. */
int ctl_team_find(struct ctl *ctl, const char *tenant_id, const char *tenant_name, const char *team,
		  char **team_id_r);

/* Who a change is recorded as: "maildeskctl", or with --by the agent's
 * address, which must be an agent of the tenant. */
#define CTL_ACTOR "maildeskctl"

/* A ticket row, as locked for a change (ctl-ticket.c). All text. */
struct ctl_ticket {
	char *number, *id, *tenant_id, *team_id, *status, *requester_id, *priority;
	char *merged_into; /* number of the ticket it was merged into, or NULL */
};

/* Locks ticket number (FOR UPDATE) in the caller's transaction and fills t.
 * Returns 0, or prints "ticket N not found" or the database error and
 * returns CTL_EXIT_FAIL. Free t with ctl_ticket_free() either way. */
int ctl_ticket_lock(struct ctl *ctl, const char *number, struct ctl_ticket *t);
/* Frees the strings of t and zeroes it. */
void ctl_ticket_free(struct ctl_ticket *t);
/* Appends one ticket_events row. Returns 0, or prints and fails. */
int ctl_ticket_event_add(struct ctl *ctl, const struct ctl_ticket *t, const char *kind,
			 const char *actor, const char *detail);
/* The actor of a change of ticket t (see CTL_ACTOR): with --by (or
 * --from) an agent of its tenant who may act on it (desk_agent_may_act(),
 * the one check that knows providers and brands). Returns 0 with
 * *actor_r malloc'd, or prints "agent ... not found" or why the agent may
 * not act, and fails. */
int ctl_actor_resolve(struct ctl *ctl, const struct ctl_args *a, const struct ctl_ticket *t, char **actor_r);
/* Runs change between BEGIN and COMMIT; change returns 0 with *done_r a
 * malloc'd line to print after the commit, or prints why and fails (the
 * transaction is then rolled back). */
int ctl_change_run(struct ctl *ctl, const struct ctl_args *a,
		   int (*change)(struct ctl *ctl, const struct ctl_args *a, char **done_r));

/* Output (ctl-output.c). kinds has one letter per column: 's' text, 'i'
 * integer, 'b' boolean, 't' timestamp (ISO 8601 UTC text), 'j' JSON text.
 * Prints the rows as an aligned table, or with --json as one JSON array of
 * objects keyed by column name. */
void ctl_output_rows(const struct ctl *ctl, const struct db_table *t, const char *kinds);
/* Makes text from mail safe for a terminal: control characters (except
 * newline and tab when keep_lines) become '?'. Returns a malloc'd copy. */
char *ctl_output_sanitize(const char *s, bool keep_lines);
/* How a timestamp cell reads in text output ("2024-05-01 12:00Z"). */
const char *ctl_output_time(const char *iso, char *buf, size_t size);

/* One row as a new JSON object keyed by column name. */
json_t *ctl_output_row_json(const struct db_table *t, size_t row, const char *kinds);
/* Prints a JSON value indented on stdout and releases it. */
void ctl_output_json_print(json_t *json);


/* Command handlers, one file per noun. */
int ctl_db_migrate(struct ctl *ctl, const struct ctl_args *a);
int ctl_db_status(struct ctl *ctl, const struct ctl_args *a);
int ctl_tenant_add(struct ctl *ctl, const struct ctl_args *a);
int ctl_tenant_list(struct ctl *ctl, const struct ctl_args *a);
int ctl_tenant_set(struct ctl *ctl, const struct ctl_args *a);
int ctl_team_add(struct ctl *ctl, const struct ctl_args *a);
int ctl_team_alias_add(struct ctl *ctl, const struct ctl_args *a);
int ctl_team_list(struct ctl *ctl, const struct ctl_args *a);
int ctl_team_set(struct ctl *ctl, const struct ctl_args *a);
int ctl_agent_add(struct ctl *ctl, const struct ctl_args *a);
int ctl_agent_list(struct ctl *ctl, const struct ctl_args *a);
int ctl_agent_set(struct ctl *ctl, const struct ctl_args *a);
/* ctl-agent-show.c: one agent and their signed control addresses. */
int ctl_agent_show(struct ctl *ctl, const struct ctl_args *a);
int ctl_ticket_list(struct ctl *ctl, const struct ctl_args *a);
int ctl_ticket_show(struct ctl *ctl, const struct ctl_args *a);
int ctl_ticket_close(struct ctl *ctl, const struct ctl_args *a);
int ctl_ticket_reopen(struct ctl *ctl, const struct ctl_args *a);
int ctl_ticket_split(struct ctl *ctl, const struct ctl_args *a);
int ctl_ticket_merge(struct ctl *ctl, const struct ctl_args *a);
int ctl_ticket_address(struct ctl *ctl, const struct ctl_args *a);
/* ctl-queue.c: the outbound queue. */
int ctl_queue_list(struct ctl *ctl, const struct ctl_args *a);
int ctl_queue_show(struct ctl *ctl, const struct ctl_args *a);
int ctl_queue_retry(struct ctl *ctl, const struct ctl_args *a);
int ctl_queue_flush(struct ctl *ctl, const struct ctl_args *a);
/* "status" (ctl-status.c): live daemons, cluster gauges, summed counters. */
int ctl_status(struct ctl *ctl, const struct ctl_args *a);
/* ctl-queue-admin.c: hold, release and delete, as postsuper does. */
int ctl_queue_hold(struct ctl *ctl, const struct ctl_args *a);
int ctl_queue_release(struct ctl *ctl, const struct ctl_args *a);
int ctl_queue_delete(struct ctl *ctl, const struct ctl_args *a);
int ctl_queue_purge(struct ctl *ctl, const struct ctl_args *a);
int ctl_queue_inject(struct ctl *ctl, const struct ctl_args *a);

/* ---- Writing as an agent, templates (ctl-ticket-reply.c,
 * ctl-ticket-new.c, ctl-template.c) ---- */
/* The most a text file (answer, note, template) may hold. */
#define CTL_TEXT_MAX (1u << 20)
/* Reads a whole file ("-": standard input) of at most max bytes; with
 * text, it must be UTF-8 without NUL bytes. Returns 0 with *data_r
 * malloc'd (NUL-terminated) and *len_r, or prints why and fails. */
int ctl_file_read(const char *path, size_t max, bool text, char **data_r, size_t *len_r);
/* What lib/desk needs from the configuration file (the daemon's, so
 * tokens and Message-IDs are ones it accepts): -c, else the default. */
struct ctl_desk {
	struct md_config cfg;
	char *secret;
	struct desk_settings s; /* points into cfg and secret */
};
/* Loads it and initialises lib/mime. Returns 0 (free with ctl_desk_free()
 * either way), or prints why and fails. */
int ctl_desk_load(const struct ctl *ctl, struct ctl_desk *d);
void ctl_desk_free(struct ctl_desk *d);
int ctl_ticket_reply(struct ctl *ctl, const struct ctl_args *a);
int ctl_ticket_note(struct ctl *ctl, const struct ctl_args *a);
int ctl_ticket_new(struct ctl *ctl, const struct ctl_args *a);
/* The files named by --attach (ticket new, ticket reply), read whole. */
struct mime_compose_attachment;
struct ctl_attachments {
	struct mime_compose_attachment *list;
	char **data;
	size_t n;
};
/* Reads every --attach (at most 18 MiB together; the content type from
 * the name, lib/base/mimetypes). Returns 0 (free with
 * ctl_attachments_free() either way), or prints why and fails. */
int ctl_attachments_read(const struct ctl_args *a, struct ctl_attachments *at);
void ctl_attachments_free(struct ctl_attachments *at);
/* "--attach -" is refused (standard input is the text): 0, or the usage
 * error's exit code. */
int ctl_attach_args_check(const struct ctl_args *a);
int ctl_template_add(struct ctl *ctl, const struct ctl_args *a);
int ctl_template_list(struct ctl *ctl, const struct ctl_args *a);
int ctl_template_show(struct ctl *ctl, const struct ctl_args *a);
int ctl_template_remove(struct ctl *ctl, const struct ctl_args *a);
/* "team set --autoack NAME" (name) or "--no-autoack" (NULL); prints the
 * outcome. Returns 0, or prints why and fails. */
int ctl_team_autoack_set(struct ctl *ctl, const char *tenant_id, const char *tenant_name, const char *team_id,
			 const char *team, const char *name);

/* ---- Orders (ctl-order.c, issue 12) ---- */
/* "ticket order NUMBER [REF | --clear] [--shipment S] [--sku K] [--by AGENT]". */
int ctl_ticket_order(struct ctl *ctl, const struct ctl_args *a);
/* Whether "tenant set" was given an order option. */
bool ctl_order_tenant_opts(const struct ctl_args *a);
/* The order options of "tenant set" (--order-pattern..., --no-order-pattern,
 * --order-subject, --no-order-subject). Returns 0 or an exit code. */
int ctl_order_tenant_set(struct ctl *ctl, const struct ctl_args *a);
/* Checks --order-reminder-after of "team set" before anything is written:
 * 0 with *secs_r (0: off or not given), or the usage exit code. */
int ctl_order_team_check(const struct ctl_args *a, unsigned *secs_r);
/* --order-reminder-after of "team set" (the team already found). */
int ctl_order_team_set(struct ctl *ctl, const struct ctl_args *a, const char *tenant_id, const char *tenant_name,
		       const char *team_id);

/* ---- Audit log and removals (ctl-audit.c, ctl-lifecycle.c, issue 14) ----
 * HOW TO RECORD A CHANGE: an administrative command that changes
 * configuration calls ctl_audit() inside the transaction of its change
 * (after the change, before COMMIT), or is listed in ctl-audit.c's table,
 * which runs the whole command in one transaction (db_begin_outer: its own
 * db_begin/db_commit become a savepoint) and records its arguments, and
 * for tenants, teams and agents the object before and after. */
/* "unix:USER" (the real uid's name; " (sudo: NAME)" added for root under
 * sudo). Static storage. */
const char *ctl_audit_actor(void);
/* Appends one audit_log row as ctl_audit_actor(): tenant_id decimal text
 * (NULL: provider-wide), action ("team remove"), object ("support"),
 * before/after JSON text (NULL: none). Returns 0, or prints the database
 * error and returns CTL_EXIT_FAIL (the caller rolls back). */
int ctl_audit(struct ctl *ctl, const char *tenant_id, const char *action, const char *object, const char *before,
	      const char *after);
/* Runs a's command; an audited one (ctl-audit.c's table) in one
 * transaction with its audit row, rolled back when the command fails. */
int ctl_audit_run(struct ctl *ctl, const struct ctl_args *a);
/* "audit" (ctl-audit.c); the remove commands and "agent team add|remove"
 * (ctl-lifecycle.c). */
extern const struct ctl_command ctl_audit_commands[];
extern const struct ctl_command ctl_lifecycle_commands[];

#endif
