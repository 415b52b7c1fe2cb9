/*
 * What the fuzz targets share beyond libFuzzer: their seed corpus (with
 * FUZZ_WRITE_SEEDS=DIR set, a target writes its seeds into DIR, one file
 * a seed, and exits instead of fuzzing), and the input made of records
 * that fuzz_request, fuzz_update and fuzz_secret read: each record is one
 * byte (what the target makes of it: a peer, a kind), two of length,
 * little endian, then that many bytes, the last one cut short by the end
 * of the input.
 */
#ifndef SOTTO_FUZZ_COMMON_H
#define SOTTO_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
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

/*
 * The next record of the input at *data, *size: its first byte in *kind,
 * its bytes in *rec, *n, and *data, *size moved past it. 0 when fewer
 * than three bytes are left (no record), else 1.
 */
__attribute__((unused)) static int
fuzz_next_record(const uint8_t **data, size_t *size, int *kind,
    const uint8_t **rec, size_t *n)
{
	if (*size < 3)
		return 0;
	*kind = (*data)[0];
	*n = (size_t)(*data)[1] | (size_t)(*data)[2] << 8;
	*data += 3;
	*size -= 3;
	if (*n > *size)
		*n = *size;
	*rec = *data;
	*data += *n;
	*size -= *n;
	return 1;
}

/* Writes a record (kind, then n bytes from p) into the seed file f. */
__attribute__((unused)) static void
fuzz_seed_record(FILE *f, int kind, const uint8_t *p, size_t n)
{
	fputc(kind, f);
	fputc((int)(n & 0xff), f);
	fputc((int)(n >> 8), f);
	fwrite(p, 1, n, f);
}

#endif
