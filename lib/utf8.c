/*
 * Only the second byte of a sequence has a narrowed range (Unicode table
 * 3-7); every other continuation byte is 0x80..0xbf.
 */
#include "lib/utf8.h"

size_t
utf8_decode(const char *s, size_t n, uint32_t *cp)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned char lo = 0x80, hi = 0xbf;
	size_t len, i;
	uint32_t c;

	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		len = 2;
		c = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		len = 3;
		c = p[0] & 0x0f;
		if (p[0] == 0xe0)
			lo = 0xa0;		/* overlong */
		else if (p[0] == 0xed)
			hi = 0x9f;		/* surrogates */
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		len = 4;
		c = p[0] & 0x07;
		if (p[0] == 0xf0)
			lo = 0x90;		/* overlong */
		else if (p[0] == 0xf4)
			hi = 0x8f;		/* above U+10FFFF */
	} else {
		*cp = UTF8_INVALID;
		return 1;
	}
	/*
	 * Only the second byte has a narrowed range; a byte that cannot
	 * continue the sequence ends the ill-formed subpart before it.
	 */
	for (i = 1; i < len; i++) {
		if (i >= n || p[i] < lo || p[i] > hi) {
			*cp = UTF8_INVALID;
			return i;
		}
		c = (c << 6) | (p[i] & 0x3f);
		lo = 0x80;
		hi = 0xbf;
	}
	*cp = c;
	return len;
}

size_t
utf8_next(const char *p, size_t n, uint32_t *cp)
{
	uint32_t c;
	size_t k = utf8_decode(p, n, &c);

	if (c == UTF8_INVALID)
		return 0;
	*cp = c;
	return k;
}

size_t
utf8_encode(uint32_t cp, char out[4])
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}
