#ifndef FOLIO_INDEX_PATCHCODE_H
#define FOLIO_INDEX_PATCHCODE_H

/*
 * Patch codes: the separator sheets that production scanners and capture software read
 * (Kodak's patch code, CAT No. 845 9380). A patch is four black bars printed parallel to the
 * sheet's leading edge, two wide (0.20 in) and two narrow (0.08 in), with three narrow spaces
 * (0.08 in) between them: 0.80 in in all across the bars, the bars at least 2 in long (2.5 in
 * recommended). It stands at least 0.25 in from the sheet's edges and from other print, and
 * no further than 3.75 in from the leading edge. Which bars are wide, read from the leading
 * edge, gives the type:
 *
 *	Patch 1  W W N N	Patch 4  N W W N	(post-scan control; no meaning to us
 *	Patch 2  W N N W	Patch 6  N N W W	 unless the profile gives them one)
 *	Patch 3  W N W N	Patch T  N W N W	(transfer patch)
 *
 * No library reads them (zbar does not), so the search is ours: the zones within about 4 in
 * of the top and of the bottom edge are read down a column every 4 mm, each column a strip
 * 3 mm wide sampled every 0.2 mm or so, and a patch is taken only when at least 40 mm of
 * neighbouring columns read the same type at positions a skew of up to about 7 degrees
 * allows. The bottom zone is read upwards: a sheet fed upside down still reads as the type
 * printed on it. A few hundred thousand pixels are read on any page.
 */

#include <stdbool.h>
#include <stdint.h>

#include "frame.h"

enum patch_type {
	PATCH_NONE = 0,
	PATCH_1,
	PATCH_2,
	PATCH_3,
	PATCH_4,
	PATCH_T,
	PATCH_6,
	PATCH_TYPES /* count */
};

struct patchcode {
	enum patch_type type; /* PATCH_NONE: no patch */
	bool upside_down;     /* read in the bottom zone, upwards: fed turned 180 degrees */
	uint32_t y;	      /* frame row of the patch's first bar from the edge (diagnostics) */
	uint32_t span_mm;     /* length of bars that read the type (diagnostics) */
};

/*
 * patchcode_find - searches @f for a patch code
 * @f: a raw frame (depth 1 or 8, 1 or 3 channels, as struct frame allows); its dpi is used
 *	when set (else the page is taken as 210 mm wide)
 * @ret: what was found (type PATCH_NONE when nothing); written only on success
 *
 * Returns 0, -EINVAL for a malformed frame, -ENOMEM. Thread-safe, no logging.
 */
int patchcode_find(const struct frame *f, struct patchcode *ret);

/* patchcode_name - "1", "2", "3", "4", "T", "6"; "" for PATCH_NONE or anything else */
const char *patchcode_name(enum patch_type t);

/* patchcode_parse - the type named @s ("2", "T" or "t", ...); -EINVAL for anything else */
int patchcode_parse(const char *s, enum patch_type *ret);

/*
 * patchcode_write_pdf - print a patch sheet of type @t as an A4 PDF file at @path
 *
 * The patch to the standard's dimensions across the top of the sheet, 1 in from the top edge,
 * 0.5 in from the sides, and again turned 180 degrees at the bottom so that the sheet reads
 * the same fed either way up; its name in large type between them. Written under a temporary
 * name and renamed. Returns 0, -EINVAL for a type that is not a patch, -errno from writing.
 */
int patchcode_write_pdf(enum patch_type t, const char *path);

#endif
