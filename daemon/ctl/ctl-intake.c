/* "maildeskctl form ...", "event-type ...", "chat post", "event post":
 * intake beyond mail (issue 13). lib/desk does the work (desk-intake.h;
 * the HTTP side calls the same functions with the same parsers); this
 * file reads the arguments and files and prints the outcome. */
#include "config.h"
#include "ctl.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"
#include "db/db-intake.h"
#include "desk/desk-intake.h"
#include "intake/intake.h"

/* The JSON files "chat post" and "event post" read, at most. */
#define CTL_INTAKE_JSON_MAX (4u << 20)

/* "form add NAME --team T --field SPEC... [--title T] [--min-fill SECONDS] [--tenant T]". */
static int form_add(struct ctl *ctl, const struct ctl_args *a)
{
	const char *team = ctl_opt_get(a, "team"), *min_fill = ctl_opt_get(a, "min-fill");
	const char **specs = xcalloc(a->n_opts + 1, sizeof(*specs));
	char *tenant_id = NULL, *tenant_name = NULL, *team_id = NULL, *error = NULL, *end = NULL;
	unsigned long fill = min_fill != NULL ? strtoul(min_fill, &end, 10) : 3;
	size_t n = 0;
	int ret = 0;

	for (size_t i = 0; i < a->n_opts; i++) {
		if (strcmp(a->opts[i].name, "field") == 0)
			specs[n++] = a->opts[i].value;
	}
	if (team == NULL || n == 0)
		ret = ctl_usage_error(a, team == NULL ? "missing --team" : "missing --field (at least the email field)");
	else if (min_fill != NULL && (end == min_fill || *end != '\0' || fill > 3600))
		ret = ctl_usage_error(a, "--min-fill is 0-3600 seconds");
	else if (!desk_form_name_valid(a->pos[0]))
		ret = ctl_usage_error(a, "a form's name is [a-z0-9][a-z0-9_-]{0,63} (it is part of the form's URL)");
	if (ret == 0)
		ret = ctl_tenant_resolve(ctl, a, team, &tenant_id, &tenant_name);
	if (ret == 0)
		ret = ctl_team_find(ctl, tenant_id, tenant_name, team, &team_id);
	if (ret == 0 && desk_form_add(ctl->db, ctl_id(tenant_id), ctl_id(team_id), a->pos[0], ctl_opt_get(a, "title"),
				      (unsigned)fill, specs, n, &error) < 0)
		ret = ctl_fail("%s", error);
	if (ret == 0)
		printf("form \"%s\" added to team \"%s\" of tenant \"%s\"\n", a->pos[0], team, tenant_name);
	free(error);
	free(team_id);
	free(tenant_id);
	free(tenant_name);
	free(specs);
	return ret;
}

/* "form list [--tenant T] [--json]": every tenant's without --tenant. */
static int form_list(struct ctl *ctl, const struct ctl_args *a)
{
	char *tenant_id = NULL, *tenant_name = NULL, *error = NULL;
	struct db_table *t = NULL;
	int ret = 0;

	if (ctl_opt_get(a, "tenant") != NULL)
		ret = ctl_tenant_resolve(ctl, a, NULL, &tenant_id, &tenant_name);
	if (ret == 0 && db_report_forms(ctl->db, ctl_id(tenant_id), &t, &error) < 0)
		ret = ctl_db_fail(error);
	if (ret == 0)
		ctl_output_rows(ctl, t, "sssssit");
	db_table_free(&t);
	free(tenant_id);
	free(tenant_name);
	return ret;
}

/* "form show NAME [--json]": the form and its fields. */
static int form_show(struct ctl *ctl, const struct ctl_args *a)
{
	struct desk_form f;
	char *error = NULL;
	int found = desk_form_load(ctl->db, a->pos[0], &f, &error);

	if (found <= 0) {
		found = found < 0 ? ctl_db_fail(error) : ctl_fail("form \"%s\" not found", a->pos[0]);
		return found;
	}
	if (ctl->json) {
		json_t *o = json_pack("{s:s, s:s, s:s, s:i, s:[]}", "name", f.name, "team", f.team_name, "title", f.title,
				      "min_fill", (int)f.min_fill_s, "fields");
		for (size_t i = 0; i < f.n_fields; i++)
			json_array_append_new(json_object_get(o, "fields"),
					      json_pack("{s:s, s:s, s:b}", "name", f.fields[i].name, "type",
							intake_field_type_name(f.fields[i].type), "required",
							f.fields[i].required));
		ctl_output_json_print(o);
	} else {
		char *title = ctl_output_sanitize(f.title, false);

		printf("Form:     %s\nTeam:     %s\nTitle:    %s\nMin fill: %u s\nURL:      /v1/forms/%s\n", f.name,
		       f.team_name, title, f.min_fill_s, f.name);
		for (size_t i = 0; i < f.n_fields; i++)
			printf("Field:    %s (%s%s)\n", f.fields[i].name, intake_field_type_name(f.fields[i].type),
			       f.fields[i].required ? ", required" : "");
		free(title);
	}
	desk_form_free(&f);
	return 0;
}

/* "form remove NAME [--tenant T]". */
static int form_remove(struct ctl *ctl, const struct ctl_args *a)
{
	char *tenant_id = NULL, *tenant_name = NULL, *error = NULL;
	int ret = ctl_tenant_resolve(ctl, a, NULL, &tenant_id, &tenant_name), found;

	if (ret == 0 && (found = db_form_remove(ctl->db, ctl_id(tenant_id), a->pos[0], &error)) <= 0)
		ret = found < 0 ? ctl_db_fail(error) : ctl_fail("form \"%s\" not found in tenant \"%s\"", a->pos[0],
								 tenant_name);
	if (ret == 0)
		printf("form \"%s\" removed from tenant \"%s\"\n", a->pos[0], tenant_name);
	free(tenant_id);
	free(tenant_name);
	return ret;
}

/* --enabled yes|no: 1, 0, -1 absent, -2 wrong. */
static int yes_no(const char *v)
{
	if (v == NULL)
		return -1;
	if (strcmp(v, "yes") == 0)
		return 1;
	return strcmp(v, "no") == 0 ? 0 : -2;
}

/* "event-type set TENANT TYPE [--enabled yes|no] [--tag TAG] [--team TEAM] [--subject S]". */
static int event_type_set(struct ctl *ctl, const struct ctl_args *a)
{
	const char *team = ctl_opt_get(a, "team");
	char *tenant_id = NULL, *tenant_name = NULL, *team_id = NULL, *error = NULL;
	int enabled = yes_no(ctl_opt_get(a, "enabled")), ret;
	struct ctl_args ta = *a;
	struct ctl_opt topt = { .name = "tenant", .value = a->pos[0] };

	if (enabled == -2)
		return ctl_usage_error(a, "--enabled is yes or no");
	/* The tenant is the first word, as ctl_tenant_resolve() reads --tenant. */
	ta.opts = &topt;
	ta.n_opts = 1;
	ret = ctl_tenant_resolve(ctl, &ta, NULL, &tenant_id, &tenant_name);
	if (ret == 0 && team != NULL && team[0] != '\0')
		ret = ctl_team_find(ctl, tenant_id, tenant_name, team, &team_id);
	struct db_event_type_set in = {
		.tenant_id = ctl_id(tenant_id), .type = a->pos[1], .enabled = enabled, .tag = ctl_opt_get(a, "tag"),
		.subject = ctl_opt_get(a, "subject"), .team_id = team == NULL ? -1 : ctl_id(team_id),
	};
	if (ret == 0 && desk_event_type_set(ctl->db, &in, &error) < 0)
		ret = ctl_fail("%s", error);
	if (ret == 0)
		printf("event type %s of tenant \"%s\" set\n", a->pos[1], tenant_name);
	free(error);
	free(team_id);
	free(tenant_id);
	free(tenant_name);
	return ret;
}

/* "event-type list [--tenant T] [--json]": builtin and own types. */
static int event_type_list(struct ctl *ctl, const struct ctl_args *a)
{
	char *tenant_id = NULL, *tenant_name = NULL, *error = NULL;
	struct db_table *t = NULL;
	size_t n;
	const char *const *builtin = desk_event_types_builtin(&n);
	int ret = 0;

	if (ctl_opt_get(a, "tenant") != NULL)
		ret = ctl_tenant_resolve(ctl, a, NULL, &tenant_id, &tenant_name);
	if (ret == 0 && db_report_event_types(ctl->db, ctl_id(tenant_id), builtin, n, &t, &error) < 0)
		ret = ctl_db_fail(error);
	if (ret == 0)
		ctl_output_rows(ctl, t, "ssbbsssi");
	db_table_free(&t);
	free(tenant_id);
	free(tenant_name);
	return ret;
}

/* Prints what a post did: "NUMBER new|joined|duplicate[ draft]" or "ignored". */
static void intake_print(const struct ctl *ctl, const struct desk_intake_result *r)
{
	const char *what = r->ignored ? "ignored" : r->duplicate ? "duplicate" : r->joined ? "joined" : "new";

	if (ctl->json) {
		ctl_output_json_print(json_pack("{s:I, s:s, s:b, s:I}", "number", (json_int_t)r->number, "result", what,
						"draft", r->draft, "message_id", (json_int_t)r->message_id));
	} else if (r->ignored) {
		printf("ignored (the event type is disabled)\n");
	} else {
		printf("%" PRId64 " %s%s\n", r->number, what, r->draft ? " draft" : "");
	}
}

/* "chat post --file F [--tenant T] [--team TEAM]" and "event post --file F [--tenant T]". */
static int intake_post(struct ctl *ctl, const struct ctl_args *a, bool chat)
{
	const char *team = ctl_opt_get(a, "team");
	char *tenant_id = NULL, *tenant_name = NULL, *team_id = NULL, *json = NULL, *error = NULL;
	struct desk_intake_result res;
	struct intake_chat c = { 0 };
	struct intake_event e = { 0 };
	struct ctl_desk d;
	size_t len = 0;
	int ret;

	if (ctl_opt_get(a, "file") == NULL)
		return ctl_usage_error(a, "missing --file");
	ret = ctl_tenant_resolve(ctl, a, team, &tenant_id, &tenant_name);
	if (ret == 0 && team != NULL)
		ret = ctl_team_find(ctl, tenant_id, tenant_name, team, &team_id);
	if (ret == 0)
		ret = ctl_file_read(ctl_opt_get(a, "file"), CTL_INTAKE_JSON_MAX, true, &json, &len);
	if (ret == 0 && (chat ? intake_chat_parse(json, len, &c, &error) : intake_event_parse(json, len, &e, &error)) < 0)
		ret = ctl_fail("%s: %s", ctl_opt_get(a, "file"), error);
	if (ret == 0 && (ret = ctl_desk_load(ctl, &d)) == 0) {
		if ((chat ? desk_chat_post(ctl->db, &d.s, ctl_id(tenant_id), ctl_id(team_id), &c, CTL_ACTOR, NULL, &res, &error)
			  : desk_event_post(ctl->db, &d.s, ctl_id(tenant_id), &e, CTL_ACTOR, NULL, &res, &error)) < 0)
			ret = ctl_fail("%s", error != NULL ? error : "failed");
		else
			intake_print(ctl, &res);
		ctl_desk_free(&d);
	}
	intake_chat_free(&c);
	intake_event_free(&e);
	free(error);
	free(json);
	free(team_id);
	free(tenant_id);
	free(tenant_name);
	return ret;
}

/* "chat post". */
static int chat_post(struct ctl *ctl, const struct ctl_args *a)
{
	return intake_post(ctl, a, true);
}

/* "event post". */
static int event_post(struct ctl *ctl, const struct ctl_args *a)
{
	return intake_post(ctl, a, false);
}

/* The commands of this file, merged into maildeskctl's table (ctl.h). */
const struct ctl_command ctl_intake_commands[] = {
	{ "chat post", "--file F [--tenant T] [--team TEAM] [--json]",
	  "store a chat transcript (JSON, see maildesk-http(7)) as a ticket, or add it to the chat's ticket", 0, 0,
	  "file= tenant= team= json", chat_post },
	{ "event post", "--file F [--tenant T] [--json]",
	  "store a shop's event (JSON, see maildesk-http(7)): a draft ticket, or added to the open one of its order"
	  " and type",
	  0, 0, "file= tenant= json", event_post },
	{ "event-type list", "[--tenant T] [--json]", "list the event types (builtin and the tenant's own)", 0, 0,
	  "tenant= json", event_type_list },
	{ "event-type set", "TENANT TYPE [--enabled yes|no] [--tag TAG] [--team TEAM] [--subject S]",
	  "configure an event type for a tenant (\"\" goes back to the default; {order} in the subject)", 2, 2,
	  "enabled= tag= team= subject=", event_type_set },
	{ "form add",
	  "NAME --team TEAM --field NAME[:required][:text|line|email|order]... [--title T] [--min-fill SECONDS]"
	  " [--tenant T]",
	  "add a web form of a team, served and taken at /v1/forms/NAME", 1, 1,
	  "team= field=* title= min-fill= tenant=", form_add },
	{ "form list", "[--tenant T] [--json]", "list the web forms with their fields", 0, 0, "tenant= json",
	  form_list },
	{ "form remove", "NAME [--tenant T]", "remove a web form (its tickets stay)", 1, 1, "tenant=", form_remove },
	{ "form show", "NAME [--json]", "show a web form and its fields", 1, 1, "json", form_show },
	{ NULL, NULL, NULL, 0, 0, NULL, NULL },
};
