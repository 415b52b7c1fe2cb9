/* Loads the JSON test vectors; see vectors.h. */
#include "tests/unit/vectors.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/sec.h"

json_t *
vectors_load(const char *name)
{
	const char *dir = getenv("SOTTO_VECTORS");
	char path[4096];
	json_error_t jerr;
	json_t *root;
	FILE *f;

	if (dir == NULL || *dir == '\0')
		dir = "../shared/vectors";
	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    (int)sizeof(path)) {
		printf("Bail out! vector path too long\n");
		exit(1);
	}
	if ((f = fopen(path, "r")) == NULL) {
		if (errno == ENOENT) {
			printf("1..0 # SKIP %s not found\n", path);
			exit(77);
		}
		printf("Bail out! %s: %s\n", path, strerror(errno));
		exit(1);
	}
	root = json_loadf(f, 0, &jerr);
	fclose(f);
	if (root == NULL) {
		printf("Bail out! %s:%d: %s\n", path, jerr.line, jerr.text);
		exit(1);
	}
	return root;
}

uint8_t *
vectors_hex(const json_t *obj, const char *key, size_t *len)
{
	const char *s = json_string_value(json_object_get(obj, key));
	size_t n, got;
	uint8_t *buf;

	*len = 0;
	if (s == NULL)
		return NULL;
	n = strlen(s);
	if ((buf = malloc(n / 2 + 1)) == NULL)
		return NULL;
	if (sec_hex_decode(buf, n / 2 + 1, &got, s, n) != 0) {
		free(buf);
		return NULL;
	}
	*len = got;
	return buf;
}
