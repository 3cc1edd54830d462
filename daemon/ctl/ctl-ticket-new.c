/* "maildeskctl ticket new": an agent starts a ticket with a first mail to
 * a customer, with attachments. lib/desk creates and sends; this file
 * reads the files; their content types come from the system's MIME
 * database (/etc/mime.types, lib/base/mimetypes.h). */
#include "config.h"
#include "ctl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/mimetypes.h"
#include "base/orderref.h"
#include "base/xalloc.h"
#include "desk/desk.h"
#include "mime/mime-compose.h"

/* Everything together stays below common relays' message size limits
 * once base64 has grown it by a third. */
#define ATTACH_TOTAL_MAX (18u << 20)

/* Contract in ctl.h. */
void ctl_attachments_free(struct ctl_attachments *at)
{
	for (size_t i = 0; i < at->n; i++)
		free(at->data[i]);
	free(at->data);
	free(at->list);
	memset(at, 0, sizeof(*at));
}

/* Contract in ctl.h: the name the customer sees is the last part of the
 * path. */
int ctl_attachments_read(const struct ctl_args *a, struct ctl_attachments *at)
{
	size_t total = 0;

	for (size_t i = 0; i < a->n_opts; i++) {
		const char *path = a->opts[i].value, *slash;
		char *data;
		size_t len;
		int ret;

		if (strcmp(a->opts[i].name, "attach") != 0)
			continue;
		if ((ret = ctl_file_read(path, ATTACH_TOTAL_MAX - total, false, &data, &len)) != 0)
			return ret;
		total += len;
		slash = strrchr(path, '/');
		at->list = xrealloc(at->list, (at->n + 1) * sizeof(*at->list));
		at->data = xrealloc(at->data, (at->n + 1) * sizeof(*at->data));
		at->data[at->n] = data;
		at->list[at->n] = (struct mime_compose_attachment){
			.filename = slash != NULL ? slash + 1 : path, .content_type = mimetypes_guess(path),
			.data = (const unsigned char *)data, .size = len,
		};
		at->n++;
	}
	return 0;
}

/* --order: the subject from the tenant's order subject when none is
 * given (*subject_r malloc'd, NULL when --subject was given). */
static int order_subject(struct ctl *ctl, const struct ctl_args *a, const char *tenant_id, char **subject_r)
{
	const char *order = ctl_opt_get(a, "order");
	char *error = NULL;
	int found;

	*subject_r = NULL;
	if (order == NULL || ctl_opt_get(a, "subject") != NULL)
		return 0;
	if ((found = desk_order_subject(ctl->db, ctl_id(tenant_id), order, subject_r, &error)) < 0)
		return ctl_db_fail(error);
	if (found == 0)
		return ctl_fail("the tenant has no order subject (tenant set --order-subject): give --subject");
	return 0;
}

/* Tenant, team, agent and files: everything lib/desk needs. */
static int new_change(struct ctl *ctl, const struct ctl_args *a, char **done_r)
{
	const char *team = ctl_opt_get(a, "team");
	char *tenant_id = NULL, *tenant_name = NULL, *team_id = NULL, *text = NULL, *error = NULL, *subject = NULL;
	struct ctl_attachments at = { 0 };
	struct ctl_desk d;
	int64_t number;
	size_t len;
	int ret = ctl_desk_load(ctl, &d);

	if (ret == 0)
		ret = ctl_tenant_resolve(ctl, a, team, &tenant_id, &tenant_name);
	if (ret == 0)
		ret = ctl_team_find(ctl, tenant_id, tenant_name, team, &team_id);
	if (ret == 0)
		ret = ctl_file_read(ctl_opt_get(a, "file"), CTL_TEXT_MAX, true, &text, &len);
	if (ret == 0)
		ret = ctl_attachments_read(a, &at);
	if (ret == 0)
		ret = order_subject(ctl, a, tenant_id, &subject);
	if (ret == 0) {
		const struct desk_cli_ticket n = {
			.tenant_id = strtoll(tenant_id, NULL, 10), .team_id = strtoll(team_id, NULL, 10),
			.agent_email = ctl_opt_get(a, "from"), .to = ctl_opt_get(a, "to"),
			.subject = subject != NULL ? subject : ctl_opt_get(a, "subject"), .text = text, .len = len,
			.attachments = at.list, .n_attachments = at.n, .order = ctl_opt_get(a, "order"),
		};
		if (desk_cli_new(ctl->db, &d.s, &n, &number, &error) < 0)
			ret = ctl_fail("%s", error != NULL ? error : "failed");
		else
			*done_r = xasprintf("%lld", (long long)number);
	}
	free(subject);
	free(error);
	ctl_attachments_free(&at);
	free(text);
	free(team_id);
	free(tenant_name);
	free(tenant_id);
	ctl_desk_free(&d);
	return ret;
}

/* "ticket new --team T --to ADDR --subject S --from AGENT --file F
 * [--attach FILE]... [--tenant T]": prints the new ticket's number. */
int ctl_ticket_new(struct ctl *ctl, const struct ctl_args *a)
{
	static const char *const required[] = { "team", "to", "from", "file" };
	const char *subject = ctl_opt_get(a, "subject"), *order = ctl_opt_get(a, "order"), *why;

	for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
		if (ctl_opt_get(a, required[i]) == NULL)
			return ctl_usage_error(a, "missing --%s", required[i]);
	}
	if (!ctl_address_valid(ctl_opt_get(a, "to")))
		return ctl_usage_error(a, "invalid address \"%s\"", ctl_opt_get(a, "to"));
	if (subject == NULL && order == NULL)
		return ctl_usage_error(a, "missing --subject (or --order, with the tenant's order subject)");
	if (order != NULL && (why = orderref_check(order, strlen(order))) != NULL)
		return ctl_usage_error(a, "order \"%s\" is not valid: %s", order, why);
	if (subject != NULL && (subject[0] == '\0' || !desk_text_valid(subject, strlen(subject))))
		return ctl_usage_error(a, "the subject must be non-empty UTF-8 text");
	if (ctl_attach_args_check(a) != 0)
		return CTL_EXIT_USAGE;
	return ctl_change_run(ctl, a, new_change);
}

/* Contract in ctl.h. */
int ctl_attach_args_check(const struct ctl_args *a)
{
	for (size_t i = 0; i < a->n_opts; i++) {
		if (strcmp(a->opts[i].name, "attach") == 0 && strcmp(a->opts[i].value, "-") == 0)
			return ctl_usage_error(a, "--attach needs a file name (not -)");
	}
	return 0;
}
