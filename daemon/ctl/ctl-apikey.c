/* "maildeskctl apikey add|list|revoke": the HTTP API's keys (issue 13).
 * A key is printed once, at "add"; only its SHA-256 is stored (lib/http
 * makes and hashes it, lib/db stores it). */
#include "config.h"
#include "ctl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/db-http.h"
#include "http/http.h"

/* The columns of db_apikey_list, for ctl_output_rows. */
#define APIKEY_LIST_KINDS "ssssssss"

/* "apikey add --tenant T --scope intake|read|admin [--name N] [--json]". */
static int apikey_add(struct ctl *ctl, const struct ctl_args *a)
{
	const char *scope = ctl_opt_get(a, "scope"), *name = ctl_opt_get(a, "name");
	char key[HTTP_KEY_LEN + 1], id[HTTP_KEY_ID_LEN + 1], hash[65];
	char *tenant_id = NULL, *tenant_name = NULL, *error = NULL;
	int64_t row = 0;
	int ret;

	if (http_scope_parse(scope) == 0)
		return ctl_usage_error(a, "--scope is intake, read or admin");
	if (name != NULL && (strlen(name) > 200 || strpbrk(name, "\r\n\t") != NULL))
		return ctl_usage_error(a, "--name is one line of at most 200 bytes");
	if ((ret = ctl_tenant_resolve(ctl, a, NULL, &tenant_id, &tenant_name)) != 0)
		return ret;
	if (http_key_generate(key, id) < 0) {
		ret = ctl_fail("no randomness for a new key");
	} else {
		http_key_hash(key, hash);
		if (db_apikey_add(ctl->db, ctl_id(tenant_id), id, hash, scope, name, &row, &error) < 0)
			ret = ctl_db_fail(error);
	}
	if (ret == 0 && ctl->json) {
		json_t *o = json_object();
		json_object_set_new(o, "key", json_string(key));
		json_object_set_new(o, "id", json_string(id));
		json_object_set_new(o, "tenant", json_string(tenant_name));
		json_object_set_new(o, "scope", json_string(scope));
		ctl_output_json_print(o);
	} else if (ret == 0) {
		printf("%s\n", key);
		fprintf(stderr, "maildeskctl: API key %s (tenant \"%s\", scope %s): it is shown only now\n", id,
			tenant_name, scope);
	}
	free(tenant_id);
	free(tenant_name);
	return ret;
}

/* "apikey list [--tenant T] [--json]". */
static int apikey_list(struct ctl *ctl, const struct ctl_args *a)
{
	char *tenant_id = NULL, *tenant_name = NULL, *error = NULL;
	struct db_table *t = NULL;
	int ret = 0;

	if (ctl_opt_get(a, "tenant") != NULL && (ret = ctl_tenant_resolve(ctl, a, NULL, &tenant_id, &tenant_name)) != 0)
		return ret;
	if (db_apikey_list(ctl->db, ctl_id(tenant_id), &t, &error) < 0)
		ret = ctl_db_fail(error);
	else
		ctl_output_rows(ctl, t, APIKEY_LIST_KINDS);
	db_table_free(&t);
	free(tenant_id);
	free(tenant_name);
	return ret;
}

/* "apikey revoke ID [--tenant T]". */
static int apikey_revoke(struct ctl *ctl, const struct ctl_args *a)
{
	const char *id = a->pos[0];
	char *tenant_id = NULL, *tenant_name = NULL, *error = NULL;
	int ret = 0, found;

	if (strlen(id) != HTTP_KEY_ID_LEN || strspn(id, "0123456789abcdef") != HTTP_KEY_ID_LEN)
		return ctl_usage_error(a, "a key's id is 16 hex digits (see \"maildeskctl apikey list\")");
	if (ctl_opt_get(a, "tenant") != NULL && (ret = ctl_tenant_resolve(ctl, a, NULL, &tenant_id, &tenant_name)) != 0)
		return ret;
	found = db_apikey_revoke(ctl->db, ctl_id(tenant_id), id, &error);
	if (found < 0)
		ret = ctl_db_fail(error);
	else if (found == 0)
		ret = ctl_fail("API key %s not found or already revoked", id);
	else
		printf("API key %s revoked\n", id);
	free(tenant_id);
	free(tenant_name);
	return ret;
}

const struct ctl_command ctl_apikey_commands[] = {
	{ "apikey add", "--scope intake|read|admin [--name N] [--tenant T] [--json]",
	  "make an HTTP API key (printed once; only its hash is stored)", 0, 0, "scope= name= tenant= json",
	  apikey_add },
	{ "apikey list", "[--tenant T] [--json]", "list HTTP API keys: id, scope, last use, revocation", 0, 0,
	  "tenant= json", apikey_list },
	{ "apikey revoke", "ID [--tenant T]", "revoke an HTTP API key at once", 1, 1, "tenant=", apikey_revoke },
	{ NULL, NULL, NULL, 0, 0, NULL, NULL },
};
