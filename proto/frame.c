/*
 * Length-prefixed message reassembly. A peer can make us hold at most one
 * maximal message; a declared length above the current limit ends the
 * stream at once rather than after the bytes arrive. The buffer is freed
 * whenever everything in it has been consumed, so idle connections cost
 * nothing here.
 */
#include "proto/frame.h"

#include <stdlib.h>
#include <string.h>

#include "lib/err.h"

void
frame_reader_init(struct frame_reader *r, size_t max)
{
	memset(r, 0, sizeof(*r));
	frame_reader_set_max(r, max);
}

void
frame_reader_free(struct frame_reader *r)
{
	free(r->buf);
	r->buf = NULL;
	r->cap = r->len = r->off = 0;
}

void
frame_reader_set_max(struct frame_reader *r, size_t max)
{
	r->max = max > SOTTO_NOISE_MAX ? SOTTO_NOISE_MAX : max;
}

int
frame_reader_push(struct frame_reader *r, const uint8_t *p, size_t n,
    size_t *taken)
{
	size_t need, ncap;
	uint8_t *nbuf;

	*taken = 0;
	if (r->off > 0) {
		/* Drop what has been consumed so the space can be reused. */
		memmove(r->buf, r->buf + r->off, r->len - r->off);
		r->len -= r->off;
		r->off = 0;
	}
	if (n > FRAME_BUF_MAX - r->len)
		n = FRAME_BUF_MAX - r->len;
	if (n == 0)
		return 0;
	need = r->len + n;
	if (need > r->cap) {
		ncap = r->cap < 256 ? 256 : r->cap;
		while (ncap < need)
			ncap *= 2;
		if (ncap > FRAME_BUF_MAX)
			ncap = FRAME_BUF_MAX;
		if ((nbuf = realloc(r->buf, ncap)) == NULL)
			return ERR_NOMEM;
		r->buf = nbuf;
		r->cap = ncap;
	}
	memcpy(r->buf + r->len, p, n);
	r->len += n;
	*taken = n;
	return 0;
}

int
frame_reader_next(struct frame_reader *r, const uint8_t **msg, size_t *len)
{
	size_t avail = r->len - r->off, want;

	if (avail == 0 && r->buf != NULL)
		frame_reader_free(r);	/* drained: an idle stream holds nothing */
	if (avail < 2)
		return ERR_AGAIN;
	want = ((size_t)r->buf[r->off] << 8) | r->buf[r->off + 1];
	if (want == 0)
		return ERR_PROTO;
	if (want > r->max)
		return ERR_TOO_BIG;
	if (avail - 2 < want)
		return ERR_AGAIN;
	*msg = r->buf + r->off + 2;
	*len = want;
	r->off += 2 + want;
	return 0;
}

void
frame_put_len(uint8_t out[2], size_t len)
{
	out[0] = (uint8_t)(len >> 8);
	out[1] = (uint8_t)len;
}
