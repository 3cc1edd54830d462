/* Internationalised domain names (IDNA2008 with UTS #46 mapping, libidn2):
 * what a person types in Unicode becomes the A-label form DNS and DKIM use.
 * Contract in dns.h. */
#include "config.h"
#include "dns/dns.h"

#include <idn2.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

/* Only names with a byte outside ASCII need libidn2. */
static bool is_ascii(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s >= 0x80)
			return false;
	return true;
}

int dns_name_to_ascii(const char *name, char **ascii_r, char **error_r)
{
	char *out = NULL;
	int rc;

	if (is_ascii(name)) {
		*ascii_r = xstrdup(name);
		return 0;
	}
	rc = idn2_to_ascii_8z(name, &out, IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
	if (rc != IDN2_OK) {
		*error_r = xasprintf("not a valid internationalised domain name (%s)", idn2_strerror(rc));
		return -1;
	}
	*ascii_r = xstrdup(out);
	idn2_free(out);
	return 0;
}

char *dns_name_to_unicode(const char *name)
{
	char *out = NULL;

	if (strstr(name, "xn--") == NULL && strstr(name, "XN--") == NULL)
		return NULL;
	if (idn2_to_unicode_8z8z(name, &out, 0) != IDN2_OK || out == NULL)
		return NULL;
	char *copy = xstrdup(out);
	idn2_free(out);
	return copy;
}
