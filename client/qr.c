/*
 * See client/qr.h. Kept apart from client/secret_cmd.c so that the TUI's
 * fingerprint overlay draws the very same code as --secret-fingerprint.
 */
#include "config.h"

#include "client/qr.h"

#include <stdlib.h>
#include <string.h>

#include "crypto/sfp.h"
#include "lib/err.h"

#ifdef HAVE_QRENCODE
#include <qrencode.h>

int
qr_fingerprint(const char *hex, qr_row_fn *row, void *ud)
{
	static const char *const cell[4] = { " ", "\u2580", "\u2584",
	    "\u2588" };
	char digits[SFP_HEX_TEXT_LEN], *line;
	QRcode *qr;
	int x, y, w, top, bot, n, i;
	size_t off;

	for (i = n = 0; hex[i] != '\0' && n < SFP_HEX_TEXT_LEN - 1; i++)
		if (hex[i] != ' ')
			digits[n++] = hex[i];
	digits[n] = '\0';
	if ((qr = QRcode_encodeString(digits, 0, QR_ECLEVEL_M, QR_MODE_8,
	    0)) == NULL)
		return ERR_NOMEM;
	w = qr->width;
	if ((line = malloc((size_t)(w + 4) * 3 + 1)) == NULL) {
		QRcode_free(qr);
		return ERR_NOMEM;
	}
	for (y = -2; y < w + 2; y += 2) {
		off = 0;
		for (x = -2; x < w + 2; x++) {
			top = y >= 0 && y < w && x >= 0 && x < w &&
			    (qr->data[y * w + x] & 1);
			bot = y + 1 >= 0 && y + 1 < w && x >= 0 &&
			    x < w && (qr->data[(y + 1) * w + x] & 1);
			/* Dark modules are drawn as blanks on a light
			 * terminal's inverse: print light. */
			i = (!top ? 1 : 0) | (!bot ? 2 : 0);
			n = (int)strlen(cell[i]);
			memcpy(line + off, cell[i], (size_t)n);
			off += (size_t)n;
		}
		line[off] = '\0';
		row(ud, line);
	}
	free(line);
	QRcode_free(qr);
	return 0;
}
#else
int
qr_fingerprint(const char *hex, qr_row_fn *row, void *ud)
{
	(void)hex;
	(void)row;
	(void)ud;
	return ERR_UNKNOWN_METHOD;
}
#endif
