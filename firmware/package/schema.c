/* XML Schema validation with libxml2, offline and silent. */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/xmlIO.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlschemas.h>

#include "cleanup.h"
#include "errors.h"
#include "log.h"
#include "firmware/package/schema.h"

#define XML_MAX_BYTES (256u << 20)

struct schema {
	xmlSchema *xsd;
};

/*
 * What the entity loader allows the current thread: outside our calls, whatever the previous
 * loader allows; while loading a schema, local files; while validating a document, nothing.
 */
enum load_mode { LOAD_OTHER, LOAD_SCHEMA, LOAD_NOTHING };

static _Thread_local enum load_mode load_mode = LOAD_OTHER;
static xmlExternalEntityLoader previous_loader;
static pthread_once_t loader_once = PTHREAD_ONCE_INIT;

static xmlParserInput *offline_loader(const char *url, const char *id, xmlParserCtxt *ctxt)
{
	switch (load_mode) {
	case LOAD_SCHEMA:
		/* Refuses http:// and ftp:// itself, loads local files. */
		return xmlNoNetExternalEntityLoader(url, id, ctxt);
	case LOAD_NOTHING:
		log_debug("schema: refused to load '%s'", url ? url : id ? id : "(unnamed)");
		return NULL;
	case LOAD_OTHER:
		break;
	}
	return previous_loader ? previous_loader(url, id, ctxt) : NULL;
}

static void loader_install(void)
{
	previous_loader = xmlGetExternalEntityLoader();
	xmlSetExternalEntityLoader(offline_loader);
}

/* The first error of a call, kept as "line N: message". */
struct first_error {
	bool set;
	char text[512];
};

static void record_error(void *data, xmlError *e)
{
	struct first_error *fe = data;
	size_t n;

	if (fe->set || !e || e->level < XML_ERR_ERROR)
		return;
	fe->set = true;
	snprintf(fe->text, sizeof(fe->text), "line %d: %s", e->line,
		 e->message ? e->message : "unknown problem");
	/* libxml2 ends messages with a newline; a reason is one line. */
	n = strlen(fe->text);
	while (n > 0 && (fe->text[n - 1] == '\n' || fe->text[n - 1] == ' '))
		fe->text[--n] = '\0';
	for (size_t i = 0; i < n; i++)
		if (fe->text[i] == '\n')
			fe->text[i] = ' ';
}

static void _printf_(2, 3) ignore_generic(void *ctx, const char *fmt, ...)
{
	(void)ctx;
	(void)fmt;
}

/* libxml2's per-thread error handlers, silenced for the duration of one call. */
struct quiet {
	xmlGenericErrorFunc generic;
	void *generic_ctx;
	xmlStructuredErrorFunc structured;
	void *structured_ctx;
	enum load_mode mode;
};

static void quiet_begin(struct quiet *q, struct first_error *fe, enum load_mode mode)
{
	q->generic = xmlGenericError;
	q->generic_ctx = xmlGenericErrorContext;
	q->structured = xmlStructuredError;
	q->structured_ctx = xmlStructuredErrorContext;
	q->mode = load_mode;
	xmlSetGenericErrorFunc(NULL, ignore_generic);
	xmlSetStructuredErrorFunc(fe, record_error);
	load_mode = mode;
}

static void quiet_end(struct quiet *q)
{
	load_mode = q->mode;
	xmlSetStructuredErrorFunc(q->structured_ctx, q->structured);
	xmlSetGenericErrorFunc(q->generic_ctx, q->generic);
}

int schema_load(const char *xsd_path, struct schema **ret)
{
	struct first_error fe = {};
	xmlSchemaParserCtxt *pctxt;
	struct schema *s;
	struct quiet q;
	xmlSchema *xsd;

	if (!xsd_path || !ret)
		return -EINVAL;
	if (access(xsd_path, R_OK) < 0) {
		int r = -errno;

		log_debug("schema: cannot read '%s': %s", xsd_path, strerror(-r));
		return r;
	}
	pthread_once(&loader_once, loader_install);
	xmlInitParser();

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;

	quiet_begin(&q, &fe, LOAD_SCHEMA);
	pctxt = xmlSchemaNewParserCtxt(xsd_path);
	if (pctxt) {
		xmlSchemaSetParserStructuredErrors(pctxt, record_error, &fe);
		xsd = xmlSchemaParse(pctxt);
		xmlSchemaFreeParserCtxt(pctxt);
	} else {
		xsd = NULL;
	}
	quiet_end(&q);

	if (!pctxt) {
		free(s);
		return -ENOMEM;
	}
	if (!xsd) {
		log_debug("schema: '%s' is not a usable schema: %s", xsd_path,
			  fe.set ? fe.text : "unknown problem");
		free(s);
		return -FOLIO_ESCHEMA;
	}
	s->xsd = xsd;
	*ret = s;
	return 0;
}

struct schema *schema_free(struct schema *s)
{
	if (s) {
		xmlSchemaFree(s->xsd);
		free(s);
	}
	return NULL;
}

static void set_why(char *why, size_t why_size, const struct first_error *fe, const char *dflt)
{
	if (why && why_size > 0)
		snprintf(why, why_size, "%s", fe->set ? fe->text : dflt);
}

int schema_validate(struct schema *s, const char *xml, size_t len, char *why, size_t why_size)
{
	struct first_error fe = {};
	xmlSchemaValidCtxt *vctxt;
	xmlParserCtxt *pctxt;
	xmlDoc *doc;
	struct quiet q;
	int r, v;

	if (why && why_size > 0)
		why[0] = '\0';
	if (!s || !xml)
		return -EINVAL;
	if (len > XML_MAX_BYTES)
		return -FOLIO_ETOOBIG;

	quiet_begin(&q, &fe, LOAD_NOTHING);
	pctxt = xmlNewParserCtxt();
	if (!pctxt) {
		quiet_end(&q);
		return -ENOMEM;
	}
	/* No entity substitution, no DTD loading, no network; errors go to record_error only. */
	doc = xmlCtxtReadMemory(pctxt, xml, (int)len, "document.xml", NULL,
				XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!doc || !pctxt->wellFormed) {
		xmlError *e = xmlCtxtGetLastError(pctxt);

		if (!fe.set && e)
			record_error(&fe, e);
		xmlFreeDoc(doc);
		xmlFreeParserCtxt(pctxt);
		quiet_end(&q);
		set_why(why, why_size, &fe, "not well-formed XML");
		return -FOLIO_EFORMAT;
	}
	xmlFreeParserCtxt(pctxt);

	vctxt = xmlSchemaNewValidCtxt(s->xsd);
	if (!vctxt) {
		xmlFreeDoc(doc);
		quiet_end(&q);
		return -ENOMEM;
	}
	xmlSchemaSetValidStructuredErrors(vctxt, record_error, &fe);
	v = xmlSchemaValidateDoc(vctxt, doc);
	xmlSchemaFreeValidCtxt(vctxt);
	xmlFreeDoc(doc);
	quiet_end(&q);

	if (v == 0)
		return 0;
	if (v < 0) {
		r = -ENOMEM; /* an internal error of the validator */
		set_why(why, why_size, &fe, "internal validator error");
		return r;
	}
	set_why(why, why_size, &fe, "not valid against the schema");
	return -FOLIO_ESCHEMA;
}
