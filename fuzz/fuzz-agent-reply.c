/* Fuzz target: the commands at the top of an agent's reply (lib/agent).
 * The input is parsed as a reply, at a fixed "now", in three time zones.
 * Checked against agent.h: on success no error, at most AGENT_CMDS_MAX
 * commands with the arguments each type promises, and a text offset at
 * the start of a line (0 without commands); on failure an error naming a
 * line and no commands. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "agent/agent.h"
#include "fuzz/fuzz.h"

#define NOW 1700000000LL /* 2023-11-14 22:13:20 UTC */

/* The arguments each command type promises. */
static bool cmd_ok(const struct agent_cmd *c)
{
	if (c->line == 0)
		return false;
	switch (c->type) {
	case AGENT_CMD_ASSIGN:
		return (c->arg == NULL) == c->assign_me;
	case AGENT_CMD_TAG:
	case AGENT_CMD_UNTAG:
	case AGENT_CMD_TEMPLATE:
		return c->arg != NULL && c->arg[0] != '\0' && strlen(c->arg) <= 64;
	case AGENT_CMD_PRIORITY:
		return c->priority >= AGENT_PRIORITY_LOW && c->priority <= AGENT_PRIORITY_URGENT;
	case AGENT_CMD_SNOOZE:
		return c->snooze.until > NOW;
	case AGENT_CMD_CC_ADD:
	case AGENT_CMD_CC_REMOVE:
		return c->arg != NULL && strchr(c->arg, '@') != NULL && strlen(c->arg) <= 254;
	case AGENT_CMD_ORDER:
		return c->arg == NULL || (c->arg[0] != '\0' && strlen(c->arg) <= 64 && strchr(c->arg, ' ') == NULL);
	default:
		return c->arg == NULL;
	}
}

/* What a successful parse promises about the reply as a whole. */
static void check_success(const struct agent_reply *r, const uint8_t *data, size_t size)
{
	size_t off = r->text_offset;

	if (r->error != NULL || r->error_line != 0 || r->cmds_count > AGENT_CMDS_MAX)
		abort();
	if (off > size || (r->cmds_count == 0 && off != 0))
		abort();
	if (off != 0 && off != size && data[off - 1] != '\n')
		abort();
	for (size_t i = 0; i < r->cmds_count; i++) {
		if (!cmd_ok(&r->cmds[i]))
			abort();
	}
}

/* One parse, its result checked against the contract, then freed. */
static void parse_in_zone(const uint8_t *data, size_t size, int32_t tz_offset_s)
{
	struct agent_reply *r = NULL;
	const char *error = NULL;
	int rc = agent_reply_parse((const char *)data, size, NOW, tz_offset_s, &r, &error);

	if (r == NULL)
		abort();
	if (rc == 0)
		check_success(r, data, size);
	else if (rc != -1 || error == NULL || error != r->error || r->error_line == 0 || r->cmds_count != 0)
		abort();
	agent_reply_free(&r);
	if (r != NULL)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	parse_in_zone(data, size, 0);
	parse_in_zone(data, size, 14 * 3600);
	parse_in_zone(data, size, -12 * 3600);
	return 0;
}
