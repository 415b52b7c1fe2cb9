/*
 * A minimal TAP producer for the C unit tests. Each test binary is its own
 * process; its exit status is what make check reads (0 pass, 77 skip).
 */
#ifndef SOTTO_TAP_H
#define SOTTO_TAP_H

#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_n, tap_failed;

#define TAP_UNUSED __attribute__((unused))

#define ok(cond, ...) tap_ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
#define is_int(got, want, ...) do { \
	long long tap_g_ = (long long)(got), tap_w_ = (long long)(want); \
	if (!tap_ok(tap_g_ == tap_w_, __FILE__, __LINE__, __VA_ARGS__)) \
		printf("#   got %lld, want %lld\n", tap_g_, tap_w_); \
} while (0)
#define is_mem(got, want, n, ...) \
	tap_ok(memcmp((got), (want), (n)) == 0, __FILE__, __LINE__, __VA_ARGS__)

__attribute__((format(printf, 4, 5))) TAP_UNUSED
static int
tap_ok(int pass, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	tap_n++;
	printf("%s %d - ", pass ? "ok" : "not ok", tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!pass) {
		tap_failed++;
		printf("#   failed at %s:%d\n", file, line);
	}
	fflush(stdout);
	return pass;
}

TAP_UNUSED static void
tap_skip_all(const char *why)
{
	printf("1..0 # SKIP %s\n", why);
	exit(77);
}

/* The UI's tests measure text in terminal cells: they need a UTF-8
 * LC_CTYPE (C.UTF-8 or en_US.UTF-8), or skip as a whole. */
TAP_UNUSED static void
tap_need_utf8_locale(void)
{
	if (setlocale(LC_CTYPE, "C.UTF-8") == NULL &&
	    setlocale(LC_CTYPE, "en_US.UTF-8") == NULL)
		tap_skip_all("no UTF-8 locale");
}

TAP_UNUSED static int
tap_done(void)
{
	printf("1..%d\n", tap_n);
	if (tap_failed)
		printf("# %d of %d failed\n", tap_failed, tap_n);
	return tap_failed ? 1 : 0;
}

#endif
