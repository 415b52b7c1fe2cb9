/*
 * Setting up a secret chat: StartSecret after one X3DH and one ratchet
 * per device of the peer's prekey bundles, AcceptSecret with the prekeys
 * a request names, and declining or closing one.
 */
#include "client/secret.h"

#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "client/secret_int.h"
#include "crypto/ratchet.h"
#include "crypto/sec.h"
#include "crypto/x3dh.h"
#include "lib/err.h"

/* ------------------------------------------------------------ start */
int
secret_start(struct secret *s, uint64_t peer_user, uint32_t ttl,
    uint64_t timeout_ms, secret_done_fn *cb, void *ud)
{
	Sotto__Request req = SOTTO__REQUEST__INIT;
	Sotto__GetPrekeyBundles m = SOTTO__GET_PREKEY_BUNDLES__INIT;
	struct secret_call *k;
	int r;

	if (ttl > SECRET_TTL_MAX)
		return ERR_INVAL;
	m.user_id = peer_user;
	req.method_case = SOTTO__REQUEST__METHOD_GET_PREKEY_BUNDLES;
	req.get_prekey_bundles = &m;
	if ((r = secret__call(s, SC_BUNDLES, &req, timeout_ms, cb, ud,
	    &k)) != 0)
		return r;
	k->peer_user = peer_user;
	k->ttl = ttl;
	return 0;
}

/*
 * The peer's bundles came: one X3DH and one ratchet per device, stored as
 * pending-out rows in one transaction, then StartSecret. k becomes that
 * call on success.
 */
int
secret__on_bundles(struct secret_call *k, const Sotto__PrekeyBundles *b)
{
	struct secret *s = k->s;
	Sotto__Request req = SOTTO__REQUEST__INIT;
	Sotto__StartSecret m = SOTTO__START_SECRET__INIT;
	Sotto__SecretOffer *offers = NULL, **poffers = NULL;
	uint8_t *eks = NULL, *blob = NULL;
	struct x3dh_identity *id = NULL;
	struct x3dh_result *res = NULL;
	struct x3dh_init *init = NULL;
	struct x3dh_bundle bun;
	struct ratchet *rt = NULL;
	struct store_secret_chat c, old;
	struct store_spk spk;
	size_t i, n = 0, blen;
	int r, changed, in_tx = 0;

	if (b->n_bundles == 0)
		return ERR_NOT_FOUND;
	if ((id = sec_alloc(sizeof(*id))) == NULL ||
	    (res = sec_alloc(sizeof(*res))) == NULL ||
	    (init = sec_alloc(sizeof(*init))) == NULL ||
	    (blob = sec_alloc(RATCHET_BLOB_MAX)) == NULL ||
	    (offers = calloc(b->n_bundles, sizeof(*offers))) == NULL ||
	    (poffers = calloc(b->n_bundles, sizeof(*poffers))) == NULL ||
	    (eks = malloc(b->n_bundles * X3DH_KEY_LEN)) == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	if ((r = secret__keys(s, id, &spk)) != 0)
		goto out;
	do
		k->secret_id = sec_random_u64();
	while (k->secret_id == 0 || k->secret_id > INT64_MAX);
	if ((r = store_begin(s->st)) != 0)
		goto out;
	in_tx = 1;
	/*
	 * The user starts a new chat with the peer: the warnings about it
	 * are answered (a change these bundles show is recorded anew).
	 */
	if ((r = store_secret_warn_clear(s->st, k->peer_user, 0)) != 0)
		goto out;
	for (i = 0; i < b->n_bundles; i++) {
		const Sotto__PrekeyBundle *pb = b->bundles[i];

		if (pb->identity_key.len != X3DH_KEY_LEN ||
		    pb->spk.len != X3DH_KEY_LEN ||
		    pb->spk_signature.len != X3DH_SIG_LEN ||
		    (pb->opk_id != 0 && pb->opk.len != X3DH_KEY_LEN)) {
			log_warn("a prekey bundle of user %llu is malformed; "
			    "skipped", (unsigned long long)k->peer_user);
			continue;
		}
		memset(&bun, 0, sizeof(bun));
		memcpy(bun.ik, pb->identity_key.data, X3DH_KEY_LEN);
		memcpy(bun.spk, pb->spk.data, X3DH_KEY_LEN);
		memcpy(bun.spk_sig, pb->spk_signature.data, X3DH_SIG_LEN);
		if ((bun.has_opk = pb->opk_id != 0))
			memcpy(bun.opk, pb->opk.data, X3DH_KEY_LEN);
		/* Verifies the signature first: a bad one is ERR_CRYPTO. */
		if (x3dh_initiate(res, init, id, &bun, NULL) != 0) {
			log_warn("the signed prekey of user %llu device %llu "
			    "does not verify; that device is skipped",
			    (unsigned long long)k->peer_user,
			    (unsigned long long)pb->device_id);
			continue;
		}
		if ((r = secret__check_ik(s, k->peer_user, pb->device_id, 0,
		    bun.ik, &old, &changed)) != 0)
			goto out;
		if (changed)
			secret__emit(s, SECRET_EV_KEY_CHANGED, &old, NULL, 0);
		if ((r = ratchet_init_alice(&rt, res->sk, res->ad,
		    bun.spk)) != 0 ||
		    (r = ratchet_serialize(rt, blob, RATCHET_BLOB_MAX,
		    &blen)) != 0)
			goto out;
		ratchet_free(rt);
		rt = NULL;
		memset(&c, 0, sizeof(c));
		c.secret_id = k->secret_id;
		c.peer_user = k->peer_user;
		c.peer_device = pb->device_id;
		memcpy(c.peer_ik, bun.ik, X3DH_KEY_LEN);
		c.state = STORE_SECRET_PENDING_OUT;
		c.ttl = k->ttl;
		c.initiator = 1;
		c.created = secret__now();
		c.spk_id = pb->spk_id;
		c.opk_id = pb->opk_id;
		if ((r = store_secret_put_chat(s->st, &c, blob, blen)) != 0)
			goto out;
		sotto__secret_offer__init(&offers[n]);
		offers[n].device_id = pb->device_id;
		memcpy(eks + n * X3DH_KEY_LEN, init->ek, X3DH_KEY_LEN);
		offers[n].ephemeral_key.len = X3DH_KEY_LEN;
		offers[n].ephemeral_key.data = eks + n * X3DH_KEY_LEN;
		offers[n].spk_id = pb->spk_id;
		offers[n].opk_id = pb->opk_id;
		poffers[n] = &offers[n];
		n++;
	}
	if (n == 0) {
		r = ERR_CRYPTO;		/* no device with a usable bundle */
		goto out;
	}
	if ((r = store_commit(s->st)) != 0)
		goto out;
	in_tx = 0;
	m.secret_id = k->secret_id;
	m.to_user_id = k->peer_user;
	m.ttl = k->ttl;
	m.n_offers = n;
	m.offers = poffers;
	req.method_case = SOTTO__REQUEST__METHOD_START_SECRET;
	req.start_secret = &m;
	k->kind = SC_START;
	if ((r = engine_call(s->e, &req, k->timeout_ms, secret__reply,
	    k)) != 0)
		(void)store_secret_delete_chat(s->st, k->secret_id);
out:
	if (in_tx)
		store_rollback(s->st);
	ratchet_free(rt);
	sec_free(id);
	sec_free(res);
	sec_free(init);
	sec_free(blob);
	free(offers);
	free(poffers);
	free(eks);
	return r;
}

/* ----------------------------------------------------------- accept */

int
secret_accept(struct secret *s, uint64_t secret_id, uint64_t timeout_ms,
    secret_done_fn *cb, void *ud)
{
	Sotto__Request req = SOTTO__REQUEST__INIT;
	Sotto__AcceptSecret m = SOTTO__ACCEPT_SECRET__INIT;
	struct x3dh_identity *id = NULL;
	struct x3dh_keypair *spk = NULL, *opk = NULL;
	struct x3dh_result *res = NULL;
	struct x3dh_init *init = NULL;
	struct ratchet *rt = NULL;
	struct store_secret_chat c;
	struct store_spk spkrow;
	struct secret_call *k;
	uint8_t *blob = NULL;
	size_t blen;
	int r;

	if ((r = store_secret_get_chat(s->st, secret_id, 0, &c)) != 0)
		return r;
	if (c.state != STORE_SECRET_PENDING_IN)
		return ERR_NOT_FOUND;
	if ((id = sec_alloc(sizeof(*id))) == NULL ||
	    (spk = sec_alloc(sizeof(*spk))) == NULL ||
	    (opk = sec_alloc(sizeof(*opk))) == NULL ||
	    (res = sec_alloc(sizeof(*res))) == NULL ||
	    (init = sec_alloc(sizeof(*init))) == NULL ||
	    (blob = sec_alloc(RATCHET_BLOB_MAX)) == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	if ((r = store_secret_get_identity(s->st, id->sk, id->pub)) != 0 ||
	    (r = store_secret_get_spk(s->st, c.spk_id, &spkrow,
	    spk->priv)) != 0)
		goto out;
	memcpy(spk->pub, spkrow.pub, X3DH_KEY_LEN);
	memset(init, 0, sizeof(*init));
	memcpy(init->ik, c.peer_ik, X3DH_KEY_LEN);
	memcpy(init->ek, c.ek, X3DH_KEY_LEN);
	memcpy(init->spk, spk->pub, X3DH_KEY_LEN);
	if (c.opk_id != 0) {
		if ((r = store_secret_get_opk(s->st, c.opk_id, opk->priv,
		    opk->pub)) != 0)
			goto out;
		init->has_opk = 1;
		memcpy(init->opk, opk->pub, X3DH_KEY_LEN);
	}
	if ((r = x3dh_respond(res, id, spk, c.opk_id != 0 ? opk : NULL,
	    init)) != 0 ||
	    (r = ratchet_init_bob(&rt, res->sk, res->ad, spk->pub,
	    spk->priv)) != 0 ||
	    (r = ratchet_serialize(rt, blob, RATCHET_BLOB_MAX, &blen)) != 0 ||
	    (r = store_secret_put_chat(s->st, &c, blob, blen)) != 0)
		goto out;
	m.secret_id = secret_id;
	req.method_case = SOTTO__REQUEST__METHOD_ACCEPT_SECRET;
	req.accept_secret = &m;
	if ((r = secret__call(s, SC_ACCEPT, &req, timeout_ms, cb, ud,
	    &k)) != 0)
		goto out;
	k->secret_id = secret_id;
out:
	if (r == ERR_NOT_FOUND)
		log_warn("secret chat %llu: the prekeys it names are gone",
		    (unsigned long long)secret_id);
	ratchet_free(rt);
	sec_free(id);
	sec_free(spk);
	sec_free(opk);
	sec_free(res);
	sec_free(init);
	sec_free(blob);
	return r;
}

static int
secret_simple(struct secret *s, enum secret_call_kind kind,
    uint64_t secret_id, uint64_t timeout_ms, secret_done_fn *cb, void *ud)
{
	Sotto__Request req = SOTTO__REQUEST__INIT;
	Sotto__DeclineSecret d = SOTTO__DECLINE_SECRET__INIT;
	Sotto__CloseSecret cl = SOTTO__CLOSE_SECRET__INIT;
	struct store_secret_chat c;
	struct secret_call *k;
	int r;

	if ((r = store_secret_get_chat(s->st, secret_id, 0, &c)) != 0)
		return r;
	if (kind == SC_DECLINE) {
		if (c.state != STORE_SECRET_PENDING_IN)
			return ERR_NOT_FOUND;
		d.secret_id = secret_id;
		req.method_case = SOTTO__REQUEST__METHOD_DECLINE_SECRET;
		req.decline_secret = &d;
	} else {
		cl.secret_id = secret_id;
		req.method_case = SOTTO__REQUEST__METHOD_CLOSE_SECRET;
		req.close_secret = &cl;
	}
	if ((r = secret__call(s, kind, &req, timeout_ms, cb, ud, &k)) != 0)
		return r;
	k->secret_id = secret_id;
	return 0;
}

int
secret_decline(struct secret *s, uint64_t secret_id, uint64_t timeout_ms,
    secret_done_fn *cb, void *ud)
{
	return secret_simple(s, SC_DECLINE, secret_id, timeout_ms, cb, ud);
}

int
secret_close(struct secret *s, uint64_t secret_id, uint64_t timeout_ms,
    secret_done_fn *cb, void *ud)
{
	return secret_simple(s, SC_CLOSE, secret_id, timeout_ms, cb, ud);
}
