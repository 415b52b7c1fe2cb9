/*
 * libFuzzer target for the TUI's settings file (ui/settings.c over
 * libinih, with the [keys] section of ui/keys.c): the input is written to
 * a file and read with ui_settings_load(), as the TUI reads
 * ~/.config/sotto/config, a file a user may well have been handed.
 *
 * Checked after each load: the error text is terminated within its
 * buffer; the time format and the notify command hold no control
 * character and are terminated; every colour is -2..7; and the time
 * format, put through strftime() as ui/view.c does, gives no control
 * character either (that text goes to the terminal as it is).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ui/settings.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char fz_dir[256], fz_path[300];

static void
fz_cleanup(void)
{
	(void)unlink(fz_path);
	(void)rmdir(fz_dir);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *tmp = getenv("TMPDIR");

	(void)argc;
	(void)argv;
	snprintf(fz_dir, sizeof(fz_dir), "%s/fuzz_settings.XXXXXX",
	    tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	if (mkdtemp(fz_dir) == NULL)
		abort();
	snprintf(fz_path, sizeof(fz_path), "%s/config", fz_dir);
	atexit(fz_cleanup);
	return 0;
}

static void
fz_bad(const char *why, const char *what)
{
	fprintf(stderr, "fuzz_settings: %s: \"%.100s\"\n", why, what);
	abort();
}

static void
fz_plain(const char *s, size_t cap, const char *what)
{
	size_t i;

	if (memchr(s, '\0', cap) == NULL)
		fz_bad("not terminated", what);
	for (i = 0; s[i] != '\0'; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			fz_bad("a control character", s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ui_settings cfg;
	char err[256], hhmm[48];
	struct tm tm;
	time_t t = 1700000000;
	FILE *f;
	size_t i;

	if ((f = fopen(fz_path, "wb")) == NULL)
		abort();
	if (fwrite(data, 1, size, f) != size || fclose(f) != 0)
		abort();
	ui_settings_default(&cfg);
	memset(err, 'x', sizeof(err));
	(void)ui_settings_load(fz_path, &cfg, err, sizeof(err));
	if (memchr(err, '\0', sizeof(err)) == NULL)
		fz_bad("the error is not terminated", "");
	fz_plain(cfg.time_format, sizeof(cfg.time_format), "time_format");
	fz_plain(cfg.notify, sizeof(cfg.notify), "notify");
	for (i = 0; i < UI_ST_COUNT; i++)
		if (cfg.fg[i] < -2 || cfg.fg[i] > 7)
			fz_bad("a colour out of range", "fg");
	/* As ui/view.c formats a message's time. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	if (gmtime_r(&t, &tm) != NULL &&
	    strftime(hhmm, sizeof(hhmm) - 1, cfg.time_format, &tm) > 0)
		fz_plain(hhmm, sizeof(hhmm), cfg.time_format);
#pragma GCC diagnostic pop
	return 0;
}
