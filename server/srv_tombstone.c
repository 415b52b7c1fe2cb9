/*
 * Tombstones of ended device sessions (srv_tombstone.h). The hash is
 * HMAC-SHA-256 of the device's public key under a key derived from the
 * store key, so that a row does not hold the key and cannot be matched
 * against a known public key without the server's secret.
 */
#include "config.h"

#include "server/srv_tombstone.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto/hkdf.h"
#include "crypto/prim.h"
#include "crypto/sec.h"
#include "lib/err.h"
#include "server/srv.h"
#include "server/srv_keyfile.h"
#include "lib/log.h"
#include "server/srv_secret.h"

#define SRV_TOMB_INFO "sotto tombstone key hash v1"

void
srv_tombstone_hash(const struct srv *s, const uint8_t key[NOISE_KEY_LEN],
    uint8_t out[SRV_TOMB_HASH_LEN])
{
	uint8_t hk[HKDF_SHA256_LEN];

	(void)hkdf_sha256(hk, sizeof(hk), NULL, 0, s->keys->store_key,
	    sizeof(s->keys->store_key), (const uint8_t *)SRV_TOMB_INFO,
	    strlen(SRV_TOMB_INFO));
	prim_hmac_sha256(out, hk, key, NOISE_KEY_LEN);
	sec_wipe(hk, sizeof(hk));
}

/* The key of user_id's device_id. 0, ERR_NOT_FOUND or ERR_*. */
static int
srv_tombstone_device_key(struct srv *s, uint64_t user_id, uint64_t device_id,
    uint8_t key[NOISE_KEY_LEN])
{
	struct srv_device *devs = NULL;
	size_t n = 0, i;
	int r;

	if ((r = srv_store_devices(s->store, user_id, &devs, &n)) != 0)
		return r;
	r = ERR_NOT_FOUND;
	for (i = 0; i < n; i++)
		if (devs[i].id == device_id) {
			memcpy(key, devs[i].key, NOISE_KEY_LEN);
			r = 0;
			break;
		}
	free(devs);
	return r;
}

int
srv_tombstone_end_device(struct srv *s, uint64_t user_id, uint64_t device_id,
    uint64_t by_device, enum srv_tomb_why why)
{
	struct srv_tombstone t;
	uint8_t key[NOISE_KEY_LEN];
	uint64_t now = (uint64_t)time(NULL);
	int r;

	if ((r = srv_tombstone_device_key(s, user_id, device_id, key)) != 0)
		return r;
	memset(&t, 0, sizeof(t));
	srv_tombstone_hash(s, key, t.key_hash);
	t.device_id = device_id;
	/* A deleted account's tombstones name it no more (doc/DATA.md). */
	t.user_id = why == SRV_TOMB_DELETED ? 0 : user_id;
	t.ended = now;
	t.by_device = by_device;
	t.why = (uint32_t)why;
	if ((r = srv_store_atomic_begin(s->store)) != 0)
		return r;
	r = srv_store_tombstone_add(s->store, &t, now > SRV_TOMB_KEEP_SECS ?
	    now - SRV_TOMB_KEEP_SECS : 0);
	if (r == 0 && why == SRV_TOMB_DELETED)
		r = srv_store_tombstone_unlink(s->store, user_id);
	if (r == 0)
		r = srv_secret_remove_device(s, user_id, device_id);
	return srv_store_atomic_end(s->store, r);
}

int
srv_tombstone_lookup(struct srv *s, const uint8_t key[NOISE_KEY_LEN],
    struct srv_tombstone *out)
{
	uint8_t h[SRV_TOMB_HASH_LEN];
	uint64_t now = (uint64_t)time(NULL);
	int r;

	srv_tombstone_hash(s, key, h);
	if ((r = srv_store_tombstone_get(s->store, h, out)) != 0)
		return r;
	/* Past its keeping time a row is as good as gone (doc/DATA.md). */
	if (out->ended + SRV_TOMB_KEEP_SECS < now)
		return ERR_NOT_FOUND;
	return 0;
}

int
srv_tombstone_forget(struct srv *s, const uint8_t key[NOISE_KEY_LEN])
{
	uint8_t h[SRV_TOMB_HASH_LEN];

	srv_tombstone_hash(s, key, h);
	return srv_store_tombstone_remove(s->store, h);
}
