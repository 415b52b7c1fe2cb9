/*
 * ratchet_driver: our X3DH and Double Ratchet behind JSON, for the interop
 * test against python3-x3dh and python3-doubleratchet. One run reads one
 * JSON object on stdin and writes one JSON object on stdout; the ratchet
 * state travels between runs as a serialised blob, so every run after the
 * first also exercises ratchet_serialize()/ratchet_deserialize(). The
 * format is in doc/INTEROP.md. Exit status: 0 when the script ran (each
 * step reports its own success), 1 on a malformed script or a failed
 * setup, with "ratchet_driver: WHAT" on stderr.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/ratchet.h"
#include "crypto/sec.h"
#include "crypto/x3dh.h"
#include "lib/err.h"

#define BUF_MAX 65536

static uint8_t buf_in[BUF_MAX], buf_out[BUF_MAX + RATCHET_OVERHEAD];
static uint8_t blob[RATCHET_BLOB_MAX];
static char hexbuf[2 * (BUF_MAX + RATCHET_BLOB_MAX) + 1];

static void
fail(const char *what)
{
	fprintf(stderr, "ratchet_driver: %s\n", what);
	exit(1);
}

/* Reads exactly n bytes of hex from obj[key] into out. */
static void
get_hex(const json_t *obj, const char *key, uint8_t *out, size_t n)
{
	const char *s = json_string_value(json_object_get(obj, key));
	size_t got;

	if (s == NULL || sec_hex_decode(out, n, &got, s, strlen(s)) != 0 ||
	    got != n) {
		fprintf(stderr, "ratchet_driver: \"%s\" must be %zu bytes of "
		    "hex\n", key, n);
		exit(1);
	}
}

/* Reads hex of any length up to cap; returns the length. */
static size_t
get_hex_any(const json_t *obj, const char *key, uint8_t *out, size_t cap)
{
	const char *s = json_string_value(json_object_get(obj, key));
	size_t got;

	if (s == NULL || sec_hex_decode(out, cap, &got, s, strlen(s)) != 0) {
		fprintf(stderr, "ratchet_driver: \"%s\" must be hex\n", key);
		exit(1);
	}
	return got;
}

static int
has(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);

	return v != NULL && !json_is_null(v);
}

static json_t *
hex(const uint8_t *b, size_t n)
{
	if (sec_hex_encode(hexbuf, sizeof(hexbuf), b, n) != 0)
		fail("hex");
	return json_string(hexbuf);
}

/* {"ik_seed", "spk_priv", "opk_priv"?} -> our public bundle. */
static json_t *
make_bundle(const json_t *in, struct x3dh_identity *id,
    struct x3dh_keypair *spk, struct x3dh_keypair *opk, int *has_opk)
{
	uint8_t seed[32], priv[32], sig[X3DH_SIG_LEN];
	json_t *o = json_object();

	get_hex(in, "ik_seed", seed, 32);
	get_hex(in, "spk_priv", priv, 32);
	if (x3dh_identity_from_seed(id, seed) != 0 ||
	    x3dh_keypair_from_priv(spk, priv) != 0 ||
	    x3dh_sign_prekey(sig, id, spk->pub) != 0)
		fail("bundle keys");
	json_object_set_new(o, "ik", hex(id->pub, 32));
	json_object_set_new(o, "spk", hex(spk->pub, 32));
	json_object_set_new(o, "spk_sig", hex(sig, sizeof(sig)));
	*has_opk = has(in, "opk_priv");
	if (*has_opk) {
		get_hex(in, "opk_priv", priv, 32);
		if (x3dh_keypair_from_priv(opk, priv) != 0)
			fail("opk");
		json_object_set_new(o, "opk", hex(opk->pub, 32));
	}
	sec_wipe(seed, sizeof(seed));
	sec_wipe(priv, sizeof(priv));
	return o;
}

static struct ratchet *
run_x3dh(const json_t *in, json_t *res)
{
	struct x3dh_identity *id = sec_alloc(sizeof(*id));
	struct x3dh_keypair *spk = sec_alloc(sizeof(*spk));
	struct x3dh_keypair *opk = sec_alloc(sizeof(*opk));
	struct x3dh_result *xr = sec_alloc(sizeof(*xr));
	const char *role = json_string_value(json_object_get(in, "role"));
	const json_t *pb = json_object_get(in, "peer_bundle");
	const json_t *im = json_object_get(in, "init");
	struct x3dh_bundle bundle;
	struct x3dh_init init;
	struct ratchet *r = NULL;
	uint8_t seed[32], ek[32];
	json_t *o = json_object();
	int has_opk, rc;

	if (id == NULL || spk == NULL || opk == NULL || xr == NULL)
		fail("memory");
	memset(&bundle, 0, sizeof(bundle));
	memset(&init, 0, sizeof(init));
	if (role != NULL && strcmp(role, "initiator") == 0) {
		get_hex(in, "ik_seed", seed, 32);
		if (x3dh_identity_from_seed(id, seed) != 0)
			fail("identity");
		if (!json_is_object(pb))
			fail("an initiator needs \"peer_bundle\"");
		get_hex(pb, "ik", bundle.ik, 32);
		get_hex(pb, "spk", bundle.spk, 32);
		get_hex(pb, "spk_sig", bundle.spk_sig, X3DH_SIG_LEN);
		if ((bundle.has_opk = has(pb, "opk")))
			get_hex(pb, "opk", bundle.opk, 32);
		if (has(in, "ek_priv"))
			get_hex(in, "ek_priv", ek, 32);
		rc = x3dh_initiate(xr, &init, id, &bundle,
		    has(in, "ek_priv") ? ek : NULL);
		json_object_set_new(o, "ok", json_boolean(rc == 0));
		if (rc != 0) {
			json_object_set_new(o, "error",
			    json_string(err_name(rc)));
			goto out;
		}
		json_object_set_new(o, "ik", hex(init.ik, 32));
		json_object_set_new(o, "ek", hex(init.ek, 32));
		json_object_set_new(o, "spk", hex(init.spk, 32));
		json_object_set_new(o, "opk", init.has_opk ?
		    hex(init.opk, 32) : json_null());
		if (ratchet_init_alice(&r, xr->sk, xr->ad, bundle.spk) != 0)
			fail("ratchet_init_alice");
	} else if (role != NULL && strcmp(role, "responder") == 0) {
		json_decref(make_bundle(in, id, spk, opk, &has_opk));
		if (!json_is_object(im))
			fail("a responder needs \"init\"");
		get_hex(im, "ik", init.ik, 32);
		get_hex(im, "ek", init.ek, 32);
		get_hex(im, "spk", init.spk, 32);
		if ((init.has_opk = has(im, "opk")))
			get_hex(im, "opk", init.opk, 32);
		rc = x3dh_respond(xr, id, spk, init.has_opk ? opk : NULL,
		    &init);
		json_object_set_new(o, "ok", json_boolean(rc == 0));
		if (rc != 0) {
			json_object_set_new(o, "error",
			    json_string(err_name(rc)));
			goto out;
		}
		if (ratchet_init_bob(&r, xr->sk, xr->ad, spk->pub,
		    spk->priv) != 0)
			fail("ratchet_init_bob");
	} else
		fail("\"role\" must be initiator or responder");
	json_object_set_new(o, "sk", hex(xr->sk, 32));
	json_object_set_new(o, "ad", hex(xr->ad, 64));
out:
	json_object_set_new(res, "x3dh", o);
	sec_wipe(seed, sizeof(seed));
	sec_wipe(ek, sizeof(ek));
	sec_free(id);
	sec_free(spk);
	sec_free(opk);
	sec_free(xr);
	return r;
}

static json_t *
run_step(struct ratchet *r, const json_t *step)
{
	json_t *o = json_object();
	size_t n, len;
	int rc;

	if (has(step, "encrypt")) {
		n = get_hex_any(step, "encrypt", buf_in, BUF_MAX);
		rc = ratchet_encrypt(r, buf_in, n, buf_out, sizeof(buf_out),
		    &len);
		if (rc == 0)
			json_object_set_new(o, "msg", hex(buf_out, len));
	} else if (has(step, "decrypt")) {
		n = get_hex_any(step, "decrypt", buf_in, BUF_MAX);
		rc = ratchet_decrypt(r, buf_in, n, buf_out, sizeof(buf_out),
		    &len);
		if (rc == 0)
			json_object_set_new(o, "pt", hex(buf_out, len));
	} else
		fail("a step is {\"encrypt\": HEX} or {\"decrypt\": HEX}");
	json_object_set_new(o, "ok", json_boolean(rc == 0));
	if (rc != 0)
		json_object_set_new(o, "error", json_string(err_name(rc)));
	return o;
}

int
main(void)
{
	json_error_t jerr;
	json_t *in, *res, *steps, *step, *results;
	struct ratchet *r = NULL;
	struct x3dh_identity *id;
	struct x3dh_keypair *spk, *opk;
	size_t i, len;
	int has_opk;

	if (sec_init() != 0)
		fail("libsodium");
	if ((in = json_loadf(stdin, 0, &jerr)) == NULL) {
		fprintf(stderr, "ratchet_driver: stdin:%d: %s\n", jerr.line,
		    jerr.text);
		return 1;
	}
	res = json_object();
	if (has(in, "bundle")) {
		id = sec_alloc(sizeof(*id));
		spk = sec_alloc(sizeof(*spk));
		opk = sec_alloc(sizeof(*opk));
		if (id == NULL || spk == NULL || opk == NULL)
			fail("memory");
		json_object_set_new(res, "bundle", make_bundle(
		    json_object_get(in, "bundle"), id, spk, opk, &has_opk));
		sec_free(id);
		sec_free(spk);
		sec_free(opk);
	}
	if (has(in, "x3dh"))
		r = run_x3dh(json_object_get(in, "x3dh"), res);
	else if (has(in, "state")) {
		len = get_hex_any(in, "state", blob, sizeof(blob));
		if (ratchet_deserialize(&r, blob, len) != 0)
			fail("the state blob does not deserialise");
	}
	steps = json_object_get(in, "steps");
	if (steps != NULL && json_array_size(steps) > 0 && r == NULL)
		fail("steps need a ratchet: give \"x3dh\" or \"state\"");
	results = json_array();
	json_array_foreach(steps, i, step)
		json_array_append_new(results, run_step(r, step));
	json_object_set_new(res, "results", results);
	if (r != NULL) {
		if (ratchet_serialize(r, blob, sizeof(blob), &len) != 0)
			fail("serialise");
		json_object_set_new(res, "state", hex(blob, len));
		json_object_set_new(res, "skipped",
		    json_integer((json_int_t)ratchet_skipped(r)));
		sec_wipe(blob, sizeof(blob));
		ratchet_free(r);
	}
	if (json_dumpf(res, stdout, JSON_COMPACT) != 0 ||
	    fputc('\n', stdout) == EOF || fflush(stdout) != 0)
		fail("write");
	json_decref(res);
	json_decref(in);
	return 0;
}
