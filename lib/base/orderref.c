/* The one check of an order reference (contract in orderref.h). */
#include "config.h"
#include "base/orderref.h"

/* A reference is an identifier that lands in listings, subjects and
 * mails: plain visible ASCII keeps it safe in all of them. */
const char *orderref_check(const char *v, size_t len)
{
	if (len == 0)
		return "empty";
	if (len > ORDERREF_MAX)
		return "longer than 64 characters";
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)v[i];

		if (c == ' ' || c == '\t')
			return "contains a space";
		if (c < 0x21 || c > 0x7e)
			return "contains a control or non-ASCII character";
	}
	return NULL;
}
