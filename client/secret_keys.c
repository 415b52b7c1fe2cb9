/*
 * This device's secret-chat keys: its X3DH identity and signed prekey
 * (made on first need, rotated weekly), their publishing with one-time
 * prekeys, and the check of a peer device's identity key against the
 * ones this profile knew, which closes every chat that knew another.
 */
#include "client/secret.h"

#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "client/secret_int.h"
#include "crypto/sec.h"
#include "crypto/x3dh.h"
#include "lib/err.h"

/* -------------------------------------------------------------- keys */

/*
 * Loads this device's identity into id (sec_alloc'ed by the caller),
 * making one on first need, and the current signed prekey into *spk,
 * rotating it when it is a week old. Runs inside no transaction of its
 * own callers' (it takes one).
 */
int
secret__keys(struct secret *s, struct x3dh_identity *id, struct store_spk *spk)
{
	struct x3dh_keypair *kp = NULL;
	uint64_t now = secret__now();
	int r;

	if ((r = store_begin(s->st)) != 0)
		return r;
	r = store_secret_get_identity(s->st, id->sk, id->pub);
	if (r == ERR_NOT_FOUND) {
		if ((r = x3dh_identity_new(id)) == 0)
			r = store_secret_set_identity(s->st, id->sk, id->pub);
	}
	if (r != 0)
		goto out;
	r = store_secret_current_spk(s->st, spk, NULL);
	if (r == 0 && spk->created + SECRET_SPK_ROTATE > now)
		goto out;
	if (r != 0 && r != ERR_NOT_FOUND)
		goto out;
	if ((kp = sec_alloc(sizeof(*kp))) == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	spk->id = r == 0 ? spk->id + 1 : 1;
	spk->created = now;
	if ((r = x3dh_keypair_new(kp)) != 0 ||
	    (r = x3dh_sign_prekey(spk->sig, id, kp->pub)) != 0)
		goto out;
	memcpy(spk->pub, kp->pub, sizeof(spk->pub));
	if ((r = store_secret_put_spk(s->st, spk, kp->priv)) != 0)
		goto out;
	/* The old one answers late requests for the grace period. */
	r = store_secret_prune_spk(s->st, now - SECRET_SPK_ROTATE -
	    SECRET_SPK_GRACE);
out:
	sec_free(kp);
	if (r == 0)
		r = store_commit(s->st);
	if (r != 0) {
		store_rollback(s->st);
		sec_wipe(id, sizeof(*id));
	}
	return r;
}

/*
 * Publishes the identity and the signed prekey, with n fresh one-time
 * prekeys (stored first, in one transaction).
 */
int
secret__publish(struct secret *s, enum secret_call_kind kind, uint32_t n)
{
	Sotto__Request req = SOTTO__REQUEST__INIT;
	Sotto__PublishPrekeys m = SOTTO__PUBLISH_PREKEYS__INIT;
	Sotto__OneTimePrekey *opks = NULL, **popks = NULL;
	uint8_t *pubs = NULL;
	struct x3dh_identity *id = NULL;
	struct x3dh_keypair *kp = NULL;
	struct store_spk spk;
	uint32_t max, i;
	int r;

	if ((id = sec_alloc(sizeof(*id))) == NULL ||
	    (kp = sec_alloc(sizeof(*kp))) == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	if ((r = secret__keys(s, id, &spk)) != 0)
		goto out;
	if (n > 0) {
		if ((opks = calloc(n, sizeof(*opks))) == NULL ||
		    (popks = calloc(n, sizeof(*popks))) == NULL ||
		    (pubs = malloc((size_t)n * X3DH_KEY_LEN)) == NULL) {
			r = ERR_NOMEM;
			goto out;
		}
		if ((r = store_begin(s->st)) != 0)
			goto out;
		if ((r = store_secret_max_opk_id(s->st, &max)) != 0)
			goto fail_tx;
		for (i = 0; i < n; i++) {
			if ((r = x3dh_keypair_new(kp)) != 0 ||
			    (r = store_secret_add_opk(s->st, max + 1 + i,
			    kp->priv, kp->pub)) != 0)
				goto fail_tx;
			sotto__one_time_prekey__init(&opks[i]);
			opks[i].id = max + 1 + i;
			memcpy(pubs + (size_t)i * X3DH_KEY_LEN, kp->pub,
			    X3DH_KEY_LEN);
			opks[i].key.len = X3DH_KEY_LEN;
			opks[i].key.data = pubs + (size_t)i * X3DH_KEY_LEN;
			popks[i] = &opks[i];
		}
		if ((r = store_commit(s->st)) != 0)
			goto fail_tx;
	}
	m.identity_key.len = X3DH_KEY_LEN;
	m.identity_key.data = id->pub;
	m.spk_id = spk.id;
	m.spk.len = X3DH_KEY_LEN;
	m.spk.data = spk.pub;
	m.spk_signature.len = X3DH_SIG_LEN;
	m.spk_signature.data = spk.sig;
	m.n_opks = n;
	m.opks = popks;
	req.method_case = SOTTO__REQUEST__METHOD_PUBLISH_PREKEYS;
	req.publish_prekeys = &m;
	r = secret__call(s, kind, &req, SECRET_CALL_MS, NULL, NULL, NULL);
	goto out;
fail_tx:
	store_rollback(s->st);
out:
	sec_free(id);
	sec_free(kp);
	free(opks);
	free(popks);
	free(pubs);
	return r;
}

/* The keys are published (or could not be): a waiting sync may end. */
void
secret__published(struct secret *s)
{
	s->publishing = 0;
	if (s->queue_done && !s->synced && !s->freeing)
		secret__set_synced(s, 0);
}

/* ---------------------------------------------------------- peer keys */

/*
 * Tells the server (and so the peer) that chat secret_id is closed; the
 * answer does not matter, the chat is already gone here.
 */
static void
secret_close_quietly(struct secret *s, uint64_t secret_id)
{
	Sotto__Request req = SOTTO__REQUEST__INIT;
	Sotto__CloseSecret m = SOTTO__CLOSE_SECRET__INIT;

	m.secret_id = secret_id;
	req.method_case = SOTTO__REQUEST__METHOD_CLOSE_SECRET;
	req.close_secret = &m;
	(void)secret__call(s, SC_PLAIN, &req, SECRET_CALL_MS, NULL, NULL, NULL);
}

/* Whether any other chat with the same peer device has another key. */
struct secret_ikcheck {
	uint64_t peer_user, peer_device, skip_secret;
	const uint8_t *ik;
	uint64_t found[16];
	size_t n;
};

static int
secret_ikcheck_cb(void *ud, const struct store_secret_chat *c)
{
	struct secret_ikcheck *k = ud;
	size_t i;

	if (c->peer_user != k->peer_user || c->peer_device != k->peer_device ||
	    c->secret_id == k->skip_secret ||
	    sec_equal(c->peer_ik, k->ik, X3DH_KEY_LEN))
		return 0;
	for (i = 0; i < k->n; i++)
		if (k->found[i] == c->secret_id)
			return 0;
	if (k->n < sizeof(k->found) / sizeof(k->found[0]))
		k->found[k->n++] = c->secret_id;
	return 0;
}

/*
 * The peer device's identity key is ik: any chat that knew another key
 * for it is closed (locally here, CloseSecret best-effort) with a loud
 * warning. With no such chat left, the key remembered from the last one
 * (closed or not) is compared: a difference is as loud, and *old then
 * names secret_id 0. Never re-keys silently.
 */
/*
 * Records a key change (in the caller's transaction) so that the warning
 * outlives the run: the TUI and --secret-list show it until the user
 * starts a new chat with the peer or dismisses it.
 */
int
secret__warn(struct secret *s, uint64_t peer_user, uint64_t peer_device,
    uint64_t secret_id)
{
	struct store_secret_warning w;

	memset(&w, 0, sizeof(w));
	w.peer_user = peer_user;
	w.peer_device = peer_device;
	w.secret_id = secret_id;
	w.date = secret__now();
	return store_secret_warn_add(s->st, &w);
}

int
secret__check_ik(struct secret *s, uint64_t peer_user, uint64_t peer_device,
    uint64_t skip_secret, const uint8_t *ik,
    struct store_secret_chat *old, int *changed)
{
	struct secret_ikcheck k;
	size_t i;
	int r;

	memset(&k, 0, sizeof(k));
	k.peer_user = peer_user;
	k.peer_device = peer_device;
	k.skip_secret = skip_secret;
	k.ik = ik;
	*changed = 0;
	if ((r = store_secret_list_chats(s->st, secret_ikcheck_cb, &k)) != 0)
		return r;
	for (i = 0; i < k.n; i++) {
		if (i == 0 && store_secret_get_chat(s->st, k.found[i], 0,
		    old) == 0)
			*changed = 1;
		log_warn("the identity key of user %llu device %llu CHANGED; "
		    "secret chat %llu is closed", (unsigned long long)peer_user,
		    (unsigned long long)peer_device,
		    (unsigned long long)k.found[i]);
		if ((r = secret__warn(s, peer_user, peer_device,
		    k.found[i])) != 0 ||
		    (r = store_secret_delete_chat(s->st, k.found[i])) != 0)
			return r;
		secret_close_quietly(s, k.found[i]);
	}
	if (k.n > 0)
		return 0;
	memset(old, 0, sizeof(*old));
	r = store_secret_peer_key(s->st, peer_user, peer_device, old->peer_ik);
	if (r == ERR_NOT_FOUND)
		return 0;
	if (r != 0)
		return r;
	if (!sec_equal(old->peer_ik, ik, X3DH_KEY_LEN)) {
		old->peer_user = peer_user;
		old->peer_device = peer_device;
		old->state = STORE_SECRET_CLOSED;
		*changed = 1;
		log_warn("the identity key of user %llu device %llu CHANGED "
		    "since the last secret chat with it",
		    (unsigned long long)peer_user,
		    (unsigned long long)peer_device);
		return secret__warn(s, peer_user, peer_device, 0);
	}
	return 0;
}
