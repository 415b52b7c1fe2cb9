/*
 * SQLCipher 3.4.1 opener. Two pitfalls of that version shape this file:
 * it silently ignores PRAGMAs it does not know, and it silently takes any
 * key that is not exactly x'<64 hex digits>' as a passphrase for its own
 * PBKDF2. So the key string is built here only, its form is checked before
 * use, and the key is proven by reading the schema before anything else is
 * done to the file (a wrong key must leave the file as it was).
 */
#define SQLITE_HAS_CODEC 1
#include "db/sqlc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto/sec.h"
#include "lib/err.h"

int
sqlc_key_string(char *out, size_t cap, const uint8_t key[SQLC_KEY_LEN])
{
	size_t i;

	if (cap < SQLC_KEYSTR_LEN)
		return ERR_TOO_BIG;
	out[0] = 'x';
	out[1] = '\'';
	if (sec_hex_encode(out + 2, cap - 2, key, SQLC_KEY_LEN) != 0)
		return ERR_TOO_BIG;
	out[2 + 2 * SQLC_KEY_LEN] = '\'';
	out[3 + 2 * SQLC_KEY_LEN] = '\0';

	/* The form SQLCipher recognises as a raw key, and nothing else. */
	if (strlen(out) != 3 + 2 * SQLC_KEY_LEN)
		return ERR_INTERNAL;
	for (i = 2; i < 2 + 2 * SQLC_KEY_LEN; i++)
		if (strchr("0123456789abcdef", out[i]) == NULL)
			return ERR_INTERNAL;
	return 0;
}

/* errno of a failed system call, as the ERR_* it stands for; 0 if none. */
static int
sqlc_errno(int e)
{
	switch (e) {
	case ENOSPC:
	case EDQUOT:
		return ERR_NO_SPACE;
	case EROFS:
		return ERR_READ_ONLY;
	case EACCES:
	case EPERM:
		return ERR_ACCESS;
	default:
		return 0;
	}
}

int
sqlc_err(sqlite3 *db, int rc)
{
	int r;

	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_ROW:
	case SQLITE_DONE:
		return 0;
	case SQLITE_FULL:
		return ERR_NO_SPACE;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		return ERR_DAMAGED;
	case SQLITE_READONLY:
		return ERR_READ_ONLY;
	case SQLITE_PERM:
		return ERR_ACCESS;
	case SQLITE_NOMEM:
		return ERR_NOMEM;
	case SQLITE_IOERR:
	case SQLITE_CANTOPEN:
		/* SQLite keeps the errno of the call that failed. */
		if (db != NULL && (r = sqlc_errno(sqlite3_system_errno(db))) != 0)
			return r;
		return ERR_DB;
	default:
		return ERR_DB;
	}
}

int
sqlc_exec(sqlite3 *db, const char *sql)
{
	return sqlc_err(db, sqlite3_exec(db, sql, NULL, NULL, NULL));
}

/* The first row of quick_check: "ok", or the first fault it found. */
static int
sqlc_check_row(void *ud, int n, char **vals, char **names)
{
	int *ok = ud;

	(void)names;
	*ok = n == 1 && vals[0] != NULL && strcmp(vals[0], "ok") == 0;
	return 1;	/* one row is enough: stop there */
}

int
sqlc_quick_check(sqlite3 *db)
{
	int ok = 0, rc;

	rc = sqlite3_exec(db, "PRAGMA quick_check(1);", sqlc_check_row, &ok,
	    NULL);
	if (rc != SQLITE_OK && rc != SQLITE_ABORT)
		return sqlc_err(db, rc) != 0 ? sqlc_err(db, rc) : ERR_DB;
	return ok ? 0 : ERR_DAMAGED;
}

/* Creates an empty file with mode 0600 so that the database, its WAL and
 * its shared-memory file (SQLite copies the mode) are never readable by
 * others, whatever the umask. */
static int
sqlc_precreate(const char *path)
{
	int fd;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) == -1)
		return errno == EEXIST ? 0 : sqlc_errno(errno) != 0 ?
		    sqlc_errno(errno) : ERR_IO;
	close(fd);
	return 0;
}

int
sqlc_open(sqlite3 **out, const char *path, const uint8_t key[SQLC_KEY_LEN],
    int create, enum sqlc_sync sync)
{
	sqlite3 *db = NULL;
	char keystr[SQLC_KEYSTR_LEN];
	struct stat st;
	int r, rc;

	*out = NULL;
	if (stat(path, &st) == -1) {
		if (errno != ENOENT)
			return sqlc_errno(errno) != 0 ? sqlc_errno(errno) : ERR_IO;
		if (!create)
			return ERR_NOT_FOUND;
		if ((r = sqlc_precreate(path)) != 0)
			return r;
	}
	if ((rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_FULLMUTEX, NULL)) != SQLITE_OK) {
		r = sqlc_err(db, rc) != 0 ? sqlc_err(db, rc) : ERR_DB;
		goto out;
	}
	if ((r = sqlc_key_string(keystr, sizeof(keystr), key)) != 0)
		goto out;
	rc = sqlite3_key(db, keystr, (int)strlen(keystr));
	sec_wipe(keystr, sizeof(keystr));
	if (rc != SQLITE_OK) {
		r = ERR_DB;
		goto out;
	}
	/* Another process of the profile may hold a lock: wait for it. */
	sqlite3_busy_timeout(db, 5000);
	/* Page size must be set before the first read of the file. */
	if ((r = sqlc_exec(db, "PRAGMA cipher_page_size = 4096;")) != 0)
		goto out;

	/* Prove the key: a wrong one fails here with SQLITE_NOTADB. */
	rc = sqlite3_exec(db, "SELECT count(*) FROM sqlite_master;", NULL, NULL,
	    NULL);
	if (rc == SQLITE_NOTADB) {
		r = ERR_BAD_PASSPHRASE;
		goto out;
	}
	if (rc != SQLITE_OK) {
		r = sqlc_err(db, rc);
		goto out;
	}
	if ((r = sqlc_exec(db, "PRAGMA journal_mode = WAL;")) != 0 ||
	    (r = sqlc_exec(db, sync == SQLC_SYNC_FULL ?
	    "PRAGMA synchronous = FULL;" : "PRAGMA synchronous = NORMAL;")) != 0 ||
	    (r = sqlc_exec(db, "PRAGMA secure_delete = ON;")) != 0 ||
	    (r = sqlc_exec(db, "PRAGMA foreign_keys = ON;")) != 0 ||
	    (r = sqlc_exec(db, "PRAGMA temp_store = MEMORY;")) != 0)
		goto out;
	*out = db;
	db = NULL;
out:
	sec_wipe(keystr, sizeof(keystr));
	if (db != NULL)
		sqlite3_close(db);
	return r;
}

int
sqlc_user_version(sqlite3 *db, int *version)
{
	sqlite3_stmt *st;
	int r = ERR_DB;

	if (sqlite3_prepare_v2(db, "PRAGMA user_version;", -1, &st, NULL) !=
	    SQLITE_OK)
		return ERR_DB;
	if (sqlite3_step(st) == SQLITE_ROW) {
		*version = sqlite3_column_int(st, 0);
		r = 0;
	}
	sqlite3_finalize(st);
	return r;
}

int
sqlc_set_user_version(sqlite3 *db, int version)
{
	char sql[64];

	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d;", version);
	return sqlc_exec(db, sql);
}

int
sqlc_migrate(sqlite3 *db, const char *const *migrations, int count)
{
	int v, r;

	if ((r = sqlc_user_version(db, &v)) != 0)
		return r;
	if (v > count)
		return ERR_VERSION;	/* made by a newer Sotto */
	for (; v < count; v++) {
		if ((r = sqlc_exec(db, "BEGIN IMMEDIATE;")) != 0)
			return r;
		if ((r = sqlc_exec(db, migrations[v])) != 0 ||
		    (r = sqlc_set_user_version(db, v + 1)) != 0 ||
		    (r = sqlc_exec(db, "COMMIT;")) != 0) {
			(void)sqlc_exec(db, "ROLLBACK;");
			return r;
		}
	}
	return 0;
}

void
sqlc_close(sqlite3 *db)
{
	if (db != NULL)
		sqlite3_close_v2(db);
}
