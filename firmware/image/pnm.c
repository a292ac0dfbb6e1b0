#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/image/pnm.h"

int image_encode_pnm(const struct frame *f, struct encoded_image *ret)
{
	char header[64];
	size_t row, size;
	uint8_t *out;
	int n;

	if (image_frame_check(f) < 0)
		return -EINVAL;
	if (f->depth == 1)
		n = snprintf(header, sizeof(header), "P4\n%u %u\n", f->width, f->height);
	else
		n = snprintf(header, sizeof(header), "P%c\n%u %u\n255\n",
			     f->channels == 3 ? '6' : '5', f->width, f->height);
	row = f->depth == 1 ? (f->width + 7) / 8 : (size_t)f->width * f->channels;
	size = (size_t)n + row * f->height;
	out = malloc(size);
	if (!out)
		return -ENOMEM;
	memcpy(out, header, (size_t)n);
	/* SANE and PBM agree that 1 is black, so rows copy as they are, minus any padding. */
	for (uint32_t y = 0; y < f->height; y++)
		memcpy(out + n + y * row, f->data + (size_t)y * f->bytes_per_line, row);

	memset(ret, 0, sizeof(*ret));
	ret->data = out;
	ret->size = size;
	ret->format = "PNM";
	ret->mime = "image/x-portable-anymap";
	ret->extension = "pnm";
	ret->width = f->width;
	ret->height = f->height;
	ret->dpi = f->dpi;
	ret->bit_depth = f->depth;
	ret->channels = f->channels;
	return 0;
}
