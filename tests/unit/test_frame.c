/* Length-prefixed reassembly: split input, limits, bad prefixes. */
#include <stdint.h>
#include <string.h>

#include "lib/err.h"
#include "proto/frame.h"
#include "tests/unit/tap.h"

static int
push_all(struct frame_reader *r, const uint8_t *p, size_t n)
{
	size_t taken;
	int rc;

	while (n > 0) {
		if ((rc = frame_reader_push(r, p, n, &taken)) != 0)
			return rc;
		if (taken == 0)
			return ERR_TOO_BIG;
		p += taken;
		n -= taken;
	}
	return 0;
}

int
main(void)
{
	struct frame_reader r;
	const uint8_t *msg;
	size_t len, i, taken;
	uint8_t stream[3 + 2 + 5], big[2 + SOTTO_NOISE_MAX + 10];

	/* Two messages fed one byte at a time. */
	frame_reader_init(&r, 100);
	frame_put_len(stream, 1);
	stream[2] = 'a';
	frame_put_len(stream + 3, 5);
	memcpy(stream + 5, "hello", 5);
	for (i = 0; i < 4; i++) {
		ok(push_all(&r, stream + i, 1) == 0, "push byte %zu", i);
		if (i < 2)
			is_int(frame_reader_next(&r, &msg, &len), ERR_AGAIN,
			    "incomplete after %zu bytes", i + 1);
	}
	is_int(frame_reader_next(&r, &msg, &len), 0, "first message complete");
	ok(len == 1 && msg[0] == 'a', "first message is 'a'");
	is_int(frame_reader_next(&r, &msg, &len), ERR_AGAIN, "second incomplete");
	ok(push_all(&r, stream + 4, sizeof(stream) - 4) == 0, "push rest");
	is_int(frame_reader_next(&r, &msg, &len), 0, "second message complete");
	ok(len == 5 && memcmp(msg, "hello", 5) == 0, "second message is hello");
	is_int(frame_reader_next(&r, &msg, &len), ERR_AGAIN, "nothing more");
	ok(r.buf == NULL, "a drained reader holds no buffer");

	/* A declared length over the limit is refused before the body comes. */
	frame_put_len(stream, 101);
	ok(push_all(&r, stream, 2) == 0, "push oversize prefix");
	is_int(frame_reader_next(&r, &msg, &len), ERR_TOO_BIG, "oversize refused");
	frame_reader_free(&r);

	/* Zero length is a protocol error. */
	frame_reader_init(&r, 100);
	stream[0] = stream[1] = 0;
	ok(push_all(&r, stream, 2) == 0, "push zero prefix");
	is_int(frame_reader_next(&r, &msg, &len), ERR_PROTO, "zero length refused");
	frame_reader_free(&r);

	/* A maximal message fits; the reader stops taking input when full. */
	frame_reader_init(&r, SOTTO_NOISE_MAX);
	memset(big, 0x5a, sizeof(big));
	frame_put_len(big, SOTTO_NOISE_MAX);
	ok(frame_reader_push(&r, big, sizeof(big), &taken) == 0, "push big");
	is_int(taken, 2 + SOTTO_NOISE_MAX, "took exactly one maximal message");
	is_int(frame_reader_next(&r, &msg, &len), 0, "maximal message complete");
	is_int(len, SOTTO_NOISE_MAX, "of maximal length");
	frame_reader_set_max(&r, 1u << 20);
	is_int(r.max, SOTTO_NOISE_MAX, "the limit never exceeds SOTTO_NOISE_MAX");
	frame_reader_free(&r);
	return tap_done();
}
