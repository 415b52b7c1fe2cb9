/*
 * Secret chats, prekeys: PublishPrekeys stores a device's identity key,
 * signed prekey and one-time prekeys; GetPrekeyBundles hands out a
 * bundle per device of a user (each one-time prekey once), as the
 * user's secret_chats rule allows (doc/PROTOCOL.md, "Methods (secret
 * chats)"). Logs carry ids, never keys.
 */
#include "config.h"

#include "server/srv_secret.h"

#include <stdlib.h>
#include <string.h>

#include "crypto/x3dh.h"
#include "lib/err.h"
#include "server/srv.h"
#include "server/srv_conn.h"
#include "server/srv_directory.h"
#include "lib/log.h"
#include "server/srv_reply.h"
#include "server/srv_secret_int.h"
#include "server/srv_store.h"
#include "server/srv_visible.h"

static int
sec_reply_state(struct srv_conn *c, uint64_t id, uint32_t count,
    uint32_t spk_id)
{
	Sotto__Response resp = SOTTO__RESPONSE__INIT;
	Sotto__PrekeyState ps = SOTTO__PREKEY_STATE__INIT;

	ps.opk_count = count;
	ps.spk_id = spk_id;
	resp.result_case = SOTTO__RESPONSE__RESULT_PREKEYS;
	resp.prekeys = &ps;
	return srv_reply(c, id, &resp);
}

int
srv_secret_publish(struct srv_conn *c, uint64_t id,
    const Sotto__PublishPrekeys *m)
{
	struct srv_store *st = c->srv->store;
	struct srv_prekeys old, nw;
	int have_old, spk_given, r;
	uint32_t count = 0;
	size_t i, j;

	if (!srv_secret__key_ok(&m->identity_key, SRV_IK_LEN))
		return srv_conn_error(c, id, ERR_INVAL,
		    "the identity key must be 32 bytes", 0);
	spk_given = m->spk.len != 0 || m->spk_signature.len != 0 ||
	    m->spk_id != 0;
	if (m->n_opks > SRV_OPK_MAX)
		return srv_conn_error(c, id, ERR_TOO_BIG,
		    "at most 200 one-time prekeys", 0);
	for (i = 0; i < m->n_opks; i++) {
		if (m->opks[i]->id == 0 ||
		    !srv_secret__key_ok(&m->opks[i]->key, SRV_PK_LEN))
			return srv_conn_error(c, id, ERR_INVAL,
			    "a one-time prekey needs a nonzero id and 32 bytes",
			    0);
		for (j = 0; j < i; j++)
			if (m->opks[j]->id == m->opks[i]->id)
				return srv_conn_error(c, id, ERR_INVAL,
				    "two one-time prekeys with one id", 0);
	}
	if ((r = srv_store_prekeys_get(st, c->device_id, &old)) != 0 &&
	    r != ERR_NOT_FOUND)
		return srv_reply_fail(c, id, r, NULL);
	have_old = r == 0;
	if (have_old && memcmp(old.ik, m->identity_key.data, SRV_IK_LEN) != 0)
		return srv_conn_error(c, id, ERR_EXISTS,
		    "this device has another identity key", 0);
	if (!spk_given && !have_old)
		return srv_conn_error(c, id, ERR_INVAL,
		    "a signed prekey is needed", 0);
	if (spk_given) {
		if (m->spk_id == 0 || !srv_secret__key_ok(&m->spk,
		    SRV_PK_LEN) ||
		    !srv_secret__key_ok(&m->spk_signature, SRV_SIG_LEN))
			return srv_conn_error(c, id, ERR_INVAL,
			    "a signed prekey needs a nonzero id, 32 bytes and"
			    " a 64-byte signature", 0);
		if (x3dh_verify_prekey(m->identity_key.data, m->spk.data,
		    m->spk_signature.data) != 0)
			return srv_conn_error(c, id, ERR_INVAL,
			    "the signed prekey's signature does not verify", 0);
		memset(&nw, 0, sizeof(nw));
		nw.device_id = c->device_id;
		memcpy(nw.ik, m->identity_key.data, SRV_IK_LEN);
		nw.spk_id = m->spk_id;
		memcpy(nw.spk, m->spk.data, SRV_PK_LEN);
		memcpy(nw.sig, m->spk_signature.data, SRV_SIG_LEN);
	} else {
		nw = old;
	}
	if ((r = srv_store_atomic_begin(st)) != 0)
		return srv_reply_fail(c, id, r, NULL);
	if (spk_given)
		r = srv_store_prekeys_set(st, &nw);
	for (i = 0; r == 0 && i < m->n_opks; i++)
		r = srv_store_opk_add(st, c->device_id, m->opks[i]->id,
		    m->opks[i]->key.data);
	if (r == 0)
		r = srv_store_opk_count(st, c->device_id, &count);
	if (r == 0 && count > SRV_OPK_MAX)
		r = ERR_TOO_BIG;
	if ((r = srv_store_atomic_end(st, r)) != 0)
		return srv_reply_fail(c, id, r, r == ERR_TOO_BIG ?
		    "the pool would hold more than 200 one-time prekeys" : NULL);
	log_info("conn %llu: device %llu published prekeys (spk %u, %u opks)",
	    (unsigned long long)c->serial, (unsigned long long)c->device_id,
	    (unsigned)nw.spk_id, (unsigned)count);
	return sec_reply_state(c, id, count, nw.spk_id);
}

int
srv_secret_bundles(struct srv_conn *c, uint64_t id,
    const Sotto__GetPrekeyBundles *m)
{
	struct srv *s = c->srv;
	struct srv_store *st = s->store;
	Sotto__Response resp = SOTTO__RESPONSE__INIT;
	Sotto__PrekeyBundles out = SOTTO__PREKEY_BUNDLES__INIT;
	Sotto__PrekeyBundle *b = NULL, **bp = NULL;
	struct srv_prekeys *pk = NULL;
	struct srv_profile prof;
	uint64_t *devs = NULL;
	uint32_t retry = 0;
	size_t n = 0, i;
	int r;

	if (m->user_id == c->user_id)
		return srv_conn_error(c, id, ERR_INVAL,
		    "a secret chat is with somebody else", 0);
	/* Bundles name a user's devices and spend its OPKs: a lookup. */
	if (srv_dir_take(c, SRV_DIR_ASK_KEYS, 1, 1.0, &retry) != 0)
		return srv_dir_limited(c, id, retry);
	if ((r = srv_visible_profile(st, c->user_id, m->user_id, &prof)) ==
	    ERR_NOT_FOUND)
		return srv_conn_error(c, id, ERR_NOT_FOUND, "no such user", 0);
	if (r != 0)
		return srv_reply_fail(c, id, r, NULL);
	if ((r = srv_secret__may_contact(st, c->user_id, m->user_id)) != 0)
		return srv_reply_fail(c, id, r,
		    "this user takes no secret chats");
	if ((r = srv_store_prekey_devices(st, m->user_id, &devs, &n)) != 0)
		return srv_reply_fail(c, id, r, NULL);
	if (n == 0) {
		free(devs);
		return srv_conn_error(c, id, ERR_NOT_FOUND,
		    "this user has no device that takes secret chats", 0);
	}
	if ((b = calloc(n, sizeof(*b))) == NULL ||
	    (bp = calloc(n, sizeof(*bp))) == NULL ||
	    (pk = calloc(n, sizeof(*pk))) == NULL) {
		r = srv_reply_fail(c, id, ERR_NOMEM, NULL);
		goto out;
	}
	/* Each bundle takes its OPK out of the pool: a handed-out OPK is gone. */
	if ((r = srv_store_atomic_begin(st)) != 0) {
		r = srv_reply_fail(c, id, r, NULL);
		goto out;
	}
	for (i = 0; r == 0 && i < n; i++)
		if ((r = srv_store_prekeys_get(st, devs[i], &pk[i])) == 0)
			r = srv_store_opk_take(st, &pk[i]);
	if ((r = srv_store_atomic_end(st, r)) != 0) {
		r = srv_reply_fail(c, id, r == ERR_NOT_FOUND ? ERR_DB : r,
		    NULL);
		goto out;
	}
	for (i = 0; i < n; i++) {
		sotto__prekey_bundle__init(&b[i]);
		b[i].device_id = pk[i].device_id;
		b[i].identity_key.data = pk[i].ik;
		b[i].identity_key.len = SRV_IK_LEN;
		b[i].spk_id = pk[i].spk_id;
		b[i].spk.data = pk[i].spk;
		b[i].spk.len = SRV_PK_LEN;
		b[i].spk_signature.data = pk[i].sig;
		b[i].spk_signature.len = SRV_SIG_LEN;
		if (pk[i].opk_id != 0) {
			b[i].opk_id = pk[i].opk_id;
			b[i].opk.data = pk[i].opk;
			b[i].opk.len = SRV_PK_LEN;
		}
		bp[i] = &b[i];
	}
	out.n_bundles = n;
	out.bundles = bp;
	resp.result_case = SOTTO__RESPONSE__RESULT_BUNDLES;
	resp.bundles = &out;
	r = srv_reply(c, id, &resp);
out:
	free(devs);
	free(b);
	free(bp);
	free(pk);
	return r;
}
