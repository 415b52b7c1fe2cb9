/*
 * libFuzzer target for everything sottod reads from the network before a
 * peer is authenticated: the length-prefix reader, the Noise XX responder
 * handshake with its Hello payloads, and the protobuf Frame decoder.
 *
 * The first input byte picks how the rest is split into reads, so partial
 * reads and message boundaries are exercised too.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "crypto/sec.h"
#include "chan/chan.h"
#include "proto/wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fz_send(void *ud, const uint8_t *buf, size_t len)
{
	(void)ud;
	(void)buf;
	(void)len;
}

static int
fz_ready(void *ud, const uint8_t rs[32], const char *sw)
{
	(void)ud;
	(void)rs;
	(void)sw;
	return 0;
}

static int
fz_frame(void *ud, const Sotto__Frame *f)
{
	(void)ud;
	(void)f;
	return 0;
}

static const struct chan_ops fz_ops = { fz_send, fz_ready, fz_frame };

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t key[32] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };
	struct chan *c;
	Sotto__Frame *f;
	size_t chunk, n;

	if (size == 0)
		return 0;
	sec_init();

	/* The decoder of transport plaintexts, on its own. */
	if (wire_unpack(data + 1, size - 1, &f) == 0)
		wire_free(f);

	if (chan_new(&c, NOISE_RESPONDER, key, "fuzz", &fz_ops, NULL) != 0)
		return 0;
	chunk = (size_t)data[0] + 1;
	data++;
	size--;
	while (size > 0) {
		n = size < chunk ? size : chunk;
		if (chan_input(c, data, n) != 0)
			break;
		data += n;
		size -= n;
	}
	chan_free(c);
	return 0;
}
