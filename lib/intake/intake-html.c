/* The embeddable form (contract in intake.h): plain HTML that works
 * without JavaScript, every value escaped, and the signed stamp that
 * proves when it was served. */
#include "config.h"
#include "intake/intake.h"

#include <inttypes.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/xalloc.h"

/* Contract in intake.h. */
char *intake_html_escape(const char *s)
{
	struct buf b;

	buf_init(&b, 0);
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '&': buf_append_str(&b, "&amp;"); break;
		case '<': buf_append_str(&b, "&lt;"); break;
		case '>': buf_append_str(&b, "&gt;"); break;
		case '"': buf_append_str(&b, "&quot;"); break;
		case '\'': buf_append_str(&b, "&#39;"); break;
		default: buf_append(&b, s, 1);
		}
	}
	buf_append(&b, "", 0);
	return buf_steal(&b, NULL);
}

/* Appends s escaped. */
static void esc(struct buf *b, const char *s)
{
	char *e = intake_html_escape(s != NULL ? s : "");

	buf_append_str(b, e);
	free(e);
}

/* The MAC of a stamp: hex HMAC-SHA256(secret, "md-form:FORM:T"). */
static void stamp_mac(const char *secret, const char *form, int64_t t, char hex[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;
	char *msg = xasprintf("md-form:%s:%" PRId64, form, t);

	HMAC(EVP_sha256(), secret, (int)strlen(secret), (const unsigned char *)msg, strlen(msg), md, &md_len);
	for (unsigned i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	free(msg);
}

/* Contract in intake.h. */
char *intake_stamp_make(const char *secret, const char *form, int64_t now)
{
	char hex[65];

	stamp_mac(secret, form, now, hex);
	return xasprintf("%" PRId64 ".%s", now, hex);
}

/* Contract in intake.h. */
int intake_stamp_check(const char *secret, const char *form, const char *stamp, int64_t now, unsigned min_fill_s,
		       unsigned max_age_s, const char **why_r)
{
	const char *dot = stamp != NULL ? strchr(stamp, '.') : NULL;
	char hex[65], *end;
	long long t;

	*why_r = "the form's stamp is missing or malformed: load the form again";
	if (dot == NULL || dot == stamp || dot - stamp > 12 || strlen(dot + 1) != 64 || stamp[0] == '-')
		return -1;
	t = strtoll(stamp, &end, 10);
	if (end != dot)
		return -1;
	stamp_mac(secret, form, (int64_t)t, hex);
	if (CRYPTO_memcmp(hex, dot + 1, 64) != 0) {
		*why_r = "the form's stamp is not ours (or is another form's): load the form again";
		return -1;
	}
	if (t > now + 60 || now - t > (int64_t)max_age_s) {
		*why_r = "the form is too old: load it again";
		return -1;
	}
	return now - t < (int64_t)min_fill_s ? 0 : 1;
}

/* One field: its label, its input, and whether it is required. */
static void field_html(struct buf *b, const struct intake_field *f)
{
	const char *type = f->type == INTAKE_EMAIL ? "email" : "text";
	const char *req = f->required ? " required" : "";

	buf_printf(b, "<p><label for=\"md-%s\">", f->name);
	esc(b, f->name);
	buf_printf(b, "%s</label><br>\n", f->required ? " *" : "");
	if (f->type == INTAKE_TEXT)
		buf_printf(b, "<textarea id=\"md-%s\" name=\"%s\" rows=\"8\" cols=\"60\"%s></textarea></p>\n", f->name,
			   f->name, req);
	else
		buf_printf(b, "<input id=\"md-%s\" type=\"%s\" name=\"%s\" maxlength=\"%d\"%s></p>\n", f->name, type,
			   f->name, INTAKE_LINE_MAX, req);
}

/* Contract in intake.h. */
char *intake_form_html(const struct intake_form_view *v)
{
	struct buf b;

	buf_init(&b, 0);
	if (v->page) {
		buf_append_str(&b, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>");
		esc(&b, v->title != NULL && v->title[0] != '\0' ? v->title : v->name);
		buf_append_str(&b, "</title></head><body>\n");
	}
	buf_append_str(&b, "<form class=\"maildesk-form\" method=\"post\" action=\"");
	esc(&b, v->action);
	buf_printf(&b, "\" enctype=\"%s\" accept-charset=\"utf-8\">\n",
		   v->attachments ? "multipart/form-data" : "application/x-www-form-urlencoded");
	if (v->title != NULL && v->title[0] != '\0') {
		buf_append_str(&b, "<h1>");
		esc(&b, v->title);
		buf_append_str(&b, "</h1>\n");
	}
	/* Field names are [a-z][a-z0-9_]*: safe in attributes as they are. */
	for (size_t i = 0; i < v->n_fields; i++)
		field_html(&b, &v->fields[i]);
	if (v->attachments)
		buf_append_str(&b, "<p><label for=\"md-attachment\">attachment</label><br>\n"
				   "<input id=\"md-attachment\" type=\"file\" name=\"attachment\" multiple></p>\n");
	buf_printf(&b, "<input type=\"hidden\" name=\"%s\" value=\"", INTAKE_STAMP);
	esc(&b, v->stamp);
	buf_printf(&b, "\">\n<p style=\"position:absolute;left:-10000px\" aria-hidden=\"true\">"
		       "<label for=\"md-%s\">Leave this empty</label>"
		       "<input id=\"md-%s\" type=\"text\" name=\"%s\" tabindex=\"-1\" autocomplete=\"off\"></p>\n",
		   INTAKE_HONEYPOT, INTAKE_HONEYPOT, INTAKE_HONEYPOT);
	buf_append_str(&b, "<p><button type=\"submit\">Send</button></p>\n</form>\n");
	if (v->page)
		buf_append_str(&b, "</body></html>\n");
	return buf_steal(&b, NULL);
}
