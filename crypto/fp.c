/* Server key fingerprints: 16 groups of 4 hex digits. */
#include "crypto/fp.h"

#include "crypto/sec.h"
#include "lib/err.h"

#include <string.h>

void
fp_format_key(char out[FP_KEY_TEXT_LEN], const uint8_t key[32])
{
	static const char hex[] = "0123456789abcdef";
	size_t i, o = 0;

	for (i = 0; i < 32; i++) {
		if (i > 0 && i % 2 == 0)
			out[o++] = ' ';
		out[o++] = hex[key[i] >> 4];
		out[o++] = hex[key[i] & 0x0f];
	}
	out[o] = '\0';
}

int
fp_parse_key(uint8_t key[32], const char *text)
{
	uint8_t buf[33];
	size_t n;

	/* One spare byte tells "too long" apart from "exactly 32". */
	if (text == NULL || sec_hex_decode(buf, sizeof(buf), &n, text,
	    strlen(text)) != 0 || n != 32) {
		sec_wipe(buf, sizeof(buf));
		return ERR_INVAL;
	}
	memcpy(key, buf, 32);
	sec_wipe(buf, sizeof(buf));
	return 0;
}
