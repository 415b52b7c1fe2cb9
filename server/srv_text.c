#include "server/srv_text.h"

#include "lib/err.h"
#include "lib/utf8.h"

int
srv_text_count(const char *s, size_t len, size_t max, size_t *count)
{
	size_t i = 0, n = 0, step;
	uint32_t cp;

	*count = 0;
	while (i < len && n <= max) {
		if ((step = utf8_next(s + i, len - i, &cp)) == 0 ||
		    cp == 0)
			return ERR_INVAL;
		i += step;
		n++;
	}
	*count = n;
	return 0;
}
