/*
 * A profile is one device's local state: a directory
 * $XDG_DATA_HOME/sotto/<name>/ (default ~/.local/share/sotto/<name>/,
 * mode 0700) holding the encrypted database sotto.db, the plaintext
 * key-derivation parameters sotto.kdf beside it (salt and Argon2id cost,
 * not secret) and the log sotto.log.
 *
 * The passphrase itself is read by the caller (client/tty); this module
 * turns it into the database key and opens the store. It never creates a
 * database over an existing one, and a wrong passphrase changes no file.
 *
 * Local faults are named for what they are, before the passphrase is
 * asked for where they can be: a directory or file that cannot be read
 * (ERR_ACCESS), one that cannot be written (ERR_READ_ONLY: the database,
 * its -wal and -shm files and the directory they are made in must all be
 * writable, even to read), a damaged page (ERR_DAMAGED: the passphrase
 * matched the check value in the kdf file, so SQLCipher's failure is the
 * file's). p->fault then names the path the error is about.
 */
#ifndef SOTTO_PROFILE_H
#define SOTTO_PROFILE_H

#include <stddef.h>

#include "store/store.h"

#define PROFILE_NAME_MAX 64

enum profile_state {
	PROFILE_ABSENT,		/* no database yet */
	PROFILE_PRESENT,	/* database and kdf file */
	PROFILE_NO_KDF,		/* a database whose kdf file is missing */
	PROFILE_DENIED,		/* the directory cannot be searched: p->fault */
};

struct profile {
	char name[PROFILE_NAME_MAX + 1];
	char *dir;
	char *db_path;
	char *kdf_path;
	char *log_path;
	struct store *store;	/* open after create or unlock */
	const char *fault;	/* one of the paths above, after an error */
	int unchecked;		/* the kdf file had no key check to go by */
};

/*
 * Checks a profile name: 1 to PROFILE_NAME_MAX characters of [A-Za-z0-9._-]
 * not starting with a dot. Returns 1 when valid.
 */
int profile_name_valid(const char *name);

/*
 * Works out the paths of profile name (nothing is touched on disk).
 * Returns 0; ERR_INVAL for a bad name; ERR_NOT_FOUND when neither
 * XDG_DATA_HOME nor a home directory is known; ERR_NOMEM. Release with
 * profile_close().
 */
int profile_init(struct profile *p, const char *name);

/* Where the profile stands on disk. */
enum profile_state profile_state(const struct profile *p);

/*
 * Makes a new profile: the directories (mode 0700), a kdf file with a
 * fresh salt, and an empty database keyed by the passphrase. Returns 0
 * with p->store open; ERR_EXISTS when a database is already there;
 * ERR_IO, ERR_NOMEM, ERR_DB. On failure nothing new is left behind.
 */
int profile_create(struct profile *p, const char *passphrase, size_t len);

/*
 * Opens an existing profile. Returns 0 with p->store open;
 * ERR_BAD_PASSPHRASE (no file changed); ERR_NOT_FOUND when there is no
 * database; ERR_INVAL when the kdf file is missing or damaged; ERR_ACCESS,
 * ERR_READ_ONLY, ERR_DAMAGED (no file changed), ERR_NO_SPACE, with
 * p->fault set; ERR_IO, ERR_NOMEM, ERR_DB, ERR_VERSION (made by a newer
 * Sotto). A profile whose kdf file has no check value yet gets one here,
 * once the database has opened.
 */
int profile_unlock(struct profile *p, const char *passphrase, size_t len);

/* Closes the store and frees the paths; p may be initialised again. */
void profile_close(struct profile *p);

#endif
