#ifndef FOLIO_OCR_LANG_H
#define FOLIO_OCR_LANG_H

/*
 * Which Tesseract models read a page.
 *
 * A document's language is an ISO 639-1 code (ST.96's languageCode: "en", "fr", "ar"). Each
 * maps to one Tesseract model (ocr_models_of_language()): one model reads its language best
 * and fastest; the union of all the station's models (eng+fra+ara) reads every language worse
 * and slower. When a document's language is unknown, or has no model at the station, the page
 * is read by script (Tesseract's orientation and script detection, the "osd" model):
 *
 *	Arabic script    ara+eng (Arabic documents carry Latin names, numbers and references)
 *	Latin script     the station's Latin models ([ocr] languages without the others)
 *	anything else    all of [ocr] languages
 */

#include <stdbool.h>
#include <stddef.h>

/*
 * ocr_models_of_language - the Tesseract model of ISO 639-1 code @iso ("en" -> "eng")
 *
 * Returns a static string, or NULL for a code without a model in the table.
 */
const char *ocr_models_of_language(const char *iso);

/* ocr_models_include - whether every model of @models is in the list @configured */
bool ocr_models_include(const char *configured, const char *models);

/* ocr_models_latin - whether every model of the list @models reads a Latin script */
bool ocr_models_latin(const char *models);

/*
 * ocr_models_for_script - the models that read a page of @script (OSD's name, "Arabic")
 * @configured: the station's models ([ocr] languages)
 * @buf, @size: receives the list
 *
 * Models not in @configured are never chosen, except that Latin pages always have at least
 * "eng". Returns 0, or -ENAMETOOLONG when @size is too small.
 */
int ocr_models_for_script(const char *script, const char *configured, char *buf, size_t size);

#endif
