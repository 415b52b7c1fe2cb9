/*
 * Register, login, logout and whoami.
 *
 * Register and Login check their input on the loop, take rate-limit
 * tokens, then hand Argon2id to the thread pool with a copy of the
 * password in secure memory. The completion runs on the loop again: it
 * re-checks what may have changed meanwhile (the username taken by
 * another registration, the key bound by another login), writes, and
 * answers; the group commit holds the answer until the write is durable.
 */
#include "config.h"

#include "server/srv_auth.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto/pwhash.h"
#include "crypto/sec.h"
#include "lib/err.h"
#include "lib/log.h"
#include "lib/utf8.h"
#include "proto/textrule.h"
#include "server/srv.h"
#include "server/srv_conn.h"
#include "server/srv_reply.h"
#include "server/srv_session.h"
#include "server/srv_text.h"
#include "server/srv_store_session.h"
#include "server/srv_tombstone.h"

#define SRV_AUTH_FAILED "wrong username or password"

enum srv_job_kind { SRV_JOB_REGISTER, SRV_JOB_LOGIN };

struct srv_job {
	uv_work_t work;
	enum srv_job_kind kind;
	struct srv *srv;
	struct srv_conn *conn;		/* NULL once the connection is gone */
	uint64_t req_id;
	int result;			/* of the Argon2 call */
	int known;			/* login: the username exists */
	char *password;			/* sec_alloc()ed */
	size_t password_len;
	struct srv_user user;		/* register: the new account */
	char device_name[SRV_DEVICE_NAME_MAX + 1];
	char software[SRV_SOFTWARE_MAX + 1];	/* the client's, or "" */
	char username[SRV_USERNAME_MAX + 1];	/* the rate-limit key */
};

/* ---------------------------------------------------------------- checks */

int
srv_auth_check_username(const char *in, char out[SRV_USERNAME_MAX + 1],
    const char **why)
{
	size_t i, len = in != NULL ? strlen(in) : 0;
	char ch;

	*why = "a username is 3 to 32 letters a-z, digits and _, "
	    "starting with a letter";
	if (len < 3 || len > SRV_USERNAME_MAX)
		return ERR_INVAL;
	for (i = 0; i < len; i++) {
		ch = in[i];
		if (ch >= 'A' && ch <= 'Z')
			ch = (char)(ch - 'A' + 'a');
		if (!((ch >= 'a' && ch <= 'z') || ch == '_' ||
		    (i > 0 && ch >= '0' && ch <= '9')))
			return ERR_INVAL;
		out[i] = ch;
	}
	out[len] = '\0';
	*why = NULL;
	return 0;
}

int
srv_auth_check_password(const char *pw, size_t len, const char **why)
{
	size_t i, chars = 0;

	*why = NULL;
	if (len > SRV_PASSWORD_MAX) {
		*why = "the password is longer than 1024 bytes";
		return ERR_INVAL;
	}
	for (i = 0; i < len; i++)
		if (((unsigned char)pw[i] & 0xc0) != 0x80)
			chars++;
	if (chars < SRV_PASSWORD_MIN) {
		*why = "the password must have at least 8 characters";
		return ERR_INVAL;
	}
	return 0;
}

int
srv_auth_check_name(const char *name, size_t max, const char **why)
{
	const unsigned char *p = (const unsigned char *)name;
	size_t len = name != NULL ? strlen(name) : 0, i = 0, step;
	enum textrule_kind kind;
	uint32_t cp;

	*why = NULL;
	if (len > max) {
		*why = "the name is too long";
		return ERR_INVAL;
	}
	while (i < len) {
		if ((step = utf8_next((const char *)p + i, len - i, &cp)) == 0) {
			*why = "the name is not valid UTF-8";
			return ERR_INVAL;
		}
		/* Controls, line separators and Bidi_Control (textrule.h). */
		if ((kind = textrule_kind(cp)) != TEXTRULE_PLAIN) {
			*why = textrule_why(kind);
			return ERR_INVAL;
		}
		i += step;
	}
	return 0;
}

int
srv_auth_check_phone(const char *phone, const char **why)
{
	size_t i, len = phone != NULL ? strlen(phone) : 0;

	*why = NULL;
	if (len == 0)
		return 0;
	*why = "a phone number is + and 7 to 15 digits";
	if (phone[0] != '+' || len < 8 || len > 16)
		return ERR_INVAL;
	for (i = 1; i < len; i++)
		if (phone[i] < '0' || phone[i] > '9')
			return ERR_INVAL;
	*why = NULL;
	return 0;
}

/* ---------------------------------------------------------------- replies */

static void
srv_auth_account(Sotto__Account *a, const struct srv_user *u)
{
	a->user_id = u->id;
	a->username = (char *)u->username;
	a->display_name = (char *)u->display_name;
	a->phone = (char *)u->phone;
}

static int
srv_auth_reply_auth(struct srv_conn *c, uint64_t id, const struct srv_user *u,
    uint64_t device_id)
{
	Sotto__Response resp = SOTTO__RESPONSE__INIT;
	Sotto__AuthResult ar = SOTTO__AUTH_RESULT__INIT;
	Sotto__Account acct = SOTTO__ACCOUNT__INIT;

	srv_auth_account(&acct, u);
	ar.account = &acct;
	ar.device_id = device_id;
	resp.result_case = SOTTO__RESPONSE__RESULT_AUTH;
	resp.auth = &ar;
	return srv_reply(c, id, &resp);
}

/*
 * A key the server does not bind: terminated (a tombstone, with the words
 * old clients show) or never heard of (nothing set). 0 or ERR_INTERNAL.
 */
static int
srv_auth_welcome_unbound(struct srv_conn *c, Sotto__Welcome *w, char *buf,
    size_t cap)
{
	struct srv_tombstone t;
	int r;

	if ((r = srv_tombstone_lookup(c->srv, c->key, &t)) == ERR_NOT_FOUND)
		return 0;
	if (r != 0)
		return ERR_INTERNAL;
	w->terminated = 1;
	w->terminated_at = t.ended;
	w->terminated_why = t.why;
	/* The words, and who ended it and when (srv_session.c). */
	srv_session_welcome(c->srv, &t, w, buf, cap);
	return 0;
}

int
srv_auth_welcome(struct srv_conn *c)
{
	Sotto__Frame f = SOTTO__FRAME__INIT;
	Sotto__Welcome w = SOTTO__WELCOME__INIT;
	struct srv_device d;
	uint64_t pts = 0;
	char reason[512];
	int r;

	r = srv_store_device_by_key(c->srv->store, c->key, &d);
	/* Inactive past the account's session TTL: ended now, unbound. */
	if (r == 0 && (r = srv_session_expire(c->srv, d.user_id,
	    d.id)) == ERR_REVOKED)
		r = ERR_NOT_FOUND;
	if (r == 0) {
		c->authed = 1;
		c->user_id = d.user_id;
		c->device_id = d.id;
		srv_bind_user(c);
		w.authenticated = 1;
		w.user_id = d.user_id;
		w.device_id = d.id;
		/* last_seen is not worth turning a device away on a full disk. */
		if ((r = srv_store_device_touch(c->srv->store, d.id,
		    srv_session_now())) != 0 && r != ERR_NO_SPACE)
			return ERR_INTERNAL;
		if ((r = srv_store_pts(c->srv->store, d.user_id, &pts)) != 0 &&
		    r != ERR_NOT_FOUND)
			return ERR_INTERNAL;
		w.pts = pts;
		w.pts_known = 1;
		log_debug("conn %llu: device %llu of user %llu",
		    (unsigned long long)c->serial, (unsigned long long)d.id,
		    (unsigned long long)d.user_id);
	} else if (r != ERR_NOT_FOUND ||
	    srv_auth_welcome_unbound(c, &w, reason, sizeof(reason)) != 0)
		return ERR_INTERNAL;
	f.body_case = SOTTO__FRAME__BODY_WELCOME;
	f.welcome = &w;
	return srv_conn_send(c, &f);
}

/* ---------------------------------------------------------------- jobs */

static void
srv_job_free(struct srv_job *j)
{
	if (j->password != NULL)
		sec_free(j->password);
	sec_wipe(j, sizeof(*j));
	free(j);
}

void
srv_auth_detach(struct srv_job *j)
{
	j->conn = NULL;
}

/* In the thread pool: only the job's own memory is touched. */
static void
srv_job_work(uv_work_t *w)
{
	struct srv_job *j = w->data;
	const char *hash;

	if (j->kind == SRV_JOB_REGISTER)
		j->result = pwhash_hash(j->user.pwhash, j->password,
		    j->password_len);
	else {
		hash = j->known ? j->user.pwhash : j->srv->dummy_hash;
		j->result = pwhash_verify(hash, j->password, j->password_len);
		if (!j->known && j->result == 0)
			j->result = ERR_AUTH;	/* never, but be sure */
	}
	sec_wipe(j->password, j->password_len);
}

static void
srv_job_register_done(struct srv_job *j, struct srv_conn *c)
{
	struct srv *s = j->srv;
	struct srv_device d;
	int r;

	if (j->result != 0) {
		log_error_err(j->result, "password hash");
		(void)srv_conn_error(c, j->req_id, ERR_INTERNAL,
		    "the server could not hash the password", 0);
		return;
	}
	memset(&d, 0, sizeof(d));
	memcpy(d.key, c->key, NOISE_KEY_LEN);
	snprintf(d.name, sizeof(d.name), "%s", j->device_name);
	if (c->authed) {
		(void)srv_conn_error(c, j->req_id, ERR_EXISTS,
		    "this device is already signed in; log out first", 0);
		return;
	}
	r = srv_store_register(s->store, &j->user, &d);
	if (r == ERR_EXISTS) {
		/* Taken meanwhile, or this key bound by another connection. */
		r = srv_store_device_by_key(s->store, c->key, &d);
		(void)srv_conn_error(c, j->req_id, ERR_EXISTS, r == 0 ?
		    "this device is already signed in; log out first" :
		    "the username is taken", 0);
		return;
	}
	if (r != 0 || srv_tombstone_forget(s, c->key) != 0 ||
	    srv_session_begin(s, d.id, j->software) != 0) {
		(void)srv_conn_error(c, j->req_id, ERR_INTERNAL, NULL, 0);
		return;
	}
	c->authed = 1;
	c->user_id = j->user.id;
	c->device_id = d.id;
	srv_bind_user(c);
	log_info("conn %llu: registered user %llu, device %llu",
	    (unsigned long long)c->serial, (unsigned long long)j->user.id,
	    (unsigned long long)d.id);
	(void)srv_auth_reply_auth(c, j->req_id, &j->user, d.id);
}

static void
srv_job_login_done(struct srv_job *j, struct srv_conn *c)
{
	struct srv *s = j->srv;
	struct srv_user u;
	struct srv_device d;
	int r;

	if (j->result == ERR_AUTH || j->result == ERR_INVAL) {
		log_info("conn %llu: failed login", (unsigned long long)c->serial);
		(void)srv_conn_error(c, j->req_id, ERR_AUTH, SRV_AUTH_FAILED, 0);
		return;
	}
	if (j->result != 0) {
		(void)srv_conn_error(c, j->req_id, ERR_INTERNAL, NULL, 0);
		return;
	}
	/* The right password: this attempt does not count against the account. */
	srv_limit_give(s->account_limit, j->username, strlen(j->username),
	    srv_now_ms(s));
	if (c->authed) {
		(void)srv_conn_error(c, j->req_id, ERR_EXISTS,
		    "this device is already signed in; log out first", 0);
		return;
	}
	if ((r = srv_store_user_by_id(s->store, j->user.id, &u)) != 0) {
		(void)srv_conn_error(c, j->req_id, r == ERR_NOT_FOUND ?
		    ERR_AUTH : ERR_INTERNAL, r == ERR_NOT_FOUND ?
		    SRV_AUTH_FAILED : NULL, 0);
		return;
	}
	memset(&d, 0, sizeof(d));
	d.user_id = u.id;
	memcpy(d.key, c->key, NOISE_KEY_LEN);
	snprintf(d.name, sizeof(d.name), "%s", j->device_name);
	if ((r = srv_store_device_add(s->store, &d)) != 0) {
		(void)srv_conn_error(c, j->req_id, r, r == ERR_EXISTS ?
		    "this device is already signed in; log out first" : NULL, 0);
		return;
	}
	/* Bound again: its old session's tombstone says nothing now. */
	if (srv_tombstone_forget(s, c->key) != 0 ||
	    srv_session_begin(s, d.id, j->software) != 0) {
		(void)srv_conn_error(c, j->req_id, ERR_INTERNAL, NULL, 0);
		return;
	}
	c->authed = 1;
	c->user_id = u.id;
	c->device_id = d.id;
	srv_bind_user(c);
	log_info("conn %llu: user %llu signed in device %llu",
	    (unsigned long long)c->serial, (unsigned long long)u.id,
	    (unsigned long long)d.id);
	(void)srv_auth_reply_auth(c, j->req_id, &u, d.id);
	sec_wipe(&u, sizeof(u));
}

static void
srv_job_done(uv_work_t *w, int status)
{
	struct srv_job *j = w->data;
	struct srv_conn *c = j->conn;

	j->srv->jobs--;
	if (c != NULL) {
		c->job = NULL;
		if (status != 0)
			(void)srv_conn_error(c, j->req_id, ERR_INTERNAL, NULL, 0);
		else if (j->kind == SRV_JOB_REGISTER)
			srv_job_register_done(j, c);
		else
			srv_job_login_done(j, c);
	}
	srv_job_free(j);
}

/*
 * Takes the connection's request slot and the address token, copies the
 * password. Returns the job, or NULL after answering the request.
 */
static struct srv_job *
srv_job_new(struct srv_conn *c, uint64_t id, enum srv_job_kind kind,
    const char *password)
{
	struct srv *s = c->srv;
	struct srv_job *j;
	uint32_t retry;
	uint8_t ak[SRV_LIMIT_ADDR_KEY];
	size_t akl, len = password != NULL ? strlen(password) : 0;
	int r;

	if (c->job != NULL) {
		(void)srv_conn_error(c, id, ERR_RATE_LIMITED, "another sign-in "
		    "is in progress on this connection", 1);
		return NULL;
	}
	if (s->jobs >= SRV_JOBS_MAX) {
		(void)srv_conn_error(c, id, ERR_RATE_LIMITED, "the server is "
		    "busy signing people in", 1);
		return NULL;
	}
	/* Keyed on the address's /64 for IPv6 (srv_limit_addr_key). */
	akl = srv_limit_addr_key(c->addr, ak);
	r = srv_limit_take(s->addr_limit, ak, akl, srv_now_ms(s), &retry);
	if (r != 0) {
		log_info("conn %llu: sign-in attempts from its address are "
		    "limited", (unsigned long long)c->serial);
		(void)srv_conn_error(c, id, ERR_RATE_LIMITED, NULL, retry);
		return NULL;
	}
	if ((j = calloc(1, sizeof(*j))) == NULL ||
	    (j->password = sec_alloc(len + 1)) == NULL) {
		free(j);
		(void)srv_conn_error(c, id, ERR_INTERNAL, NULL, 0);
		return NULL;
	}
	memcpy(j->password, password, len);
	j->password[len] = '\0';
	j->password_len = len;
	j->kind = kind;
	j->srv = s;
	j->conn = c;
	j->req_id = id;
	j->work.data = j;
	return j;
}

static int
srv_job_queue(struct srv_conn *c, struct srv_job *j)
{
	struct srv *s = c->srv;
	uint64_t id = j->req_id;
	int r;

	if ((r = uv_queue_work(s->loop, &j->work, srv_job_work,
	    srv_job_done)) != 0) {
		log_error("queue work: %s", uv_strerror(r));
		srv_job_free(j);
		return srv_conn_error(c, id, ERR_INTERNAL, NULL, 0);
	}
	s->jobs++;
	c->job = j;
	return 0;
}

/*
 * protobuf-c keeps the unpacked password in its own heap block: wipe it
 * once copied, so that it does not linger in freed memory.
 */
static void
srv_auth_wipe_str(const char *str)
{
	if (str != NULL)
		sec_wipe((char *)str, strlen(str));
}

/* Defaults a device name, checked and copied. 0 or ERR_INVAL (*why set). */
static int
srv_auth_device_name(char out[SRV_DEVICE_NAME_MAX + 1], const char *in,
    const char **why)
{
	if (srv_auth_check_name(in, SRV_DEVICE_NAME_MAX, why) != 0)
		return ERR_INVAL;
	snprintf(out, SRV_DEVICE_NAME_MAX + 1, "%s",
	    in != NULL && *in != '\0' ? in : "unnamed device");
	return 0;
}

int
srv_auth_register(struct srv_conn *c, uint64_t id, const Sotto__Register *m)
{
	struct srv *s = c->srv;
	struct srv_user u;
	struct srv_job *j;
	char username[SRV_USERNAME_MAX + 1], device[SRV_DEVICE_NAME_MAX + 1];
	const char *why = NULL;
	size_t pwlen = m->password != NULL ? strlen(m->password) : 0;
	int r;

	if (c->authed) {
		srv_auth_wipe_str(m->password);
		return srv_conn_error(c, id, ERR_EXISTS,
		    "this device is already signed in; log out first", 0);
	}
	if (srv_auth_check_username(m->username, username, &why) != 0 ||
	    srv_auth_check_password(m->password, pwlen, &why) != 0 ||
	    srv_auth_check_name(m->display_name, SRV_DISPLAY_NAME_MAX,
	    &why) != 0 ||
	    srv_auth_check_phone(m->phone, &why) != 0 ||
	    srv_auth_device_name(device, m->device_name, &why) != 0 ||
	    srv_auth_check_name(m->software, SRV_SOFTWARE_MAX, &why) != 0) {
		srv_auth_wipe_str(m->password);
		return srv_conn_error(c, id, ERR_INVAL, why, 0);
	}
	if ((r = srv_store_user_by_name(s->store, username, &u)) == 0) {
		srv_auth_wipe_str(m->password);
		return srv_conn_error(c, id, ERR_EXISTS, "the username is taken",
		    0);
	}
	if (r != ERR_NOT_FOUND) {
		srv_auth_wipe_str(m->password);
		return srv_conn_error(c, id, ERR_INTERNAL, NULL, 0);
	}
	j = srv_job_new(c, id, SRV_JOB_REGISTER, m->password);
	srv_auth_wipe_str(m->password);
	if (j == NULL)
		return 0;
	memcpy(j->user.username, username, sizeof(username));
	snprintf(j->user.display_name, sizeof(j->user.display_name), "%s",
	    m->display_name != NULL && *m->display_name != '\0' ?
	    m->display_name : username);
	snprintf(j->user.phone, sizeof(j->user.phone), "%s",
	    m->phone != NULL ? m->phone : "");
	memcpy(j->device_name, device, sizeof(device));
	snprintf(j->software, sizeof(j->software), "%s",
	    m->software != NULL ? m->software : "");
	return srv_job_queue(c, j);
}

int
srv_auth_login(struct srv_conn *c, uint64_t id, const Sotto__Login *m)
{
	struct srv *s = c->srv;
	struct srv_job *j;
	char username[SRV_USERNAME_MAX + 1], device[SRV_DEVICE_NAME_MAX + 1];
	const char *why = NULL;
	uint32_t retry;
	size_t pwlen = m->password != NULL ? strlen(m->password) : 0;
	int r, valid;

	if (c->authed) {
		srv_auth_wipe_str(m->password);
		return srv_conn_error(c, id, ERR_EXISTS,
		    "this device is already signed in; log out first", 0);
	}
	if (pwlen > SRV_PASSWORD_MAX ||
	    srv_auth_device_name(device, m->device_name, &why) != 0 ||
	    srv_auth_check_name(m->software, SRV_SOFTWARE_MAX, &why) != 0) {
		srv_auth_wipe_str(m->password);
		return srv_conn_error(c, id, ERR_INVAL, why != NULL ? why :
		    "the password is longer than 1024 bytes", 0);
	}
	/*
	 * A name that cannot exist is treated as an unknown user: same work,
	 * same answer. The per-account bucket is keyed by the folded name, so
	 * guessing at a name costs the same whether or not it exists.
	 */
	valid = srv_auth_check_username(m->username, username, &why) == 0;
	if (!valid)
		snprintf(username, sizeof(username), "%s", "?");
	r = srv_limit_take(s->account_limit, username, strlen(username),
	    srv_now_ms(s), &retry);
	if (r != 0) {
		srv_auth_wipe_str(m->password);
		log_info("conn %llu: login attempts for one account are "
		    "limited", (unsigned long long)c->serial);
		return srv_conn_error(c, id, ERR_RATE_LIMITED, NULL, retry);
	}
	j = srv_job_new(c, id, SRV_JOB_LOGIN, m->password);
	srv_auth_wipe_str(m->password);
	if (j == NULL) {
		srv_limit_give(s->account_limit, username, strlen(username),
		    srv_now_ms(s));
		return 0;
	}
	memcpy(j->username, username, sizeof(username));
	memcpy(j->device_name, device, sizeof(device));
	snprintf(j->software, sizeof(j->software), "%s",
	    m->software != NULL ? m->software : "");
	if (valid) {
		r = srv_store_user_by_name(s->store, username, &j->user);
		if (r != 0 && r != ERR_NOT_FOUND) {
			srv_job_free(j);
			return srv_conn_error(c, id, ERR_INTERNAL, NULL, 0);
		}
		j->known = r == 0;
	}
	return srv_job_queue(c, j);
}

/*
 * The other connections of a device that logged out (one key may be
 * connected more than once): each gets a Goodbye (ERR_REVOKED) and is
 * closed, so that none goes on as a device that no longer exists.
 */
static void
srv_auth_drop_device(struct srv_conn *c, uint64_t user_id,
    uint64_t device_id)
{
	Sotto__Frame f = SOTTO__FRAME__INIT;
	Sotto__Goodbye bye = SOTTO__GOODBYE__INIT;
	struct srv_conn *o, *next;

	bye.code = ERR_REVOKED;
	bye.reason = (char *)"this device was logged out";
	f.body_case = SOTTO__FRAME__BODY_GOODBYE;
	f.goodbye = &bye;
	for (o = srv_user_conns(c->srv, user_id); o != NULL; o = next) {
		next = o->unext;
		if (o == c || o->user_id != user_id ||
		    o->device_id != device_id || o->closing)
			continue;
		(void)srv_conn_send(o, &f);
		srv_unbind_user(o);
		o->authed = 0;
		o->user_id = o->device_id = 0;
		srv_conn_close(o, 1);
	}
}

int
srv_auth_logout(struct srv_conn *c, uint64_t id)
{
	int r;

	/* A tombstone; its secret chats end with it (srv_tombstone.h). */
	r = srv_tombstone_end_device(c->srv, c->user_id, c->device_id,
	    c->device_id, SRV_TOMB_LOGOUT);
	if (r != 0 && r != ERR_NOT_FOUND)
		return srv_conn_error(c, id, ERR_INTERNAL, NULL, 0);
	log_info("conn %llu: user %llu logged out device %llu",
	    (unsigned long long)c->serial, (unsigned long long)c->user_id,
	    (unsigned long long)c->device_id);
	srv_auth_drop_device(c, c->user_id, c->device_id);
	srv_unbind_user(c);
	c->authed = 0;
	c->user_id = c->device_id = 0;
	return srv_reply_ok(c, id);
}

int
srv_auth_whoami(struct srv_conn *c, uint64_t id)
{
	Sotto__Response resp = SOTTO__RESPONSE__INIT;
	Sotto__WhoAmIResult res = SOTTO__WHO_AM_IRESULT__INIT;
	Sotto__Account acct = SOTTO__ACCOUNT__INIT;
	Sotto__Device *dv = NULL, **dp = NULL;
	struct srv_device *devs = NULL;
	struct srv_user u;
	size_t n = 0, i;
	int r, found = 0;

	if ((r = srv_store_user_by_id(c->srv->store, c->user_id, &u)) != 0 ||
	    (r = srv_store_devices(c->srv->store, c->user_id, &devs,
	    &n)) != 0)
		goto fail;
	if (n > 0 && ((dv = calloc(n, sizeof(*dv))) == NULL ||
	    (dp = calloc(n, sizeof(*dp))) == NULL)) {
		r = ERR_NOMEM;
		goto fail;
	}
	for (i = 0; i < n; i++) {
		sotto__device__init(&dv[i]);
		dv[i].id = devs[i].id;
		dv[i].name = devs[i].name;
		dv[i].created = devs[i].created;
		dv[i].last_seen = devs[i].last_seen;
		dv[i].current = devs[i].id == c->device_id;
		dv[i].public_key.data = devs[i].key;
		dv[i].public_key.len = NOISE_KEY_LEN;
		dp[i] = &dv[i];
		found |= dv[i].current;
	}
	if (!found) {
		/* This device was unbound by another of the account's. */
		srv_unbind_user(c);
		c->authed = 0;
		r = ERR_NOT_AUTHED;
		goto fail;
	}
	srv_auth_account(&acct, &u);
	res.account = &acct;
	res.n_devices = n;
	res.devices = dp;
	resp.result_case = SOTTO__RESPONSE__RESULT_WHOAMI;
	resp.whoami = &res;
	r = srv_reply(c, id, &resp);
	goto out;
fail:
	r = srv_conn_error(c, id, r == ERR_NOT_AUTHED ? ERR_NOT_AUTHED :
	    ERR_INTERNAL, NULL, 0);
out:
	free(dp);
	free(dv);
	free(devs);
	return r;
}
