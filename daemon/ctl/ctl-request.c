/* "maildeskctl reason ..." and "request ...": a tenant's reasons and the
 * requests brands open about an order (issue 12). lib/desk does the work
 * (desk-request.h; the HTTP side calls the same functions); this file
 * reads the arguments and files and prints the outcome. */
#include "config.h"
#include "ctl.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"
#include "db/db-request.h"
#include "desk/desk-request.h"
#include "mime/mime-compose.h"
#include "rules/rules.h"

/* --team and --priority of "reason add": 0 with the team's id (0: none)
 * and the priority (-1: none), or prints why and fails. */
static int reason_options(struct ctl *ctl, const struct ctl_args *a, const char *tenant_id,
			  const char *tenant_name, int64_t *team_id_r, int *priority_r)
{
	const char *team = ctl_opt_get(a, "team"), *priority = ctl_opt_get(a, "priority");
	char *team_id = NULL;
	int ret = 0;

	*team_id_r = 0;
	*priority_r = -1;
	if (priority != NULL && (strlen(priority) < 2 || (*priority_r = rules_priority_parse(priority)) < 0))
		return ctl_usage_error(a, "--priority is low, medium, high or urgent");
	if (team != NULL && (ret = ctl_team_find(ctl, tenant_id, tenant_name, team, &team_id)) == 0)
		*team_id_r = ctl_id(team_id);
	free(team_id);
	return ret;
}

/* "reason add NAME [--tenant T] [--team TEAM] [--priority P]". */
static int reason_add(struct ctl *ctl, const struct ctl_args *a)
{
	const char *name = a->pos[0];
	char *tenant_id = NULL, *tenant_name = NULL, *error = NULL;
	int64_t team_id = 0;
	int priority = -1, ret;

	if (!desk_reason_name_valid(name))
		return ctl_usage_error(a, "a reason's name is 1-200 bytes of UTF-8 text without control characters");
	ret = ctl_tenant_resolve(ctl, a, NULL, &tenant_id, &tenant_name);
	if (ret == 0)
		ret = reason_options(ctl, a, tenant_id, tenant_name, &team_id, &priority);
	if (ret == 0 && desk_reason_add(ctl->db, ctl_id(tenant_id), name, team_id, priority, &error) < 0)
		ret = ctl_fail("%s", error);
	if (ret == 0)
		printf("reason \"%s\" added to tenant \"%s\"\n", name, tenant_name);
	free(error);
	free(tenant_id);
	free(tenant_name);
	return ret;
}

/* "reason list [--tenant T] [--json]". */
static int reason_list(struct ctl *ctl, const struct ctl_args *a)
{
	char *tenant_id = NULL, *tenant_name = NULL, *error = NULL;
	struct db_table *t = NULL;
	int ret = ctl_tenant_resolve(ctl, a, NULL, &tenant_id, &tenant_name);

	if (ret == 0 && db_report_reasons(ctl->db, ctl_id(tenant_id), &t, &error) < 0)
		ret = ctl_db_fail(error);
	if (ret == 0)
		ctl_output_rows(ctl, t, "sssiit");
	db_table_free(&t);
	free(tenant_id);
	free(tenant_name);
	return ret;
}

/* "reason remove NAME [--tenant T]". */
static int reason_remove(struct ctl *ctl, const struct ctl_args *a)
{
	char *tenant_id = NULL, *tenant_name = NULL, *error = NULL;
	int ret = ctl_tenant_resolve(ctl, a, NULL, &tenant_id, &tenant_name);

	if (ret == 0 && desk_reason_remove(ctl->db, ctl_id(tenant_id), a->pos[0], &error) <= 0)
		ret = ctl_fail("%s", error);
	if (ret == 0)
		printf("reason \"%s\" removed from tenant \"%s\"\n", a->pos[0], tenant_name);
	free(error);
	free(tenant_id);
	free(tenant_name);
	return ret;
}

/* Prints what "request new" did: "NUMBER new" or "NUMBER joined". */
static void request_print(const struct ctl *ctl, const struct desk_request_result *r)
{
	json_t *o;

	if (!ctl->json) {
		printf("%" PRId64 " %s\n", r->number, r->joined ? "joined" : "new");
		return;
	}
	o = json_pack("{s:I, s:b, s:I}", "number", (json_int_t)r->number, "joined", r->joined, "message_id",
		      (json_int_t)r->message_id);
	ctl_output_json_print(o);
}

/* The tenant, the files and the configuration lib/desk signs with. */
static int request_new_run(struct ctl *ctl, const struct ctl_args *a, const char *tenant_id)
{
	struct ctl_attachments at = { 0 };
	struct desk_request_result res;
	char *text = NULL, *error = NULL;
	struct ctl_desk d;
	size_t len = 0;
	int ret = ctl_desk_load(ctl, &d);

	if (ret == 0)
		ret = ctl_file_read(ctl_opt_get(a, "file"), CTL_TEXT_MAX, true, &text, &len);
	if (ret == 0)
		ret = ctl_attachments_read(a, &at);
	if (ret == 0) {
		const struct desk_request rq = {
			.tenant_id = ctl_id(tenant_id), .order = ctl_opt_get(a, "order"),
			.reason = ctl_opt_get(a, "reason"), .from = ctl_opt_get(a, "from"),
			.subject = ctl_opt_get(a, "subject"), .text = text, .len = len, .attachments = at.list,
			.n_attachments = at.n, .actor = CTL_ACTOR,
			.to_provider = ctl_opt_get(a, "to-provider") != NULL,
		};
		if (desk_request_open(ctl->db, &d.s, &rq, &res, &error) < 0)
			ret = ctl_fail("%s", error != NULL ? error : "failed");
		else
			request_print(ctl, &res);
	}
	free(error);
	ctl_attachments_free(&at);
	free(text);
	ctl_desk_free(&d);
	return ret;
}

/* "request new --tenant T --order REF --reason R --from ADDR --file F
 * [--attach F]... [--subject S] [--json]". */
static int request_new(struct ctl *ctl, const struct ctl_args *a)
{
	static const char *const required[] = { "order", "reason", "from", "file" };
	char *tenant_id = NULL, *tenant_name = NULL;
	int ret;

	for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
		if (ctl_opt_get(a, required[i]) == NULL)
			return ctl_usage_error(a, "missing --%s", required[i]);
	}
	if (!ctl_address_valid(ctl_opt_get(a, "from")))
		return ctl_usage_error(a, "invalid address \"%s\"", ctl_opt_get(a, "from"));
	if ((ret = ctl_attach_args_check(a)) != 0)
		return ret;
	ret = ctl_tenant_resolve(ctl, a, NULL, &tenant_id, &tenant_name);
	if (ret == 0)
		ret = request_new_run(ctl, a, tenant_id);
	free(tenant_id);
	free(tenant_name);
	return ret;
}

/* "request set NUMBER --reference X" ("" clears it). */
static int request_set(struct ctl *ctl, const struct ctl_args *a)
{
	const char *number = a->pos[0], *ref = ctl_opt_get(a, "reference");
	char *error = NULL;
	int changed;

	if (!ctl_number_valid(number))
		return ctl_usage_error(a, "ticket number \"%s\" is not a number", number);
	if (ref == NULL)
		return ctl_usage_error(a, "missing --reference");
	if ((changed = desk_request_set_reference(ctl->db, ctl_id(number), ref, CTL_ACTOR, &error)) < 0) {
		changed = ctl_fail("%s", error != NULL ? error : "failed");
		free(error);
		return changed;
	}
	if (ref[0] == '\0')
		printf("ticket %s: reference %s\n", number, changed ? "cleared" : "was not set");
	else
		printf("ticket %s: reference %s %s\n", number, changed ? "set to" : "already", ref);
	return 0;
}

/* The commands of this file, merged into maildeskctl's table (ctl.h). */
const struct ctl_command ctl_request_commands[] = {
	{ "reason add", "NAME [--tenant T] [--team TEAM] [--priority low|medium|high|urgent]",
	  "add a reason requests are opened for, with the team and priority its requests get", 1, 1,
	  "tenant= team= priority=", reason_add },
	{ "reason list", "[--tenant T] [--json]", "list the reasons with their open and all requests", 0, 0,
	  "tenant= json", reason_list },
	{ "reason remove", "NAME [--tenant T]",
	  "retire a reason (refused while an open request has it; closed ones keep it)", 1, 1, "tenant=",
	  reason_remove },
	{ "request new",
	  "--order REF --reason R --from ADDR --file F [--attach FILE]... [--subject S] [--tenant T] [--to-provider]"
	  " [--json]",
	  "open a request about an order, or join the open one for the same order and reason; prints"
	  " \"NUMBER new\" or \"NUMBER joined\" (F: the text of the first message, - is stdin); --to-provider:"
	  " the brand's provider handles it",
	  0, 0, "order= reason= from= file= attach=* subject= tenant= to-provider json", request_new },
	{ "request set", "NUMBER --reference X",
	  "set the request's reference (e.g. the carrier's claim number; \"\" clears it)", 1, 1, "reference=",
	  request_set },
	{ NULL, NULL, NULL, 0, 0, NULL, NULL },
};

/* Contract in ctl.h. */
void ctl_request_print(const struct db_table *request)
{
	static const char *const labels[] = { "Order:", "Reason:", "Reference:" };

	if (request == NULL || request->n_rows == 0)
		return;
	for (size_t c = 0; c < 3; c++) {
		const char *v = db_table_get(request, 0, c);
		char *s = ctl_output_sanitize(v != NULL ? v : "-", false);

		printf("%-12s %s\n", labels[c], s);
		free(s);
	}
}

/* Contract in ctl.h. */
void ctl_request_json_add(json_t *ticket, const struct db_table *request)
{
	json_t *o = request != NULL && request->n_rows > 0 ? ctl_output_row_json(request, 0, "sss") : json_null();

	json_object_set_new(ticket, "request", o);
}
