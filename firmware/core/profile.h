#ifndef FOLIO_CORE_PROFILE_H
#define FOLIO_CORE_PROFILE_H

/*
 * A scanner profile ([profile NAME] in the configuration) as the scanner and the image stage
 * take it: the one mapping, for capture and for the console's 'scan test' alike, so that a
 * test sheet is fed and cleaned exactly as a batch's pages are.
 */

#include "firmware/config/config.h"
#include "firmware/image/process.h"
#include "drivers/scanner/scanner.h"

struct frame;

/*
 * core_scanner_settings - what the scanner is told for profile @sp: source, mode,
 * resolution, paper size (auto: the device measures each sheet, and one that cannot is set
 * to A4) and the device's own corrections. Fills @ret; cannot fail.
 */
void core_scanner_settings(const struct scan_profile *sp, struct scanner_settings *ret);

/*
 * core_image_profile - what the image stage makes of frame @f under profile @sp (output,
 * corrections, limits, the software tag). Fills @ret; cannot fail.
 */
void core_image_profile(const struct scan_profile *sp, const struct frame *f,
			struct image_profile *ret);

#endif
