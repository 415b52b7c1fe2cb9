/*
 * --export-my-data and --user me --as (cmd_export.h). The export is
 * shown as the server sends it, table by table and column by column, so
 * that a table or column the server adds is printed without a change
 * here; the profile is printed field by field from the User message's
 * descriptor for the same reason. Every string came from the server and
 * is sanitised before it is written.
 *
 * Text: a line per table ("contacts: 2 rows", or "contacts: none"), then
 * a line per row of "column=value" pairs, text values quoted as JSON
 * strings (so a message's line breaks stay on its line), blobs as x'hex'.
 * JSON: one {"type":"export_row","table":T,"row":{...}} a row, blobs as
 * hex strings, NULL as null, and {"type":"export_done",...} at the end.
 */
#include "config.h"

#include "client/cmd_export.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "client/json.h"
#include "lib/err.h"

#define EXP_CURSOR_MAX 64	/* bytes of a cursor we keep to send back */
#define EXP_TABLES_MAX 128

struct exp_run {
	struct engine *e;
	const struct cmd_sink *s;
	int json;
	const struct cmd_export_ops *ops;
	void *ud;
	uint8_t cursor[EXP_CURSOR_MAX];
	size_t cursor_len;
	char *tables[EXP_TABLES_MAX];	/* as the first page named them */
	size_t rows_of[EXP_TABLES_MAX];
	size_t n_tables;
	size_t shown;			/* tables whose heading is out */
	size_t rows;
	int failed;			/* out of memory while printing */
};

enum cmd_viewer
cmd_export_viewer(const char *as)
{
	if (as == NULL)
		return CMD_VIEWER_NONE;
	if (strcmp(as, "everybody") == 0)
		return CMD_VIEWER_EVERYBODY;
	if (strcmp(as, "contacts") == 0)
		return CMD_VIEWER_CONTACTS;
	return CMD_VIEWER_USER;
}

/* ---------------------------------------------------------------- output */

static void
exp_line(struct exp_run *x, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
exp_line(struct exp_run *x, const char *fmt, ...)
{
	va_list ap;
	char *p;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || (p = malloc((size_t)n + 1)) == NULL) {
		x->failed = 1;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	x->s->out(x->s->ud, p);
	free(p);
}

/* Writes obj as one line and drops it. */
static void
exp_json(struct exp_run *x, json_t *obj)
{
	char *text = obj != NULL ? json_dumps(obj, JSON_COMPACT) : NULL;

	if (text == NULL)
		x->failed = 1;
	else
		x->s->out(x->s->ud, text);
	free(text);
	json_decref(obj);
}

static char *
exp_hex(const uint8_t *p, size_t len)
{
	char *h = malloc(len * 2 + 1);
	size_t i;

	if (h == NULL)
		return NULL;
	for (i = 0; i < len; i++)
		snprintf(h + 2 * i, 3, "%02x", p[i]);
	h[2 * len] = '\0';
	return h;
}

/* A value as JSON: integer, sanitised text, hex blob or null. */
static json_t *
exp_value_json(const Sotto__ExportValue *v)
{
	json_t *j;
	char *h;

	switch (v->value_case) {
	case SOTTO__EXPORT_VALUE__VALUE_INTEGER:
		return json_integer((json_int_t)v->integer);
	case SOTTO__EXPORT_VALUE__VALUE_TEXT:
		return json_text_ml(v->text);
	case SOTTO__EXPORT_VALUE__VALUE_BLOB:
		if ((h = exp_hex(v->blob.data, v->blob.len)) == NULL)
			return NULL;
		j = json_string(h);
		free(h);
		return j;
	default:
		return json_null();
	}
}

/* A value as text: JSON for integers and quoted text, x'hex' for blobs. */
static char *
exp_value_text(const Sotto__ExportValue *v)
{
	json_t *j;
	char *h, *t;

	if (v->value_case == SOTTO__EXPORT_VALUE__VALUE_BLOB) {
		if ((h = exp_hex(v->blob.data, v->blob.len)) == NULL)
			return NULL;
		if ((t = malloc(strlen(h) + 4)) != NULL)
			sprintf(t, "x'%s'", h);
		free(h);
		return t;
	}
	if ((j = exp_value_json(v)) == NULL)
		return NULL;
	t = json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT);
	json_decref(j);
	return t;
}

/* The index of table in the first page's list, or n_tables. */
static size_t
exp_table_index(const struct exp_run *x, const char *table)
{
	size_t i;

	for (i = 0; i < x->n_tables; i++)
		if (strcmp(x->tables[i], table) == 0)
			return i;
	return x->n_tables;
}

/* Text: "T: none" for the tables before index that had no row. */
static void
exp_skip_to(struct exp_run *x, size_t index)
{
	char *name;

	for (; x->shown < index && x->shown < x->n_tables; x->shown++) {
		if (x->json || x->rows_of[x->shown] > 0)
			continue;
		name = json_sanitize(x->tables[x->shown],
		    strlen(x->tables[x->shown]));
		exp_line(x, "%s: none", name != NULL ? name : "?");
		free(name);
	}
}

static void
exp_row_json(struct exp_run *x, const Sotto__ExportRow *row)
{
	json_t *o = json_object(), *r = json_object();
	char *col;
	size_t i;

	if (o == NULL || r == NULL ||
	    json_object_set_new(o, "type", json_string("export_row")) != 0 ||
	    json_object_set_new(o, "table", json_text(row->table)) != 0) {
		json_decref(r);
		r = NULL;
		x->failed = 1;
	}
	for (i = 0; r != NULL && i < row->n_values; i++) {
		col = json_sanitize(row->values[i]->column,
		    strlen(row->values[i]->column));
		if (col == NULL || json_object_set_new(r, col,
		    exp_value_json(row->values[i])) != 0)
			x->failed = 1;
		free(col);
	}
	if (r != NULL && json_object_set_new(o, "row", r) != 0)
		x->failed = 1;
	exp_json(x, o);
}

static void
exp_row_text(struct exp_run *x, const Sotto__ExportRow *row)
{
	char *line = NULL, *col, *val, *np;
	size_t i, len = 0, add;

	for (i = 0; i < row->n_values; i++) {
		col = json_sanitize(row->values[i]->column,
		    strlen(row->values[i]->column));
		val = exp_value_text(row->values[i]);
		add = (col ? strlen(col) : 0) + (val ? strlen(val) : 0) + 3;
		if (col == NULL || val == NULL ||
		    (np = realloc(line, len + add + 1)) == NULL) {
			x->failed = 1;
			free(col);
			free(val);
			break;
		}
		line = np;
		len += (size_t)snprintf(line + len, add + 1, "%s%s=%s",
		    i == 0 ? "  " : " ", col, val);
		free(col);
		free(val);
	}
	exp_line(x, "%s", line != NULL ? line : "  (no columns)");
	free(line);
}

static void
exp_row(struct exp_run *x, const Sotto__ExportRow *row)
{
	size_t i = exp_table_index(x, row->table);
	char *name;

	if (row->table == NULL)
		return;
	x->rows++;
	if (i < x->n_tables && x->rows_of[i]++ == 0 && !x->json) {
		exp_skip_to(x, i);
		name = json_sanitize(row->table, strlen(row->table));
		exp_line(x, "%s:", name != NULL ? name : "?");
		free(name);
		x->shown = i + 1;
	}
	if (x->json)
		exp_row_json(x, row);
	else
		exp_row_text(x, row);
}

static void
exp_trailer(struct exp_run *x)
{
	json_t *o, *t;
	size_t i;

	if (!x->json) {
		exp_skip_to(x, x->n_tables);
		exp_line(x, "%zu rows in %zu tables (doc/DATA.md says why each "
		    "is kept and for how long)", x->rows, x->n_tables);
		return;
	}
	o = json_object();
	t = json_object();
	for (i = 0; o != NULL && t != NULL && i < x->n_tables; i++)
		if (json_object_set_new(t, x->tables[i],
		    json_integer((json_int_t)x->rows_of[i])) != 0)
			x->failed = 1;
	if (o == NULL || t == NULL ||
	    json_object_set_new(o, "type", json_string("export_done")) != 0 ||
	    json_object_set_new(o, "rows", json_integer((json_int_t)x->rows))
	    != 0 || json_object_set_new(o, "tables", t) != 0) {
		x->failed = 1;
		json_decref(o);
		return;
	}
	exp_json(x, o);
}

/* ---------------------------------------------------------------- export */

static void
exp_free(struct exp_run *x)
{
	size_t i;

	for (i = 0; i < x->n_tables; i++)
		free(x->tables[i]);
	free(x);
}

static void
exp_end(struct exp_run *x, int err, const char *why)
{
	int status = CMD_EX_OK;

	if (err == 0 && x->failed) {
		x->s->err(x->s->ud, "sotto: out of memory");
		status = CMD_EX_SOFTWARE;
	}
	x->ops->done(x->ud, err, why, status);
	exp_free(x);
}

static int exp_ask(struct exp_run *x);

/* The first page's list of tables, in the server's order. */
static int
exp_take_tables(struct exp_run *x, const Sotto__ExportPage *p)
{
	size_t i;

	for (i = 0; i < p->n_tables && x->n_tables < EXP_TABLES_MAX; i++) {
		if (p->tables[i] == NULL ||
		    (x->tables[x->n_tables] = strdup(p->tables[i])) == NULL)
			return ERR_NOMEM;
		x->n_tables++;
	}
	return 0;
}

static void
exp_on_page(void *ud, int err, const Sotto__Response *resp)
{
	struct exp_run *x = ud;
	const Sotto__ExportPage *p;
	size_t i;

	if (!x->ops->alive(x->ud)) {
		exp_end(x, ERR_CLOSED, NULL);
		return;
	}
	if (err != 0) {
		exp_end(x, err, resp != NULL && resp->error != NULL ?
		    resp->error->message : NULL);
		return;
	}
	if (resp->result_case != SOTTO__RESPONSE__RESULT_EXPORT_PAGE ||
	    (p = resp->export_page) == NULL ||
	    p->cursor.len > EXP_CURSOR_MAX || (p->more && p->n_rows == 0 &&
	    p->cursor.len == x->cursor_len && (x->cursor_len == 0 ||
	    memcmp(p->cursor.data, x->cursor, x->cursor_len) == 0))) {
		/* Not a page, or one that would never end. */
		exp_end(x, ERR_PROTO, "the server sent no usable export page");
		return;
	}
	if (x->cursor_len == 0 && (err = exp_take_tables(x, p)) != 0) {
		exp_end(x, err, NULL);
		return;
	}
	for (i = 0; i < p->n_rows; i++)
		exp_row(x, p->rows[i]);
	memcpy(x->cursor, p->cursor.data, p->cursor.len);
	x->cursor_len = p->cursor.len;
	if (!p->more) {
		exp_trailer(x);
		exp_end(x, 0, NULL);
		return;
	}
	if ((err = exp_ask(x)) != 0)
		exp_end(x, err, NULL);
}

static int
exp_ask(struct exp_run *x)
{
	Sotto__Request req = SOTTO__REQUEST__INIT;
	Sotto__ExportMyData m = SOTTO__EXPORT_MY_DATA__INIT;
	uint64_t left = x->ops->left_ms(x->ud);

	if (left == 0)
		return ERR_TIMEOUT;
	m.cursor.data = x->cursor;
	m.cursor.len = x->cursor_len;
	req.method_case = SOTTO__REQUEST__METHOD_EXPORT_MY_DATA;
	req.export_my_data = &m;
	return engine_call(x->e, &req, left, exp_on_page, x);
}

int
cmd_export_run(struct engine *e, const struct cmd_sink *s, int json,
    const struct cmd_export_ops *ops, void *ud)
{
	struct exp_run *x;
	int r;

	if ((x = calloc(1, sizeof(*x))) == NULL)
		return ERR_NOMEM;
	x->e = e;
	x->s = s;
	x->json = json;
	x->ops = ops;
	x->ud = ud;
	if ((r = exp_ask(x)) != 0)
		exp_free(x);
	return r;
}

/* ---------------------------------------------------------------- profile */

struct exp_as {
	const struct cmd_sink *s;
	int json;
	const struct cmd_export_ops *ops;
	void *ud;
	char label[80];
};

/* A "name: value" line. */
static void
exp_kv(const struct cmd_sink *s, const char *name, const char *value)
{
	size_t n = strlen(name) + strlen(value) + 3;
	char *p = malloc(n);

	if (p == NULL)
		return;
	snprintf(p, n, "%s: %s", name, value);
	s->out(s->ud, p);
	free(p);
}

/*
 * One set field of a message as text ("phone: +1...") or into o; fields
 * at their default are what proto3 does not send, hence not shown.
 */
static int
exp_field(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f,
    json_t *o, const struct cmd_sink *s)
{
	const char *at = (const char *)m + f->offset;
	const ProtobufCEnumValue *ev;
	char buf[64], *clean = NULL;
	json_t *v = NULL;
	uint64_t u = 0;
	int64_t i = 0;
	int is_u = 1;

	if (f->label == PROTOBUF_C_LABEL_REPEATED)
		return 0;	/* User holds none today */
	switch (f->type) {
	case PROTOBUF_C_TYPE_STRING:
		if (*(char *const *)at == NULL || **(char *const *)at == '\0')
			return 0;
		clean = json_sanitize(*(char *const *)at,
		    strlen(*(char *const *)at));
		if (clean == NULL)
			return ERR_NOMEM;
		v = json_string(clean);
		break;
	case PROTOBUF_C_TYPE_BOOL:
		if (!*(const protobuf_c_boolean *)at)
			return 0;
		v = json_true();
		snprintf(buf, sizeof(buf), "yes");
		break;
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
		u = *(const uint64_t *)at;
		break;
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32:
		u = *(const uint32_t *)at;
		break;
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
		i = *(const int64_t *)at;
		is_u = 0;
		break;
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
		i = *(const int32_t *)at;
		is_u = 0;
		break;
	case PROTOBUF_C_TYPE_ENUM:
		if (*(const int *)at == 0)
			return 0;
		ev = protobuf_c_enum_descriptor_get_value(f->descriptor,
		    *(const int *)at);
		snprintf(buf, sizeof(buf), "%s", ev != NULL ? ev->name :
		    "unknown");
		v = json_string(buf);
		break;
	default:
		return 0;	/* no nested message or bytes in User today */
	}
	if (f->type != PROTOBUF_C_TYPE_STRING && f->type !=
	    PROTOBUF_C_TYPE_BOOL && f->type != PROTOBUF_C_TYPE_ENUM) {
		if (is_u ? u == 0 : i == 0)
			return 0;
		if (is_u)
			snprintf(buf, sizeof(buf), "%" PRIu64, u);
		else
			snprintf(buf, sizeof(buf), "%" PRId64, i);
		v = is_u ? json_u64(u) : json_integer((json_int_t)i);
	}
	if (o != NULL) {
		free(clean);
		return json_object_set_new(o, f->name, v) == 0 ? 0 : ERR_NOMEM;
	}
	json_decref(v);
	exp_kv(s, f->name, clean != NULL ? clean : buf);
	free(clean);
	return 0;
}

static int
exp_print_user(struct exp_as *a, const Sotto__User *u)
{
	const ProtobufCMessageDescriptor *d = u->base.descriptor;
	json_t *o = NULL;
	char *text;
	unsigned i;
	int r = 0;

	if (a->json) {
		if ((o = json_object()) == NULL ||
		    json_object_set_new(o, "type", json_string("user")) != 0 ||
		    json_object_set_new(o, "as", json_string(a->label)) != 0)
			r = ERR_NOMEM;
	} else
		exp_kv(a->s, "as", a->label);
	for (i = 0; r == 0 && i < d->n_fields; i++)
		r = exp_field(&u->base, &d->fields[i], o, a->s);
	if (o != NULL) {
		text = r == 0 ? json_dumps(o, JSON_COMPACT) : NULL;
		json_decref(o);
		if (text == NULL)
			return ERR_NOMEM;
		a->s->out(a->s->ud, text);
		free(text);
	}
	return r;
}

static void
exp_on_user(void *ud, int err, const Sotto__Response *resp)
{
	struct exp_as *a = ud;
	const char *why = NULL;
	int status = CMD_EX_OK;

	if (err == 0 && (resp->result_case != SOTTO__RESPONSE__RESULT_USER ||
	    resp->user == NULL || resp->user->user == NULL))
		err = ERR_PROTO;
	if (err != 0 && resp != NULL && resp->error != NULL)
		why = resp->error->message;
	if (err == 0 && a->ops->alive(a->ud) &&
	    exp_print_user(a, resp->user->user) != 0) {
		a->s->err(a->s->ud, "sotto: out of memory");
		status = CMD_EX_SOFTWARE;
	}
	a->ops->done(a->ud, err, why, status);
	free(a);
}

int
cmd_export_profile_as(struct engine *e, const struct cmd_sink *s,
    int json, enum cmd_viewer viewer, uint64_t user_id, const char *label,
    const struct cmd_export_ops *ops, void *ud)
{
	Sotto__Request req = SOTTO__REQUEST__INIT;
	Sotto__GetProfileAs m = SOTTO__GET_PROFILE_AS__INIT;
	struct exp_as *a;
	char *clean;
	int r;

	switch (viewer) {
	case CMD_VIEWER_EVERYBODY:
		m.viewer = SOTTO__PROFILE_VIEWER__VIEWER_EVERYBODY;
		break;
	case CMD_VIEWER_CONTACTS:
		m.viewer = SOTTO__PROFILE_VIEWER__VIEWER_CONTACTS;
		break;
	case CMD_VIEWER_USER:
		m.viewer = SOTTO__PROFILE_VIEWER__VIEWER_USER;
		m.user_id = user_id;
		break;
	default:
		return ERR_INVAL;
	}
	if ((a = calloc(1, sizeof(*a))) == NULL)
		return ERR_NOMEM;
	a->s = s;
	a->json = json;
	a->ops = ops;
	a->ud = ud;
	if ((clean = json_sanitize(label, strlen(label))) == NULL) {
		free(a);
		return ERR_NOMEM;
	}
	snprintf(a->label, sizeof(a->label), "%s", clean);
	free(clean);
	req.method_case = SOTTO__REQUEST__METHOD_GET_PROFILE_AS;
	req.get_profile_as = &m;
	if ((r = engine_call(e, &req, ops->left_ms(ud), exp_on_user, a)) != 0)
		free(a);
	return r;
}
