/*
 * One pass over the clusters. The line being built remembers its last
 * soft break (the end of the text before a run of spaces); when a cluster
 * does not fit, the line ends there, or right before the cluster when
 * there is none.
 */
#include "config.h"

#include "ui/wrap.h"

#include "ui/sanitize.h"

struct wrap_state {
	struct ui_line *lines;
	size_t max, n;
};

static void
wrap_emit(struct wrap_state *st, size_t off, size_t len, size_t cells)
{
	if (st->n < st->max) {
		st->lines[st->n].off = off;
		st->lines[st->n].len = len;
		st->lines[st->n].cells = cells;
	}
	st->n++;
}

size_t
ui_wrap(const char *s, size_t len, size_t width, struct ui_line *lines,
    size_t max)
{
	struct wrap_state st = { lines, lines != NULL ? max : 0, 0 };
	size_t i = 0, k, start = 0, cells = 0;
	size_t brk = 0, brk_cells = 0;		/* the soft break */
	size_t resume = 0, resume_cells = 0;	/* after its spaces */
	int have_brk = 0, w;

	if (width == 0)
		width = 1;
	while (i < len) {
		k = ui_cluster(s + i, len - i, &w);
		if (s[i] == '\n') {
			wrap_emit(&st, start, i - start, cells);
			i += k;
			start = i;
			cells = 0;
			have_brk = 0;
			if (i == len)
				return st.n;
			continue;
		}
		if (s[i] == ' ') {
			/* The first space of a run marks the break. */
			if (!have_brk || resume != i) {
				brk = i;
				brk_cells = cells;
			}
			have_brk = 1;
			resume = i + k;
			resume_cells = cells + (size_t)w;
			if (cells + (size_t)w > width) {
				/* Spaces that do not fit vanish at the break. */
				wrap_emit(&st, start, brk - start, brk_cells);
				i += k;
				while (i < len && s[i] == ' ')
					i++;
				start = i;
				cells = 0;
				have_brk = 0;
				continue;
			}
			cells += (size_t)w;
			i += k;
			continue;
		}
		if (cells + (size_t)w > width && i > start) {
			if (have_brk && brk > start) {
				wrap_emit(&st, start, brk - start, brk_cells);
				start = resume;
				cells -= resume_cells;
			} else {
				wrap_emit(&st, start, i - start, cells);
				start = i;
				cells = 0;
			}
			have_brk = 0;
			continue;	/* look at this cluster again */
		}
		cells += (size_t)w;
		i += k;
	}
	wrap_emit(&st, start, len - start, cells);
	return st.n;
}
