/*
 * The OCR worker's own pixWriteMem(), in place of Leptonica's. Linked into folio-ocr-worker
 * only: an executable's definition of a function takes precedence over a shared library's for
 * every caller in the process, Tesseract and Leptonica included (ELF symbol interposition).
 *
 * Why: Tesseract 5's LSTM recogniser keeps the image of every text line in an ImageData, which
 * stores it PNG-compressed (pixWriteMem(IFF_PNG)) and decompresses it again (pixReadMem()) a
 * moment later to recognise it. Upstream offers a build option against that
 * (TESSERACT_IMAGEDATA_AS_PIX); Debian's library is not built with it. Compressing and
 * decompressing each line costs about a tenth of a page's recognition.
 *
 * What: a PNG request is answered with Leptonica's uncompressed serialisation (SPIX) of the same
 * image. pixReadMem() tells formats by their first bytes, so it reads back the very same pixels,
 * depth and colormap; only the resolution is not kept, and the recogniser scales a line image
 * by its height in pixels alone: text and hOCR are byte-identical. Nothing in the worker hands
 * these bytes to anyone outside the process: the worker sends text and hOCR only. Every other
 * format goes to Leptonica's own function.
 */
#include <dlfcn.h>

#include <leptonica/allheaders.h>

typedef l_ok (*pix_write_mem_fn)(l_uint8 **pdata, size_t *psize, PIX *pix, l_int32 format);

l_ok pixWriteMem(l_uint8 **pdata, size_t *psize, PIX *pix, l_int32 format)
{
	static pix_write_mem_fn leptonica;

	if (format == IFF_PNG)
		return pixWriteMemSpix(pdata, psize, pix);
	if (!leptonica)
		leptonica = (pix_write_mem_fn)dlsym(RTLD_NEXT, "pixWriteMem");
	if (!leptonica)
		return 1;
	return leptonica(pdata, psize, pix, format);
}
