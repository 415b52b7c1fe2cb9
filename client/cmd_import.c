/*
 * --import-contacts FILE (cmd_import.h). The file is parsed twice: once
 * by cmd_check() before the profile is opened, so that a bad line costs
 * nothing, and again here, from the same text, when the command runs
 * (possibly in a running `sotto --listen`, which gets the text over the
 * control socket, not the path). The pieces go out one after another;
 * the first that the server stops short (its daily cap, or the budget
 * of new users) ends the import, and what was not checked is said so.
 * Found users are stored in the profile, as a lookup stores them, so
 * that they can be written to at once.
 */
#include "config.h"

#include "client/cmd_import.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "client/engine.h"
#include "client/json.h"
#include "lib/err.h"

#define IMP_BAD_SHOWN 20	/* bad lines named before "and N more" */

/* ------------------------------------------------------------ reading */

int
cmd_import_read(const char *path, char **out, const struct cmd_sink *s)
{
	FILE *f;
	char *buf = NULL;
	size_t len = 0, n;
	int st = 0;

	*out = NULL;
	if ((f = fopen(path, "r")) == NULL) {
		cmd_err(s, "cannot read %s: %s", path, strerror(errno));
		return CMD_EX_NOINPUT;
	}
	if ((buf = malloc(CMD_IMPORT_FILE_MAX + 2)) == NULL) {
		cmd_err(s, "out of memory");
		st = CMD_EX_SOFTWARE;
		goto out;
	}
	while ((n = fread(buf + len, 1, CMD_IMPORT_FILE_MAX + 1 - len, f)) > 0)
		len += n;
	if (ferror(f)) {
		cmd_err(s, "cannot read %s: %s", path, strerror(errno));
		st = CMD_EX_NOINPUT;
	} else if (len > CMD_IMPORT_FILE_MAX) {
		cmd_err(s, "%s is larger than %d bytes", path,
		    CMD_IMPORT_FILE_MAX);
		st = CMD_EX_DATAERR;
	} else if (memchr(buf, '\0', len) != NULL) {
		cmd_err(s, "%s is not text (it holds a NUL byte)", path);
		st = CMD_EX_DATAERR;
	}
	buf[len] = '\0';
out:
	fclose(f);
	if (st != 0) {
		free(buf);
		return st;
	}
	*out = buf;
	return 0;
}

/* ------------------------------------------------------------ parsing */

/*
 * The number on one line (len bytes, no newline) into phone: 1 when the
 * line holds none (blank or a comment), 0 when it is a number, -1 when
 * it is something else.
 */
static int
imp_line(const char *p, size_t len, char phone[17])
{
	size_t i, digits = 0, k = 0;
	int plus = 0, any = 0;
	char ch;

	for (i = 0; i < len && p[i] != '#'; i++) {
		ch = p[i];
		if (ch == ' ' || ch == '\t' || ch == '\r')
			continue;
		any = 1;
		if (ch == '+' && !plus && digits == 0) {
			plus = 1;
			phone[k++] = '+';
		} else if (ch >= '0' && ch <= '9' && plus) {
			if (++digits > 15)
				return -1;
			phone[k++] = ch;
		} else if (!(plus && (ch == '-' || ch == '.' || ch == '(' ||
		    ch == ')')))
			return -1;
	}
	phone[k] = '\0';
	if (!any)
		return 1;
	return plus && digits >= 7 ? 0 : -1;
}

static int
imp_known(const struct cmd_import_num *v, size_t n, const char *phone)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i].phone, phone) == 0)
			return 1;
	return 0;
}

int
cmd_import_parse(const char *text, const char *name,
    struct cmd_import_num **out, size_t *n, const struct cmd_sink *s)
{
	struct cmd_import_num *v = NULL;
	const char *p = text, *nl;
	char phone[17];
	size_t line = 0, len, bad = 0, k = 0;
	int r;

	*out = NULL;
	*n = 0;
	if ((v = malloc(CMD_IMPORT_NUMBERS_MAX * sizeof(*v))) == NULL) {
		cmd_err(s, "out of memory");
		return CMD_EX_SOFTWARE;
	}
	for (; *p != '\0'; p = nl != NULL ? nl + 1 : p + len) {
		nl = strchr(p, '\n');
		len = nl != NULL ? (size_t)(nl - p) : strlen(p);
		line++;
		if ((r = imp_line(p, len, phone)) > 0)
			continue;
		if (r < 0) {
			if (++bad <= IMP_BAD_SHOWN)
				cmd_err(s, "%s:%zu: not a phone number (+ and "
				    "7 to 15 digits)", name, line);
			continue;
		}
		if (imp_known(v, k, phone))
			continue;
		if (k == CMD_IMPORT_NUMBERS_MAX) {
			cmd_err(s, "%s:%zu: more than %d numbers", name, line,
			    CMD_IMPORT_NUMBERS_MAX);
			free(v);
			return CMD_EX_DATAERR;
		}
		memcpy(v[k].phone, phone, sizeof(phone));
		v[k++].line = line;
	}
	if (bad > IMP_BAD_SHOWN)
		cmd_err(s, "%s: and %zu more bad lines", name,
		    bad - IMP_BAD_SHOWN);
	if (bad == 0 && k == 0)
		cmd_err(s, "%s holds no phone numbers", name);
	if (bad > 0 || k == 0) {
		free(v);
		return CMD_EX_DATAERR;
	}
	*out = v;
	*n = k;
	return 0;
}

int
cmd_import_check(const struct cmd_opts *o, const struct cmd_sink *s)
{
	struct cmd_import_num *v;
	size_t n;
	int st;

	if (o->import_text == NULL) {
		cmd_err(s, "%s was not read", o->import_file);
		return CMD_EX_SOFTWARE;
	}
	if ((st = cmd_import_parse(o->import_text, o->import_file, &v, &n,
	    s)) == 0)
		free(v);
	return st;
}

/* ------------------------------------------------------------ running */

enum imp_state { IMP_UNCHECKED, IMP_ABSENT, IMP_FOUND };

struct imp_hit {
	enum imp_state state;
	uint64_t id;
	char *username, *display_name;	/* sanitised when printed */
};

struct imp {
	struct cloud *c;
	const struct cmd_opts *o;
	const struct cmd_sink *s;
	const struct cmd_import_ops *ops;
	void *ud;
	uint64_t timeout_ms;
	struct cmd_import_num *nums;
	struct imp_hit *hits;
	size_t n, next, sent;		/* next: the first not yet sent */
	uint32_t retry_after;		/* why the import stopped short */
	int stopped;
};

static void
imp_free(struct imp *im)
{
	size_t i;

	for (i = 0; im->hits != NULL && i < im->n; i++) {
		free(im->hits[i].username);
		free(im->hits[i].display_name);
	}
	free(im->hits);
	free(im->nums);
	free(im);
}

static int
imp_print_json(struct imp *im, size_t i)
{
	const struct imp_hit *h = &im->hits[i];
	json_t *o = json_object();
	char *text;
	int failed = o == NULL;

	failed |= json_object_set_new(o, "type", json_string("import")) != 0;
	failed |= json_object_set_new(o, "line",
	    json_integer((json_int_t)im->nums[i].line)) != 0;
	failed |= json_object_set_new(o, "phone",
	    json_string(im->nums[i].phone)) != 0;
	failed |= json_object_set_new(o, "checked",
	    json_boolean(h->state != IMP_UNCHECKED)) != 0;
	failed |= json_object_set_new(o, "on_sotto", h->state ==
	    IMP_UNCHECKED ? json_null() : json_boolean(h->state ==
	    IMP_FOUND)) != 0;
	if (h->state == IMP_FOUND) {
		failed |= json_object_set_new(o, "id", json_u64(h->id)) != 0;
		failed |= json_object_set_new(o, "username",
		    json_text(h->username)) != 0;
		failed |= json_object_set_new(o, "display_name",
		    json_text(h->display_name)) != 0;
	}
	if (failed || (text = json_dumps(o, JSON_COMPACT)) == NULL) {
		json_decref(o);
		cmd_err(im->s, "out of memory");
		return CMD_EX_SOFTWARE;
	}
	im->s->out(im->s->ud, text);
	free(text);
	json_decref(o);
	return 0;
}

static int
imp_print_text(struct imp *im, size_t i)
{
	const struct imp_hit *h = &im->hits[i];
	char *user = NULL, *name = NULL, line[400];

	if (h->state == IMP_FOUND) {
		user = json_sanitize(h->username, strlen(h->username));
		name = json_sanitize(h->display_name,
		    strlen(h->display_name));
	}
	if (h->state == IMP_FOUND && (user == NULL || name == NULL)) {
		free(user);
		free(name);
		cmd_err(im->s, "out of memory");
		return CMD_EX_SOFTWARE;
	}
	if (h->state == IMP_FOUND)
		snprintf(line, sizeof(line), "%s  @%s  %s", im->nums[i].phone,
		    user, name);
	else
		snprintf(line, sizeof(line), "%s  %s", im->nums[i].phone,
		    h->state == IMP_ABSENT ? "not on Sotto" : "not checked");
	im->s->out(im->s->ud, line);
	free(user);
	free(name);
	return 0;
}

/* Prints every number and ends the command with its status. */
static void
imp_finish(struct imp *im, int st)
{
	size_t i, unchecked = 0;

	for (i = 0; i < im->n && st == 0; i++) {
		unchecked += im->hits[i].state == IMP_UNCHECKED;
		st = im->o->json ? imp_print_json(im, i) :
		    imp_print_text(im, i);
	}
	if (st == 0 && unchecked > 0) {
		cmd_err(im->s, "%zu of %zu numbers were not checked: the "
		    "server's daily limit is reached; try again in %u s",
		    unchecked, im->n, (unsigned)im->retry_after);
		st = CMD_EX_TEMPFAIL;
	}
	im->ops->done(im->ud, st);
	imp_free(im);
}

static int imp_send(struct imp *im);

/* Applies one answer: the found users, the numbers it checked. */
static int
imp_apply(struct imp *im, const Sotto__ImportResult *ir)
{
	const Sotto__ImportedContact *ic;
	struct imp_hit *h;
	size_t i, checked = ir->checked < im->sent ? ir->checked : im->sent;
	int r;

	for (i = 0; i < ir->n_found; i++) {
		ic = ir->found[i];
		if (ic == NULL || ic->user == NULL || ic->index >= checked)
			return ERR_PROTO;
		if ((r = cloud_put_users(im->c, &ic->user, 1, NULL)) != 0)
			return r;
		h = &im->hits[im->next + ic->index];
		free(h->username);
		free(h->display_name);
		h->username = strdup(ic->user->username != NULL ?
		    ic->user->username : "");
		h->display_name = strdup(ic->user->display_name != NULL ?
		    ic->user->display_name : "");
		if (h->username == NULL || h->display_name == NULL)
			return ERR_NOMEM;
		h->id = ic->user->id;
		h->state = IMP_FOUND;
	}
	for (i = 0; i < checked; i++)
		if (im->hits[im->next + i].state == IMP_UNCHECKED)
			im->hits[im->next + i].state = IMP_ABSENT;
	im->next += checked;
	if (checked < im->sent) {
		im->stopped = 1;
		im->retry_after = ir->retry_after;
	}
	return 0;
}

static void
imp_on_reply(void *ud, int err, const Sotto__Response *resp)
{
	struct imp *im = ud;
	int r = err;

	if (!im->ops->alive(im->ud)) {
		im->ops->done(im->ud, CMD_EX_SOFTWARE);
		imp_free(im);
		return;
	}
	if (err == ERR_RATE_LIMITED && resp != NULL && resp->error != NULL) {
		/* Nothing of this piece could be checked today. */
		im->stopped = 1;
		im->retry_after = resp->error->retry_after;
		r = 0;
	} else if (err == 0 && (resp == NULL || resp->result_case !=
	    SOTTO__RESPONSE__RESULT_IMPORTED))
		r = ERR_PROTO;
	else if (err == 0)
		r = imp_apply(im, resp->imported);
	if (r == 0 && !im->stopped && im->next < im->n)
		r = imp_send(im);
	if (r == 0 && (im->stopped || im->next >= im->n)) {
		imp_finish(im, 0);
		return;
	}
	if (r == 0)
		return;		/* the next piece is on its way */
	if (err != 0 && resp != NULL && resp->error != NULL &&
	    resp->error->message != NULL && resp->error->message[0] != '\0') {
		char *why = json_sanitize(resp->error->message,
		    strlen(resp->error->message));

		cmd_err(im->s, "cannot import the contacts: %s",
		    why != NULL ? why : "?");
		free(why);
	} else
		cmd_err(im->s, "cannot import the contacts: %s", err_str(r));
	im->ops->done(im->ud, cmd_exit_code(r));
	imp_free(im);
}

/* Sends the next piece of at most CMD_IMPORT_PIECE numbers. */
static int
imp_send(struct imp *im)
{
	Sotto__Request req = SOTTO__REQUEST__INIT;
	Sotto__ImportContacts m = SOTTO__IMPORT_CONTACTS__INIT;
	char *phones[CMD_IMPORT_PIECE];
	size_t i;

	im->sent = im->n - im->next < CMD_IMPORT_PIECE ? im->n - im->next :
	    CMD_IMPORT_PIECE;
	for (i = 0; i < im->sent; i++)
		phones[i] = im->nums[im->next + i].phone;
	m.phones = phones;
	m.n_phones = im->sent;
	req.method_case = SOTTO__REQUEST__METHOD_IMPORT_CONTACTS;
	req.import_contacts = &m;
	return engine_call(cloud_engine(im->c), &req, im->timeout_ms,
	    imp_on_reply, im);
}

int
cmd_import_act(struct cloud *c, const struct cmd_opts *o,
    const struct cmd_sink *s, uint64_t timeout_ms,
    const struct cmd_import_ops *ops, void *ud)
{
	struct imp *im;
	int r;

	if ((im = calloc(1, sizeof(*im))) == NULL)
		return ERR_NOMEM;
	im->c = c;
	im->o = o;
	im->s = s;
	im->ops = ops;
	im->ud = ud;
	im->timeout_ms = timeout_ms;
	if (cmd_import_parse(o->import_text, o->import_file, &im->nums,
	    &im->n, s) != 0) {
		free(im);
		return ERR_INVAL;
	}
	if ((im->hits = calloc(im->n, sizeof(*im->hits))) == NULL) {
		imp_free(im);
		return ERR_NOMEM;
	}
	if ((r = imp_send(im)) != 0) {
		imp_free(im);
		return r;
	}
	return 0;
}
