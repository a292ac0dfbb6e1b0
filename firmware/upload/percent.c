#include <errno.h>
#include <sodium.h>

#include "firmware/upload/percent.h"

int percent_decode(const char *in, char *out, size_t size, enum percent_mode mode, size_t *ret_len)
{
	size_t o = 0;

	for (; *in; in++) {
		unsigned char ch = (unsigned char)*in, byte;
		size_t n = 0;

		/* Reads in[2] only when in[1] is a hex digit, so never past the terminator. */
		if (ch == '%' && sodium_hex2bin(&byte, 1, in + 1, 2, NULL, &n, NULL) == 0 &&
		    n == 1) {
			ch = byte;
			in += 2;
		} else if (ch == '%' && mode == PERCENT_STRICT) {
			return -EINVAL;
		}
		if (o + 1 >= size)
			return -ENAMETOOLONG;
		out[o++] = (char)ch;
	}
	if (o >= size)
		return -ENAMETOOLONG;
	out[o] = '\0';
	if (ret_len)
		*ret_len = o;
	return 0;
}
