/*
 * Opening a SQLCipher 3.4 database with a raw 32-byte key. The one place
 * where the key string `x'<64 hex>'` is built and checked (SQLCipher takes
 * any other form silently as a passphrase), and where the page size,
 * secure_delete and WAL settings are applied. Used by the client's store
 * and by sottod's store.
 */
#ifndef SOTTO_SQLC_H
#define SOTTO_SQLC_H

#include <stddef.h>
#include <stdint.h>

#include <sqlcipher/sqlite3.h>

#define SQLC_KEY_LEN 32

enum sqlc_sync { SQLC_SYNC_NORMAL, SQLC_SYNC_FULL };

/*
 * Opens (creating when create is set and the file is absent) path with key.
 * Returns 0 and *out; ERR_BAD_PASSPHRASE when the file exists but its
 * first page does not open with the key (a wrong key, or a damaged first
 * page: only a check of the key made elsewhere tells them apart; the file
 * is left untouched); ERR_NOT_FOUND when it does not exist and create is
 * 0; ERR_ACCESS, ERR_READ_ONLY, ERR_NO_SPACE, ERR_DAMAGED or ERR_DB
 * otherwise.
 */
int sqlc_open(sqlite3 **out, const char *path, const uint8_t key[SQLC_KEY_LEN],
    int create, enum sqlc_sync sync);

/*
 * Builds the raw-key PRAGMA argument into out (capacity >= SQLC_KEYSTR_LEN)
 * and checks its form. Exposed for the test that proves the format.
 */
#define SQLC_KEYSTR_LEN (3 + 2 * SQLC_KEY_LEN + 1 + 1)
int sqlc_key_string(char *out, size_t cap, const uint8_t key[SQLC_KEY_LEN]);

/*
 * The ERR_* code for SQLite result rc on db, so that a local fault is
 * named for what it is: ERR_NO_SPACE (SQLITE_FULL, or an I/O error with
 * errno ENOSPC), ERR_DAMAGED (SQLITE_CORRUPT, SQLITE_NOTADB), ERR_READ_ONLY
 * (SQLITE_READONLY, EROFS), ERR_ACCESS (SQLITE_PERM, EACCES, EPERM),
 * ERR_NOMEM, else ERR_DB. 0 for SQLITE_OK, SQLITE_DONE and SQLITE_ROW.
 */
int sqlc_err(sqlite3 *db, int rc);

/* Runs sql (no results). 0 or an error of sqlc_err(). */
int sqlc_exec(sqlite3 *db, const char *sql);

/*
 * Reads every page of the database (PRAGMA quick_check), so that a page
 * whose authentication fails is found at once rather than by the action
 * that happens to need it. Returns 0, ERR_DAMAGED, or another error of
 * sqlc_err(). Costs a read of the whole file (bench/store_bench).
 */
int sqlc_quick_check(sqlite3 *db);

/* PRAGMA user_version get/set. 0 or ERR_DB. */
int sqlc_user_version(sqlite3 *db, int *version);
int sqlc_set_user_version(sqlite3 *db, int version);

/*
 * Applies migrations[i] for every i >= current user_version, each in its own
 * transaction together with the version bump. Returns 0 or ERR_DB; a
 * database newer than the code is ERR_VERSION.
 */
int sqlc_migrate(sqlite3 *db, const char *const *migrations, int count);

void sqlc_close(sqlite3 *db);	/* NULL is fine */

#endif
