/*
 * The sentences say what is wrong, where, that nothing was changed, and
 * what the user can do; the statuses follow sysexits.h: damaged data is
 * EX_DATAERR, a file that cannot be read EX_NOINPUT, one that cannot be
 * written EX_CANTCREAT, a write that failed EX_IOERR.
 */
#include "client/fault.h"

#include <stdio.h>

#include "client/cmd.h"
#include "lib/err.h"

int
fault_describe(int err, const char *path, char *buf, size_t cap)
{
	const char *p = path != NULL && path[0] != '\0' ? path : "the profile";

	buf[0] = '\0';
	switch (err) {
	case ERR_DAMAGED:
		snprintf(buf, cap, "the database %s is damaged (the "
		    "passphrase is right: it matches the key check beside "
		    "it); nothing was changed; restore the file from a "
		    "backup, or move it away and --login again", p);
		return CMD_EX_DATAERR;
	case ERR_ACCESS:
		snprintf(buf, cap, "permission denied: %s cannot be read "
		    "by this user (check its owner and mode)", p);
		return CMD_EX_NOINPUT;
	case ERR_READ_ONLY:
		snprintf(buf, cap, "%s is read-only, and sotto writes the "
		    "profile's database, and its -wal and -shm files beside "
		    "it, even to read it (check the mode, or mount it "
		    "read-write); nothing was changed", p);
		return CMD_EX_CANTCREAT;
	case ERR_NO_SPACE:
		snprintf(buf, cap, "no space left on the device holding %s; "
		    "what could not be written was rolled back", p);
		return CMD_EX_IOERR;
	default:
		return 0;
	}
}
