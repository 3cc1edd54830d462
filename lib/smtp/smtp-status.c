#include "config.h"
#include "smtp-status.h"

#include <stddef.h>

/* Indexed by enum smtp_status; the designated initialisers keep the rows
 * aligned with the enum when it grows. */
static const struct smtp_status_reply smtp_status_table[] = {
	[SMTP_STATUS_OK] = { 250, "2.0.0", "Ok: queued" },
	[SMTP_STATUS_DUPLICATE] = { 250, "2.0.0", "Ok: already delivered" },
	[SMTP_STATUS_NO_SUCH_USER] = { 550, "5.1.1", "No such recipient here" },
	[SMTP_STATUS_TEMPFAIL] = { 451, "4.3.0", "Temporary failure, try again later" },
	[SMTP_STATUS_DB_TIMEOUT] = { 451, "4.3.0", "Storage timed out, try again later" },
	[SMTP_STATUS_TOO_MANY_RCPTS] = { 452, "4.5.3", "Too many recipients" },
	[SMTP_STATUS_TOO_BIG] = { 552, "5.3.4", "Message size exceeds fixed limit" },
	[SMTP_STATUS_SHUTDOWN] = { 421, "4.3.2", "Service shutting down, closing connection" },
	[SMTP_STATUS_INTERNAL] = { 451, "4.3.0", "Internal error, try again later" },
};

/* A status the table does not know still gets a temporary failure, so a bug
 * never turns into a bounce. */
const struct smtp_status_reply *smtp_status_reply(enum smtp_status st)
{
	size_t n = sizeof(smtp_status_table) / sizeof(smtp_status_table[0]);

	if ((size_t)st >= n || smtp_status_table[st].code == 0)
		return &smtp_status_table[SMTP_STATUS_INTERNAL];
	return &smtp_status_table[st];
}
