#include "config.h"
#include "ctl.h"
#include "db/db-outbound.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/conf.h"
#include "base/xalloc.h"

/* Every command: the first words that match select the entry (longest
 * wins), so "team alias add" and "team add" can live side by side. */
static const struct ctl_command commands[] = {
	{ "status", "[--json]", "list the live daemons with their versions, the queue and the counters", 0, 0,
	  "json", ctl_status },
	{ "db migrate", "", "apply the schema migrations this build knows", 0, 0, "", ctl_db_migrate },
	{ "db status", "[--json]", "show the schema version; exit 1 when a migration is due", 0, 0,
	  "json", ctl_db_status },
	{ "tenant add", "NAME", "create a tenant", 1, 1, "", ctl_tenant_add },
	{ "tenant list", "[--json]", "list tenants", 0, 0, "json", ctl_tenant_list },
	{ "tenant set",
	  "NAME [--subject-tag FORMAT] [--require-authenticated-requester yes|no] [--autoack-unauthenticated yes|no]"
	  " [--order-pattern REGEX... | --no-order-pattern] [--order-subject TEXT | --no-order-subject]"
	  " [--search-language CONFIG] [--inbound-retention DURATION|off] [--attachment-retention DURATION|off]",
	  "change a tenant's settings (--require-authenticated-requester: a requester's or participant's"
	  " follow-up adds Cc'd people only when our mail server authenticated it;"
	  " --autoack-unauthenticated: acknowledge senders our mail server could not authenticate;"
	  " --order-pattern: the patterns that find an order in new mail, replacing the list;"
	  " --order-subject: the title of tickets started about an order, with {order};"
	  " --search-language: the text search configuration of \"ticket search\", e.g. english, spanish, simple;"
	  " --inbound-retention: raw mail older than this loses its bytes; --attachment-retention: attachment"
	  " contents likewise, default the inbound retention)",
	  1, 1,
	  "subject-tag= require-authenticated-requester= autoack-unauthenticated= order-pattern=* no-order-pattern"
	  " order-subject= no-order-subject search-language= inbound-retention= attachment-retention=",
	  ctl_tenant_set },
	{ "team add", "NAME [--tenant T] [--alias ADDR]...", "create a team with its addresses", 1, 1,
	  "tenant= alias=*", ctl_team_add },
	{ "team alias add", "TEAM ADDR [--tenant T]", "give a team another address", 2, 2, "tenant=",
	  ctl_team_alias_add },
	{ "team list", "[--tenant T] [--json]", "list teams with their addresses", 0, 0, "tenant= json",
	  ctl_team_list },
	{ "team set",
	  "NAME [--tenant T] [--reopen-days N] [--autoack TEMPLATE | --no-autoack] [--sender-name FORMAT]"
	  " [--notify-attach-max SIZE] [--order-reminder-after DURATION|off] [--close-after DURATION|off]",
	  "change a team's settings (--autoack: acknowledge new tickets with a template;"
	  " --sender-name: how agents are named to customers, e.g. '{agent} from {team}';"
	  " --notify-attach-max: the most attachment bytes a notification carries, 0 none;"
	  " --order-reminder-after: remind once about open tickets still without an order;"
	  " --close-after: how long a solved ticket stays solved before it closes, default 7d)",
	  1, 1,
	  "tenant= reopen-days= autoack= no-autoack sender-name= notify-attach-max= order-reminder-after="
	  " close-after=",
	  ctl_team_set },
	{ "agent add", "EMAIL [--name N] [--team T]... [--tenant T] [--signature-file F]",
	  "create an agent and put them in teams", 1, 1, "name= team=* tenant= signature-file=",
	  ctl_agent_add },
	{ "agent list", "[--tenant T] [--team T] [--json]", "list agents", 0, 0, "tenant= team= json",
	  ctl_agent_list },
	{ "agent show", "EMAIL [--tenant T] [--json]",
	  "show an agent and their own signed control address (reads secret_file)", 1, 1, "tenant= json",
	  ctl_agent_show },
	{ "agent set", "EMAIL [--tenant T] [--name N] [--signature-file F] [--notify-offline yes|no]",
	  "change an agent's name, signature or mail while offline", 1, 1,
	  "tenant= name= signature-file= notify-offline=", ctl_agent_set },
	{ "ticket list",
	  "[--tenant T] [--team T] [--status S | --folder open|snoozed|closed|unassigned|mine] [--agent EMAIL]"
	  " [--order REF] [--brand B] [--json] | --requester ADDR [--tenant T] [--status open|awaiting|solved] [--json]",
	  "list tickets, highest priority then oldest first (merged ones only with --status merged); folders: open"
	  " (and pending; who is awaited), snoozed (wake time), closed (and solved), unassigned, mine (--agent's);"
	  " --agent alone: the agent's tickets; --order: the tickets about that order; --requester: one customer's"
	  " tickets as they see them (Open, Awaiting your reply, Solved); a provider's list has the brands' tickets"
	  " it handles (tenant column: the brand), --brand B only that brand's",
	  0, 0, "tenant= team= status= folder= agent= order= json requester= brand=", ctl_ticket_list },
	{ "ticket show", "NUMBER [--json]", "show a ticket, its events and all its messages", 1, 1,
	  "json", ctl_ticket_show },
	{ "ticket close", "NUMBER [--by AGENT]", "close a ticket", 1, 1, "by=", ctl_ticket_close },
	{ "ticket order", "NUMBER [REF | --clear] [--shipment S] [--sku K] [--by AGENT]",
	  "set or clear a ticket's order reference (and shipment, SKU; '' clears those)", 1, 2,
	  "clear shipment= sku= by=", ctl_ticket_order },
	{ "ticket reopen", "NUMBER [--by AGENT]", "set a ticket back to open", 1, 1, "by=",
	  ctl_ticket_reopen },
	{ "ticket split", "NUMBER MESSAGE_ID [--by AGENT]",
	  "move one message to a new linked ticket; prints its number", 2, 2, "by=", ctl_ticket_split },
	{ "ticket merge", "NUMBER OTHER [--by AGENT]",
	  "merge ticket OTHER into ticket NUMBER (messages, participants)", 2, 2, "by=",
	  ctl_ticket_merge },
	{ "ticket address", "NUMBER [--agent EMAIL]",
	  "print the signed reply address of a ticket (reads secret_file)", 1, 1, "agent=",
	  ctl_ticket_address },
	{ "ticket reply", "NUMBER --from AGENT --file F [--attach FILE]...",
	  "answer the customer as AGENT: commands at the top of F apply, the rest is mailed with the files"
	  " (F - is stdin)", 1, 1,
	  "from= file= attach=*", ctl_ticket_reply },
	{ "ticket note", "NUMBER --from AGENT --file F",
	  "add an internal note, never sent (the assignee, when someone else, is notified)", 1, 1, "from= file=",
	  ctl_ticket_note },
	{ "ticket new",
	  "--team T --to ADDR (--subject S | --order REF) --from AGENT --file F [--attach FILE]... [--tenant T]",
	  "start a ticket with a first mail to ADDR, assigned to AGENT; prints its number (--order: about that"
	  " order, titled by the tenant's order subject unless --subject is given)",
	  0, 0, "team= to= subject= from= file= attach=* tenant= order=", ctl_ticket_new },
	{ "template add", "NAME --team T [--tenant T] --file F", "add a team's template, or replace it", 1, 1,
	  "team= tenant= file=", ctl_template_add },
	{ "template list", "[--team T] [--tenant T] [--json]", "list templates", 0, 0, "team= tenant= json",
	  ctl_template_list },
	{ "template show", "NAME --team T [--tenant T]", "print a template", 1, 1, "team= tenant=",
	  ctl_template_show },
	{ "template remove", "NAME --team T [--tenant T]", "remove a template", 1, 1, "team= tenant=",
	  ctl_template_remove },
	{ "queue list", "[--state S] [--json]",
	  "list outbound mail: everything not sent yet, or the mail in state S", 0, 0, "state= json",
	  ctl_queue_list },
	{ "queue show", "ID [--json]", "show one outbound mail: envelope, attempts, last error, headers", 1,
	  1, "json", ctl_queue_show },
	{ "queue retry", "ID", "send a failed or deferred mail again, now", 1, 1, "", ctl_queue_retry },
	{ "queue flush", "", "make every deferred mail due now", 0, 0, "", ctl_queue_flush },
	{ "queue hold", "ID... | --all-deferred", "keep queued or deferred mail from being sent until released", 0, 1000,
	  "all-deferred", ctl_queue_hold },
	{ "queue release", "ID... | --all", "send held mail again, now", 0, 1000, "all", ctl_queue_release },
	{ "queue delete", "ID... | --all-deferred", "never send queued, deferred or held mail (it becomes failed)", 0, 1000,
	  "all-deferred", ctl_queue_delete },
	{ "queue purge", "[--older-than DURATION]",
	  "empty the message of sent and failed mail older than DURATION (default: outbound_retention);"
	  " the rows stay",
	  0, 0, "older-than=", ctl_queue_purge },
	{ "queue inject", "--to ADDR... --file F [--tenant T] [--from ADDR] [--kind K] [--ticket N]",
	  "queue a message file as it is, for tests and troubleshooting; prints its id", 0, 0,
	  "to=* file= tenant= from= kind= ticket=", ctl_queue_inject },
	{ NULL, NULL, NULL, 0, 0, NULL, NULL },
};
/* The command groups that live in their own files (ctl.h), after the
 * core table; each table ends with an entry whose words are NULL. */
static const struct ctl_command *const command_tables[] = {
	commands, ctl_domain_commands, ctl_rule_commands, ctl_work_commands, ctl_attach_commands,
	ctl_request_commands, ctl_find_commands, ctl_channel_commands,
	ctl_audit_commands, ctl_lifecycle_commands,
	ctl_privacy_commands, ctl_connection_commands, ctl_apikey_commands,
	ctl_webhook_commands,
	ctl_intake_commands,
};
#define N_TABLES (sizeof(command_tables) / sizeof(command_tables[0]))
/* Iterates over every command of every table. */
#define FOR_EACH_COMMAND(c)                                                                      \
	for (size_t t_ = 0; t_ < N_TABLES; t_++)                                                 \
		for (const struct ctl_command *c = command_tables[t_]; c->words != NULL; c++)
/* The two "%s" that follow a command's words in a usage line. */
#define SYN(c) ((c)->synopsis[0] != '\0' ? " " : ""), (c)->synopsis

/* The one format of a failure line. */
int ctl_fail(const char *fmt, ...)
{
	va_list ap;

	fputs("maildeskctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return CTL_EXIT_FAIL;
}

/* The one format of a usage error. */
int ctl_usage_error(const struct ctl_args *a, const char *fmt, ...)
{
	va_list ap;

	fputs("maildeskctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fprintf(stderr, "usage: maildeskctl %s%s%s\n", a->cmd->words, SYN(a->cmd));
	return CTL_EXIT_USAGE;
}

/* Prints a lib/db error and frees it. */
int ctl_db_fail(char *error)
{
	ctl_fail("%s", error != NULL ? error : "database error");
	free(error);
	return CTL_EXIT_FAIL;
}

/* Options are few; a linear search is enough. */
const char *ctl_opt_get(const struct ctl_args *a, const char *name)
{
	const char *v = NULL;

	for (size_t i = 0; i < a->n_opts; i++) {
		if (strcmp(a->opts[i].name, name) == 0)
			v = a->opts[i].value != NULL ? a->opts[i].value : "";
	}
	return v;
}

/* Keeps names printable so listings stay readable. */
bool ctl_name_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 200)
		return false;
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	}
	return true;
}

/* Catches typos in aliases before they reach the database. */
bool ctl_address_valid(const char *s)
{
	const char *at = strchr(s, '@');

	if (at == NULL || at == s || at[1] == '\0' || strchr(at + 1, '@') != NULL || strlen(s) > 254)
		return false;
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s <= 0x20 || *s == 0x7f || *s == '<' || *s == '>' || *s == ',')
			return false;
	}
	return true;
}

/* maildeskctl keeps ids as the text it read; lib/db takes int64_t. */
int64_t ctl_id(const char *s)
{
	return s != NULL ? strtoll(s, NULL, 10) : 0;
}

/* Ticket and message numbers are bigint; 18 digits always fit. */
bool ctl_number_valid(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n <= 18 && strspn(s, "0123456789") == n;
}

/* The full command list for --help (stdout) or a bare invocation (stderr). */
static void help_print(FILE *f)
{
	fputs("usage: maildeskctl [-c FILE] COMMAND [ARGS]\n\nCommands:\n", f);
	FOR_EACH_COMMAND(c)
		fprintf(f, "  %s%s%s\n      %s\n", c->words, SYN(c), c->help);
	fputs("\nOptions:\n"
	      "  -c FILE      configuration file (default " CTL_DEFAULT_CONFIG ")\n"
	      "  --by AGENT   record a ticket change as done by this agent (default maildeskctl)\n"
	      "  --json       listings print one JSON array or object instead of a table\n"
	      "  -h, --help   this text; after a command, that command's usage\n"
	      "\nEnvironment:\n"
	      "  MAILDESK_DATABASE  libpq conninfo that overrides \"database\" from the file;\n"
	      "                     when set, the file is read only if -c is given\n"
	      "                     (\"ticket address/reply/note/new\" always read it, for secret_file)\n"
	      "\nExit status: 0 success, 1 failure, 2 usage error.\n",
	      f);
}

/* Number of words of cmd that argv starts with, or 0 if it doesn't match. */
static size_t command_match(const struct ctl_command *cmd, char **argv, int argc)
{
	const char *w = cmd->words;
	size_t n = 0;

	while (*w != '\0') {
		size_t len = strcspn(w, " ");

		if ((int)n >= argc || strlen(argv[n]) != len || strncmp(argv[n], w, len) != 0)
			return 0;
		n++;
		w += len;
		w += strspn(w, " ");
	}
	return n;
}

/* Whether cmd allows option name; *value_r / *repeat_r say how. */
static bool opt_allowed(const struct ctl_command *cmd, const char *name, size_t name_len,
			bool *value_r, bool *repeat_r)
{
	const char *o = cmd->opts;

	while (*o != '\0') {
		size_t len = strcspn(o, " =");

		if (len == name_len && strncmp(o, name, len) == 0) {
			*value_r = o[len] == '=';
			*repeat_r = *value_r && o[len + 1] == '*';
			return true;
		}
		o += strcspn(o, " ");
		o += strspn(o, " ");
	}
	return false;
}

/* The name of positional argument n in a synopsis ("TEAM ADDR [--x]"),
 * in a static buffer. */
static const char *synopsis_arg(const char *synopsis, size_t n)
{
	static char name[32];
	const char *p = synopsis;

	for (size_t i = 0; *p != '\0' && *p != '['; i++) {
		size_t len = strcspn(p, " ");

		if (i == n) {
			snprintf(name, sizeof(name), "%.*s", (int)len, p);
			return name;
		}
		p += len;
		p += strspn(p, " ");
	}
	return "argument";
}

/* Splits the words after the command into options and positionals. On a
 * usage error prints it and returns CTL_EXIT_USAGE; on --help prints the
 * command's usage and returns -1 (exit 0); else 0. */
static int args_parse(struct ctl_args *a, char **argv, int argc)
{
	bool opts_done = false;

	for (int i = 0; i < argc; i++) {
		const char *arg = argv[i], *eq, *name;
		bool has_value, repeat;
		size_t len;

		if (opts_done || arg[0] != '-' || arg[1] == '\0') {
			a->pos = xrealloc(a->pos, (a->n_pos + 1) * sizeof(*a->pos));
			a->pos[a->n_pos++] = argv[i];
			continue;
		}
		if (strcmp(arg, "--") == 0) {
			opts_done = true;
			continue;
		}
		if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
			printf("usage: maildeskctl %s%s%s\n  %s\n", a->cmd->words, SYN(a->cmd), a->cmd->help);
			return -1;
		}
		name = arg + (arg[1] == '-' ? 2 : 1);
		eq = strchr(name, '=');
		len = eq != NULL ? (size_t)(eq - name) : strlen(name);
		/* A one-letter option (-o FILE) only where a command lists it. */
		if ((arg[1] != '-' && len != 1) || !opt_allowed(a->cmd, name, len, &has_value, &repeat))
			return ctl_usage_error(a, "unknown option \"%s\"", arg);
		if (!has_value && eq != NULL)
			return ctl_usage_error(a, "option --%.*s takes no value", (int)len, name);
		if (has_value && eq == NULL && i + 1 >= argc)
			return ctl_usage_error(a, "option --%s needs a value", name);
		a->opts = xrealloc(a->opts, (a->n_opts + 1) * sizeof(*a->opts));
		a->opts[a->n_opts].name = xstrndup(name, len);
		a->opts[a->n_opts].value = !has_value ? NULL : eq != NULL ? eq + 1 : argv[++i];
		if (!repeat && ctl_opt_get(a, a->opts[a->n_opts].name) != NULL) {
			free((char *)a->opts[a->n_opts].name);
			return ctl_usage_error(a, "option --%.*s given twice", (int)len, name);
		}
		a->n_opts++;
	}
	if (a->n_pos < a->cmd->min_pos)
		return ctl_usage_error(a, "missing %s", synopsis_arg(a->cmd->synopsis, a->n_pos));
	if (a->n_pos > a->cmd->max_pos)
		return ctl_usage_error(a, "unexpected argument \"%s\"", a->pos[a->cmd->max_pos]);
	return 0;
}

/* Frees what args_parse() allocated. */
static void args_free(struct ctl_args *a)
{
	for (size_t i = 0; i < a->n_opts; i++)
		free((char *)a->opts[i].name);
	free(a->opts);
	free(a->pos);
}

/* The conninfo and timeout: MAILDESK_DATABASE wins over the file's
 * "database"; with it set, the file is read only when -c named one. */
static int database_settings(const char *config_path, char **conninfo_r, unsigned *timeout_r)
{
	const char *env = getenv("MAILDESK_DATABASE");
	struct md_config c;
	char *error = NULL;

	config_defaults(&c);
	if ((env == NULL || config_path != NULL) &&
	    config_load(config_path != NULL ? config_path : CTL_DEFAULT_CONFIG, &c, &error) < 0) {
		config_free(&c);
		return ctl_db_fail(error);
	}
	*conninfo_r = xstrdup(env != NULL && env[0] != '\0' ? env : c.database);
	*timeout_r = c.db_timeout;
	config_free(&c);
	return 0;
}

/* Connects, checks the schema (except for "db" commands) and runs. */
static int command_run(const struct ctl_args *a, const char *config_path, bool json)
{
	struct ctl ctl = { .json = json, .config_path = config_path };
	char *conninfo = NULL, *error = NULL;
	unsigned timeout = 0;
	int ret;

	if (database_settings(config_path, &conninfo, &timeout) != 0)
		return CTL_EXIT_FAIL;
	ret = db_connect(conninfo, timeout, &ctl.db, &error);
	free(conninfo);
	if (ret < 0)
		return ctl_db_fail(error);
	if (strncmp(a->cmd->words, "db ", 3) != 0 && db_schema_check(ctl.db, &error) < 0)
		ret = ctl_db_fail(error);
	else
		ret = ctl_audit_run(&ctl, a);
	/* What a command queued is sent now, not at the daemons' next poll. */
	if (ret == 0 && strncmp(a->cmd->words, "db ", 3) != 0)
		db_outbound_wake(ctl.db, NULL);
	db_close(&ctl.db);
	return ret;
}

/* Finds the command that argv names (longest match). */
static const struct ctl_command *command_find(char **argv, int argc, size_t *n_words_r)
{
	const struct ctl_command *best = NULL;

	*n_words_r = 0;
	FOR_EACH_COMMAND(c) {
		size_t n = command_match(c, argv, argc);

		if (n > *n_words_r) {
			*n_words_r = n;
			best = c;
		}
	}
	return best;
}

/* "maildeskctl team" alone (or with a wrong subcommand): the usage lines
 * of that group. Returns false when word names no group. */
static bool group_usage(const char *word)
{
	size_t len = strlen(word);
	bool any = false;

	FOR_EACH_COMMAND(c) {
		if (strncmp(c->words, word, len) != 0 || c->words[len] != ' ')
			continue;
		if (!any)
			fprintf(stderr, "maildeskctl: \"%s\" needs one of these commands:\n", word);
		any = true;
		fprintf(stderr, "usage: maildeskctl %s%s%s\n", c->words, SYN(c));
	}
	return any;
}

/* Reads -c and the other options before the command; returns the index of
 * the first command word, or -1 (exit 0) / -2 (usage error) when done. */
static int global_opts(int argc, char **argv, const char **config_r)
{
	int i = 1;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			help_print(stdout);
			return -1;
		} else if (strcmp(argv[i], "--version") == 0) {
			printf("maildeskctl %s\n", PACKAGE_VERSION);
			return -1;
		} else if (strcmp(argv[i], "-c") == 0 && i + 1 < argc) {
			*config_r = argv[++i];
		} else if (strncmp(argv[i], "-c", 2) == 0 && argv[i][2] != '\0') {
			*config_r = argv[i] + 2;
		} else {
			fprintf(stderr, "maildeskctl: unknown option \"%s\"\n"
					"usage: maildeskctl [-c FILE] COMMAND [ARGS] (see maildeskctl --help)\n",
				argv[i]);
			return -2;
		}
	}
	return i;
}

/* Global options, command lookup, argument parsing, then the command. */
int main(int argc, char **argv)
{
	const char *config_path = NULL;
	struct ctl_args a = { 0 };
	size_t n_words;
	int first, ret;

	first = global_opts(argc, argv, &config_path);
	if (first < 0)
		return first == -1 ? CTL_EXIT_OK : CTL_EXIT_USAGE;
	if (first >= argc) {
		help_print(stderr);
		return CTL_EXIT_USAGE;
	}
	a.cmd = command_find(argv + first, argc - first, &n_words);
	if (a.cmd == NULL && group_usage(argv[first]))
		return CTL_EXIT_USAGE;
	if (a.cmd == NULL) {
		fprintf(stderr, "maildeskctl: unknown command \"%s%s%s\"\n"
				"usage: maildeskctl [-c FILE] COMMAND [ARGS] (see maildeskctl --help)\n",
			argv[first], first + 1 < argc ? " " : "", first + 1 < argc ? argv[first + 1] : "");
		return CTL_EXIT_USAGE;
	}
	ret = args_parse(&a, argv + first + (int)n_words, argc - first - (int)n_words);
	if (ret == 0)
		ret = command_run(&a, config_path, ctl_opt_get(&a, "json") != NULL);
	else if (ret < 0)
		ret = CTL_EXIT_OK;
	args_free(&a);
	return ret;
}
