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
 * Returns 0 and *out; ERR_BAD_PASSPHRASE when the file exists but the key
 * does not open it (the file is left untouched); ERR_NOT_FOUND when it does
 * not exist and create is 0; ERR_DB otherwise.
 */
int sqlc_open(sqlite3 **out, const char *path, const uint8_t key[SQLC_KEY_LEN],
    int create, enum sqlc_sync sync);

/*
 * Builds the raw-key PRAGMA argument into out (capacity >= SQLC_KEYSTR_LEN)
 * and checks its form. Exposed for the test that proves the format.
 */
#define SQLC_KEYSTR_LEN (3 + 2 * SQLC_KEY_LEN + 1 + 1)
int sqlc_key_string(char *out, size_t cap, const uint8_t key[SQLC_KEY_LEN]);

/* Runs sql (no results). 0 or ERR_DB. */
int sqlc_exec(sqlite3 *db, const char *sql);

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
