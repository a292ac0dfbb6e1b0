#include <string.h>

#include "frame.h"
#include "firmware/core/profile.h"

void core_scanner_settings(const struct scan_profile *p, struct scanner_settings *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->source = p->source == SCAN_SOURCE_DUPLEX ? SCANNER_SOURCE_DUPLEX
		      : p->source == SCAN_SOURCE_ADF  ? SCANNER_SOURCE_ADF
						      : SCANNER_SOURCE_FLATBED;
	ret->mode = p->mode == SCAN_MODE_COLOR	? SCANNER_MODE_COLOR
		    : p->mode == SCAN_MODE_GRAY ? SCANNER_MODE_GRAY
						: SCANNER_MODE_LINEART;
	ret->resolution = p->resolution;
	/* auto: the device measures each sheet; one that cannot is set to A4 as before. */
	page_size_mm(p->page_size == PAGE_SIZE_AUTO ? PAGE_SIZE_A4 : p->page_size,
		     &ret->page_width_mm, &ret->page_height_mm);
	ret->auto_size = p->page_size == PAGE_SIZE_AUTO;
	ret->device_deskew = p->device_deskew;
	ret->device_blank_skip = p->device_blank_skip;
	ret->device_double_feed = p->device_double_feed;
}

void core_image_profile(const struct scan_profile *sp, const struct frame *f,
			struct image_profile *ret)
{
	image_profile_init(ret);
	switch (sp->output) {
	case PAGE_OUTPUT_BITONAL:
		ret->output = IMAGE_OUTPUT_BITONAL;
		break;
	case PAGE_OUTPUT_GREY:
		ret->output = IMAGE_OUTPUT_GREY;
		break;
	case PAGE_OUTPUT_COLOUR:
		ret->output = IMAGE_OUTPUT_COLOUR;
		break;
	default: /* per page: colour, grey or bitonal, whichever keeps the content */
		ret->output = f->depth == 1 ? IMAGE_OUTPUT_BITONAL : IMAGE_OUTPUT_AUTO;
	}
	ret->deskew = sp->deskew;
	ret->orient = sp->orient;
	ret->clean_borders = sp->clean_borders;
	ret->despeckle = sp->despeckle;
	ret->jpeg_quality = sp->jpeg_quality;
	ret->skew_limit_deg = sp->skew_limit_tenths / 10.0;
	page_size_mm(sp->page_size, &ret->expected_width_mm, &ret->expected_height_mm);
	ret->software = "Folio " FOLIO_VERSION;
}
