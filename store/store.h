/*
 * The profile database: one SQLCipher file per profile (DESIGN section 7)
 * holding the device key, the server address and its pinned key, the
 * account this device is logged in to, and the sync position. Callers see
 * typed accessors only; no SQL leaves this module.
 *
 * All functions return 0 or a negative ERR_* code from proto/err.h.
 * Secrets (the device's private key) are copied into buffers the caller
 * provides and should have allocated with sec_alloc().
 */
#ifndef SOTTO_STORE_H
#define SOTTO_STORE_H

#include <stddef.h>
#include <stdint.h>

#define STORE_KEY_LEN 32	/* the database's raw key */
#define STORE_PUBKEY_LEN 32	/* X25519 keys */
#define STORE_ADDR_MAX 256	/* "host:port", NUL included */

struct store;

/*
 * Opens the database at path with the 32-byte raw key, creating it when
 * create is set and the file is absent, then brings its schema up to date.
 * Returns 0 and *out (close with store_close), ERR_BAD_PASSPHRASE when the
 * key does not open an existing file (which is left untouched),
 * ERR_NOT_FOUND when the file is absent and create is 0, ERR_VERSION when
 * a newer Sotto made the file, or ERR_DB.
 */
int store_open(struct store **out, const char *path,
    const uint8_t key[STORE_KEY_LEN], int create);
void store_close(struct store *s);	/* NULL is fine */

/*
 * The device key: this device's Noise static X25519 key pair. get returns
 * ERR_NOT_FOUND when the profile has none yet. priv receives the private
 * key and should be sec_alloc()ed; pub may be NULL.
 */
int store_get_device_key(struct store *s, uint8_t priv[STORE_PUBKEY_LEN],
    uint8_t pub[STORE_PUBKEY_LEN]);
int store_set_device_key(struct store *s, const uint8_t priv[STORE_PUBKEY_LEN],
    const uint8_t pub[STORE_PUBKEY_LEN]);

/*
 * The server this profile talks to. addr is empty when none was given yet;
 * has_key says whether a static key is pinned.
 */
struct store_server {
	char addr[STORE_ADDR_MAX];
	int has_key;
	uint8_t key[STORE_PUBKEY_LEN];
};

/* Fills *srv (all empty when nothing is stored). Returns 0 or ERR_DB. */
int store_get_server(struct store *s, struct store_server *srv);
/* Remembers addr (ERR_INVAL when empty or too long). */
int store_set_server_addr(struct store *s, const char *addr);
/* Pins key as the server's static key, replacing any earlier pin. */
int store_set_server_key(struct store *s, const uint8_t key[STORE_PUBKEY_LEN]);

/*
 * The account this device is logged in to. The strings are owned by the
 * struct once store_get_account filled it; release them with
 * store_account_free (which leaves the struct zeroed).
 */
struct store_account {
	uint64_t user_id;
	uint64_t device_id;
	char *username;
	char *display_name;
	char *phone;
};

/* Returns 0, ERR_NOT_FOUND when the profile is not logged in, ERR_NOMEM. */
int store_get_account(struct store *s, struct store_account *a);
/* Stores a (NULL strings are stored as empty ones); replaces the old one. */
int store_set_account(struct store *s, const struct store_account *a);
/*
 * Forgets the account, the sync position and the device key in one
 * transaction: a profile that logs in again gets a fresh device key, so
 * the server cannot link the old session to the new one.
 */
int store_clear_account(struct store *s);
void store_account_free(struct store_account *a);

/* The last applied update-log position (0 before the first sync). */
int store_get_pts(struct store *s, uint64_t *pts);
int store_set_pts(struct store *s, uint64_t pts);

#endif
