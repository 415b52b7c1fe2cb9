/*
 * One error enum for the whole project. Functions return 0 on success or one
 * of these negative codes. The codes also travel on the wire (Error.code,
 * Goodbye.code), so never renumber one: append.
 */
#ifndef SOTTO_ERR_H
#define SOTTO_ERR_H

enum err {
	ERR_OK = 0,
	ERR_NOMEM = -1,          /* allocation failed */
	ERR_INVAL = -2,          /* bad argument or bad input data */
	ERR_IO = -3,             /* a system call failed (errno is kept) */
	ERR_CRYPTO = -4,         /* a primitive failed or a tag did not verify */
	ERR_PROTO = -5,          /* malformed frame or out-of-order message */
	ERR_TOO_BIG = -6,        /* exceeds a size limit */
	ERR_DB = -7,             /* database error */
	ERR_BAD_PASSPHRASE = -8, /* the local database did not open with it */
	ERR_AUTH = -9,           /* wrong username or password */
	ERR_NOT_AUTHED = -10,    /* this device is not logged in */
	ERR_EXISTS = -11,        /* e.g. username taken */
	ERR_NOT_FOUND = -12,
	ERR_RATE_LIMITED = -13,  /* try again later; see Error.retry_after */
	ERR_KEY_CHANGED = -14,   /* the server's static key is not the pinned one */
	ERR_VERSION = -15,       /* peer speaks another protocol version */
	ERR_UNKNOWN_METHOD = -16,
	ERR_TIMEOUT = -17,
	ERR_UNREACHABLE = -18,   /* could not connect to the server */
	ERR_CLOSED = -19,        /* connection closed */
	ERR_PERM = -20,          /* not allowed (privacy, block, role) */
	ERR_INTERNAL = -21,      /* a bug or a broken invariant on the far side */
	ERR_AGAIN = -22,         /* incomplete; call again with more input */
	ERR_REVOKED = -23,       /* this device's session was terminated */
	ERR_DAMAGED = -24,       /* a local database or file is damaged */
	ERR_NO_SPACE = -25,      /* no space left on the device (ENOSPC) */
	ERR_READ_ONLY = -26,     /* a file that must be written is read-only */
	ERR_ACCESS = -27,        /* permission denied (EACCES) */
};

/* Returns a static, human-readable description of code; never NULL. */
const char *err_str(int code);

/* Returns the name of code ("ERR_AUTH"), or "ERR_UNKNOWN"; never NULL. */
const char *err_name(int code);

#endif
