/*
 * libFuzzer target for the display sanitiser and what reads its output
 * (clusters, wrapping): any bytes in, and the output must hold the
 * invariants of ui/sanitize.h. A broken invariant aborts, which the
 * fuzzer reports as a crash.
 */
#include <locale.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/utf8.h"
#include "ui/sanitize.h"
#include "ui/wrap.h"

static void
check_text(const struct ui_text *t, int multiline)
{
	size_t i = 0, k, cells = 0, line = 0;
	uint32_t c;
	int w, marks = 0, base = 0;

	if (strlen(t->s) != t->len)
		abort();
	while (i < t->len) {
		k = utf8_decode(t->s + i, t->len - i, &c);
		if (c == UTF8_INVALID)
			abort();
		i += k;
		if (c == '\n') {
			if (!multiline)
				abort();
			base = marks = 0;
			line = 0;
			continue;
		}
		switch (ui_cp_class(c, &w)) {
		case UI_CP_BASE:
			base = 1;
			marks = 0;
			line += (size_t)w;
			if (line > cells)
				cells = line;
			break;
		case UI_CP_MARK:
			if (!base || ++marks > UI_SAN_MAX_MARKS)
				abort();
			break;
		default:
			abort();	/* controls, bidi, joiners, U+FFFD's kin */
		}
	}
	if (cells != t->cells)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int init;
	struct ui_san_opts o = { 0, 1, 0 };
	struct ui_text t;
	struct ui_line lines[64];
	size_t n, i, width;

	if (!init) {
		if (setlocale(LC_CTYPE, "C.UTF-8") == NULL)
			abort();
		init = 1;
	}
	if (size > 0)
		o.flags = data[0] & 1 ? UI_SAN_MULTILINE : 0;
	if (ui_sanitize((const char *)data, size, &o, &t) != 0)
		return 0;
	check_text(&t, o.flags & UI_SAN_MULTILINE);
	width = size > 1 ? (size_t)(data[1] % 50) + 1 : 1;
	n = ui_wrap(t.s, t.len, width, lines, 64);
	for (i = 0; i < n && i < 64; i++)
		if (lines[i].off + lines[i].len > t.len ||
		    (lines[i].cells > width && lines[i].cells > 2))
			abort();
	ui_text_free(&t);
	return 0;
}
