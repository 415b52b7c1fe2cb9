#include "lib/err.h"

#include <stddef.h>

static const struct {
	int code;
	const char *name;
	const char *text;
} err_table[] = {
	{ ERR_OK, "ERR_OK", "success" },
	{ ERR_NOMEM, "ERR_NOMEM", "out of memory" },
	{ ERR_INVAL, "ERR_INVAL", "invalid argument or data" },
	{ ERR_IO, "ERR_IO", "input/output error" },
	{ ERR_CRYPTO, "ERR_CRYPTO", "cryptographic failure" },
	{ ERR_PROTO, "ERR_PROTO", "protocol error" },
	{ ERR_TOO_BIG, "ERR_TOO_BIG", "too large" },
	{ ERR_DB, "ERR_DB", "database error" },
	{ ERR_BAD_PASSPHRASE, "ERR_BAD_PASSPHRASE", "wrong passphrase" },
	{ ERR_AUTH, "ERR_AUTH", "wrong username or password" },
	{ ERR_NOT_AUTHED, "ERR_NOT_AUTHED", "not logged in" },
	{ ERR_EXISTS, "ERR_EXISTS", "already exists" },
	{ ERR_NOT_FOUND, "ERR_NOT_FOUND", "not found" },
	{ ERR_RATE_LIMITED, "ERR_RATE_LIMITED", "too many attempts, try again later" },
	{ ERR_KEY_CHANGED, "ERR_KEY_CHANGED", "server key changed" },
	{ ERR_VERSION, "ERR_VERSION", "protocol version mismatch" },
	{ ERR_UNKNOWN_METHOD, "ERR_UNKNOWN_METHOD", "unknown method" },
	{ ERR_TIMEOUT, "ERR_TIMEOUT", "timed out" },
	{ ERR_UNREACHABLE, "ERR_UNREACHABLE", "server unreachable" },
	{ ERR_CLOSED, "ERR_CLOSED", "connection closed" },
	{ ERR_PERM, "ERR_PERM", "not allowed" },
	{ ERR_INTERNAL, "ERR_INTERNAL", "internal error" },
	{ ERR_AGAIN, "ERR_AGAIN", "incomplete input" },
	{ ERR_REVOKED, "ERR_REVOKED", "this device's session was terminated" },
	{ ERR_DAMAGED, "ERR_DAMAGED", "the database is damaged" },
	{ ERR_NO_SPACE, "ERR_NO_SPACE", "no space left on the device" },
	{ ERR_READ_ONLY, "ERR_READ_ONLY", "read-only" },
	{ ERR_ACCESS, "ERR_ACCESS", "permission denied" },
};

static size_t
err_index(int code)
{
	size_t i;

	for (i = 0; i < sizeof(err_table) / sizeof(err_table[0]); i++)
		if (err_table[i].code == code)
			return i;
	return (size_t)-1;
}

const char *
err_str(int code)
{
	size_t i = err_index(code);

	return i == (size_t)-1 ? "unknown error" : err_table[i].text;
}

const char *
err_name(int code)
{
	size_t i = err_index(code);

	return i == (size_t)-1 ? "ERR_UNKNOWN" : err_table[i].name;
}
