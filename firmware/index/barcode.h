#ifndef FOLIO_INDEX_BARCODE_H
#define FOLIO_INDEX_BARCODE_H

/*
 * Barcode symbols for cover sheets, as module grids that a renderer draws at any size:
 * Code 128 (ISO/IEC 15417, our own encoder, character sets B and C) and QR Code
 * (ISO/IEC 18004, through libqrencode). Reading is zbar's job (firmware/index/separate.h).
 */

#include <stddef.h>
#include <stdint.h>

#define BARCODE_MAX_DATA 256 /* bytes of data in one symbol */

/*
 * barcode_code128 - the modules of a Code 128 symbol for @data (@len bytes)
 * @ret_modules: on success, a heap array (caller frees) of one byte per module, 1 for a bar,
 *	0 for a space; start, check and stop characters included, quiet zones not
 * @ret_n: on success, its length
 *
 * @data must be 1..BARCODE_MAX_DATA bytes of printable ASCII (0x20..0x7e). Runs of digits are
 * packed two to a character (set C) when that makes the symbol shorter.
 * Returns 0, -EINVAL for data it cannot encode, -ENOMEM.
 */
int barcode_code128(const char *data, size_t len, uint8_t **ret_modules, size_t *ret_n);

/*
 * barcode_qr - the modules of a QR Code symbol for @data (@len bytes, 8-bit mode, error
 * correction level Q: a quarter of the symbol may be damaged)
 * @ret_modules: on success, a heap array (caller frees) of @ret_width * @ret_width bytes, rows
 *	top to bottom, 1 for a dark module; quiet zone not included
 * @ret_width: on success, modules per side
 *
 * Returns 0, -EINVAL for empty data or more than BARCODE_MAX_DATA bytes, -ENOMEM.
 */
int barcode_qr(const char *data, size_t len, uint8_t **ret_modules, size_t *ret_width);

#endif
