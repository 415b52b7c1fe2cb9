#include "server/srv_text.h"

#include "proto/err.h"

size_t
srv_text_utf8_next(const unsigned char *p, size_t n, uint32_t *cp)
{
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
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		len = 4;
		c = p[0] & 0x07;
	} else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (p[i] & 0x3f);
	}
	if ((len == 3 && c < 0x800) || (len == 4 && c < 0x10000) ||
	    (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
		return 0;
	*cp = c;
	return len;
}

int
srv_text_count(const char *s, size_t len, size_t max, size_t *count)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n = 0, step;
	uint32_t cp;

	*count = 0;
	while (i < len && n <= max) {
		if ((step = srv_text_utf8_next(p + i, len - i, &cp)) == 0 ||
		    cp == 0)
			return ERR_INVAL;
		i += step;
		n++;
	}
	*count = n;
	return 0;
}
