#ifndef FOLIO_EXPORT_H
#define FOLIO_EXPORT_H

/*
 * Packages: what the office receives for one batch, written exactly as it will be uploaded.
 *
 *	<STATION>-<STORE>-B<batch>/
 *	    BATCH.txt                 batch description (station, store, office, dates, counts)
 *	    EVENTS.txt                the batch's chain of custody (events.h)
 *	    D0001/document.xml        ST.96 V6_0 description of document 1
 *	    D0001/document.pdf        the document as a searchable PDF/A-2b (pdf.h)
 *	    D0001/P0001.tif           its page images in page order (.tif bitonal, .jpg grey/colour)
 *	    D0001/document.tif        instead, with [upload] document_file = multipage: all of
 *	                              them as one multi-page TIFF, each page's data as stored
 *	                              (image_tiff_multipage()), each page's SHA-256 in the XML
 *	    D0001/P0001.txt           OCR text of the page (UTF-8), when the page has been read
 *	    D0001/P0001.hocr          its layout (word boxes, confidences) as a whole hOCR
 *	                              document, and D0001/P0001.alto.xml as ALTO 4.4
 *	    ...
 *	    MANIFEST.sizes            "<size in bytes>  <path>" for every file of MANIFEST.sha256
 *	                              but itself, sorted by path
 *	    MANIFEST.sha256           every file but itself and the signature, with its SHA-256,
 *	                              as `sha256sum -c` reads it ("<hex>  <path>", sorted by path)
 *	    MANIFEST.sha256.sig       Ed25519 signature of MANIFEST.sha256 by the station key
 *	                              (firmware/package/sign.h), when [station] key_file is set
 *
 * Sizes sit in their own file so that MANIFEST.sha256 stays in the exact form sha256sum
 * accepts; MANIFEST.sizes is itself hashed in MANIFEST.sha256, so the signature covers both.
 * Cover sheets (separator pages) are not exported as pages. `folio verify` checks it all.
 *
 * The package is built in a hidden ".NAME.partial" folder beside its final place, every file
 * synced, and renamed into place last: a crash leaves either no package or a whole one. *
 * A package is a function of the approved batch: built again, it is the same bytes (every
 * date comes from the store, EVENTS.txt ends at the batch's last approval, Ed25519 signs
 * deterministically). The uploader relies on it: it stages a package only while sending it
 * and builds it again for the next attempt, which resumes on the files already delivered.
 */

#include <stdbool.h>
#include <stdint.h>

#include "progress.h"
#include "firmware/config/config.h"
#include "firmware/store/store.h"

struct export_result {
	char path[PATH_MAX]; /* the package folder */
	uint32_t documents;
	uint32_t pages;
	uint32_t files;		  /* files listed in the manifest */
	uint64_t bytes;		  /* their total size */
	uint32_t empty_documents; /* documents left out: no page but a cover sheet */
	bool is_signed;		  /* MANIFEST.sha256.sig was written */
	char key_id[17];	  /* the signing key's id, when signed */
};

/* OCR results of one page, for the package. Buffers are heap, freed by the export. */
struct export_page_text {
	char *text; /* UTF-8 text, or NULL when the page has none */
	size_t text_len;
	char *layout; /* word boxes (hOCR or ALTO), or NULL */
	size_t layout_len;
	const char *layout_ext; /* "hocr" or "alto.xml" (static string), with layout */
};

struct export_options {
	/*
	 * page_text - the OCR results of page @page of @batch; NULL: the store's (store_ocr_get)
	 * Returns 0 (with *ret zeroed or filled) or an error, which fails the export.
	 */
	int (*page_text)(void *user, uint32_t batch, uint32_t page, struct export_page_text *ret);
	void *user;
	const char *key_file; /* secret key that signs; NULL: [station] key_file; "": unsigned */
	const struct progress *progress; /* told of each file written (no total), or NULL */
};

/*
 * export_batch - write the package of batch @batch into folder @out_dir
 *
 * The batch must be closed or later (-FOLIO_ESTATE while it is open), and the OCR of every
 * page finished: read, or failed for good (-FOLIO_EOCRPENDING while a page waits; with
 * opt->page_text the caller gives the text). Every page image is
 * checked against its capture hash (-FOLIO_ECORRUPT). -EEXIST when the package is already
 * there. The manifest is signed when [station] key_file is set: a key that cannot be read
 * fails the export (-ENOENT, -EPERM when others may read it, -FOLIO_EFORMAT). A document
 * with no page but its cover sheet is left out (counted in empty_documents). Returns 0 or an
 * error; nothing is left in @out_dir on failure.
 */
int export_batch(struct store *store, const struct folio_config *cfg, uint32_t batch,
		 const char *out_dir, struct export_result *ret);

/* export_batch_with - as export_batch(), with OCR results and key from @opt (may be NULL) */
int export_batch_with(struct store *store, const struct folio_config *cfg, uint32_t batch,
		      const char *out_dir, const struct export_options *opt,
		      struct export_result *ret);

/*
 * export_store_id - the store's identity: 16 hex digits of the hash of its first event, which
 * a re-created store (a new store.path, a replaced disk) does not share. Returns 0, or
 * -FOLIO_ENOTFOUND for a store without events, or an error of store_event_list().
 */
int export_store_id(struct store *store, char id[17]);

/*
 * export_package_name - "<STATION>-<first 8 digits of the store id>-B<batch, 6 digits>" into
 * @buf: unique for the station's whole life, even when its store is re-created. BATCH.txt
 * names the same station, store and batch, so the office's verifier binds the name to the
 * signed content. Returns 0 or an error of export_store_id(), -ENAMETOOLONG.
 */
int export_package_name(struct store *store, const char *station, uint32_t batch, char *buf,
			size_t size);

#endif
