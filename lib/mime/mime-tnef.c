/* Outlook's winmail.dat (application/ms-tnef, [MS-OXTNEF]): libytnef decodes
 * it and the files inside become attachments next to the winmail.dat itself,
 * which the caller keeps, so nothing is lost when decoding fails.
 *
 * libytnef trusts its input more than a mail server can: it allocates what a
 * length field says before reading, overwrites (and leaks) what a repeated
 * attribute built, and prints its complaints on stdout. So the attribute
 * framing is checked here first (every length inside the buffer, every
 * checksum right, no attribute repeated in its scope), which keeps truncated
 * and corrupt streams away from it entirely, and what an error inside a MAPI
 * block left half-built is repaired before TNEFFree() sees it. */
#include "config.h"

#include "mime/mime-private.h"

#include <stdio.h>
#include <string.h>

#include <ytnef.h>

#include "base/xalloc.h"

#define TNEF_SIGNATURE 0x223E9F78u
#define TNEF_HEADER_LEN 6     /* signature and legacy key */
#define TNEF_ATTR_OVERHEAD 11 /* level, id, length ... checksum */
#define TNEF_ATTACH_DATA_OBJ PROP_TAG(PT_BINARY, PR_ATTACH_DATA_OBJ)
#define TNEF_EMBEDDED_OBJ PROP_TAG(PT_OBJECT, PR_ATTACH_DATA_OBJ)

/* The attributes libytnef has a handler for, by scope: a repeat of one in
 * the same scope would leak what it allocated or, for MAPI blocks, leave
 * counts that do not match the arrays. At most 32 in each. */
static const uint32_t tnef_message_attrs[] = {
	attFrom, attSubject, attDateSent, attDateRecd, attMessageStatus, attMessageClass, attMessageID,
	attParentID, attConversationID, attBody, attPriority, attDateModified, attMAPIProps, attRecipTable,
	attTnefVersion, attOemCodepage, attOriginalMessageClass, attOwner, attSentFor, attDelegate,
	attDateStart, attDateEnd, attAidOwner, attRequestRes,
};
static const uint32_t tnef_attachment_attrs[] = { /* scope: since the last attAttachRenddata */
	attAttachData, attAttachTitle, attAttachMetaFile, attAttachCreateDate, attAttachModifyDate,
	attAttachTransportFilename, attAttachment,
};

/* File name extensions Outlook users send most, and their types; anything
 * else is application/octet-stream. A fixed table, so the result does not
 * depend on the host's MIME database. */
static const struct {
	const char *ext, *type;
} tnef_ext_types[] = {
	{ "pdf", "application/pdf" },
	{ "doc", "application/msword" },
	{ "docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document" },
	{ "xls", "application/vnd.ms-excel" },
	{ "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" },
	{ "ppt", "application/vnd.ms-powerpoint" },
	{ "pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation" },
	{ "rtf", "application/rtf" },
	{ "zip", "application/zip" },
	{ "xml", "application/xml" },
	{ "json", "application/json" },
	{ "msg", "application/vnd.ms-outlook" },
	{ "eml", "message/rfc822" },
	{ "txt", "text/plain" },
	{ "csv", "text/csv" },
	{ "htm", "text/html" },
	{ "html", "text/html" },
	{ "ics", "text/calendar" },
	{ "vcf", "text/vcard" },
	{ "jpg", "image/jpeg" },
	{ "jpeg", "image/jpeg" },
	{ "png", "image/png" },
	{ "gif", "image/gif" },
	{ "bmp", "image/bmp" },
	{ "tif", "image/tiff" },
	{ "tiff", "image/tiff" },
	{ "mp3", "audio/mpeg" },
	{ "wav", "audio/wav" },
	{ "mp4", "video/mp4" },
};

/* TNEF numbers are little-endian whatever the host. */
static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Bit of id in a 64-bit seen-set: message attributes in the low half,
 * attachment attributes in the high half; 0 for one libytnef skips. */
static uint64_t attr_bit(uint32_t id)
{
	for (size_t i = 0; i < G_N_ELEMENTS(tnef_message_attrs); i++)
		if (tnef_message_attrs[i] == id)
			return UINT64_C(1) << i;
	for (size_t i = 0; i < G_N_ELEMENTS(tnef_attachment_attrs); i++)
		if (tnef_attachment_attrs[i] == id)
			return UINT64_C(1) << (32 + i);
	return 0;
}

/* False when id repeats in its scope (the message, or the attachment that the
 * last attAttachRenddata began). */
static bool attr_first_in_scope(uint32_t id, uint64_t *seen)
{
	uint64_t bit = attr_bit(id);

	if (id == attAttachRenddata)
		*seen &= UINT64_C(0xFFFFFFFF);
	if (*seen & bit)
		return false;
	*seen |= bit;
	return true;
}

/* One attribute at p: inside the buffer, non-empty (libytnef rejects empty
 * ones), its checksum the 16-bit sum of its data. Returns its total length,
 * or 0 when it is broken. */
static size_t attr_check(const unsigned char *p, size_t avail, uint64_t *seen)
{
	uint32_t len, sum = 0;

	if (avail < TNEF_ATTR_OVERHEAD || (p[0] != LVL_MESSAGE && p[0] != LVL_ATTACHMENT))
		return 0;
	len = le32(p + 5);
	if (len == 0 || len > avail - TNEF_ATTR_OVERHEAD || !attr_first_in_scope(le32(p + 1), seen))
		return 0;
	for (uint32_t i = 0; i < len; i++)
		sum += p[9 + i];
	if ((sum & 0xFFFF) != ((uint32_t)p[9 + len] | (uint32_t)p[10 + len] << 8))
		return 0;
	return TNEF_ATTR_OVERHEAD + len;
}

/* The whole stream framed as libytnef expects: signature, key, then
 * attributes up to the last byte. Notes where the message's attMAPIProps
 * attribute is (length 0: none; there is at most one). */
static bool tnef_framing_ok(const unsigned char *p, size_t len, size_t *mapi_off_r, size_t *mapi_len_r)
{
	uint64_t seen = 0;
	size_t off = TNEF_HEADER_LEN;

	*mapi_off_r = *mapi_len_r = 0;
	if (len < TNEF_HEADER_LEN || le32(p) != TNEF_SIGNATURE)
		return false;
	while (off < len) {
		size_t n = attr_check(p + off, len - off, &seen);
		if (n == 0)
			return false;
		if (le32(p + off + 1) == attMAPIProps)
			*mapi_off_r = off, *mapi_len_r = n;
		off += n;
	}
	return true;
}

/* Older libytnef releases leave a count set without its array when
 * TNEFFillMapi() fails (a count over its limit); zero the counts whose
 * arrays are missing so TNEFFreeMapiProps() walks only memory that exists. */
static void mapi_props_repair(MAPIProps *p)
{
	if (p->properties == NULL) {
		p->count = 0;
		return;
	}
	for (DWORD i = 0; i < p->count; i++) {
		if (p->properties[i].data == NULL)
			p->properties[i].count = 0;
		if (p->properties[i].propnames == NULL)
			p->properties[i].namedproperty = 0;
	}
}

/* Everything libytnef allocated, including what landed in the list head
 * (attachment attributes before any attAttachRenddata), which TNEFFree()
 * leaves alone. */
static void tnef_struct_free(TNEFStruct *t)
{
	mapi_props_repair(&t->MapiProperties);
	mapi_props_repair(&t->starting_attach.MAPI);
	for (Attachment *a = t->starting_attach.next; a != NULL; a = a->next)
		mapi_props_repair(&a->MAPI);
	if (t->subject.size == 0)
		free(t->subject.data); /* a MAPI subject of length 0 is allocated but not counted */
	TNEFFree(t);
	TNEFFreeAttachment(&t->starting_attach);
}

/* iconv name of the TNEF's OEM code page; NULL when none was given. */
static const char *tnef_charset(const TNEFStruct *t, char buf[MIME_CHARSET_MAX])
{
	uint32_t cp;

	if (t->CodePage.data == NULL || t->CodePage.size < 4)
		return NULL;
	cp = le32(t->CodePage.data);
	if (cp == 65001)
		return "UTF-8";
	if (cp == 20127)
		return "US-ASCII";
	if (cp >= 28591 && cp <= 28599)
		snprintf(buf, MIME_CHARSET_MAX, "ISO-8859-%u", (unsigned)(cp - 28590));
	else
		snprintf(buf, MIME_CHARSET_MAX, "CP%u", (unsigned)cp);
	return buf;
}

/* An 8-bit TNEF string (up to its NUL) as UTF-8. Charset trouble in a name is
 * not a defect of the mail: the name is repaired, the flag dropped. */
static char *tnef_string(const void *data, size_t size, const char *charset)
{
	unsigned scratch = 0;

	return mime_charset_decode_short(data, strnlen(data, size), charset, &scratch);
}

/* A string property of an attachment or message as UTF-8, NULL when absent.
 * libytnef has already turned PT_UNICODE into NUL-terminated UTF-8. */
static char *mapi_string(MAPIProps *props, unsigned id, const char *charset)
{
	variableLength *v = MAPIFindProperty(props, PROP_TAG(PT_UNICODE, id));

	if (v != MAPI_UNDEFINED && v->data != NULL && v->size > 0)
		return tnef_string(v->data, strlen((const char *)v->data), "UTF-8");
	v = MAPIFindProperty(props, PROP_TAG(PT_STRING8, id));
	if (v != MAPI_UNDEFINED && v->data != NULL && v->size > 0)
		return tnef_string(v->data, (size_t)v->size, charset);
	return NULL;
}

/* The long file name when there is one, else the (8.3) attachment title. */
static char *attachment_name(Attachment *a, const char *charset)
{
	char *name = mapi_string(&a->MAPI, PR_ATTACH_LONG_FILENAME, charset);

	if (name == NULL || *name == '\0') {
		free(name);
		name = mapi_string(&a->MAPI, PR_DISPLAY_NAME, charset);
	}
	if ((name == NULL || *name == '\0') && a->Title.data != NULL && a->Title.size > 0) {
		free(name);
		name = tnef_string(a->Title.data, (size_t)a->Title.size, charset);
	}
	return name;
}

/* Content type from the name's extension (case-insensitive). */
static const char *type_from_name(const char *name)
{
	const char *dot = name ? strrchr(name, '.') : NULL;

	if (dot == NULL)
		return "application/octet-stream";
	for (size_t i = 0; i < G_N_ELEMENTS(tnef_ext_types); i++)
		if (g_ascii_strcasecmp(dot + 1, tnef_ext_types[i].ext) == 0)
			return tnef_ext_types[i].type;
	return "application/octet-stream";
}

/* The attachment's bytes: attAttachData, or the PR_ATTACH_DATA_OBJ binary
 * that some writers use instead. NULL for an embedded message or OLE object,
 * whose bytes are a structure of their own (the winmail.dat keeps them). */
static const variableLength *attachment_bytes(Attachment *a)
{
	variableLength *v;

	if (a->FileData.data != NULL && a->FileData.size > 0)
		return &a->FileData;
	v = MAPIFindProperty(&a->MAPI, TNEF_ATTACH_DATA_OBJ);
	if (v != MAPI_UNDEFINED && v->data != NULL && v->size > 0)
		return v;
	if (MAPIFindProperty(&a->MAPI, TNEF_EMBEDDED_OBJ) != MAPI_UNDEFINED)
		return NULL;
	return &a->FileData;
}

/* One decoded file becomes an attachment; files without bytes or a name are
 * placeholders (libytnef starts one per attAttachRenddata) and skipped. */
static void tnef_file_take(struct mime_ctx *ctx, Attachment *a, const char *charset)
{
	const variableLength *bytes = attachment_bytes(a);
	char *name = bytes ? attachment_name(a, charset) : NULL;
	size_t len = bytes && bytes->size > 0 ? (size_t)bytes->size : 0;
	unsigned char *data;

	if (bytes == NULL || (len == 0 && (name == NULL || *name == '\0'))) {
		free(name);
		return;
	}
	data = xmalloc(len + 1);
	if (len > 0)
		memcpy(data, bytes->data, len);
	data[len] = '\0';
	mime_attachment_append(ctx, name, type_from_name(name), NULL, false, data, len);
	free(name);
}

/* The TNEF's own body text, for a message that has no other text: attBody,
 * else the PR_BODY property. */
static void tnef_body_take(struct mime_ctx *ctx, TNEFStruct *t, const char *charset)
{
	struct mime_message *msg = ctx->msg;
	unsigned scratch = 0;
	char *text = NULL;
	size_t tlen;

	if (ctx->have_text || msg->html_body != NULL || msg->text_body[0] != '\0')
		return;
	if (t->body.data != NULL && t->body.size > 0)
		text = mime_text_to_utf8((const char *)t->body.data, (size_t)t->body.size, charset, &scratch, &tlen);
	else if ((text = mapi_string(&t->MapiProperties, PR_BODY, charset)) != NULL)
		tlen = strlen(text);
	if (text == NULL)
		return;
	mime_crlf_to_lf(text, tlen);
	free(msg->text_body);
	msg->text_body = text;
}

/* The files become attachments while the part limit allows. */
static void tnef_collect(struct mime_ctx *ctx, TNEFStruct *t)
{
	char buf[MIME_CHARSET_MAX];
	const char *charset = tnef_charset(t, buf);

	for (Attachment *a = t->starting_attach.next; a != NULL; a = a->next) {
		if (ctx->n_parts >= MIME_MAX_PARTS) {
			ctx->msg->defects |= MIME_DEFECT_TOO_MANY_PARTS;
			break;
		}
		ctx->n_parts++;
		tnef_file_take(ctx, a, charset);
	}
	tnef_body_take(ctx, t, charset);
}

/* A winmail.dat by its type, or by its name when a client sent it as
 * application/octet-stream. */
bool mime_tnef_is(const char *content_type, const char *filename)
{
	if (content_type != NULL && (g_ascii_strcasecmp(content_type, "application/ms-tnef") == 0 ||
				     g_ascii_strcasecmp(content_type, "application/vnd.ms-tnef") == 0))
		return true;
	return filename != NULL && g_ascii_strcasecmp(filename, "winmail.dat") == 0;
}

/* One run of libytnef; the files are taken only when it decoded the whole
 * stream. Returns its result, 0 on success. */
static int tnef_decode(struct mime_ctx *ctx, const unsigned char *data, size_t len)
{
	TNEFStruct t;
	int rc;

	TNEFInitialize(&t);
	t.Debug = 0;
	/* libytnef reads through the pointer and never writes to it. */
	rc = TNEFParseMemory((BYTE *)data, (long)len, &t);
	if (rc == 0)
		tnef_collect(ctx, &t);
	tnef_struct_free(&t);
	return rc;
}

/* Framing first, so libytnef only ever sees a stream whose every length and
 * checksum is right. libytnef refuses MAPI values over 512 KiB, which an RTF
 * body with pictures reaches; the files do not depend on the message's
 * properties, so a stream it refuses is tried once more without them. */
void mime_tnef_unpack(struct mime_ctx *ctx, const unsigned char *data, size_t len)
{
	size_t mapi_off, mapi_len;
	unsigned char *rest;
	int rc;

	if (len > (size_t)G_MAXLONG || !tnef_framing_ok(data, len, &mapi_off, &mapi_len)) {
		ctx->msg->defects |= MIME_DEFECT_BAD_TNEF;
		return;
	}
	if (tnef_decode(ctx, data, len) == 0)
		return;
	if (mapi_len > 0) {
		rest = xmalloc(len - mapi_len);
		memcpy(rest, data, mapi_off);
		memcpy(rest + mapi_off, data + mapi_off + mapi_len, len - mapi_off - mapi_len);
		rc = tnef_decode(ctx, rest, len - mapi_len);
		free(rest);
		if (rc == 0)
			return;
	}
	ctx->msg->defects |= MIME_DEFECT_BAD_TNEF;
}
