/*
 * The server's secrets, in DIR/server.key (mode 0600): its Noise static
 * private key, whose public half is the fingerprint clients pin, and the
 * raw key of its SQLCipher store. Text, so that an operator can see what
 * it is:
 *
 *   sotto-server-key 1
 *   noise <64 hex digits>
 *   store <64 hex digits>
 *
 * Losing the file makes the store unreadable and every client refuse the
 * server (its key changed): back it up with the data.
 */
#ifndef SOTTO_SRV_KEYFILE_H
#define SOTTO_SRV_KEYFILE_H

#include <stdint.h>

#include "crypto/noise.h"

#define SRV_KEYFILE_NAME "server.key"

struct srv_keys {
	uint8_t noise_priv[NOISE_KEY_LEN];
	uint8_t noise_pub[NOISE_KEY_LEN];
	uint8_t store_key[32];
};

/*
 * Makes dir (mode 0700) when it does not exist. Returns 0, ERR_IO, or
 * ERR_PERM when it exists but others may write to it.
 */
int srv_keyfile_prepare_dir(const char *dir);

/*
 * Loads DIR/server.key into k (which should live in sec_alloc()ed memory).
 * When the file does not exist and create is set, makes fresh keys and
 * writes the file first (atomically, fsynced) and sets *created. Returns
 * 0; ERR_NOT_FOUND (absent, create not set); ERR_PERM when the file is
 * readable by others; ERR_INVAL when it is malformed; ERR_IO.
 */
int srv_keyfile_load(struct srv_keys *k, const char *dir, int create,
    int *created);

#endif
