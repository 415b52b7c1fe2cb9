/* Packing and unpacking of protobuf Frames with size checks. */
#ifndef SOTTO_WIRE_H
#define SOTTO_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "proto/sotto.pb-c.h"

/*
 * Packs f into out (capacity cap). Returns 0 and sets *len, or ERR_TOO_BIG
 * when the frame exceeds cap or SOTTO_FRAME_MAX.
 */
int wire_pack(const Sotto__Frame *f, uint8_t *out, size_t cap, size_t *len);

/*
 * Unpacks a frame. Returns 0 and a frame the caller frees with
 * wire_free(); ERR_PROTO when the bytes are not a valid Frame or carry no
 * body.
 */
int wire_unpack(const uint8_t *p, size_t len, Sotto__Frame **out);
void wire_free(Sotto__Frame *f);	/* NULL is fine */

/* Fills an Error message for a Response or Goodbye; text is not copied. */
void wire_error(Sotto__Error *e, int code, const char *text);

#endif
