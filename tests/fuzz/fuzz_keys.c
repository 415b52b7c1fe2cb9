/*
 * libFuzzer target for the [keys] parser (ui/keys.c): the input is lines
 * of "action = keys" (split at the first '='), bound one after the other
 * as the settings file binds them. Checked after each: every key bound
 * looks up to its action, no key is bound twice, and the key help's text
 * stays within its buffer and terminated. A broken invariant aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ui/keys.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(const struct ui_keys *k)
{
	char buf[40];
	size_t a, j, b, i;

	for (a = UI_ACT_NONE + 1; a < UI_ACT_COUNT; a++) {
		for (j = 0; j < UI_KEYS_PER_ACTION; j++) {
			if (k->key[a][j] == 0)
				continue;
			if (ui_keys_lookup(k, k->key[a][j]) != (enum ui_action)a)
				abort();
			for (b = 0; b < UI_ACT_COUNT; b++)
				for (i = 0; i < UI_KEYS_PER_ACTION; i++)
					if ((b != a || i != j) &&
					    k->key[b][i] == k->key[a][j])
						abort();
		}
		/* A small buffer: the text is cut, never overrun. */
		memset(buf, 'x', sizeof(buf));
		ui_keys_describe(k, (enum ui_action)a, buf, sizeof(buf));
		if (memchr(buf, '\0', sizeof(buf)) == NULL)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ui_keys k;
	char line[256], bad[64], *eq;
	size_t at = 0, n;

	ui_keys_default(&k);
	check(&k);
	while (at < size) {
		for (n = 0; at + n < size && data[at + n] != '\n'; n++)
			;
		if (n < sizeof(line)) {
			memcpy(line, data + at, n);
			line[n] = '\0';
			(void)ui_keys_parse(line);
			if ((eq = strchr(line, '=')) != NULL) {
				*eq = '\0';
				(void)ui_keys_bind(&k, line, eq + 1, bad,
				    sizeof(bad));
				if (memchr(bad, '\0', sizeof(bad)) == NULL)
					abort();
				check(&k);
			}
		}
		at += n + 1;
	}
	return 0;
}
