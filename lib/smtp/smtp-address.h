#ifndef MD_SMTP_ADDRESS_H
#define MD_SMTP_ADDRESS_H
/* RFC 5321 envelope paths ("<local@domain>") as they appear in MAIL FROM and
 * RCPT TO, with the RFC 6531 (SMTPUTF8) extension: UTF-8 is accepted in the
 * local part and the domain and reported, so the caller can insist on the
 * SMTPUTF8 parameter. The grammar is applied strictly: angle brackets are
 * required, dot-strings may not have empty atoms, domain labels are
 * letters/digits/hyphens (no leading or trailing hyphen, at most 63 octets,
 * at most 255 in all) or an address literal "[...]". */
#include <stdbool.h>

#include "base/strv.h"

enum smtp_address_flags {
	SMTP_ADDRESS_ALLOW_NULL = 1 << 0,       /* "<>" is valid (MAIL FROM) */
	SMTP_ADDRESS_ALLOW_NO_DOMAIN = 1 << 1,  /* "<user>" is valid */
};

struct smtp_address {
	char *addr;   /* "local@domain", malloc'd; "" for "<>" */
	bool utf8;    /* contains octets >= 0x80 */
};

/* Parses the path at the very start of in. On success returns 0, fills
 * *addr_r (free addr_r->addr with free()) with the local part exactly as
 * given (quotes kept) and the domain in ASCII lower case, an A-d-l source
 * route ("@a,@b:") dropped, and sets *rest_r to the bytes after ">" (a view
 * into in). On failure returns -1, sets *error_r to a short static text
 * ("missing domain") and allocates nothing. */
int smtp_address_parse_path(struct strv in, unsigned flags, struct smtp_address *addr_r, struct strv *rest_r,
			    const char **error_r);

#endif
