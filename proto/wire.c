#include "proto/wire.h"

#include "lib/err.h"
#include "proto/version.h"

int
wire_pack(const Sotto__Frame *f, uint8_t *out, size_t cap, size_t *len)
{
	size_t n = sotto__frame__get_packed_size(f);

	if (n > cap || n > SOTTO_FRAME_MAX)
		return ERR_TOO_BIG;
	*len = sotto__frame__pack(f, out);
	return 0;
}

int
wire_unpack(const uint8_t *p, size_t len, Sotto__Frame **out)
{
	Sotto__Frame *f;

	*out = NULL;
	if (len > SOTTO_FRAME_MAX)
		return ERR_TOO_BIG;
	/* protobuf-c checks every field length against the buffer. */
	if ((f = sotto__frame__unpack(NULL, len, p)) == NULL)
		return ERR_PROTO;
	if (f->body_case == SOTTO__FRAME__BODY__NOT_SET) {
		sotto__frame__free_unpacked(f, NULL);
		return ERR_PROTO;
	}
	*out = f;
	return 0;
}

void
wire_free(Sotto__Frame *f)
{
	if (f != NULL)
		sotto__frame__free_unpacked(f, NULL);
}

void
wire_error(Sotto__Error *e, int code, const char *text)
{
	sotto__error__init(e);
	e->code = code;
	e->message = (char *)(text != NULL ? text : err_str(code));
}
