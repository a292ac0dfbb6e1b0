#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "compiler.h"
#include "errors.h"
#include "log.h"
#include "fileio.h"
#include "sha256.h"
#include "firmware/package/events.h"
#include "firmware/package/export.h"
#include "firmware/telemetry/telemetry.h"
#include "firmware/package/sign.h"
#include "firmware/package/pdf.h"
#include "firmware/package/st96.h"
#include "firmware/package/tiffcheck.h"
#include "firmware/image/encode.h"
#include "ocr/hocr.h"

/* The searchable PDF/A of each document, in its folder beside document.xml. */
#define EXPORT_PDF_FILE "document.pdf"
/* All page images of a document in one, with [upload] document_file = multipage. */
#define EXPORT_TIFF_FILE "document.tif"

/* One line of the manifest. */
struct manifest_entry {
	char path[64];
	char sha256[65];
	uint64_t size;
};

struct package {
	int dir_fd; /* the .partial folder */
	struct manifest_entry *entries;
	size_t n_entries, cap;
	uint64_t bytes;
	uint32_t with_text; /* pages delivered with their OCR text */
	/* "ocr-failed: D0001/P0003.tif\n" (OCR failed for good), "check-image: ..." (its
	 * bitonal image reads worse than its grey one), "auto-colour: ...", "auto-grey: ..."
	 * (automatic colour detection's choice): pages the office should know about */
	char *page_notes;
	size_t page_notes_len;
	const struct progress *progress; /* told of every file written */
};

/* Notes page @rel of the package under @key ("ocr-failed") in BATCH.txt. */
static int note_page(struct package *pkg, const char *key, const char *rel)
{
	size_t add = strlen(key) + 2 + strlen(rel) + 1;
	char *p = realloc(pkg->page_notes, pkg->page_notes_len + add + 1);

	if (!p)
		return -ENOMEM;
	snprintf(p + pkg->page_notes_len, add + 1, "%s: %s\n", key, rel);
	pkg->page_notes = p;
	pkg->page_notes_len += add;
	return 0;
}

/* Pages of one batch, read from the store. */
struct page_list {
	struct page_info *pages;
	size_t n, cap;
};

static int collect_page(const struct page_info *p, void *user)
{
	struct page_list *l = user;

	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 64;
		struct page_info *np = reallocarray(l->pages, ncap, sizeof(*np));

		if (!np)
			return -ENOMEM;
		l->pages = np;
		l->cap = ncap;
	}
	l->pages[l->n++] = *p;
	return 0;
}

static int first_event(const struct event_info *e, void *user)
{
	sodium_bin2hex(user, 17, e->hash, 8);
	return 1; /* the first is enough */
}

int export_store_id(struct store *store, char id[17])
{
	int r;

	id[0] = '\0';
	r = store_event_list(store, 1, first_event, id, NULL);
	if (r < 0)
		return r;
	return id[0] ? 0 : -FOLIO_ENOTFOUND;
}

int export_package_name(struct store *store, const char *station, uint32_t batch, char *buf,
			size_t size)
{
	char id[17];
	int r = export_store_id(store, id);

	if (r < 0)
		return r;
	r = snprintf(buf, size, "%s-%.8s-B%06u", station, id, batch);
	return r < 0 || (size_t)r >= size ? -ENAMETOOLONG : 0;
}

static void hex(const uint8_t *in, size_t n, char *out)
{
	sodium_bin2hex(out, n * 2 + 1, in, n);
}

/* Writes a file inside the package, synced, and records it for the manifest. */
static int package_add(struct package *pkg, const char *rel, const void *data, size_t len)
{
	struct manifest_entry *e;
	uint8_t sum[32];
	int r;

	if (strlen(rel) >= sizeof(e->path))
		return -ENAMETOOLONG;
	if (pkg->n_entries == pkg->cap) {
		size_t ncap = pkg->cap ? pkg->cap * 2 : 64;
		struct manifest_entry *ne = reallocarray(pkg->entries, ncap, sizeof(*ne));

		if (!ne)
			return -ENOMEM;
		pkg->entries = ne;
		pkg->cap = ncap;
	}

	r = file_create_synced(pkg->dir_fd, rel, 0600, data, len);
	if (r < 0)
		return r;

	e = &pkg->entries[pkg->n_entries++];
	snprintf(e->path, sizeof(e->path), "%s", rel);
	sha256_digest(sum, data, len);
	hex(sum, sizeof(sum), e->sha256);
	e->size = len;
	pkg->bytes += len;
	progress_tell(pkg->progress, pkg->n_entries, 0, pkg->bytes);
	return 0;
}

static int cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct manifest_entry *)a)->path,
		      ((const struct manifest_entry *)b)->path);
}

/* MANIFEST.sizes: the size of every file so far; it is itself listed in MANIFEST.sha256. */
static int write_sizes(struct package *pkg)
{
	_cleanup_free_ char *text = NULL;
	size_t len = 0, cap = pkg->n_entries * 100 + 1;

	qsort(pkg->entries, pkg->n_entries, sizeof(*pkg->entries), cmp_entry);
	text = malloc(cap);
	if (!text)
		return -ENOMEM;
	for (size_t i = 0; i < pkg->n_entries; i++)
		len += (size_t)snprintf(text + len, cap - len, "%llu  %s\n",
					(unsigned long long)pkg->entries[i].size,
					pkg->entries[i].path);
	return package_add(pkg, "MANIFEST.sizes", text, len);
}

/* MANIFEST.sha256 (not listed in itself), then its signature when there is a key. */
static int write_manifest(struct package *pkg, const struct sign_key *key)
{
	_cleanup_free_ char *text = NULL;
	size_t len = 0, cap = pkg->n_entries * 140 + 1;
	struct package tmp;
	int r;

	qsort(pkg->entries, pkg->n_entries, sizeof(*pkg->entries), cmp_entry);
	text = malloc(cap);
	if (!text)
		return -ENOMEM;
	for (size_t i = 0; i < pkg->n_entries; i++)
		len += (size_t)snprintf(text + len, cap - len, "%s  %s\n", pkg->entries[i].sha256,
					pkg->entries[i].path);
	tmp = (struct package){ .dir_fd = pkg->dir_fd };
	r = package_add(&tmp, "MANIFEST.sha256", text, len);
	if (r == 0 && key) {
		char sig[SIGN_LINE_MAX];
		int n = sign_detached(key, text, len, sig, sizeof(sig));

		r = n < 0 ? n : package_add(&tmp, SIGN_FILE, sig, (size_t)n);
	}
	if (r == 0 && key) {
		char ssh[SIGN_SSH_MAX];
		int n = sign_sshsig(key, text, len, ssh, sizeof(ssh));

		r = n < 0 ? n : package_add(&tmp, SIGN_SSH_FILE, ssh, (size_t)n);
	}
	free(tmp.entries);
	return r;
}

static void iso_date(int64_t t, char *buf, size_t size, bool with_time)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(buf, size, with_time ? "%Y-%m-%dT%H:%M:%SZ" : "%Y-%m-%d", &tm);
}

static const char *language_of(const struct document_info *d)
{
	return d->language[0] ? d->language : "en";
}

static void free_text(struct export_page_text *t)
{
	free(t->text);
	free(t->layout);
	*t = (struct export_page_text){ 0 };
}

static bool layout_ext_ok(const char *e)
{
	return e && (strcmp(e, "hocr") == 0 || strcmp(e, "alto.xml") == 0);
}

/* The store's OCR result of a page, when the page has one. */
static int store_text(struct store *store, uint32_t batch, uint32_t page,
		      struct export_page_text *ret)
{
	struct ocr_result o = { 0 };
	int r = store_ocr_get(store, batch, page, &o);

	*ret = (struct export_page_text){ 0 };
	if (r == -FOLIO_ENOTFOUND)
		return 0;
	if (r < 0)
		return r;
	if (o.text && o.text[0]) {
		ret->text = strdup(o.text);
		ret->text_len = strlen(o.text);
		if (!ret->text)
			r = -ENOMEM;
	}
	if (r == 0 && ret->text && o.hocr && o.hocr[0]) {
		ret->layout = strdup(o.hocr);
		ret->layout_len = strlen(o.hocr);
		ret->layout_ext = strstr(o.hocr, "<alto") ? "alto.xml" : "hocr";
		if (!ret->layout)
			r = -ENOMEM;
	}
	store_ocr_release(&o);
	if (r < 0)
		free_text(ret);
	return r;
}

/*
 * Adds the page layout @t as <dir>/P0001.hocr, a whole hOCR document naming @image, and the
 * same as ALTO 4.4 in <dir>/P0001.alto.xml (@rel ends in ".hocr").
 */
static int add_hocr(struct package *pkg, const struct export_page_text *t, const char *rel,
		    const char *image, const char *lang)
{
	_cleanup_free_ char *page = strndup(t->layout, t->layout_len);
	_cleanup_free_ char *doc = NULL, *alto = NULL;
	char alto_rel[64];
	size_t len, alto_len;
	int r;

	if (!page)
		return -ENOMEM;
	r = ocr_hocr_document(page, image, lang, &doc, &len);
	if (r < 0)
		return r;
	r = package_add(pkg, rel, doc, len);
	if (r < 0)
		return r;
	snprintf(alto_rel, sizeof(alto_rel), "%.*s.alto.xml", (int)(strlen(rel) - 5), rel);
	r = ocr_alto_document(page, image, &alto, &alto_len);
	if (r < 0)
		return r;
	return package_add(pkg, alto_rel, alto, alto_len);
}

/*
 * Adds the OCR text (and layout) of page @p as <dir>/P0001.txt, returns its name in @tname and
 * the layout's in @lname ("" when there is none); an hOCR layout also comes as ALTO
 * (add_hocr()) and is returned in @ret_hocr for the document's PDF.
 */
static int add_page_text(struct store *store, struct package *pkg, const struct export_options *opt,
			 const struct page_info *p, const char *dir, size_t n, const char *image,
			 const char *lang, char *tname, char *lname, size_t tname_size,
			 char **ret_hocr)
{
	struct export_page_text t = { 0 };
	char rel[64];
	int r;

	tname[0] = '\0';
	lname[0] = '\0';
	if (opt && opt->page_text)
		r = opt->page_text(opt->user, p->batch, p->number, &t);
	else
		r = store_text(store, p->batch, p->number, &t);
	if (r < 0)
		return r;
	if (t.text) {
		snprintf(tname, tname_size, "P%04zu.txt", n + 1);
		snprintf(rel, sizeof(rel), "%s/%s", dir, tname);
		r = package_add(pkg, rel, t.text, t.text_len);
	}
	if (r == 0 && t.layout) {
		if (!layout_ext_ok(t.layout_ext))
			r = -EINVAL;
		else {
			snprintf(lname, tname_size, "P%04zu.%s", n + 1, t.layout_ext);
			snprintf(rel, sizeof(rel), "%s/%s", dir, lname);
			if (strcmp(t.layout_ext, "hocr") == 0)
				r = add_hocr(pkg, &t, rel, image, lang);
			else
				r = package_add(pkg, rel, t.layout, t.layout_len);
		}
	}
	if (r == 0 && t.layout && strcmp(t.layout_ext, "hocr") == 0) {
		*ret_hocr = strndup(t.layout, t.layout_len); /* for the document's PDF */
		if (!*ret_hocr)
			r = -ENOMEM;
	}
	free_text(&t);
	return r;
}

static size_t document_pages(const struct page_list *pages, uint32_t docno)
{
	size_t n = 0;

	for (size_t i = 0; i < pages->n; i++)
		if (pages->pages[i].document == docno &&
		    !(pages->pages[i].flags & PAGE_FLAG_SEPARATOR))
			n++;
	return n;
}

/* What a document's PDF is made of, gathered page by page. */
struct doc_scratch {
	struct pdf_page *pp;
	void **imgs;
	char **hocrs;
	size_t n; /* pages gathered */
};

/*
 * Adds <dir>/document.pdf: the searchable PDF/A-2b of the document's pages (pdf.h), with the
 * text of the pages that have it. Returns 1 when it was added, 0 when the pages cannot go
 * into a PDF as they are stored.
 */
static int add_pdf(struct package *pkg, const struct batch_info *b, const struct document_info *d,
		   const char *docid, const char *dir, const struct doc_scratch *s)
{
	_cleanup_free_ char *pdf = NULL;
	char title[160], rel[64];
	struct pdf_info info = { .identifier = docid, .title = title, .language = language_of(d) };
	size_t len;
	int r;

	for (size_t i = 0; i < s->n; i++)
		((struct pdf_page *)s->pp)[i].hocr = s->hocrs[i];
	snprintf(title, sizeof(title), "%s %s %s", d->office,
		 d->application[0] ? d->application : docid, d->document_code);
	/* The batch's capture time, as the XML's: a package built again is the same bytes. */
	info.created = b->created;
	r = pdf_document(s->pp, s->n, &info, &pdf, &len);
	if (r == -FOLIO_EFORMAT) {
		/* Raw pages (a diagnostic profile) cannot go into a PDF as they are stored. */
		log_warn("document '%s': no PDF: its page images are not CCITT G4 TIFF or JPEG",
			 docid);
		return 0;
	}
	if (r < 0)
		return log_debug_errno(r, "document '%s': no PDF: %s", docid, folio_strerror(r));
	snprintf(rel, sizeof(rel), "%s/%s", dir, EXPORT_PDF_FILE);
	r = package_add(pkg, rel, pdf, len);
	return r < 0 ? r : 1;
}

/*
 * Whether document @docno goes out as one multi-page TIFF: [upload] document_file =
 * multipage, and every page G4 TIFF or JPEG (raw diagnostic pages keep their own files).
 */
static bool document_multipage(const struct folio_config *cfg, const struct page_list *pages,
			       uint32_t docno, const char *docid)
{
	if (cfg->document_file != DOCUMENT_FILE_MULTIPAGE)
		return false;
	for (size_t i = 0; i < pages->n; i++) {
		const struct page_info *p = &pages->pages[i];

		if (p->document != docno || (p->flags & PAGE_FLAG_SEPARATOR))
			continue;
		if (strcmp(p->format, "TIFF") != 0 && strcmp(p->format, "JPEG") != 0) {
			log_warn("document '%s': one file per page: page %u is stored as %s, which "
				 "a multi-page TIFF does not take",
				 docid, p->number, p->format);
			return false;
		}
	}
	return true;
}

struct page_hashes {
	char (*hex)[65];
	size_t n;
};

static int note_hash(const struct tiffcheck_page *pg, uint32_t index, void *user)
{
	struct page_hashes *h = user;

	if (index >= h->n)
		return -FOLIO_EFORMAT;
	sodium_bin2hex(h->hex[index], 65, pg->sha256, sizeof(pg->sha256));
	return 0;
}

/*
 * Adds <dir>/document.tif: the document's pages of @s as one multi-page TIFF, every page's
 * compressed data as stored (image_tiff_multipage()), and the SHA-256 of each page's image
 * data there into @hex, read back as the office's verifier reads it (tiffcheck.h).
 */
static int add_multipage(struct package *pkg, const char *dir, const struct doc_scratch *s,
			 char (*hex)[65])
{
	_cleanup_free_ struct encoded_image *in = calloc(s->n, sizeof(*in));
	struct encoded_image tif = { 0 };
	struct page_hashes h = { .hex = hex, .n = s->n };
	char rel[64], why[200];
	uint32_t dirs = 0;
	int fd, r;

	if (!in)
		return -ENOMEM;
	for (size_t i = 0; i < s->n; i++) {
		const struct pdf_page *pg = &s->pp[i];
		bool jpeg = strcmp(pg->format, "JPEG") == 0;

		in[i] = (struct encoded_image){ .data = (uint8_t *)pg->image,
						.size = pg->len,
						.format = jpeg ? "JPEG" : "TIFF",
						.width = pg->width,
						.height = pg->height,
						.dpi = pg->dpi,
						.bit_depth = jpeg ? 8 : 1,
						.channels = pg->channels ? pg->channels : 1 };
	}
	r = image_tiff_multipage(in, s->n, NULL, &tif);
	if (r < 0)
		return r;
	snprintf(rel, sizeof(rel), "%s/%s", dir, EXPORT_TIFF_FILE);
	r = package_add(pkg, rel, tif.data, tif.size);
	encoded_image_release(&tif);
	if (r < 0)
		return r;
	fd = openat(pkg->dir_fd, rel, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = tiffcheck_pages(fd, pkg->entries[pkg->n_entries - 1].size, note_hash, &h, &dirs, why,
			    sizeof(why));
	close(fd);
	if (r == 0 && dirs != s->n)
		r = -FOLIO_EFORMAT;
	if (r < 0)
		return log_debug_errno(r, "'%s' does not read back as %zu pages: %s", rel, s->n,
				       why);
	return 0;
}

/* The names of one page's files in its document's folder, for the XML (struct st96_page). */
struct page_files {
	char image[32];	 /* P0001.tif or P0001.jpg */
	char text[32];	 /* P0001.txt, or "" without text */
	char layout[32]; /* the layout as stored, P0001.hocr or P0001.alto.xml, or "" */
	char alto[32];	 /* the ALTO made from an hOCR layout, P0001.alto.xml, or "" */
};

/* One document on its way into the package: what its steps share. */
struct doc_export {
	struct store *store;
	const struct folio_config *cfg;
	struct package *pkg;
	const struct export_options *opt;
	const struct batch_info *b;
	const struct document_info *d;
	uint32_t docno;
	const char *docid;     /* SIM01-B000017-D0001 */
	const char *dir;       /* its folder in the package, D0001 */
	bool multi;	       /* its pages go out as one document.tif (document_multipage()) */
	struct doc_scratch *s; /* its pages, gathered for its PDF and its document.tif */
};

/*
 * The flags the office must hear of, in BATCH.txt under their names, for page @p (@rel): with
 * them the pages automatic colour detection sent in grey or colour (the measure is in the
 * page's capture event, EVENTS.txt).
 */
static int note_page_flags(struct package *pkg, const struct page_info *p, const char *rel)
{
	for (uint32_t bit = 1; bit; bit <<= 1) {
		int r;

		if (!(p->flags & bit &
		      (PAGE_FLAG_OCR_FAILED | PAGE_FLAG_CHECK_IMAGE | PAGE_FLAG_AUTO_GREY |
		       PAGE_FLAG_AUTO_COLOUR)))
			continue;
		r = note_page(pkg, page_flag_name(bit), rel);
		if (r < 0)
			return r;
	}
	return 0;
}

/*
 * Gathers the image of page @p, the document's @n-th (from 0), into x->s for the document's
 * PDF, and adds it to the folder as @rel, unless it goes into document.tif (x->multi).
 */
static int add_page_image(const struct doc_export *x, const struct page_info *p, size_t n,
			  const char *rel)
{
	_cleanup_free_ void *img = NULL;
	size_t len;
	int r;

	r = store_page_image(x->store, x->b->id, p->number, &img, &len);
	if (r < 0)
		return log_debug_errno(r, "page %u of batch %u: %s", p->number, x->b->id,
				       folio_strerror(r));
	r = x->multi ? 0 : package_add(x->pkg, rel, img, len);
	if (r < 0)
		return r;
	x->s->pp[n] = (struct pdf_page){ .image = img,
					 .len = len,
					 .format = p->format,
					 .width = p->width,
					 .height = p->height,
					 .dpi = p->dpi,
					 .channels = p->channels };
	x->s->imgs[n] = TAKE_PTR(img);
	return 0;
}

/*
 * Adds page @p, the document's @n-th (from 0), to its folder: its image (add_page_image()),
 * its text and layout, and its notes in BATCH.txt. Its files are named in @f, and @ret
 * describes it for the XML (pointing into @f).
 */
static int add_page(const struct doc_export *x, const struct page_info *p, size_t n,
		    struct page_files *f, struct st96_page *ret)
{
	const char *file = x->multi ? EXPORT_TIFF_FILE : f->image;
	char rel[64];
	bool alto;
	int r;

	snprintf(f->image, sizeof(f->image), "P%04zu.%s", n + 1,
		 strcmp(p->format, "TIFF") == 0 ? "tif" : "jpg");
	/* with multipage, @rel names the page in BATCH.txt notes only: P0003 is the third page
	 * of document.tif */
	snprintf(rel, sizeof(rel), "%s/%s", x->dir, f->image);
	r = add_page_image(x, p, n, rel);
	if (r < 0)
		return r;
	r = add_page_text(x->store, x->pkg, x->opt, p, x->dir, n, file, language_of(x->d), f->text,
			  f->layout, sizeof(f->text), &x->s->hocrs[n]);
	if (r < 0)
		return r;
	if (f->text[0])
		x->pkg->with_text++;
	r = note_page_flags(x->pkg, p, rel);
	if (r < 0)
		return r;
	/* the layout as stored (hOCR, or ALTO) and, for hOCR, the ALTO made from it */
	alto = strstr(f->layout, ".alto.xml") != NULL;
	if (f->layout[0] && !alto)
		snprintf(f->alto, sizeof(f->alto), "P%04zu.alto.xml", n + 1);
	*ret = (struct st96_page){
		.file_name = file,
		.format = x->multi ? "TIFF" : p->format,
		.width = p->width,
		.height = p->height,
		.dpi = p->dpi,
		.bit_depth = p->bit_depth,
		.colour = p->channels == 3,
		.text_file = f->text[0] ? f->text : NULL,
		.ocr_failed = (p->flags & PAGE_FLAG_OCR_FAILED) != 0,
		.hocr_file = f->layout[0] && !alto ? f->layout : NULL,
		.alto_file = alto	  ? f->layout
			     : f->alto[0] ? f->alto
					  : NULL,
	};
	return 0;
}

/*
 * Adds the document's description in ST.96, of its @n pages @sp, to its folder: document.xml,
 * and a patent's bibliographic.xml and files.xml (st96.h).
 */
static int add_st96(const struct doc_export *x, const struct st96_page *sp, size_t n)
{
	const struct document_info *d = x->d;
	struct st96_document doc = { 0 };
	char loaded[32], received[16];
	size_t xml_len;
	int r;

	iso_date(x->b->created, loaded, sizeof(loaded), true);
	iso_date(x->b->created, received, sizeof(received), false);
	doc.ip_type = (enum ip_type)d->ip_type;
	doc.office = d->office[0] ? d->office : x->cfg->office;
	doc.application_number = d->application[0] ? d->application : NULL;
	doc.st13 = d->st13[0] ? d->st13 : NULL;
	doc.document_id = x->docid;
	doc.document_code = d->document_code[0] ? d->document_code : NULL;
	doc.language = language_of(d);
	doc.received_date = d->received[0] ? d->received : received;
	doc.loaded_datetime = loaded;
	doc.n_pages = n;
	doc.pages = sp;
	for (int part = 0; part < ST96_N_PARTS; part++) {
		const char *file = st96_part_file(doc.ip_type, (enum st96_part)part);
		_cleanup_free_ char *xml = NULL;
		char rel[64];

		if (!file)
			continue;
		r = st96_write_part(&doc, (enum st96_part)part, &xml, &xml_len);
		if (r < 0)
			return log_debug_errno(
			    r, "document %u of batch %u cannot be described in ST.96", x->docno,
			    x->b->id);
		snprintf(rel, sizeof(rel), "%s/%s", x->dir, file);
		r = package_add(x->pkg, rel, xml, xml_len);
		if (r < 0)
			return r;
	}
	return 0;
}

static int export_document_in(struct store *store, const struct folio_config *cfg,
			      struct package *pkg, const struct batch_info *b, uint32_t docno,
			      const struct page_list *pages, const struct export_options *opt,
			      struct export_result *res, struct doc_scratch *s)
{
	_cleanup_free_ struct st96_page *sp = NULL;
	_cleanup_free_ struct page_files *files = NULL;
	_cleanup_free_ char(*hashes)[65] = NULL;
	struct document_info d;
	struct doc_export x;
	char dir[16], docid[96];
	size_t n = 0;
	int r;

	r = store_document_get(store, b->id, docno, &d);
	if (r < 0)
		return r;
	if (document_pages(pages, docno) == 0) {
		res->empty_documents++;
		return 0;
	}
	sp = calloc(pages->n ? pages->n : 1, sizeof(*sp));
	files = calloc(pages->n ? pages->n : 1, sizeof(*files));
	hashes = calloc(pages->n ? pages->n : 1, sizeof(*hashes));
	if (!sp || !files || !hashes)
		return -ENOMEM;

	snprintf(docid, sizeof(docid), "%s-B%06u-D%04u", cfg->station_id, b->id, docno);
	snprintf(dir, sizeof(dir), "D%04u", docno);
	x = (struct doc_export){ .store = store,
				 .cfg = cfg,
				 .pkg = pkg,
				 .opt = opt,
				 .b = b,
				 .d = &d,
				 .docno = docno,
				 .docid = docid,
				 .dir = dir,
				 .multi = document_multipage(cfg, pages, docno, docid),
				 .s = s };
	if (mkdirat(pkg->dir_fd, dir, 0700) < 0)
		return -errno;
	for (size_t i = 0; i < pages->n; i++) {
		const struct page_info *p = &pages->pages[i];

		if (p->document != docno || (p->flags & PAGE_FLAG_SEPARATOR))
			continue;
		r = add_page(&x, p, n, &files[n], &sp[n]);
		if (r < 0)
			return r;
		s->n = ++n;
	}

	if (x.multi) {
		r = add_multipage(pkg, dir, s, hashes);
		if (r < 0)
			return r;
		for (size_t i = 0; i < n; i++)
			sp[i].sha256 = hashes[i];
	}
	/* the searchable PDF first, so that the XML names it for every page it holds */
	r = add_pdf(pkg, b, &d, docid, dir, s);
	if (r < 0)
		return r;
	for (size_t i = 0; r > 0 && i < n; i++)
		sp[i].pdf_file = EXPORT_PDF_FILE;
	r = add_st96(&x, sp, n);
	if (r < 0)
		return r;
	res->documents++;
	res->pages += (uint32_t)n;
	return 0;
}

static int export_document(struct store *store, const struct folio_config *cfg, struct package *pkg,
			   const struct batch_info *b, uint32_t docno,
			   const struct page_list *pages, const struct export_options *opt,
			   struct export_result *res)
{
	size_t max = pages->n ? pages->n : 1;
	struct doc_scratch s = { .pp = calloc(max, sizeof(*s.pp)),
				 .imgs = calloc(max, sizeof(*s.imgs)),
				 .hocrs = calloc(max, sizeof(*s.hocrs)) };
	int r = -ENOMEM;

	if (s.pp && s.imgs && s.hocrs)
		r = export_document_in(store, cfg, pkg, b, docno, pages, opt, res, &s);
	for (size_t i = 0; i < max && s.imgs && s.hocrs; i++) {
		free(s.imgs[i]);
		free(s.hocrs[i]);
	}
	free(s.pp);
	free(s.imgs);
	free(s.hocrs);
	return r;
}

/*
 * EVENTS.txt: the batch's events, chained (events.h), up to its last approval: what comes
 * after (packaging, delivery attempts) is not custody of the content, and leaving it out
 * makes a package built again after a failed delivery the same bytes as the first, so a
 * delivery resumes on the files already at the office.
 */
struct events_text {
	uint32_t batch;
	char link[EVENTS_LINK_HEX];
	char *text;
	size_t len, cap;
	size_t approved_len; /* length after the last approval, 0 before one */
	int error;
};

static int add_event(const struct event_info *e, void *user)
{
	struct events_text *t = user;
	struct custody_event c;
	char line[EVENTS_LINE_MAX];
	int n;

	if (e->batch != t->batch)
		return 0;
	c = (struct custody_event){ .seq = e->seq,
				    .time = e->time,
				    .batch = e->batch,
				    .document = e->document,
				    .page = e->page,
				    .who = e->who,
				    .what = e->what,
				    .detail = e->detail };
	memcpy(c.station_hash, e->hash, sizeof(c.station_hash));
	n = events_line(&c, t->link, line, sizeof(line));
	if (n < 0)
		return t->error = n;
	if (t->len + (size_t)n > t->cap) {
		size_t ncap = (t->cap ? t->cap * 2 : 16384) + (size_t)n;
		char *nt = realloc(t->text, ncap);

		if (!nt)
			return t->error = -ENOMEM;
		t->text = nt;
		t->cap = ncap;
	}
	memcpy(t->text + t->len, line, (size_t)n);
	t->len += (size_t)n;
	if (events_is_approval(e->what, strlen(e->what), e->detail, strlen(e->detail)))
		t->approved_len = t->len;
	return 0;
}

static int write_events(struct store *store, struct package *pkg, uint32_t batch)
{
	struct events_text t = { .batch = batch };
	int r;

	memset(t.link, '0', 64);
	t.link[64] = '\0';
	t.cap = strlen(EVENTS_HEADER) + 16384;
	t.text = malloc(t.cap);
	if (!t.text)
		return -ENOMEM;
	memcpy(t.text, EVENTS_HEADER, strlen(EVENTS_HEADER));
	t.len = strlen(EVENTS_HEADER);
	r = store_event_list(store, 1, add_event, &t, NULL);
	if (r == 0 && t.error)
		r = t.error;
	if (r == 0 && t.approved_len)
		t.len = t.approved_len;
	if (r == 0)
		r = package_add(pkg, EVENTS_FILE, t.text, t.len);
	free(t.text);
	return r;
}

static int write_batch_description(struct package *pkg, const struct folio_config *cfg,
				   const char *store_id, const struct batch_info *b,
				   const struct export_result *res)
{
	const size_t size = 1024 + pkg->page_notes_len;
	_cleanup_free_ char *text = malloc(size);
	char created[32];
	int n, m;

	if (!text)
		return -ENOMEM;
	iso_date(b->created, created, sizeof(created), true);
	n = snprintf(text, size,
		     "station: %s\nstore: %s\noffice: %s\nbatch: %u\ncreated: %s\ndevice: %s\n"
		     "profile: %s\ndocuments: %u\npages: %u\nsigned by: %s\n",
		     cfg->station_id, store_id, cfg->office, b->id, created, b->device, b->profile,
		     res->documents, res->pages, res->is_signed ? res->key_id : "(not signed)");
	if (n < 0 || (size_t)n >= size)
		return -ENAMETOOLONG;
	/* Text never silently missing: how many pages have it, and which failed for good. */
	m = snprintf(text + n, size - (size_t)n, "pages with text: %u\n%s", pkg->with_text,
		     pkg->page_notes ?: "");
	if (m < 0 || (size_t)m >= size - (size_t)n)
		return -ENAMETOOLONG;
	n += m;
	/* The scanner's life so far (pages fed, jams, double feeds, hours) for the office. */
	n += telemetry_describe(cfg->store_path, b->device, text + n, size - (size_t)n);
	return package_add(pkg, "BATCH.txt", text, (size_t)n);
}

/* Removes the partial package folder @name of @out_dir (left by a crash or a failure). */
static void remove_partial(const char *out_dir, const char *name)
{
	char path[PATH_MAX];

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", out_dir, name) < sizeof(path))
		(void)remove_tree(path);
}

int export_batch(struct store *store, const struct folio_config *cfg, uint32_t batch,
		 const char *out_dir, struct export_result *ret)
{
	return export_batch_with(store, cfg, batch, out_dir, NULL, ret);
}

int export_batch_with(struct store *store, const struct folio_config *cfg, uint32_t batch,
		      const char *out_dir, const struct export_options *opt,
		      struct export_result *ret)
{
	const char *key_file = opt && opt->key_file ? opt->key_file : cfg->key_file;
	struct sign_key key = { 0 };
	struct page_list pages = { 0 };
	struct package pkg = { .dir_fd = -1, .progress = opt ? opt->progress : NULL };
	struct export_result res = { 0 };
	struct batch_info b;
	char name[80], partial[96], store_id[17];
	int out_fd = -1, r;

	r = store_batch_get(store, batch, &b);
	if (r < 0)
		return r;
	if (b.state == BATCH_OPEN || b.state == BATCH_REJECTED || b.state == BATCH_PURGED)
		return -FOLIO_ESTATE;
	if (key_file[0]) {
		r = sign_load_secret(key_file, &key);
		if (r < 0)
			return r;
		res.is_signed = true;
		snprintf(res.key_id, sizeof(res.key_id), "%s", key.id);
	}
	if (!(opt && opt->page_text)) {
		/* Text never silently missing: a page is read, or failed for good and says so. */
		struct store_ocr_progress p;

		r = store_batch_ocr_progress(store, batch, &p);
		if (r == 0 && !store_ocr_finished(&p))
			r = -FOLIO_EOCRPENDING;
		if (r < 0)
			goto out;
	}
	r = store_page_list(store, batch, collect_page, &pages);
	if (r < 0)
		goto out;

	if (mkdir(out_dir, 0755) < 0 && errno != EEXIST) {
		r = -errno;
		goto out;
	}
	out_fd = open(out_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (out_fd < 0) {
		r = -errno;
		goto out;
	}
	r = export_store_id(store, store_id);
	if (r == 0)
		r = export_package_name(store, cfg->station_id, batch, name, sizeof(name));
	if (r < 0)
		goto out;
	snprintf(partial, sizeof(partial), ".%s.partial", name);
	if (faccessat(out_fd, name, F_OK, 0) == 0) {
		r = -EEXIST;
		goto out;
	}
	remove_partial(out_dir, partial); /* left over from a crash */
	if (mkdirat(out_fd, partial, 0700) < 0) {
		r = -errno;
		goto out;
	}
	pkg.dir_fd = openat(out_fd, partial, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (pkg.dir_fd < 0) {
		r = -errno;
		goto fail;
	}

	for (uint32_t d = 1; d <= b.n_documents; d++) {
		r = export_document(store, cfg, &pkg, &b, d, &pages, opt, &res);
		if (r < 0)
			goto fail;
	}
	r = write_batch_description(&pkg, cfg, store_id, &b, &res);
	if (r < 0)
		goto fail;
	r = write_events(store, &pkg, batch);
	if (r < 0)
		goto fail;
	r = write_sizes(&pkg);
	if (r < 0)
		goto fail;
	res.files = (uint32_t)pkg.n_entries;
	res.bytes = pkg.bytes;
	r = write_manifest(&pkg, res.is_signed ? &key : NULL);
	if (r < 0)
		goto fail;
	if (fsync(pkg.dir_fd) < 0 || renameat(out_fd, partial, out_fd, name) < 0 ||
	    fsync(out_fd) < 0) {
		r = -errno;
		goto fail;
	}
	snprintf(res.path, sizeof(res.path), "%s/%s", out_dir, name);
	*ret = res;
	r = 0;
	goto out;

fail:
	remove_partial(out_dir, partial);
out:
	if (pkg.dir_fd >= 0)
		close(pkg.dir_fd);
	if (out_fd >= 0)
		close(out_fd);
	free(pkg.entries);
	free(pkg.page_notes);
	free(pages.pages);
	sign_key_wipe(&key);
	return r;
}
