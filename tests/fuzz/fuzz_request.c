/*
 * libFuzzer target for what sottod does with a decoded Request: the
 * dispatcher (server/srv.c) and every handler's field checks, over a real
 * store (SQLCipher, in a temporary directory) with real accounts.
 *
 * Four connections are set up once, each a struct srv_conn whose secure
 * channel finished a real Noise handshake with a client-side channel held
 * here: alice (two devices), bob, and one that is not signed in. carol has
 * an account but no connection. Answers and pushed updates travel through
 * the channels (encrypted, then decrypted and decoded here), as they would
 * to a client.
 *
 * The input is up to FZ_MAX_REQ records: one byte picking the connection,
 * two bytes (little endian) of length, then that many bytes of a protobuf
 * Request. Each is unpacked and dispatched as srv_conn.c dispatches a
 * frame; the request id is replaced by a counter. Argon2 jobs (Register,
 * Login) are waited for, then the turn's writes are committed, as the
 * loop's check handle does.
 *
 * Checked after each input: every request on a connection that the
 * dispatcher did not close was answered exactly once, with its id. A
 * broken invariant aborts. The store keeps what earlier inputs wrote (as
 * a server does); the connections are put back to their roles first.
 *
 * With FUZZ_WRITE_SEEDS=DIR set, writes its seed corpus into DIR and exits.
 */
#include "config.h"

#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto/noise.h"
#include "crypto/pwhash.h"
#include "crypto/sec.h"
#include "chan/chan.h"
#include "lib/err.h"
#include "server/srv.h"
#include "server/srv_conn.h"
#include "lib/log.h"
#include "server/srv_store.h"
#include "tests/fuzz/fuzz_common.h"

#define FZ_MAX_REQ 16
#define FZ_PASSWORD "correct horse battery"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fz_buf {
	uint8_t *p;
	size_t len, cap;
};

struct fz_peer {
	const char *name;
	uint64_t user_id;		/* 0: stays signed out */
	uint8_t priv[NOISE_KEY_LEN], pub[NOISE_KEY_LEN];
	struct srv_conn *c;		/* the server's side */
	struct chan *client;		/* ours */
	struct fz_buf to_server, to_client;
	uint64_t asked[FZ_MAX_REQ];	/* request ids sent this input */
	unsigned answers[FZ_MAX_REQ];
	size_t n_asked;
	int dropped;			/* the dispatcher closed it */
};

enum { FZ_ALICE, FZ_ALICE2, FZ_BOB, FZ_ANON, FZ_PEERS };

static struct {
	char dir[256];
	uv_loop_t loop;
	struct srv_keys keys;
	struct srv_store *store;
	struct srv srv;
	struct fz_peer peer[FZ_PEERS];
	uint64_t next_id;
} fz;

static void
fz_die(const char *what)
{
	fprintf(stderr, "fuzz_request: %s\n", what);
	abort();
}

static void
fz_buf_add(struct fz_buf *b, const uint8_t *p, size_t n)
{
	size_t cap = b->cap != 0 ? b->cap : 4096;
	uint8_t *np;

	while (cap < b->len + n)
		cap *= 2;
	if (cap != b->cap) {
		if ((np = realloc(b->p, cap)) == NULL)
			fz_die("out of memory");
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

/* The server's channel: its bytes go to our side. */
static void
fz_srv_send(void *ud, const uint8_t *p, size_t n)
{
	fz_buf_add(&((struct fz_peer *)ud)->to_client, p, n);
}

static int
fz_srv_ready(void *ud, const uint8_t *key, const char *sw)
{
	(void)ud;
	(void)key;
	(void)sw;
	return 0;
}

static int
fz_srv_frame(void *ud, const Sotto__Frame *f)
{
	(void)ud;
	(void)f;
	return ERR_PROTO;	/* we never send the server a frame here */
}

static const struct chan_ops fz_srv_ops = {
	fz_srv_send, fz_srv_ready, fz_srv_frame,
};

/* Our channel: its bytes go to the server's; frames are the answers. */
static void
fz_cli_send(void *ud, const uint8_t *p, size_t n)
{
	fz_buf_add(&((struct fz_peer *)ud)->to_server, p, n);
}

static int
fz_cli_frame(void *ud, const Sotto__Frame *f)
{
	struct fz_peer *pe = ud;
	size_t i;

	if (f->body_case != SOTTO__FRAME__BODY_RESPONSE)
		return 0;	/* updates and goodbyes: decoded, that is all */
	for (i = 0; i < pe->n_asked; i++)
		if (pe->asked[i] == f->response->id) {
			pe->answers[i]++;
			return 0;
		}
	fprintf(stderr, "fuzz_request: %s: answer to id %llu, never asked\n",
	    pe->name, (unsigned long long)f->response->id);
	abort();
}

static const struct chan_ops fz_cli_ops = {
	fz_cli_send, fz_srv_ready, fz_cli_frame,
};

/* Carries the bytes both ways until neither side has more to say. */
static void
fz_pump(struct fz_peer *pe)
{
	struct fz_buf b;

	while (pe->to_server.len > 0 || pe->to_client.len > 0) {
		b = pe->to_server;
		memset(&pe->to_server, 0, sizeof(pe->to_server));
		if (b.len > 0 && pe->c != NULL &&
		    chan_input(pe->c->chan, b.p, b.len) != 0)
			fz_die("the server's channel refused our bytes");
		free(b.p);
		b = pe->to_client;
		memset(&pe->to_client, 0, sizeof(pe->to_client));
		if (b.len > 0 && chan_input(pe->client, b.p, b.len) != 0)
			fz_die("our channel refused the server's bytes");
		free(b.p);
	}
}

/* A connection as srv_conn_accept() makes one, handshake done. */
static void
fz_connect(struct fz_peer *pe)
{
	struct srv *s = &fz.srv;
	struct srv_conn *c;

	chan_free(pe->client);
	pe->client = NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		fz_die("out of memory");
	c->srv = s;
	c->serial = ++s->next_serial;
	snprintf(c->addr, sizeof(c->addr), "127.0.0.%d",
	    (int)(pe - fz.peer) + 1);
	(void)uv_tcp_init(&fz.loop, &c->tcp);
	c->tcp.data = c;
	(void)uv_timer_init(&fz.loop, &c->timer);
	c->timer.data = c;
	c->handles = 2;
	c->next = s->conns;
	if (s->conns != NULL)
		s->conns->prev = c;
	s->conns = c;
	s->nconns++;
	if (chan_new(&c->chan, NOISE_RESPONDER, fz.keys.noise_priv, "sottod",
	    &fz_srv_ops, pe) != 0 ||
	    chan_new(&pe->client, NOISE_INITIATOR, pe->priv, "fuzz",
	    &fz_cli_ops, pe) != 0 || chan_start(pe->client) != 0)
		fz_die("cannot make the channels");
	pe->c = c;
	fz_pump(pe);
	if (!chan_is_ready(c->chan) || !chan_is_ready(pe->client))
		fz_die("the handshake did not finish");
	memcpy(c->key, pe->pub, NOISE_KEY_LEN);
	c->ready = 1;
}

/* Puts the peer back in its role: signed in as its device, or out. */
static void
fz_restore(struct fz_peer *pe)
{
	struct srv_conn *c;
	struct srv_device d;
	int r;

	if (pe->c == NULL || pe->c->closing) {
		/* The close callbacks free it (srv_conn.c). */
		pe->c = NULL;
		(void)uv_run(&fz.loop, UV_RUN_DEFAULT);
		fz_connect(pe);
	}
	c = pe->c;
	if (pe->user_id == 0) {
		if (c->authed) {
			(void)srv_store_device_remove(fz.store, c->device_id);
			srv_unbind_user(c);
			c->authed = 0;
			c->user_id = c->device_id = 0;
		}
		return;
	}
	if (c->authed && c->user_id == pe->user_id &&
	    srv_store_device_by_key(fz.store, pe->pub, &d) == 0 &&
	    d.id == c->device_id)
		return;
	srv_unbind_user(c);
	if ((r = srv_store_device_by_key(fz.store, pe->pub, &d)) != 0) {
		memset(&d, 0, sizeof(d));
		d.user_id = pe->user_id;
		memcpy(d.key, pe->pub, NOISE_KEY_LEN);
		snprintf(d.name, sizeof(d.name), "%s's device", pe->name);
		if (srv_store_device_add(fz.store, &d) != 0)
			fz_die("cannot bind a device");
	} else if (d.user_id != pe->user_id)
		fz_die("a test device was bound to another account");
	c->authed = 1;
	c->user_id = pe->user_id;
	c->device_id = d.id;
	srv_bind_user(c);
}

static int
fz_rm(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(path);
}

static void
fz_cleanup(void)
{
	if (fz.dir[0] != '\0')
		(void)nftw(fz.dir, fz_rm, 16, FTW_DEPTH | FTW_PHYS);
}

static uint64_t
fz_account(const char *name, const char *phone, const uint8_t *key)
{
	static char hash[PWHASH_STR_LEN];
	struct srv_user u;
	struct srv_device d;

	memset(&u, 0, sizeof(u));
	memset(&d, 0, sizeof(d));
	snprintf(u.username, sizeof(u.username), "%s", name);
	snprintf(u.display_name, sizeof(u.display_name), "%c%s", name[0] - 32,
	    name + 1);
	snprintf(u.phone, sizeof(u.phone), "%s", phone);
	/* One Argon2 run for all: they share the password. */
	if (hash[0] == '\0' &&
	    pwhash_hash(hash, FZ_PASSWORD, strlen(FZ_PASSWORD)) != 0)
		fz_die("cannot hash the password");
	memcpy(u.pwhash, hash, sizeof(u.pwhash));
	memcpy(d.key, key, NOISE_KEY_LEN);
	snprintf(d.name, sizeof(d.name), "%s's laptop", name);
	if (srv_store_register(fz.store, &u, &d) != 0)
		fz_die("cannot register");
	return u.id;
}

static void fz_write_seeds(const char *dir);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *tmp = getenv("TMPDIR");
	static const char *const names[FZ_PEERS] = {
		"alice", "alice", "bob", "anon",
	};
	uint8_t carol_pub[NOISE_KEY_LEN], carol_priv[NOISE_KEY_LEN];
	size_t i;

	(void)argc;
	(void)argv;
	fuzz_write_seeds_if_asked(fz_write_seeds);
	if (sec_init() != 0)
		fz_die("libsodium");
	snprintf(fz.dir, sizeof(fz.dir), "%s/fuzz_request.XXXXXX",
	    tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	if (mkdtemp(fz.dir) == NULL)
		fz_die("cannot make a temporary directory");
	atexit(fz_cleanup);
	/* Quiet: the log would cost more than the requests. */
	if (log_open("/dev/null", 0) != 0)
		fz_die("cannot open the log");
	log_set_level(LOG_LEVEL_ERROR);
	sec_random(fz.keys.store_key, sizeof(fz.keys.store_key));
	if (noise_keypair(fz.keys.noise_pub, fz.keys.noise_priv) != 0 ||
	    srv_store_open(&fz.store, fz.dir, fz.keys.store_key, 0) != 0 ||
	    uv_loop_init(&fz.loop) != 0 ||
	    srv_init(&fz.srv, &fz.loop, &fz.keys, fz.store) != 0)
		fz_die("cannot start the server");
	for (i = 0; i < FZ_PEERS; i++) {
		fz.peer[i].name = names[i];
		if (noise_keypair(fz.peer[i].pub, fz.peer[i].priv) != 0)
			fz_die("keys");
	}
	if (noise_keypair(carol_pub, carol_priv) != 0)
		fz_die("keys");
	fz.peer[FZ_ALICE].user_id = fz_account("alice", "+15550001",
	    fz.peer[FZ_ALICE].pub);
	fz.peer[FZ_ALICE2].user_id = fz.peer[FZ_ALICE].user_id;
	fz.peer[FZ_BOB].user_id = fz_account("bob", "+15550002",
	    fz.peer[FZ_BOB].pub);
	(void)fz_account("carol", "", carol_pub);
	for (i = 0; i < FZ_PEERS; i++)
		fz_restore(&fz.peer[i]);
	if (srv_store_commit(fz.store) != 0)
		fz_die("cannot commit the accounts");
	return 0;
}

/* Dispatches one request as srv_conn.c does with a Request frame. */
static void
fz_one(struct fz_peer *pe, const uint8_t *p, size_t n)
{
	Sotto__Request *req;
	int r;

	if (pe->dropped || pe->n_asked == FZ_MAX_REQ)
		return;
	if ((req = sotto__request__unpack(NULL, n, p)) == NULL)
		return;		/* chan.c drops the connection: nothing to do */
	req->id = ++fz.next_id;
	pe->asked[pe->n_asked] = req->id;
	pe->answers[pe->n_asked] = 0;
	pe->n_asked++;
	r = srv_dispatch(pe->c, req);
	sotto__request__free_unpacked(req, NULL);
	if (r != 0 || pe->c->closing)
		pe->dropped = 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *rec;
	struct fz_peer *pe;
	size_t i, k, n;
	int peer;

	for (i = 0; i < FZ_PEERS; i++) {
		fz_restore(&fz.peer[i]);
		fz.peer[i].n_asked = 0;
		fz.peer[i].dropped = 0;
	}
	if (srv_store_commit(fz.store) != 0)
		fz_die("commit");
	for (k = 0; k < FZ_MAX_REQ &&
	    fuzz_next_record(&data, &size, &peer, &rec, &n); k++) {
		pe = &fz.peer[peer % FZ_PEERS];
		fz_one(pe, rec, n);
		for (i = 0; i < FZ_PEERS; i++)
			if (!fz.peer[i].dropped)
				fz_pump(&fz.peer[i]);
	}
	/* Argon2 in the thread pool, then the group commit. */
	if (fz.srv.jobs > 0)
		(void)uv_run(&fz.loop, UV_RUN_DEFAULT);
	if (srv_store_pending(fz.store) && srv_store_commit(fz.store) != 0)
		fz_die("the turn's writes were not committed");
	for (i = 0; i < FZ_PEERS; i++) {
		pe = &fz.peer[i];
		if (pe->dropped)
			continue;
		fz_pump(pe);
		for (k = 0; k < pe->n_asked; k++)
			if (pe->answers[k] != 1) {
				fprintf(stderr, "fuzz_request: %s: request "
				    "%llu answered %u times\n", pe->name,
				    (unsigned long long)pe->asked[k],
				    pe->answers[k]);
				abort();
			}
	}
	return 0;
}

/* ---------------------------------------------------------------- seeds */

static FILE *fz_seed_f;

static void
fz_seed_req(int peer, Sotto__Request *req)
{
	uint8_t buf[4096];
	size_t n = sotto__request__get_packed_size(req);

	if (n > sizeof(buf))
		fz_die("seed too big");
	sotto__request__pack(req, buf);
	fuzz_seed_record(fz_seed_f, peer, buf, n);
}

static void
fz_seed_close(void)
{
	if (fclose(fz_seed_f) != 0)
		fz_die("cannot write a seed");
}

static void
fz_write_seeds(const char *dir)
{
	Sotto__Request req = SOTTO__REQUEST__INIT;
	Sotto__SendMessage sm = SOTTO__SEND_MESSAGE__INIT;
	Sotto__ResolveUser ru = SOTTO__RESOLVE_USER__INIT;
	Sotto__GetDifference gd = SOTTO__GET_DIFFERENCE__INIT;
	Sotto__CreateGroup cg = SOTTO__CREATE_GROUP__INIT;
	Sotto__RenameChat rc = SOTTO__RENAME_CHAT__INIT;
	Sotto__AddMember am = SOTTO__ADD_MEMBER__INIT;
	Sotto__EditMessage em = SOTTO__EDIT_MESSAGE__INIT;
	Sotto__DeleteMessages dm = SOTTO__DELETE_MESSAGES__INIT;
	Sotto__ReadHistory rh = SOTTO__READ_HISTORY__INIT;
	Sotto__Register rg = SOTTO__REGISTER__INIT;
	Sotto__Login lg = SOTTO__LOGIN__INIT;
	Sotto__SetPrivacy sp = SOTTO__SET_PRIVACY__INIT;
	Sotto__PrivacyRule rule = SOTTO__PRIVACY_RULE__INIT;
	Sotto__Block bl = SOTTO__BLOCK__INIT;
	Sotto__GetPrekeyBundles gb = SOTTO__GET_PREKEY_BUNDLES__INIT;
	Sotto__WhoAmI wh = SOTTO__WHO_AM_I__INIT;
	Sotto__GetState gs = SOTTO__GET_STATE__INIT;
	Sotto__GetContacts gc = SOTTO__GET_CONTACTS__INIT;
	Sotto__AddContact ac = SOTTO__ADD_CONTACT__INIT;
	uint64_t ids[2] = { 1, 2 };

	/* Messages between alice and bob, then reads, edits, deletes. */
	fz_seed_f = fuzz_seed_open(dir, "chat");
	sm.to_user_id = 2;
	sm.text = (char *)"hello bob";
	sm.random_id = 7;
	req.method_case = SOTTO__REQUEST__METHOD_SEND_MESSAGE;
	req.send_message = &sm;
	fz_seed_req(FZ_ALICE, &req);
	sm.to_user_id = 1;
	sm.text = (char *)"hi \xc3\xa9";
	sm.random_id = 8;
	fz_seed_req(FZ_BOB, &req);
	rh.chat_id = 1;
	rh.max_id = 2;
	req.method_case = SOTTO__REQUEST__METHOD_READ_HISTORY;
	req.read_history = &rh;
	fz_seed_req(FZ_ALICE2, &req);
	em.chat_id = 1;
	em.id = 1;
	em.text = (char *)"edited";
	req.method_case = SOTTO__REQUEST__METHOD_EDIT_MESSAGE;
	req.edit_message = &em;
	fz_seed_req(FZ_ALICE, &req);
	dm.chat_id = 1;
	dm.ids = ids;
	dm.n_ids = 2;
	dm.for_everyone = 1;
	req.method_case = SOTTO__REQUEST__METHOD_DELETE_MESSAGES;
	req.delete_messages = &dm;
	fz_seed_req(FZ_BOB, &req);
	gd.pts = 0;
	gd.limit = 100;
	gd.compact = 1;
	req.method_case = SOTTO__REQUEST__METHOD_GET_DIFFERENCE;
	req.get_difference = &gd;
	fz_seed_req(FZ_ALICE2, &req);
	fz_seed_close();

	/* A group: made, renamed, grown. */
	fz_seed_f = fuzz_seed_open(dir, "group");
	cg.title = (char *)"the group";
	cg.member_ids = ids;
	cg.n_member_ids = 2;
	cg.random_id = 9;
	req.method_case = SOTTO__REQUEST__METHOD_CREATE_GROUP;
	req.create_group = &cg;
	fz_seed_req(FZ_ALICE, &req);
	rc.chat_id = 2;
	rc.title = (char *)"renamed";
	req.method_case = SOTTO__REQUEST__METHOD_RENAME_CHAT;
	req.rename_chat = &rc;
	fz_seed_req(FZ_BOB, &req);
	am.chat_id = 2;
	am.user_id = 3;
	req.method_case = SOTTO__REQUEST__METHOD_ADD_MEMBER;
	req.add_member = &am;
	fz_seed_req(FZ_ALICE, &req);
	fz_seed_close();

	/* Lookups, contacts, privacy and blocks. */
	fz_seed_f = fuzz_seed_open(dir, "people");
	ru.username = (char *)"carol";
	req.method_case = SOTTO__REQUEST__METHOD_RESOLVE_USER;
	req.resolve_user = &ru;
	fz_seed_req(FZ_BOB, &req);
	ac.user_id = 3;
	req.method_case = SOTTO__REQUEST__METHOD_ADD_CONTACT;
	req.add_contact = &ac;
	fz_seed_req(FZ_BOB, &req);
	req.method_case = SOTTO__REQUEST__METHOD_GET_CONTACTS;
	req.get_contacts = &gc;
	fz_seed_req(FZ_BOB, &req);
	rule.key = 1;
	rule.value = 2;
	rule.allow_ids = ids + 1;
	rule.n_allow_ids = 1;
	sp.rule = &rule;
	req.method_case = SOTTO__REQUEST__METHOD_SET_PRIVACY;
	req.set_privacy = &sp;
	fz_seed_req(FZ_ALICE, &req);
	bl.user_id = 2;
	req.method_case = SOTTO__REQUEST__METHOD_BLOCK;
	req.block = &bl;
	fz_seed_req(FZ_ALICE, &req);
	gb.user_id = 1;
	req.method_case = SOTTO__REQUEST__METHOD_GET_PREKEY_BUNDLES;
	req.get_prekey_bundles = &gb;
	fz_seed_req(FZ_BOB, &req);
	req.method_case = SOTTO__REQUEST__METHOD_WHOAMI;
	req.whoami = &wh;
	fz_seed_req(FZ_ALICE2, &req);
	req.method_case = SOTTO__REQUEST__METHOD_GET_STATE;
	req.get_state = &gs;
	fz_seed_req(FZ_ANON, &req);
	fz_seed_close();

	/* Signing in from the connection that is signed out. */
	fz_seed_f = fuzz_seed_open(dir, "account");
	rg.username = (char *)"dave";
	rg.password = (char *)FZ_PASSWORD;
	rg.display_name = (char *)"Dave";
	rg.device_name = (char *)"phone";
	req.method_case = SOTTO__REQUEST__METHOD_REGISTER;
	req.register_ = &rg;
	fz_seed_req(FZ_ANON, &req);
	lg.username = (char *)"alice";
	lg.password = (char *)FZ_PASSWORD;
	req.method_case = SOTTO__REQUEST__METHOD_LOGIN;
	req.login = &lg;
	fz_seed_req(FZ_ANON, &req);
	fz_seed_close();
}
