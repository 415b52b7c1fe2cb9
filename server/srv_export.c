/*
 * ExportMyData and GetProfileAs (srv_export.h). The rows come from
 * srv_store_export(), which knows which rows of each table are the
 * account's; here they become ExportRows until a page is full (the bytes
 * of one frame, as a Difference), and the store's cursor becomes the
 * page's opaque cursor: the table's number and its last row's two keys,
 * 20 bytes little-endian. A page always holds at least one row, so an
 * export always moves on. Nothing here is logged: what an account
 * exports is its own business.
 */
#include "config.h"

#include "server/srv_export.h"

#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#include "lib/err.h"
#include "server/srv.h"
#include "server/srv_chat.h"
#include "server/srv_conn.h"
#include "server/srv_privacy.h"
#include "server/srv_reply.h"
#include "server/srv_store.h"
#include "server/srv_visible.h"

#define EXP_CURSOR_LEN 20

/* ---------------------------------------------------------------- cursor */

static void
exp_put64(uint8_t *p, uint64_t v)
{
	int i;

	for (i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t
exp_get64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static void
exp_cursor_pack(const struct srv_export_cursor *cur,
    uint8_t out[EXP_CURSOR_LEN])
{
	int i;

	for (i = 0; i < 4; i++)
		out[i] = (uint8_t)(cur->section >> (8 * i));
	exp_put64(out + 4, (uint64_t)cur->k1);
	exp_put64(out + 12, (uint64_t)cur->k2);
}

/* An empty cursor is the start; else one this server gave. 0 or ERR_INVAL. */
static int
exp_cursor_parse(const ProtobufCBinaryData *b, struct srv_export_cursor *cur)
{
	const char *const *names;
	uint32_t section = 0;
	int i;

	*cur = (struct srv_export_cursor)SRV_EXPORT_CURSOR_START;
	if (b->len == 0)
		return 0;
	if (b->len != EXP_CURSOR_LEN)
		return ERR_INVAL;
	for (i = 3; i >= 0; i--)
		section = (section << 8) | b->data[i];
	if (section > srv_store_export_tables(&names))
		return ERR_INVAL;
	cur->section = section;
	cur->k1 = (int64_t)exp_get64(b->data + 4);
	cur->k2 = (int64_t)exp_get64(b->data + 12);
	return 0;
}

/* ---------------------------------------------------------------- pages */

/* The rows of one page; each row is one allocation with what it points to. */
struct exp_page {
	Sotto__ExportRow **rows;
	size_t n;
	size_t bytes;
};

#define EXP_ALIGN(x) (((x) + alignof(max_align_t) - 1) & \
	~(alignof(max_align_t) - 1))

/* The bytes of v's strings and blobs, each with a NUL. */
static size_t
exp_row_data_len(const struct srv_export_value *v, size_t n)
{
	size_t i, len = 0;

	for (i = 0; i < n; i++) {
		len += strlen(v[i].column) + 1;
		if (v[i].type == SRV_EXPORT_TEXT || v[i].type == SRV_EXPORT_BLOB)
			len += v[i].len + 1;
	}
	return len;
}

/* Copies a store value into w, its bytes at *data (moved on). */
static void
exp_value_copy(const struct srv_export_value *v, Sotto__ExportValue *w,
    char **data)
{
	size_t clen = strlen(v->column) + 1;

	sotto__export_value__init(w);
	memcpy(*data, v->column, clen);
	w->column = *data;
	*data += clen;
	switch (v->type) {
	case SRV_EXPORT_INT:
		w->value_case = SOTTO__EXPORT_VALUE__VALUE_INTEGER;
		w->integer = v->i;
		return;
	case SRV_EXPORT_TEXT:
	case SRV_EXPORT_BLOB:
		memcpy(*data, v->p, v->len);
		(*data)[v->len] = '\0';
		if (v->type == SRV_EXPORT_TEXT) {
			w->value_case = SOTTO__EXPORT_VALUE__VALUE_TEXT;
			w->text = *data;
		} else {
			w->value_case = SOTTO__EXPORT_VALUE__VALUE_BLOB;
			w->blob.data = (uint8_t *)*data;
			w->blob.len = v->len;
		}
		*data += v->len + 1;
		return;
	default:
		return;		/* NULL: no value set */
	}
}

/* One ExportRow in one allocation: the row, its values, their bytes. */
static Sotto__ExportRow *
exp_row_new(const char *table, const struct srv_export_value *v, size_t n)
{
	size_t head = EXP_ALIGN(sizeof(Sotto__ExportRow));
	size_t vals = EXP_ALIGN(n * sizeof(Sotto__ExportValue));
	size_t ptrs = EXP_ALIGN(n * sizeof(Sotto__ExportValue *));
	Sotto__ExportRow *row;
	Sotto__ExportValue *w;
	char *data;
	size_t i;

	if ((row = malloc(head + vals + ptrs + exp_row_data_len(v, n))) ==
	    NULL)
		return NULL;
	sotto__export_row__init(row);
	w = (Sotto__ExportValue *)((char *)row + head);
	row->values = (Sotto__ExportValue **)((char *)row + head + vals);
	data = (char *)row + head + vals + ptrs;
	row->table = (char *)table;
	row->n_values = n;
	for (i = 0; i < n; i++) {
		exp_value_copy(&v[i], &w[i], &data);
		row->values[i] = &w[i];
	}
	return row;
}

/* srv_export_row_fn: adds a row while the page has room for it. */
static int
exp_page_add(void *ud, const char *table, const struct srv_export_value *v,
    size_t n)
{
	struct exp_page *pg = ud;
	Sotto__ExportRow *row;
	size_t sz;

	if (pg->n >= SRV_EXPORT_PAGE_ROWS)
		return SRV_EXPORT_FULL;
	if ((row = exp_row_new(table, v, n)) == NULL)
		return ERR_NOMEM;
	sz = sotto__export_row__get_packed_size(row) + 8;
	if (pg->n > 0 && pg->bytes + sz > SRV_DIFF_BYTES) {
		free(row);
		return SRV_EXPORT_FULL;
	}
	pg->rows[pg->n++] = row;
	pg->bytes += sz;
	return 0;
}

static void
exp_page_free(struct exp_page *pg)
{
	size_t i;

	for (i = 0; i < pg->n; i++)
		free(pg->rows[i]);
	free(pg->rows);
}

int
srv_export_my_data(struct srv_conn *c, uint64_t id,
    const Sotto__ExportMyData *m)
{
	Sotto__Response resp = SOTTO__RESPONSE__INIT;
	Sotto__ExportPage ep = SOTTO__EXPORT_PAGE__INIT;
	struct srv_export_cursor cur;
	struct exp_page pg;
	const char *const *names;
	uint8_t next[EXP_CURSOR_LEN];
	size_t ntables;
	int r;

	if (exp_cursor_parse(&m->cursor, &cur) != 0)
		return srv_conn_error(c, id, ERR_INVAL,
		    "not a cursor this server gave", 0);
	memset(&pg, 0, sizeof(pg));
	if ((pg.rows = calloc(SRV_EXPORT_PAGE_ROWS, sizeof(*pg.rows))) == NULL)
		return srv_reply_fail(c, id, ERR_NOMEM, NULL);
	ntables = srv_store_export_tables(&names);
	if (m->cursor.len == 0) {
		/* The first page names every table, those without rows too. */
		ep.tables = (char **)names;
		ep.n_tables = ntables;
	}
	if ((r = srv_store_export(c->srv->store, c->user_id, &cur,
	    exp_page_add, &pg)) < 0) {
		r = srv_reply_fail(c, id, r, NULL);
		goto out;
	}
	ep.rows = pg.rows;
	ep.n_rows = pg.n;
	ep.more = r == 0;
	exp_cursor_pack(&cur, next);
	ep.cursor.data = next;
	ep.cursor.len = sizeof(next);
	resp.result_case = SOTTO__RESPONSE__RESULT_EXPORT_PAGE;
	resp.export_page = &ep;
	r = srv_reply(c, id, &resp);
out:
	exp_page_free(&pg);
	return r;
}

/* ---------------------------------------------------------------- profile */

/* The asker to compute the profile for. 0, ERR_INVAL, ERR_NOT_FOUND, ERR_DB. */
static int
exp_viewer(struct srv_conn *c, const Sotto__GetProfileAs *m, uint64_t *out)
{
	switch (m->viewer) {
	case SOTTO__PROFILE_VIEWER__VIEWER_EVERYBODY:
		*out = SRV_VIEWER_STRANGER;
		return 0;
	case SOTTO__PROFILE_VIEWER__VIEWER_CONTACTS:
		*out = SRV_VIEWER_CONTACT;
		return 0;
	case SOTTO__PROFILE_VIEWER__VIEWER_USER:
		/* Only someone the asker may name, as for GetUsers. */
		*out = m->user_id;
		return srv_visible_user(c->srv->store, c->user_id, m->user_id);
	default:
		return ERR_INVAL;
	}
}

int
srv_export_profile_as(struct srv_conn *c, uint64_t id,
    const Sotto__GetProfileAs *m)
{
	Sotto__Response resp = SOTTO__RESPONSE__INIT;
	Sotto__UserResult ur = SOTTO__USER_RESULT__INIT;
	Sotto__User u;
	struct srv_profile p;
	uint64_t viewer;
	int r;

	if ((r = exp_viewer(c, m, &viewer)) != 0)
		return srv_reply_fail(c, id, r, r == ERR_NOT_FOUND ?
		    "no such user" : r == ERR_INVAL ?
		    "the viewer is everybody, contacts or a user" : NULL);
	if ((r = srv_store_profile_by_id(c->srv->store, c->user_id, &p)) != 0 ||
	    (r = srv_chat_user(c->srv->store, viewer, &p, &u)) != 0)
		return srv_reply_fail(c, id, r, NULL);
	ur.user = &u;
	resp.result_case = SOTTO__RESPONSE__RESULT_USER;
	resp.user = &ur;
	return srv_reply(c, id, &resp);
}
