/* Fuzz target: lib/http's parsers of strangers' text (issue 13). The first
 * byte chooses the parser, the rest is its input: the JSON body of POST
 * /v1/requests, a query string / urlencoded body, an Authorization header,
 * an Idempotency-Key, an X-Forwarded-For behind a trusted proxy and a CIDR
 * list. Checked: a parsed request has its required strings non-empty and
 * NUL-free; a parsed query holds at most the maximum of pairs; a parsed
 * key is HTTP_KEY_LEN long; a client address is NUL-terminated within 45
 * bytes; problem+json is built for every outcome. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz/fuzz.h"
#include "http/http.h"

/* POST /v1/requests's body. */
static void fuzz_request(const char *s, size_t len)
{
	struct http_request_in in;
	enum http_problem p;
	char *detail = NULL;
	const char *field;

	if (http_request_parse(s, len, &in, &p, &detail, &field) == 0) {
		if (in.order == NULL || in.order[0] == '\0' || in.from == NULL || in.message == NULL ||
		    in.reason == NULL || in.reason[0] == '\0')
			abort();
		http_request_in_free(&in);
		return;
	}
	if (p != HTTP_PROBLEM_BAD_JSON && p != HTTP_PROBLEM_INVALID)
		abort();
	free(http_problem_json(p, detail, field));
	free(detail);
}

/* The other parsers, on a NUL-terminated copy. */
static void fuzz_text(unsigned which, const char *s, size_t len)
{
	struct http_params params;
	struct http_cidrs cidrs;
	const char *error, *key;
	char id[HTTP_KEY_ID_LEN + 1], idem[256], addr[46], *err = NULL;

	switch (which % 5) {
	case 0:
		if (http_params_parse(s, len, 16, &params, &error) == 0) {
			if (params.n > 16)
				abort();
			http_params_free(&params);
		}
		break;
	case 1:
		if (http_key_parse(s, id, &key) == 0 && (strlen(key) != HTTP_KEY_LEN || strlen(id) != HTTP_KEY_ID_LEN))
			abort();
		break;
	case 2:
		if (http_idem_key_parse(s, idem, &error) == 0 && (idem[0] == '\0' || strlen(idem) > 255))
			abort();
		break;
	case 3:
		if (http_cidrs_parse("10.0.0.0/8 ::1", &cidrs, &err) < 0)
			abort();
		http_client_address(&cidrs, "10.1.2.3", s, addr);
		if (strlen(addr) > 45)
			abort();
		http_cidrs_free(&cidrs);
		break;
	default:
		if (http_cidrs_parse(s, &cidrs, &err) == 0) {
			(void)http_cidrs_match(&cidrs, "192.0.2.1");
			http_cidrs_free(&cidrs);
		}
		free(err);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;

	if (size == 0)
		return 0;
	s = malloc(size);
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	if (data[0] % 6 == 5)
		fuzz_request(s, size - 1);
	else
		fuzz_text(data[0] % 6, s, strlen(s));
	free(s);
	return 0;
}
