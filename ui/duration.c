/* See ui/duration.h. */
#include "config.h"

#include "ui/duration.h"

#include <stdio.h>
#include <string.h>

#include "lib/err.h"

static const struct {
	char unit;
	uint32_t secs;
} dur_units[] = {
	{ 'w', 7 * 86400 }, { 'd', 86400 }, { 'h', 3600 }, { 'm', 60 },
	{ 's', 1 },
};
#define DUR_NUNITS (sizeof(dur_units) / sizeof(dur_units[0]))

int
ui_duration_parse(const char *s, uint32_t max, uint32_t *secs)
{
	uint64_t total = 0, n;
	size_t next = 0, u;
	int digits;

	*secs = 0;
	if (strcmp(s, "off") == 0)
		return 0;
	if (*s == '\0')
		return ERR_INVAL;
	while (*s != '\0') {
		n = 0;
		digits = 0;
		while (*s >= '0' && *s <= '9') {
			n = n * 10 + (uint64_t)(*s++ - '0');
			if (n > UINT32_MAX)
				return ERR_TOO_BIG;
			digits++;
		}
		if (digits == 0)
			return ERR_INVAL;
		if (*s == '\0') {
			/* A bare number is seconds, and only on its own. */
			if (next != 0)
				return ERR_INVAL;
			total = n;
			break;
		}
		/* Units go largest first, each at most once. */
		for (u = next; u < DUR_NUNITS && dur_units[u].unit != *s; u++)
			;
		if (u == DUR_NUNITS)
			return ERR_INVAL;
		total += n * dur_units[u].secs;
		if (total > UINT32_MAX)
			return ERR_TOO_BIG;
		next = u + 1;
		s++;
	}
	if (total > max)
		return ERR_TOO_BIG;
	*secs = (uint32_t)total;
	return 0;
}

void
ui_duration_format(uint64_t secs, char *buf, size_t size)
{
	uint64_t a, b;
	size_t u;

	if (secs == 0) {
		snprintf(buf, size, "0s");
		return;
	}
	if (secs % dur_units[0].secs == 0) {
		snprintf(buf, size, "%lluw", (unsigned long long)
		    (secs / dur_units[0].secs));
		return;
	}
	for (u = 1; u < DUR_NUNITS - 1 && secs < dur_units[u].secs; u++)
		;
	a = secs / dur_units[u].secs;
	if (u + 1 < DUR_NUNITS &&
	    (b = secs % dur_units[u].secs / dur_units[u + 1].secs) != 0)
		snprintf(buf, size, "%llu%c%llu%c", (unsigned long long)a,
		    dur_units[u].unit, (unsigned long long)b,
		    dur_units[u + 1].unit);
	else
		snprintf(buf, size, "%llu%c", (unsigned long long)a,
		    dur_units[u].unit);
}
