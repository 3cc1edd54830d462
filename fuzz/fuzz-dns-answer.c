/* Fuzz target: DNS answer packets (lib/dns dns_answer_txt, dns_answer_mx),
 * what a resolver or anyone who can spoof one hands "maildeskctl domain
 * check". The input is the packet. Checked against dns.h: 1 with records,
 * 0 with none, -1 with a one-line error (and nothing else); TXT strings and
 * MX exchanges set, an exchange without its trailing dot (the root "."
 * aside), preferences of 16 bits; every result freed. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "dns/dns.h"
#include "fuzz/fuzz.h"

/* What every answer promises about the count and the error. */
static void check_rc(int rc, const void *v, size_t n, const char *error)
{
	if (rc < -1 || rc > 1)
		abort();
	if (rc == 1 && (v == NULL || n == 0 || error != NULL))
		abort();
	if (rc == 0 && (v != NULL || n != 0 || error != NULL))
		abort();
	if (rc == -1 && (v != NULL || n != 0 || error == NULL || error[0] == '\0' || strchr(error, '\n') != NULL))
		abort();
}

static void check_txt(const unsigned char *p, size_t len)
{
	char **v = NULL, *error = NULL;
	size_t n = 99;
	int rc = dns_answer_txt(p, len, &v, &n, &error);

	check_rc(rc, v, n, error);
	for (size_t i = 0; rc == 1 && i < n; i++) {
		if (v[i] == NULL)
			abort();
	}
	dns_strings_free(v, n);
	free(error);
}

static void check_mx(const unsigned char *p, size_t len)
{
	struct dns_mx *mx = NULL;
	char *error = NULL;
	size_t n = 99;
	int rc = dns_answer_mx(p, len, &mx, &n, &error);

	check_rc(rc, mx, n, error);
	for (size_t i = 0; rc == 1 && i < n; i++) {
		size_t elen;

		if (mx[i].exchange == NULL || mx[i].preference > 0xffff)
			abort();
		elen = strlen(mx[i].exchange);
		if (elen > 1 && mx[i].exchange[elen - 1] == '.' && (elen < 2 || mx[i].exchange[elen - 2] != '\\'))
			abort();
	}
	dns_mx_free(mx, n);
	free(error);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_txt(data, size);
	check_mx(data, size);
	return 0;
}
