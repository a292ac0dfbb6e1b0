/* ALTO 4.4 documents from the engine's hOCR (hocr.h). */
#include <errno.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "ocr/engine.h"
#include "ocr/hocr.h"

struct box {
	long x0, y0, x1, y1;
};

struct alto {
	FILE *f;
	unsigned blocks, lines, words;
	const char *lang; /* of the paragraph being written, or NULL */
};

/* The value of @prop ("bbox", "x_wconf") in an hOCR title; false when absent. */
static bool title_numbers(const char *title, const char *prop, long *v, int n)
{
	size_t plen = strlen(prop);

	for (const char *p = title; p && *p;) {
		while (*p == ' ' || *p == ';')
			p++;
		if (strncmp(p, prop, plen) == 0 && p[plen] == ' ') {
			char *end;

			p += plen;
			for (int i = 0; i < n; i++) {
				v[i] = strtol(p, &end, 10);
				if (end == p)
					return false;
				p = end;
			}
			return true;
		}
		p = strchr(p, ';');
	}
	return false;
}

static bool has_class(xmlNode *n, const char *cls)
{
	xmlChar *c = xmlGetProp(n, (const xmlChar *)"class");
	bool yes = c && strcmp((const char *)c, cls) == 0;

	xmlFree(c);
	return yes;
}

static bool is_line(xmlNode *n)
{
	return has_class(n, "ocr_line") || has_class(n, "ocr_caption") ||
	       has_class(n, "ocr_header") || has_class(n, "ocr_textfloat");
}

static bool box_of(xmlNode *n, struct box *b)
{
	xmlChar *t = xmlGetProp(n, (const xmlChar *)"title");
	long v[4];
	bool ok = t && title_numbers((const char *)t, "bbox", v, 4) && v[2] >= v[0] && v[3] >= v[1];

	xmlFree(t);
	if (ok)
		*b = (struct box){ v[0], v[1], v[2], v[3] };
	return ok;
}

static void put_box(FILE *f, const struct box *b)
{
	fprintf(f, " HPOS=\"%ld\" VPOS=\"%ld\" WIDTH=\"%ld\" HEIGHT=\"%ld\"", b->x0, b->y0,
		b->x1 - b->x0, b->y1 - b->y0);
}

/* @s as XML attribute text; control characters (not allowed in XML 1.0) are left out. */
static void put_escaped(FILE *f, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '&')
			fputs("&amp;", f);
		else if (c == '<')
			fputs("&lt;", f);
		else if (c == '>')
			fputs("&gt;", f);
		else if (c == '"')
			fputs("&quot;", f);
		else if (c >= 0x20 || c == '\t')
			fputc(c, f);
	}
}

static void write_word(struct alto *a, xmlNode *w, const struct box *prev, bool first)
{
	xmlChar *text = xmlNodeGetContent(w), *title = xmlGetProp(w, (const xmlChar *)"title");
	struct box b;
	long conf = -1;

	if (text && text[0] && box_of(w, &b)) {
		if (!first && prev->x1 <= b.x0)
			fprintf(a->f, "<SP WIDTH=\"%ld\" HPOS=\"%ld\" VPOS=\"%ld\"/>",
				b.x0 - prev->x1, prev->x1, b.y0);
		fprintf(a->f, "\n\t\t\t\t\t\t<String ID=\"string_%u\"", ++a->words);
		put_box(a->f, &b);
		if (title && title_numbers((const char *)title, "x_wconf", &conf, 1) && conf >= 0 &&
		    conf <= 100)
			fprintf(a->f, " WC=\"%.2f\"", (double)conf / 100.0);
		fputs(" CONTENT=\"", a->f);
		put_escaped(a->f, (const char *)text);
		fputs("\"/>", a->f);
	}
	xmlFree(text);
	xmlFree(title);
}

static void write_line(struct alto *a, xmlNode *line, const struct box *b)
{
	struct box prev = { 0 };
	bool first = true;

	fprintf(a->f, "\n\t\t\t\t\t<TextLine ID=\"line_%u\"", ++a->lines);
	put_box(a->f, b);
	fputc('>', a->f);
	for (xmlNode *w = line->children; w; w = w->next) {
		struct box wb;

		if (w->type != XML_ELEMENT_NODE || !has_class(w, "ocrx_word") || !box_of(w, &wb))
			continue;
		write_word(a, w, &prev, first);
		prev = wb;
		first = false;
	}
	fputs("\n\t\t\t\t\t</TextLine>", a->f);
}

/* A paragraph (ocr_par): one TextBlock with its lines; none for a paragraph without lines. */
static void write_block(struct alto *a, xmlNode *par, const struct box *b)
{
	xmlChar *lang = xmlGetProp(par, (const xmlChar *)"lang");
	bool open = false;

	for (xmlNode *l = par->children; l; l = l->next) {
		struct box lb;

		if (l->type != XML_ELEMENT_NODE || !is_line(l) || !box_of(l, &lb))
			continue;
		if (!open) {
			fprintf(a->f, "\n\t\t\t\t<TextBlock ID=\"block_%u\"", ++a->blocks);
			put_box(a->f, b);
			/* Tesseract's model names ("eng") are valid xsd:language tokens. */
			if (lang &&
			    strspn((const char *)lang, "abcdefghijklmnopqrstuvwxyz") ==
				strlen((const char *)lang) &&
			    strlen((const char *)lang) >= 2 && strlen((const char *)lang) <= 8)
				fprintf(a->f, " LANG=\"%s\"", (const char *)lang);
			fputc('>', a->f);
			open = true;
		}
		write_line(a, l, &lb);
	}
	if (open)
		fputs("\n\t\t\t\t</TextBlock>", a->f);
	xmlFree(lang);
}

/* Every paragraph under @n, in document order. */
static void write_blocks(struct alto *a, xmlNode *n)
{
	for (xmlNode *c = n->children; c; c = c->next) {
		struct box b;

		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (has_class(c, "ocr_par") && box_of(c, &b))
			write_block(a, c, &b);
		else
			write_blocks(a, c);
	}
}

/*
 * Reads hOCR page @page (its ocr_page element, as ocr_page_hocr() gives it) into @ret_doc, with
 * that element in @ret_root: 0, -FOLIO_ETOOBIG, or -FOLIO_EFORMAT when it is not one.
 */
static int hocr_page_read(const char *page, xmlDoc **ret_doc, xmlNode **ret_root)
{
	size_t len = strlen(page);
	xmlNode *root;
	xmlDoc *doc;

	if (len > OCR_MAX_HOCR_BYTES)
		return -FOLIO_ETOOBIG;
	doc = xmlReadMemory(page, (int)len, NULL, "UTF-8",
			    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!doc)
		return -FOLIO_EFORMAT;
	root = xmlDocGetRootElement(doc);
	if (!root || !has_class(root, "ocr_page")) {
		xmlFreeDoc(doc);
		return -FOLIO_EFORMAT;
	}
	*ret_doc = doc;
	*ret_root = root;
	return 0;
}

int ocr_alto_document(const char *page, const char *image_name, char **ret, size_t *ret_len)
{
	struct alto a = { 0 };
	xmlDoc *doc;
	xmlNode *root;
	struct box pb;
	char *out = NULL;
	size_t size = 0;
	int r;

	if (!page || !image_name || !ocr_hocr_name_valid(image_name))
		return -EINVAL;
	r = hocr_page_read(page, &doc, &root);
	if (r < 0)
		return r;
	if (!box_of(root, &pb)) {
		r = -FOLIO_EFORMAT;
		goto out;
	}
	a.f = open_memstream(&out, &size);
	if (!a.f) {
		r = -ENOMEM;
		goto out;
	}
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	      "<alto xmlns=\"http://www.loc.gov/standards/alto/ns-v4#\" "
	      "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
	      "xsi:schemaLocation=\"http://www.loc.gov/standards/alto/ns-v4# "
	      "http://www.loc.gov/standards/alto/v4/alto-4-4.xsd\">\n"
	      "\t<Description>\n\t\t<MeasurementUnit>pixel</MeasurementUnit>\n"
	      "\t\t<sourceImageInformation>\n\t\t\t<fileName>",
	      a.f);
	put_escaped(a.f, image_name);
	fprintf(a.f,
		"</fileName>\n\t\t</sourceImageInformation>\n"
		"\t\t<Processing ID=\"ocr_1\">\n"
		"\t\t\t<processingCategory>contentGeneration</processingCategory>\n"
		"\t\t\t<processingSoftware>\n"
		"\t\t\t\t<softwareName>tesseract</softwareName>\n"
		"\t\t\t\t<softwareVersion>%s</softwareVersion>\n"
		"\t\t\t</processingSoftware>\n\t\t</Processing>\n\t</Description>\n"
		"\t<Layout>\n\t\t<Page ID=\"page_1\" PHYSICAL_IMG_NR=\"1\" WIDTH=\"%ld\" "
		"HEIGHT=\"%ld\">\n\t\t\t<PrintSpace",
		ocr_engine_version(), pb.x1 - pb.x0, pb.y1 - pb.y0);
	put_box(a.f, &pb);
	fputc('>', a.f);
	write_blocks(&a, root);
	fputs("\n\t\t\t</PrintSpace>\n\t\t</Page>\n\t</Layout>\n</alto>\n", a.f);
	if (fclose(a.f) != 0) {
		free(out);
		r = -ENOMEM;
		goto out;
	}
	*ret = out;
	*ret_len = size;
out:
	xmlFreeDoc(doc);
	return r;
}

/* --- the words of a page, for text layers (hocr.h) */

static int walk_words(xmlNode *n, int (*fn)(const struct ocr_word *w, void *user), void *user)
{
	for (xmlNode *c = n->children; c; c = c->next) {
		struct box b;
		int r;

		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (has_class(c, "ocrx_word") && box_of(c, &b)) {
			xmlChar *text = xmlNodeGetContent(c);
			struct ocr_word w = { .x0 = b.x0,
					      .y0 = b.y0,
					      .x1 = b.x1,
					      .y1 = b.y1,
					      .text = (const char *)text };

			r = text && text[0] ? fn(&w, user) : 0;
			xmlFree(text);
		} else {
			r = walk_words(c, fn, user);
		}
		if (r != 0)
			return r;
	}
	return 0;
}

int ocr_hocr_words(const char *page, int (*fn)(const struct ocr_word *w, void *user), void *user)
{
	xmlDoc *doc;
	xmlNode *root;
	int r;

	if (!page || !fn)
		return -EINVAL;
	r = hocr_page_read(page, &doc, &root);
	if (r < 0)
		return r;
	r = walk_words(root, fn, user);
	xmlFreeDoc(doc);
	return r;
}
