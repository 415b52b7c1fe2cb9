/*
 * What the fuzz targets that write their own seed corpus share: with
 * FUZZ_WRITE_SEEDS=DIR set, a target writes its seeds into DIR, one file
 * a seed, and exits (the smoke scripts ask for them so), instead of
 * fuzzing.
 */
#ifndef SOTTO_FUZZ_SEEDS_H
#define SOTTO_FUZZ_SEEDS_H

#include <stdio.h>
#include <stdlib.h>

/*
 * Called first by a target's LLVMFuzzerInitialize: with FUZZ_WRITE_SEEDS=DIR
 * set, writes the seeds into DIR with write_seeds and exits 0; else
 * returns.
 */
__attribute__((unused)) static void
fuzz_write_seeds_if_asked(void (*write_seeds)(const char *dir))
{
	const char *dir = getenv("FUZZ_WRITE_SEEDS");

	if (dir != NULL) {
		write_seeds(dir);
		exit(0);
	}
}

/* DIR/NAME, opened to write a seed into; aborts if it cannot be. */
__attribute__((unused)) static FILE *
fuzz_seed_open(const char *dir, const char *name)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "wb")) == NULL) {
		fprintf(stderr, "cannot write a seed: %s\n", path);
		abort();
	}
	return f;
}

#endif
