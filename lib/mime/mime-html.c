/* Plain text from an HTML body, for mails that have no text/plain part.
 * libxml2's forgiving HTML parser builds the tree; a walk over it emits the
 * visible text. The walk is iterative so deeply nested markup cannot exhaust
 * the stack. */
#include "config.h"

#include "mime/mime-private.h"

#include <limits.h>
#include <string.h>

#include <libxml/HTMLparser.h>
#include <libxml/tree.h>

#include "base/buf.h"
#include "base/xalloc.h"

#define HTML_OPTIONS (HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET | \
		      HTML_PARSE_IGNORE_ENC | HTML_PARSE_COMPACT)

/* Text being produced, with the whitespace state between text nodes. */
struct html_out {
	struct buf b;
	bool space;  /* whitespace seen since the last visible character */
	int pre;     /* inside <pre>: keep whitespace */
};

/* Elements whose content is never shown. */
static const char *const skipped[] = {
	"script", "style", "head", "title", "template", "object", "applet", "svg", "math",
};
/* Elements that end a paragraph: a blank line around them. */
static const char *const paragraphs[] = {
	"p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "ul", "ol", "dl", "table", "hr",
};
/* Other elements that start and end on a line of their own. */
static const char *const blocks[] = {
	"div", "tr", "dt", "dd", "section", "article", "header", "footer", "nav", "aside", "main",
	"address", "form", "fieldset", "figure", "figcaption", "center", "caption", "details", "summary",
	"body", "html", "tbody", "thead", "tfoot",
};

/* Element name lookup in one of the tables above. */
static bool name_in(const xmlNode *n, const char *const *names, size_t count)
{
	for (size_t i = 0; i < count; i++)
		if (g_ascii_strcasecmp((const char *)n->name, names[i]) == 0)
			return true;
	return false;
}

/* Element name test, case-insensitive as HTML is. */
static bool is_name(const xmlNode *n, const char *name)
{
	return g_ascii_strcasecmp((const char *)n->name, name) == 0;
}

/* Ends the current line and leaves at most `lines` line breaks in a row. */
static void out_break(struct html_out *o, int lines)
{
	int have = 0;

	o->space = false;
	while (o->b.len > 0 && o->b.data[o->b.len - 1] == ' ')
		o->b.data[--o->b.len] = '\0';
	if (o->b.len == 0)
		return;
	for (size_t i = o->b.len; i > 0 && o->b.data[i - 1] == '\n'; i--)
		have++;
	for (; have < lines; have++)
		buf_append(&o->b, "\n", 1);
}

/* Appends text, collapsing runs of whitespace (and no-break spaces) to one
 * space unless inside <pre>. */
static void out_text(struct html_out *o, const char *s)
{
	for (; *s != '\0'; s++) {
		bool ws = strchr(" \t\r\n\f\v", *s) != NULL;

		if (o->pre) {
			if (*s != '\r')
				buf_append(&o->b, s, 1);
			continue;
		}
		if ((unsigned char)s[0] == 0xC2 && (unsigned char)s[1] == 0xA0) {
			ws = true; /* U+00A0 */
			s++;
		}
		if (ws) {
			o->space = true;
			continue;
		}
		if (o->space && o->b.len > 0 && o->b.data[o->b.len - 1] != '\n')
			buf_append(&o->b, " ", 1);
		o->space = false;
		buf_append(&o->b, s, 1);
	}
}

/* Emits what comes before a node's children; false to skip the children. */
static bool html_enter(struct html_out *o, const xmlNode *n)
{
	if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
		if (n->content != NULL)
			out_text(o, (const char *)n->content);
		return false;
	}
	if (n->type == XML_DOCUMENT_NODE || n->type == XML_HTML_DOCUMENT_NODE)
		return true;
	if (n->type != XML_ELEMENT_NODE || name_in(n, skipped, G_N_ELEMENTS(skipped)))
		return false;
	if (is_name(n, "br")) {
		out_break(o, 1);
	} else if (is_name(n, "li")) {
		out_break(o, 1);
		buf_append_str(&o->b, "- ");
	} else if (is_name(n, "td") || is_name(n, "th")) {
		o->space = true;
	} else if (name_in(n, paragraphs, G_N_ELEMENTS(paragraphs))) {
		out_break(o, 2);
	} else if (name_in(n, blocks, G_N_ELEMENTS(blocks))) {
		out_break(o, 1);
	}
	if (is_name(n, "pre"))
		o->pre++;
	return true;
}

/* Emits what comes after a node's children. */
static void html_leave(struct html_out *o, const xmlNode *n)
{
	if (n->type != XML_ELEMENT_NODE)
		return;
	if (is_name(n, "pre") && o->pre > 0)
		o->pre--;
	if (name_in(n, paragraphs, G_N_ELEMENTS(paragraphs)))
		out_break(o, 2);
	else if (is_name(n, "li") || name_in(n, blocks, G_N_ELEMENTS(blocks)))
		out_break(o, 1);
}

/* Depth-first walk without recursion: down to children, across to
 * siblings, up to parents. */
static void html_walk(struct html_out *o, xmlNode *root)
{
	xmlNode *n = root;

	while (n != NULL) {
		if (html_enter(o, n) && n->children != NULL) {
			n = n->children;
			continue;
		}
		for (;;) {
			html_leave(o, n);
			if (n == root)
				return;
			if (n->next != NULL) {
				n = n->next;
				break;
			}
			n = n->parent;
		}
	}
}

/* Entry point: parse (declared UTF-8, meta charset ignored: the caller has
 * converted already), walk, trim. */
char *mime_html_to_text(const char *html, size_t len)
{
	struct html_out o = { .space = false, .pre = 0 };
	htmlDocPtr doc;
	size_t start = 0;
	char *text;

	buf_init(&o.b, 0);
	if (len > 0 && len <= INT_MAX) {
		doc = htmlReadMemory(html, (int)len, NULL, "UTF-8", HTML_OPTIONS);
		if (doc != NULL) {
			html_walk(&o, (xmlNode *)doc);
			xmlFreeDoc(doc);
		}
	}
	out_break(&o, 0);
	while (o.b.len > 0 && o.b.data[o.b.len - 1] == '\n')
		o.b.data[--o.b.len] = '\0';
	while (start < o.b.len && o.b.data[start] == '\n')
		start++;
	text = mime_utf8_dup(o.b.data ? o.b.data + start : "", o.b.len - start, NULL);
	buf_free(&o.b);
	return text;
}
