/* "maildeskctl queue ...": the outbound queue (sql/003_outbound.sql). Reads
 * go through lib/db/db-report-queue.h; every change goes through lib/db/db-outbound.h, which
 * also wakes the senders (NOTIFY maildesk_outbound). */
#include "config.h"
#include "ctl.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/conf.h"
#include "base/xalloc.h"
#include "db/db-outbound.h"
#include "db/db-report-queue.h"
#include "db/db-report-ticket.h"

#define INJECT_MAX (64u << 20)

static const char *const states[] = { "queued", "sending", "sent", "deferred", "failed", "held" };
static const char *const kinds[] = { "reply", "new", "notification", "ack", "explanation" };

/* A name from one of the lists above, as its index; -1 when unknown. */
static int name_index(const char *const *names, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++) {
		if (strcmp(s, names[i]) == 0)
			return (int)i;
	}
	return -1;
}

#define LIST_KINDS "isissijttis"

/* "queue list [--state S]": everything not sent yet, or one state. */
int ctl_queue_list(struct ctl *ctl, const struct ctl_args *a)
{
	const char *state = ctl_opt_get(a, "state");
	struct db_table *t;
	char *error = NULL;

	if (state != NULL && name_index(states, sizeof(states) / sizeof(states[0]), state) < 0)
		return ctl_usage_error(a, "unknown state \"%s\" (queued, sending, sent, deferred, failed, held)", state);
	if (db_report_queue_list(ctl->db, state, &t, &error) < 0)
		return ctl_db_fail(error);
	ctl_output_rows(ctl, t, LIST_KINDS);
	db_table_free(&t);
	return 0;
}

/* A hex digit's value (the input comes from encode(..., 'hex')). */
static unsigned hex_value(char c)
{
	return c >= 'a' ? (unsigned)(c - 'a' + 10) : (unsigned)(c - '0');
}

/* The header block of the stored message (hex of its first bytes), as
 * printable text with LF line ends; anything else becomes '?'. */
static char *headers_text(const char *hex)
{
	size_t n = hex != NULL ? strlen(hex) / 2 : 0;
	struct buf b;

	buf_init(&b, 0);
	for (size_t i = 0; i < n; i++) {
		char c = (char)(hex_value(hex[2 * i]) << 4 | hex_value(hex[2 * i + 1]));

		if (c == '\r')
			continue;
		if (c == '\n' && b.len > 0 && b.data[b.len - 1] == '\n')
			break; /* the empty line that ends the header */
		if (c != '\n' && c != '\t' && ((unsigned char)c < 0x20 || (unsigned char)c >= 0x7f))
			c = '?';
		buf_append(&b, &c, 1);
	}
	return buf_steal(&b, NULL);
}

/* The recipients column (a JSON array) as "a, b". */
static char *rcpts_text(const char *json)
{
	json_t *arr = json != NULL ? json_loads(json, 0, NULL) : NULL;
	struct buf b;
	size_t i;
	json_t *v;

	buf_init(&b, 0);
	json_array_foreach (arr, i, v)
		buf_printf(&b, "%s%s", i > 0 ? ", " : "", json_string_value(v) != NULL ? json_string_value(v) : "");
	json_decref(arr);
	return buf_steal(&b, NULL);
}

/* "Label  value" with the value made terminal-safe; NULL as "-". */
static void show_field(const char *label, const char *value, char kind)
{
	char tbuf[32], *s;

	if (value == NULL || value[0] == '\0')
		value = "-";
	else if (kind == 't')
		value = ctl_output_time(value, tbuf, sizeof(tbuf));
	s = ctl_output_sanitize(value, false);
	printf("%-13s %s\n", label, s);
	free(s);
}

#define SHOW_KINDS "isississjtttstisits"
/* Column numbers of the show query. */
enum { SH_ID, SH_TENANT, SH_TICKET, SH_KIND, SH_STATE, SH_ATTEMPTS, SH_FROM, SH_MSGID, SH_RCPTS,
       SH_CREATED, SH_NEXT, SH_CLAIMED, SH_CLAIMED_BY, SH_SENT, SH_CODE, SH_ERROR, SH_SIZE, SH_PURGED, SH_HEAD };

/* Text output of "queue show". */
static void show_print_text(const struct db_table *t)
{
	static const char *const labels[] = { "id", "tenant", "ticket", "kind", "state", "attempts",
					      "from", "message_id", "to", "created", "next_attempt",
					      "claimed", "claimed_by", "sent", "last_code", "last_error", "size" };
	char *rcpts = rcpts_text(db_table_get(t, 0, SH_RCPTS)), *head = headers_text(db_table_get(t, 0, SH_HEAD));
	char *from = xasprintf("<%s>", db_table_get(t, 0, SH_FROM) != NULL ? db_table_get(t, 0, SH_FROM) : "");

	for (size_t c = 0; c < sizeof(labels) / sizeof(labels[0]); c++) {
		const char *v = c == SH_RCPTS ? rcpts : c == SH_FROM ? from : db_table_get(t, 0, c);

		show_field(labels[c], v, SHOW_KINDS[c]);
	}
	printf("\n");
	if (db_table_get(t, 0, SH_PURGED) != NULL) {
		char tbuf[32];

		/* outbound_retention emptied it: no headers left to show. */
		printf("message purged on %s (outbound_retention); the envelope above is kept\n",
		       ctl_output_time(db_table_get(t, 0, SH_PURGED), tbuf, sizeof(tbuf)));
	} else {
		fputs(head, stdout);
	}
	free(rcpts);
	free(head);
	free(from);
}

/* "queue show ID": envelope, attempts, the last error and the headers. */
int ctl_queue_show(struct ctl *ctl, const struct ctl_args *a)
{
	struct db_table *t;
	char *error = NULL;
	int found;

	if (!ctl_number_valid(a->pos[0]))
		return ctl_usage_error(a, "ID must be a number");
	if ((found = db_report_queue_show(ctl->db, ctl_id(a->pos[0]), &t, &error)) < 0)
		return ctl_db_fail(error);
	if (found == 0)
		return ctl_fail("no outbound mail %s", a->pos[0]);
	if (ctl->json) {
		json_t *o = ctl_output_row_json(t, 0, SHOW_KINDS);
		char *head = headers_text(db_table_get(t, 0, SH_HEAD));

		json_object_del(o, "head");
		json_object_set_new(o, "headers",
				    db_table_get(t, 0, SH_PURGED) != NULL ? json_null() : json_string(head));
		free(head);
		ctl_output_json_print(o);
	} else {
		show_print_text(t);
	}
	db_table_free(&t);
	return 0;
}

/* "queue retry ID": a failed or deferred mail is due again now. */
int ctl_queue_retry(struct ctl *ctl, const struct ctl_args *a)
{
	char *error = NULL, *state = NULL, *purged = NULL, tbuf[32];
	int r;

	if (!ctl_number_valid(a->pos[0]))
		return ctl_usage_error(a, "ID must be a number");
	if ((r = db_outbound_retry(ctl->db, strtoll(a->pos[0], NULL, 10), &error)) < 0)
		return ctl_db_fail(error);
	if (r > 0) {
		printf("outbound mail %s queued again\n", a->pos[0]);
		return 0;
	}
	if ((r = db_report_queue_state(ctl->db, ctl_id(a->pos[0]), &state, &purged, &error)) < 0)
		return ctl_db_fail(error);
	if (r == 0)
		r = ctl_fail("no outbound mail %s", a->pos[0]);
	else if (purged != NULL)
		r = ctl_fail("outbound mail %s cannot be retried: its message was purged on %s (outbound_retention)",
			     a->pos[0], ctl_output_time(purged, tbuf, sizeof(tbuf)));
	else
		r = ctl_fail("outbound mail %s is %s; only failed or deferred mail can be retried", a->pos[0], state);
	free(state);
	free(purged);
	return r;
}

/* "queue flush": every deferred mail due now. */
int ctl_queue_flush(struct ctl *ctl, const struct ctl_args *a)
{
	char *error = NULL;
	size_t n;

	(void)a;
	if (db_outbound_flush(ctl->db, &n, &error) < 0)
		return ctl_db_fail(error);
	printf("%zu deferred mail%s due now\n", n, n == 1 ? "" : "s");
	return 0;
}

/* The retention of "queue purge": --older-than, else outbound_retention
 * of the configuration file (-c, else the default one). Returns 0, or
 * prints why and fails. */
static int purge_retention(const struct ctl *ctl, const struct ctl_args *a, unsigned *retention_r)
{
	const char *older = ctl_opt_get(a, "older-than");
	struct md_config cfg;
	char *error = NULL;
	int ret = 0;

	if (older != NULL) {
		if (config_duration_parse(older, retention_r) < 0 || *retention_r == 0)
			return ctl_usage_error(a, "--older-than must be a duration such as 1s, 12h or 30d");
		return 0;
	}
	config_defaults(&cfg);
	if (config_load(ctl->config_path != NULL ? ctl->config_path : CTL_DEFAULT_CONFIG, &cfg, &error) < 0) {
		ret = ctl_fail("%s (or give --older-than)", error);
		free(error);
	}
	*retention_r = cfg.outbound_retention;
	config_free(&cfg);
	return ret;
}

/* "queue purge [--older-than DURATION]": what maildeskd does every hour,
 * now: sent and failed mail past its retention loses its message bytes. */
int ctl_queue_purge(struct ctl *ctl, const struct ctl_args *a)
{
	unsigned retention, n;
	char *error = NULL;
	bool more;
	int ret = purge_retention(ctl, a, &retention);

	if (ret != 0)
		return ret;
	if (db_outbound_purge_batches(ctl->db, retention, UINT_MAX, &n, &more, &error) < 0) {
		if (n > 0)
			printf("%u outbound mail%s purged before the error\n", n, n == 1 ? "" : "s");
		return ctl_db_fail(error);
	}
	printf("%u outbound mail%s purged\n", n, n == 1 ? "" : "s");
	return 0;
}

/* Reads a message file, turning bare LF line ends into CRLF. Returns 0, or
 * prints why not and returns CTL_EXIT_FAIL. */
static int message_read(const char *path, struct buf *b)
{
	FILE *f = fopen(path, "rb");
	int c, prev = 0;

	if (f == NULL)
		return ctl_fail("%s: %s", path, strerror(errno));
	while ((c = getc(f)) != EOF) {
		char ch = (char)c;

		if ((c == '\n' && prev != '\r' && buf_append(b, "\r", 1) < 0) || buf_append(b, &ch, 1) < 0) {
			fclose(f);
			return ctl_fail("%s: larger than %u bytes", path, INJECT_MAX);
		}
		prev = c;
	}
	fclose(f);
	return b->len == 0 ? ctl_fail("%s: empty", path) : 0;
}

/* The id of ticket NUMBER of a tenant, for --ticket. Returns 0 or fails. */
static int inject_ticket(struct ctl *ctl, const char *tenant_id, const char *number, int64_t *id_r)
{
	char *error = NULL;
	int found;

	if (!ctl_number_valid(number))
		return ctl_fail("--ticket must be a ticket number");
	if ((found = db_report_ticket_find(ctl->db, ctl_id(tenant_id), ctl_id(number), id_r, &error)) < 0)
		return ctl_db_fail(error);
	return found ? 0 : ctl_fail("ticket %s not found", number);
}

/* The --to values, checked. Returns 0, or prints the problem. */
static int inject_rcpts(const struct ctl_args *a, const char ***rcpts_r, size_t *n_r)
{
	*rcpts_r = xcalloc(a->n_opts + 1, sizeof(char *));
	*n_r = 0;
	for (size_t i = 0; i < a->n_opts; i++) {
		if (strcmp(a->opts[i].name, "to") != 0)
			continue;
		if (!ctl_address_valid(a->opts[i].value))
			return ctl_usage_error(a, "\"%s\" is not an address", a->opts[i].value);
		(*rcpts_r)[(*n_r)++] = a->opts[i].value;
	}
	return *n_r == 0 ? ctl_usage_error(a, "missing --to") : 0;
}

/* Enqueues in a transaction of its own and prints the new id. */
static int inject_commit(struct ctl *ctl, const struct db_outbound_in *o)
{
	char *error = NULL;
	int64_t id;

	if (db_begin(ctl->db, &error) < 0)
		return ctl_db_fail(error);
	if (db_outbound_enqueue(ctl->db, o, &id, &error) < 0) {
		db_rollback(ctl->db);
		return ctl_db_fail(error);
	}
	if (db_commit(ctl->db, &error) < 0)
		return ctl_db_fail(error);
	printf("%lld\n", (long long)id);
	return 0;
}

/* "queue inject --tenant T --to ADDR... --file F [--from A] [--kind K]
 * [--ticket N]": queues a message file as it is. */
int ctl_queue_inject(struct ctl *ctl, const struct ctl_args *a)
{
	const char *from = ctl_opt_get(a, "from"), *kind = ctl_opt_get(a, "kind"), *file = ctl_opt_get(a, "file");
	const char *ticket = ctl_opt_get(a, "ticket"), **rcpts = NULL;
	char *tenant_id = NULL, *tenant_name = NULL;
	struct db_outbound_in o = { .kind = DB_OUTBOUND_NOTIFICATION, .envelope_from = from != NULL ? from : "" };
	struct buf data;
	int ret, k = kind != NULL ? name_index(kinds, sizeof(kinds) / sizeof(kinds[0]), kind) : -1;

	buf_init(&data, INJECT_MAX);
	if (file == NULL)
		ret = ctl_usage_error(a, "missing --file");
	else if (kind != NULL && k < 0)
		ret = ctl_usage_error(a, "unknown kind \"%s\" (reply, new, notification, ack, explanation)", kind);
	else if (from != NULL && from[0] != '\0' && !ctl_address_valid(from))
		ret = ctl_usage_error(a, "\"%s\" is not an address", from);
	else if ((ret = inject_rcpts(a, &rcpts, &o.n_rcpts)) == 0 && (ret = message_read(file, &data)) == 0 &&
		 (ret = ctl_tenant_resolve(ctl, a, NULL, &tenant_id, &tenant_name)) == 0 &&
		 (ticket == NULL || (ret = inject_ticket(ctl, tenant_id, ticket, &o.ticket_id)) == 0)) {
		o.tenant_id = strtoll(tenant_id, NULL, 10);
		o.kind = k >= 0 ? (enum db_outbound_kind)k : DB_OUTBOUND_NOTIFICATION;
		o.rcpts = rcpts;
		o.data = data.data;
		o.len = data.len;
		ret = inject_commit(ctl, &o);
	}
	free(rcpts);
	free(tenant_id);
	free(tenant_name);
	buf_free(&data);
	return ret;
}
