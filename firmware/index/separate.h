#ifndef FOLIO_INDEX_SEPARATE_H
#define FOLIO_INDEX_SEPARATE_H

/*
 * Document separation: finds cover sheets among captured pages and says which document every
 * page belongs to. A page is first searched cheaply for the layout of our sheet (coverfind.h:
 * a map of the page, no decoding); only the zones where a sheet prints its codes are decoded
 * with zbar, and the whole page only when its layout is ours and the zones gave nothing.
 *
 * The capture engine calls, for every page, in feed order:
 *
 *	struct index_split split;        once per run: index_split_init(&split, doc, pages)
 *	                                 and index_split_profile(&split, profile)
 *	struct index_sheet sheet;
 *	struct index_step step;
 *
 *	index_examine(frame, cfg, &sheet);      (-ENOMEM/-EINVAL: log, treat as a plain page)
 *	if (!sheet.separator && index_split_wants_patches(&split))
 *		index_examine_patch(frame, cfg, &sheet);        (patch codes, patchcode.h)
 *	index_split_page(&split, &sheet, &step);
 *	if (step.put_document) {
 *		sheet.doc.batch = batch;
 *		sheet.doc.number = step.document;
 *		store_document_put(store, who, &sheet.doc);     before the page is added
 *	}
 *	meta.document = step.document;
 *	meta.flags |= step.flags;       PAGE_FLAG_SEPARATOR / PAGE_FLAG_BARCODE_UNREADABLE
 *	if (step.drop) the page is not stored: record an event saying so instead
 *	if (sheet.why[0]) log the reason with the page number for the clerk
 *
 * Separator pages stay in the store (export skips them). A sheet laid out as ours whose
 * codes cannot be read or used (blurred, torn, badly printed, a bad check field, the two
 * symbols disagree, a field the configuration refuses) still starts a document: one with the
 * station's office and IP type and no application number or document code, its separator page
 * flagged PAGE_FLAG_BARCODE_UNREADABLE so that the clerk indexes it by hand. Nothing is
 * guessed. A Folio barcode found by the whole-page search on a page not laid out as ours
 * (index_examine_grey()) is flagged the same way but stays in the current document.
 * Barcodes that are not Folio payloads (a form's own QR code) are ignored, and a page laid out
 * like ours whose codes read well but are not Folio's is a plain page.
 */

#include <stdbool.h>
#include <stdint.h>

#include "frame.h"
#include "firmware/config/config.h"
#include "firmware/store/store.h"

#define INDEX_MAX_PIXELS (20000u * 20000u) /* largest frame examined */

/* What a page is, as far as indexing is concerned. */
struct index_sheet {
	bool separator;		  /* a cover sheet: starts a document described by doc */
	int patch;		  /* enum patch_type of a patch code on it (0: none) */
	bool unreadable;	  /* a Folio barcode or sheet was found but cannot be used */
	struct document_info doc; /* when separator: the fields (batch, number left 0) */
	char why[256]; /* when unreadable (or one symbol read): for the clerk, one line saying
			* what is wrong and, when unreadable, what follows for the page: "...;
			* index its document by hand" or "...; the page stays in this document" */
};

/*
 * index_examine - look for a cover sheet on a captured page
 * @f: the raw frame (any depth/channels struct frame allows), at capture resolution, its dpi
 *	set (else the page is taken as 210 mm wide)
 * @cfg: configuration (office patterns, document codes, default language, station office)
 * @ret: the verdict; a page not laid out as our sheet gives separator = unreadable = false,
 *	whatever barcodes it carries; one laid out as ours gives separator = true, with
 *	unreadable = true (and the station's defaults in doc) when its codes cannot be used
 *
 * Only the layout search runs on a content page (a few milliseconds at 300 dpi). The payload
 * is parsed by coversheet_parse() and its fields checked by docfields against @cfg. Returns 0
 * (with *ret filled), -EINVAL for a malformed frame, -FOLIO_ETOOBIG for a frame over
 * INDEX_MAX_PIXELS, -ENOMEM. Thread-safe (one zbar scanner per call); logs at debug only.
 */
int index_examine(const struct frame *f, const struct folio_config *cfg, struct index_sheet *ret);

/*
 * index_examine_grey - the whole-page search alone: every Code 128 and QR Code symbol of an
 * 8-bit grey image (0 black) of @width x @height pixels, @stride bytes per row, whatever its
 * layout (on a content page, many times the cost of index_examine()). A page
 * with no Folio payload gives separator = unreadable = false; one with a payload that cannot be
 * used gives unreadable = true only. Returns as index_examine().
 */
int index_examine_grey(const uint8_t *grey, uint32_t width, uint32_t height, uint32_t stride,
		       const struct folio_config *cfg, struct index_sheet *ret);

/*
 * index_examine_patch - look for a patch code (patchcode.h) on a captured page
 * @f: as for index_examine()
 * @cfg: the station's defaults, given to the document a patch sheet starts
 * @ret: a page already examined (or zeroed); its patch is set to what is found, and doc to
 *	the station's defaults (office, IP type, document code, language) when one is
 *
 * Reads a few hundred thousand pixels near the top and bottom edges (under a millisecond at
 * 300 dpi). Returns 0, -EINVAL for a malformed frame, -FOLIO_ETOOBIG, -ENOMEM. Thread-safe.
 */
int index_examine_patch(const struct frame *f, const struct folio_config *cfg,
			struct index_sheet *ret);

/* Where a run of capture stands: the current document and its pages other than separators,
 * the batch's, and what the profile makes of patch sheets (none act until
 * index_split_profile()). */
struct index_split {
	uint32_t document;
	uint32_t pages;
	uint32_t batch_pages;	       /* in the whole batch, other than separators */
	int patch[CONFIG_PATCH_TYPES]; /* enum patch_action per enum patch_type */
	int patch_sheets;	       /* enum patch_sheet */
	bool one_batch; /* new-batch sheets start documents instead (sheets being inserted) */
};

/* What to do with one page. */
struct index_step {
	uint32_t document; /* the page's document number */
	uint32_t flags;	   /* page flags to add */
	bool put_document; /* store sheet.doc as document @document before adding the page */
	bool new_document; /* @document is new (else an existing one is re-indexed) */
	bool drop;	   /* a patch sheet the profile drops: not stored, an event says so */
	bool new_batch;	   /* close the batch: this sheet and the next are a new batch's */
};

/*
 * index_split_init - start from document @document (>= 1), which already has @pages pages
 * other than separators (a new batch: 1 and 0, its document 1 created with the defaults);
 * the batch has at least those (set @s->batch_pages when it has more)
 */
void index_split_init(struct index_split *s, uint32_t document, uint32_t pages);

/* index_split_profile - take the patch sheets' actions and keep/drop rule from profile @p */
void index_split_profile(struct index_split *s, const struct scan_profile *p);

/* index_split_wants_patches - whether any patch type acts (else no page need be searched) */
bool index_split_wants_patches(const struct index_split *s);

/*
 * index_split_page - decide the document and flags of the next page from its @sheet
 *
 * A cover sheet starts the next document; a cover sheet on a document that has no pages yet
 * (the first sheet of a batch, or two cover sheets in a row) re-indexes that document instead,
 * so no document is ever empty. A patch sheet whose type the profile maps to new-document
 * does the same with the station's defaults (on a document without pages yet, nothing), and
 * is a separator page, or dropped when the profile says so; a patch the profile ignores is a
 * plain page. One mapped to new-batch sets @ret->new_batch when the batch has pages (else it
 * starts nothing): the caller closes the batch and opens the next, where the sheet (kept or
 * dropped as for new-document) is document 1's and splitting starts again; with
 * @s->one_batch it acts as new-document.
 */
void index_split_page(struct index_split *s, const struct index_sheet *sheet,
		      struct index_step *ret);

#endif
