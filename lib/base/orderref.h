#ifndef MD_ORDERREF_H
#define MD_ORDERREF_H
/* What an order, shipment or SKU reference may be (issue 12), checked in
 * one place for every way one arrives: an agent's #order, maildeskctl,
 * a rule's "set order", a pattern's match. */
#include <stddef.h>

/* The longest reference stored. */
#define ORDERREF_MAX 64

/* NULL when the len bytes at v are a valid reference: 1 to ORDERREF_MAX
 * printable ASCII characters (0x21-0x7e: no spaces, no control or 8-bit
 * bytes); else a short static reason ("longer than 64 characters"). */
const char *orderref_check(const char *v, size_t len);

#endif
