/* Every error code has a distinct name and a description. */
#include <string.h>

#include "lib/err.h"
#include "tests/unit/tap.h"

int
main(void)
{
	int c, d;

	for (c = ERR_OK; c >= ERR_ACCESS; c--) {
		ok(strcmp(err_name(c), "ERR_UNKNOWN") != 0, "code %d has a name (%s)",
		    c, err_name(c));
		ok(strcmp(err_str(c), "unknown error") != 0, "code %d has text", c);
		for (d = c - 1; d >= ERR_ACCESS; d--)
			if (strcmp(err_name(c), err_name(d)) == 0)
				ok(0, "codes %d and %d share a name", c, d);
	}
	ok(strcmp(err_name(-9999), "ERR_UNKNOWN") == 0, "an unknown code is named so");
	ok(strcmp(err_str(12345), "unknown error") == 0, "and described so");
	return tap_done();
}
