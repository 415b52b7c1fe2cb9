/*
 * The SQLCipher opener: the raw-key string has the one form SQLCipher takes
 * as a key; a wrong key or the passphrase text itself does not open the
 * file and leaves it unchanged; the file is encrypted; migrations run once.
 */
#define SQLITE_HAS_CODEC 1
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto/sec.h"
#include "lib/err.h"
#include "db/sqlc.h"
#include "tests/unit/tap.h"

static int
read_file(const char *path, uint8_t **buf, size_t *len)
{
	FILE *f = fopen(path, "rb");
	long n;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0) {
		if (f)
			fclose(f);
		return -1;
	}
	rewind(f);
	*buf = malloc((size_t)n + 1);
	*len = fread(*buf, 1, (size_t)n, f);
	fclose(f);
	return 0;
}

static int
contains(const uint8_t *hay, size_t n, const char *needle)
{
	size_t m = strlen(needle), i;

	for (i = 0; i + m <= n; i++)
		if (memcmp(hay + i, needle, m) == 0)
			return 1;
	return 0;
}

int
main(void)
{
	static const char *const mig[] = {
		"CREATE TABLE t (v TEXT);",
		"INSERT INTO t VALUES ('canary-plaintext-7f3a');",
	};
	char dir[] = "/tmp/sotto-test-sqlc-XXXXXX", path[256], ks[SQLC_KEYSTR_LEN];
	uint8_t key[SQLC_KEY_LEN], bad[SQLC_KEY_LEN], *before, *after;
	size_t blen, alen;
	sqlite3 *db;
	struct stat st;
	int v;

	if (sec_init() != 0)
		return 1;
	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(path, sizeof(path), "%s/t.db", dir);
	sec_random(key, sizeof(key));
	memcpy(bad, key, sizeof(bad));
	bad[0] ^= 1;

	is_int(sqlc_key_string(ks, sizeof(ks), key), 0, "key string built");
	ok(strlen(ks) == 67 && ks[0] == 'x' && ks[1] == '\'' && ks[66] == '\'',
	    "key string is x'<64 hex>'");
	is_int(sqlc_key_string(ks, 10, key), ERR_TOO_BIG, "short buffer refused");

	is_int(sqlc_open(&db, path, key, 0, SQLC_SYNC_NORMAL), ERR_NOT_FOUND,
	    "absent file without create is not found");
	is_int(sqlc_open(&db, path, key, 1, SQLC_SYNC_NORMAL), 0, "created");
	ok(stat(path, &st) == 0 && (st.st_mode & 077) == 0, "mode is 0600");
	is_int(sqlc_migrate(db, mig, 2), 0, "migrated");
	ok(sqlc_user_version(db, &v) == 0 && v == 2, "user_version is 2");
	is_int(sqlc_migrate(db, mig, 2), 0, "migrating again is a no-op");
	is_int(sqlc_migrate(db, mig, 1), ERR_VERSION, "newer database refused");
	ok(sqlc_exec(db, "PRAGMA wal_checkpoint(TRUNCATE);") == 0, "checkpoint");
	sqlc_close(db);

	ok(read_file(path, &before, &blen) == 0, "read file");
	ok(!contains(before, blen, "canary-plaintext-7f3a"),
	    "plaintext does not appear in the file");
	ok(!contains(before, blen, "SQLite format 3"), "no plain SQLite header");

	is_int(sqlc_open(&db, path, bad, 1, SQLC_SYNC_NORMAL), ERR_BAD_PASSPHRASE,
	    "wrong key refused");
	ok(read_file(path, &after, &alen) == 0 && alen == blen &&
	    memcmp(before, after, blen) == 0, "file untouched by the wrong key");
	free(after);

	/* The key string given as a passphrase must not open it. */
	ok(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK,
	    "raw open");
	sqlc_key_string(ks, sizeof(ks), key);
	sqlite3_key(db, ks + 2, 64);	/* the hex alone: a passphrase */
	ok(sqlite3_exec(db, "SELECT count(*) FROM sqlite_master;", NULL, NULL,
	    NULL) == SQLITE_NOTADB, "the hex text as a passphrase does not open it");
	sqlite3_close(db);

	is_int(sqlc_open(&db, path, key, 0, SQLC_SYNC_FULL), 0,
	    "the right key still opens it");
	sqlc_close(db);

	free(before);
	snprintf(ks, sizeof(ks), "rm -rf %s", dir);
	if (system(ks) != 0)
		ok(0, "cleanup");
	return tap_done();
}
