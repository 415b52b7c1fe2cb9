/*
 * Reassembly of length-prefixed messages from a byte stream: every Noise
 * message on the wire is preceded by its length as 2 bytes, big-endian.
 * This is the first code that touches bytes from the network; it never
 * trusts the length and never allocates more than its fixed buffer.
 */
#ifndef SOTTO_FRAME_H
#define SOTTO_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "proto/version.h"

/*
 * The buffer grows on demand up to one maximal message plus its prefix and
 * is released whenever it drains, so an idle connection holds none.
 */
struct frame_reader {
	uint8_t *buf;
	size_t cap;
	size_t len;		/* bytes held */
	size_t off;		/* start of the unread part */
	size_t max;		/* largest message accepted right now */
};

#define FRAME_BUF_MAX (2 + SOTTO_NOISE_MAX)

/* Starts empty, accepting messages of at most max bytes (<= SOTTO_NOISE_MAX). */
void frame_reader_init(struct frame_reader *r, size_t max);

/* Releases the buffer; the reader may be initialised again. */
void frame_reader_free(struct frame_reader *r);

/* Changes the limit (e.g. handshake messages are small, transport ones not). */
void frame_reader_set_max(struct frame_reader *r, size_t max);

/*
 * Copies up to n bytes of input into the reader and sets *taken to how many
 * it took (it stops when its buffer is full: call frame_reader_next, then
 * push the rest). Returns 0 or ERR_NOMEM.
 */
int frame_reader_push(struct frame_reader *r, const uint8_t *p, size_t n,
    size_t *taken);

/*
 * Yields the next whole message: returns 0 and points *msg and *len into the
 * reader (valid until the next push or next); ERR_AGAIN when none is complete;
 * ERR_TOO_BIG when the declared length exceeds the limit (the stream is
 * then unusable: close it); ERR_PROTO for a zero length.
 */
int frame_reader_next(struct frame_reader *r, const uint8_t **msg,
    size_t *len);

/* Writes the 2-byte prefix for a message of len bytes. */
void frame_put_len(uint8_t out[2], size_t len);

#endif
