/* maildeskctl: the "work" commands (being written). */
#include "config.h"
#include "ctl.h"

const struct ctl_command ctl_work_commands[] = {
	{ NULL, NULL, NULL, 0, 0, NULL, NULL },
};
