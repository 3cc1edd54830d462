#include "config.h"
#include "ctl.h"

#include <stdio.h>
#include <stdlib.h>

/* "db migrate": brings the schema up to what this build knows. */
int ctl_db_migrate(struct ctl *ctl, const struct ctl_args *a)
{
	unsigned applied, version;
	char *error = NULL;

	if (db_migrate(ctl->db, &applied, &error) < 0 || db_schema_version(ctl->db, &version, &error) < 0)
		return ctl_db_fail(error);
	printf("applied %u migration%s; schema at version %u\n", applied, applied == 1 ? "" : "s",
	       version);
	return CTL_EXIT_OK;
}

/* "db status": tells whether "db migrate" is due (exit 1 then), so that
 * scripts and package hooks can test it. */
int ctl_db_status(struct ctl *ctl, const struct ctl_args *a)
{
	unsigned version, known = db_schema_version_known();
	char *error = NULL;
	bool current;

	if (db_schema_version(ctl->db, &version, &error) < 0)
		return ctl_db_fail(error);
	current = db_schema_check(ctl->db, &error) == 0;
	if (ctl->json) {
		json_t *o = json_pack("{s:I,s:I,s:b}", "version", (json_int_t)version, "known",
				      (json_int_t)known, "up_to_date", current);
		ctl_output_json_print(o);
	} else {
		printf("schema version %u, this build knows %u: %s\n", version, known,
		       current ? "up to date" : "run \"maildeskctl db migrate\"");
	}
	free(error);
	return current ? CTL_EXIT_OK : CTL_EXIT_FAIL;
}
