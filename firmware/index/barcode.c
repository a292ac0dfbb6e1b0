/* Cover-sheet barcodes: a Code 128 encoder and QR Code through libqrencode. */
#include <errno.h>
#include <qrencode.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "compiler.h"
#include "firmware/index/barcode.h"

/*
 * Code 128 symbol widths: bar, space, bar, space, bar, space, in modules (11 in all), for
 * values 0..105; the stop character (106) has a seventh element, a final bar.
 */
/* clang-format off */
static const char code128_widths[107][8] = {
	"212222", "222122", "222221", "121223", "121322", "131222", "122213", "122312",
	"132212", "221213", "221312", "231212", "112232", "122132", "122231", "113222",
	"123122", "123221", "223211", "221132", "221231", "213212", "223112", "312131",
	"311222", "321122", "321221", "312212", "322112", "322211", "212123", "212321",
	"232121", "111323", "131123", "131321", "112313", "132113", "132311", "211313",
	"231113", "231311", "112133", "112331", "132131", "113123", "113321", "133121",
	"313121", "211331", "231131", "213113", "213311", "213131", "311123", "311321",
	"331121", "312113", "312311", "332111", "314111", "221411", "431111", "111224",
	"111422", "121124", "121421", "141122", "141221", "112214", "112412", "122114",
	"122411", "142112", "142211", "241211", "221114", "413111", "241112", "134111",
	"111242", "121142", "121241", "114212", "124112", "124211", "411212", "421112",
	"421211", "212141", "214121", "412121", "111143", "111341", "131141", "114113",
	"114311", "411113", "411311", "113141", "114131", "311141", "411131", "211412",
	"211214", "211232", "2331112",
};
/* clang-format on */

enum {
	C128_CODE_C = 99,
	C128_CODE_B = 100,
	C128_START_B = 104,
	C128_START_C = 105,
	C128_STOP = 106,
};

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static size_t digit_run(const char *s, size_t len, size_t i)
{
	size_t n = 0;

	while (i + n < len && is_digit(s[i + n]))
		n++;
	return n;
}

/* The symbol values for @data, start and data characters only. Returns the count. */
static size_t code128_values(const char *data, size_t len, uint8_t *out)
{
	size_t n = 0, i = 0, run = digit_run(data, len, 0);
	bool set_c = run >= 4 || (run == len && run >= 2 && run % 2 == 0);

	out[n++] = set_c ? C128_START_C : C128_START_B;
	while (i < len) {
		run = digit_run(data, len, i);
		if (set_c) {
			if (run >= 2) {
				out[n++] = (uint8_t)((data[i] - '0') * 10 + (data[i + 1] - '0'));
				i += 2;
				continue;
			}
			out[n++] = C128_CODE_B;
			set_c = false;
		}
		/* In set B: switch to C for a run of digits worth it (at least 6, or 4 at the
		 * end), leaving an odd first digit in B. */
		if (run >= 6 || (run >= 4 && i + run == len)) {
			if (run % 2) {
				out[n++] = (uint8_t)(data[i] - 32);
				i++;
			}
			out[n++] = C128_CODE_C;
			set_c = true;
			continue;
		}
		out[n++] = (uint8_t)(data[i] - 32);
		i++;
	}
	return n;
}

int barcode_code128(const char *data, size_t len, uint8_t **ret_modules, size_t *ret_n)
{
	uint8_t values[2 * BARCODE_MAX_DATA + 4];
	uint8_t *modules;
	size_t n, m = 0, total;
	unsigned sum;

	if (!data || len == 0 || len > BARCODE_MAX_DATA)
		return -EINVAL;
	for (size_t i = 0; i < len; i++)
		if (data[i] < 0x20 || data[i] > 0x7e)
			return -EINVAL;
	n = code128_values(data, len, values);
	sum = values[0];
	for (size_t i = 1; i < n; i++)
		sum += (unsigned)(i * values[i]);
	values[n++] = (uint8_t)(sum % 103);
	values[n++] = C128_STOP;

	total = (n - 1) * 11 + 13;
	modules = malloc(total);
	if (!modules)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const char *w = code128_widths[values[i]];

		for (size_t e = 0; w[e]; e++)
			for (int k = 0; k < w[e] - '0'; k++)
				modules[m++] = e % 2 == 0;
	}
	*ret_modules = modules;
	*ret_n = m;
	return 0;
}

int barcode_qr(const char *data, size_t len, uint8_t **ret_modules, size_t *ret_width)
{
	QRcode *qr;
	uint8_t *modules;
	size_t w;

	if (!data || len == 0 || len > BARCODE_MAX_DATA)
		return -EINVAL;
	qr = QRcode_encodeData((int)len, (const unsigned char *)data, 0, QR_ECLEVEL_Q);
	if (!qr)
		return errno == ENOMEM ? -ENOMEM : -EINVAL;
	w = (size_t)qr->width;
	modules = malloc(w * w);
	if (!modules) {
		QRcode_free(qr);
		return -ENOMEM;
	}
	for (size_t i = 0; i < w * w; i++)
		modules[i] = qr->data[i] & 1;
	QRcode_free(qr);
	*ret_modules = modules;
	*ret_width = w;
	return 0;
}
