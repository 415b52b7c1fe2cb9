/*
 * ImportContacts (srv_import.h). The numbers are checked in order and
 * the answer stops at the first one the cap or the budget does not
 * allow, so a long address book is imported across days without losing
 * its place. Nothing of a number that is not found is kept: it costs a
 * keyed hash in memory (srv_directory.c) and a count, never a row or a
 * log line.
 */
#include "config.h"

#include "server/srv_import.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/err.h"
#include "server/srv.h"
#include "server/srv_auth.h"
#include "server/srv_chat.h"
#include "server/srv_conn.h"
#include "server/srv_directory.h"
#include "server/srv_privacy.h"
#include "server/srv_reply.h"
#include "server/srv_store.h"

/* One found user, with the storage its wire form points into. */
struct imp_found {
	Sotto__ImportedContact ic;
	Sotto__User user;
	struct srv_profile p;
};

struct imp {
	struct srv_conn *c;
	struct imp_found *v;		/* n_phones slots */
	Sotto__ImportedContact **pv;
	size_t n;			/* found so far */
	uint32_t left, retry;
};

/* Every number must be well formed before anything is counted. */
static int
imp_check(struct srv_conn *c, uint64_t id, const Sotto__ImportContacts *m,
    int *answered)
{
	const char *why;
	char msg[96];
	size_t i;

	*answered = 1;
	if (m->n_phones == 0)
		return srv_conn_error(c, id, ERR_INVAL, "no numbers to import",
		    0);
	if (m->n_phones > SRV_DIR_IMPORT_MAX)
		return srv_conn_error(c, id, ERR_TOO_BIG,
		    "at most 100 numbers at once", 0);
	for (i = 0; i < m->n_phones; i++)
		if (m->phones[i] == NULL || m->phones[i][0] == '\0' ||
		    srv_auth_check_phone(m->phones[i], &why) != 0) {
			snprintf(msg, sizeof(msg), "number %zu: %s", i + 1,
			    why != NULL ? why : "it is empty");
			srv_dir_count(c, SRV_DIR_INVALID, 1);
			return srv_conn_error(c, id, ERR_INVAL, msg, 0);
		}
	*answered = 0;
	return 0;
}

/*
 * Looks number i up. Returns 0 (found, or left out), ERR_RATE_LIMITED
 * (stop here: the cap or the budget) or ERR_DB / ERR_NOMEM.
 */
static int
imp_one(struct imp *im, const char *phone, uint32_t i)
{
	struct srv_conn *c = im->c;
	struct srv_store *st = c->srv->store;
	struct imp_found *f = &im->v[im->n];
	int r;

	if (!srv_dir_import_seen(c, phone)) {
		if (im->left == 0) {
			srv_dir_count(c, SRV_DIR_OVER_CAP, 1);
			return ERR_RATE_LIMITED;
		}
		if ((r = srv_dir_import_note(c, phone)) != 0)
			return r;
		im->left--;
	}
	r = srv_store_profile_by_phone(st, phone, &f->p);
	/* Absent does the work of hidden (srv_privacy_allows_none). */
	if (r == ERR_NOT_FOUND)
		r = srv_privacy_allows_none(st, SRV_PRIV_PHONE_DISCOVERY,
		    c->user_id);
	if (r == 0 && (r = srv_privacy_allows(st, f->p.id,
	    SRV_PRIV_PHONE_DISCOVERY, c->user_id)) == ERR_PERM) {
		srv_dir_count(c, SRV_DIR_HIDDEN, 1);
		return 0;
	}
	if (r == ERR_NOT_FOUND) {
		srv_dir_count(c, SRV_DIR_ABSENT, 1);
		return 0;
	}
	if (r != 0 || (r = srv_dir_discover(c, f->p.id, &im->retry)) != 0)
		return r;
	if ((r = srv_chat_user(st, c->user_id, &f->p, &f->user)) != 0)
		return r;
	srv_dir_count(c, SRV_DIR_FOUND, 1);
	sotto__imported_contact__init(&f->ic);
	f->ic.index = i;
	f->ic.user = &f->user;
	im->pv[im->n++] = &f->ic;
	return 0;
}

static int
imp_reply(struct imp *im, uint64_t id, uint32_t checked)
{
	Sotto__Response resp = SOTTO__RESPONSE__INIT;
	Sotto__ImportResult ir = SOTTO__IMPORT_RESULT__INIT;

	ir.found = im->pv;
	ir.n_found = im->n;
	ir.checked = checked;
	ir.left_today = im->left;
	ir.retry_after = im->retry;
	resp.result_case = SOTTO__RESPONSE__RESULT_IMPORTED;
	resp.imported = &ir;
	return srv_reply(im->c, id, &resp);
}

int
srv_import_contacts(struct srv_conn *c, uint64_t id,
    const Sotto__ImportContacts *m)
{
	struct imp im;
	uint32_t i, before, retry = 0;
	int r, answered;

	if ((r = imp_check(c, id, m, &answered)) != 0 || answered)
		return r;
	if (srv_dir_take(c, SRV_DIR_ASK_IMPORT, m->n_phones,
	    srv_dir_cost(m->n_phones), &retry) != 0)
		return srv_dir_limited(c, id, retry);
	memset(&im, 0, sizeof(im));
	im.c = c;
	if ((im.v = calloc(m->n_phones, sizeof(*im.v))) == NULL ||
	    (im.pv = calloc(m->n_phones, sizeof(*im.pv))) == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	im.left = before = srv_dir_import_left(c, &im.retry);
	for (i = 0, r = 0; i < m->n_phones && r == 0; i++)
		if ((r = imp_one(&im, m->phones[i], i)) == ERR_RATE_LIMITED)
			break;
	if (r != 0 && r != ERR_RATE_LIMITED)
		goto out;
	if (r == ERR_RATE_LIMITED && im.retry == 0)
		(void)srv_dir_import_left(c, &im.retry);
	if (r == 0)
		im.retry = 0;
	srv_dir_import_done(c, before, im.left);
	if (i == 0)
		r = srv_conn_error(c, id, ERR_RATE_LIMITED, im.left == 0 ?
		    "the daily cap of new numbers is used up" :
		    "the daily budget of new users is used up", im.retry);
	else
		r = imp_reply(&im, id, i);
	free(im.v);
	free(im.pv);
	return r;
out:
	free(im.v);
	free(im.pv);
	return srv_reply_fail(c, id, r, NULL);
}
