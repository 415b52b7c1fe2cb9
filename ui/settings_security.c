/*
 * The TTLs are the protocol's (SetSessionTtl: 7, 30, 91, 183, 365 days;
 * the server refuses others). Rows: 0 the session TTL, 1 "end all other sessions", then the
 * sessions in the server's order (this device first is the server's
 * choice, not ours). The question "end ...?" is kept by the session's
 * id, not its row, so that a re-read that moves the rows under it
 * cannot turn a y into the end of another device.
 */
#include "config.h"

#include "ui/settings_security.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/err.h"
#include "ui/sanitize.h"

#define SEC_ROW_TTL	0
#define SEC_ROW_OTHERS	1
#define SEC_ROWS_FIXED	2
#define SEC_LABEL_W	24

struct sec_session {
	uint64_t id;
	char *name, *software;
	uint64_t last_active;
	int online, current;
};

struct ui_security {
	struct sec_session *v;
	size_t n, cap;
	int state;		/* 0 reading, 1 read, else the error */
	uint32_t ttl;		/* shown */
	uint32_t ttl_server;	/* as the server last said */
	int ttl_saving;
	size_t pick;
	int asking;		/* a y/n question is open */
	int ask_others;		/* it ends every other session */
	uint64_t ask_id;	/* else this one */
	char ask_name[128];
};

static const struct {
	uint32_t days;
	const char *label;
} sec_ttl_labels[] = {
	{ 7, "1 week" }, { 30, "1 month" }, { 91, "3 months" },
	{ 183, "6 months" }, { 365, "1 year" },
};

#define SEC_NTTLS	(sizeof(sec_ttl_labels) / sizeof(sec_ttl_labels[0]))

static const char *
sec_ttl_label(uint32_t days)
{
	size_t i;

	for (i = 0; i < SEC_NTTLS; i++)
		if (sec_ttl_labels[i].days == days)
			return sec_ttl_labels[i].label;
	return "?";
}

/* The TTL after days (dir 1) or before it, wrapping; else from 6 months. */
static uint32_t
sec_ttl_step(uint32_t days, int dir)
{
	size_t i, k = 3;

	for (i = 0; i < SEC_NTTLS; i++)
		if (sec_ttl_labels[i].days == days)
			k = i;
	k = dir < 0 ? (k + SEC_NTTLS - 1) % SEC_NTTLS : (k + 1) % SEC_NTTLS;
	return sec_ttl_labels[k].days;
}

int
ui_security_new(struct ui_security **out)
{
	if ((*out = calloc(1, sizeof(**out))) == NULL)
		return ERR_NOMEM;
	return 0;
}

void
ui_security_clear(struct ui_security *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		free(s->v[i].name);
		free(s->v[i].software);
	}
	s->n = 0;
	s->state = 0;
}

void
ui_security_free(struct ui_security *s)
{
	if (s == NULL)
		return;
	ui_security_clear(s);
	free(s->v);
	free(s);
}

void
ui_security_reset(struct ui_security *s)
{
	ui_security_clear(s);
	s->pick = 0;
	s->ttl = s->ttl_server = 0;
	s->ttl_saving = 0;
	s->asking = 0;
}

int
ui_security_add(struct ui_security *s, uint64_t id, const char *name,
    const char *software, uint64_t last_active, int online, int current)
{
	struct sec_session *v;
	size_t cap;

	if (s->n == s->cap) {
		cap = s->cap ? s->cap * 2 : 8;
		if ((v = realloc(s->v, cap * sizeof(*v))) == NULL)
			return ERR_NOMEM;
		s->v = v;
		s->cap = cap;
	}
	v = &s->v[s->n];
	v->name = strdup(name != NULL ? name : "");
	v->software = strdup(software != NULL && software[0] != '\0' ?
	    software : "unknown software");
	if (v->name == NULL || v->software == NULL) {
		free(v->name);
		free(v->software);
		return ERR_NOMEM;
	}
	v->id = id;
	v->last_active = last_active;
	v->online = online;
	v->current = current;
	s->n++;
	return 0;
}

void
ui_security_done(struct ui_security *s, int err, uint32_t ttl_days)
{
	size_t i;

	s->state = err != 0 ? err : 1;
	if (err == 0) {
		s->ttl_server = ttl_days;
		if (!s->ttl_saving)
			s->ttl = ttl_days;
	}
	if (s->pick >= SEC_ROWS_FIXED + s->n)
		s->pick = SEC_ROWS_FIXED + s->n - 1;
	/* A question about a session that has gone is dropped. */
	if (s->asking && !s->ask_others) {
		for (i = 0; i < s->n && s->v[i].id != s->ask_id; i++)
			;
		if (i == s->n)
			s->asking = 0;
	}
}

int
ui_security_move(struct ui_security *s, int dir)
{
	size_t rows = SEC_ROWS_FIXED + s->n;

	s->asking = 0;
	if (dir < 0 && s->pick > 0)
		s->pick--;
	else if (dir > 0 && s->pick + 1 < rows)
		s->pick++;
	else
		return 0;
	return 1;
}

static int
sec_enter(const struct ui_key *k)
{
	return k->code == UI_KEY_ENTER || (k->code == UI_KEY_CHAR &&
	    (k->ch == '\r' || k->ch == '\n'));
}

enum ui_security_action
ui_security_key(struct ui_security *s, const struct ui_key *k)
{
	const struct sec_session *v;
	int step = 0;

	if (k->alt || s->state != 1)
		return UI_SEC_NONE;
	if (s->asking) {
		s->asking = 0;
		if (k->code == UI_KEY_CHAR && (k->ch == 'y' || k->ch == 'Y'))
			return UI_SEC_TERMINATE;
		return UI_SEC_CHANGED;
	}
	if (s->pick == SEC_ROW_TTL) {
		if (k->code == UI_KEY_RIGHT || sec_enter(k) ||
		    (k->code == UI_KEY_CHAR && k->ch == ' '))
			step = 1;
		else if (k->code == UI_KEY_LEFT)
			step = -1;
		if (step == 0)
			return UI_SEC_NONE;
		s->ttl = sec_ttl_step(s->ttl, step);
		s->ttl_saving = 1;
		return UI_SEC_SET_TTL;
	}
	if (!sec_enter(k) && k->code != UI_KEY_DELETE)
		return UI_SEC_NONE;
	if (s->pick == SEC_ROW_OTHERS) {
		s->ask_others = 1;
		s->ask_id = 0;
		snprintf(s->ask_name, sizeof(s->ask_name), "every other "
		    "session");
	} else {
		v = &s->v[s->pick - SEC_ROWS_FIXED];
		if (v->current)
			return UI_SEC_NONE;
		s->ask_others = 0;
		s->ask_id = v->id;
		snprintf(s->ask_name, sizeof(s->ask_name), "%s", v->name);
	}
	s->asking = 1;
	return UI_SEC_CHANGED;
}

uint32_t
ui_security_ttl(const struct ui_security *s)
{
	return s->ttl;
}

void
ui_security_ttl_saved(struct ui_security *s, uint32_t days)
{
	s->ttl = s->ttl_server = days;
	s->ttl_saving = 0;
}

void
ui_security_ttl_refused(struct ui_security *s)
{
	ui_security_ttl_saved(s, s->ttl_server);
}

int
ui_security_confirmed(const struct ui_security *s, uint64_t *id,
    const char **name)
{
	*id = s->ask_others ? 0 : s->ask_id;
	if (name != NULL)
		*name = s->ask_name;
	return s->ask_others;
}

int
ui_security_asking(const struct ui_security *s)
{
	return s->asking;
}

void
ui_security_help(const struct ui_security *s, char *buf, size_t size)
{
	char name[64];

	if (s->asking) {
		if (s->ask_others)
			snprintf(buf, size, "End every other session? They "
			    "are logged out at once. y ends them, any other "
			    "key keeps them.");
		else {
			(void)ui_sanitize_buf(s->ask_name, strlen(s->ask_name),
			    NULL, name, sizeof(name));
			snprintf(buf, size, "End the session \"%s\"? It is "
			    "logged out at once. y ends it, any other key "
			    "keeps it.", name);
		}
		return;
	}
	if (s->pick == SEC_ROW_TTL)
		snprintf(buf, size, "A session inactive for this long ends by "
		    "itself.");
	else if (s->pick == SEC_ROW_OTHERS)
		snprintf(buf, size, "Logs out every device but this one.");
	else if (s->pick - SEC_ROWS_FIXED < s->n &&
	    s->v[s->pick - SEC_ROWS_FIXED].current)
		snprintf(buf, size, "This device. --logout logs it out.");
	else
		snprintf(buf, size, "Enter ends this session (it asks first).");
}

/* ------------------------------------------------------------ rows */

/* "<label>  <value>" at the page's indent. */
static int
sec_fixed(const struct ui_security *s, struct ui_vlines *l, size_t row,
    size_t width)
{
	struct ui_vline *v;
	char val[48];
	int r;

	if ((v = ui_vline_new(l)) == NULL)
		return ERR_NOMEM;
	v->selected = s->pick == row;
	if ((r = ui_vline_pad(v, UI_ST_TEXT, 2, width)) != 0)
		return r;
	if (row == SEC_ROW_OTHERS)
		return ui_vline_str(v, UI_ST_TEXT, "End all other sessions", width);
	snprintf(val, sizeof(val), "< %s >%s", sec_ttl_label(s->ttl),
	    s->ttl_saving ? "  saving..." : "");
	if ((r = ui_vline_str(v, UI_ST_TEXT, "End inactive sessions after",
	    width)) != 0 || (r = ui_vline_pad(v, UI_ST_TEXT, 2 + SEC_LABEL_W +
	    6 > v->cells ? 2 + SEC_LABEL_W + 6 - v->cells : 2, width)) != 0)
		return r;
	return ui_vline_str(v, s->ttl_saving ? UI_ST_MARK : UI_ST_TITLE, val,
	    width);
}

static int
sec_session_row(const struct ui_security *s, struct ui_vlines *l, size_t k,
    size_t width)
{
	const struct sec_session *x = &s->v[k];
	struct ui_vline *v;
	char when[48];
	struct tm tm;
	time_t tt = (time_t)x->last_active;
	int r;

	if ((v = ui_vline_new(l)) == NULL)
		return ERR_NOMEM;
	v->selected = s->pick == SEC_ROWS_FIXED + k;
	if (x->current)
		snprintf(when, sizeof(when), "this device");
	else if (x->online)
		snprintf(when, sizeof(when), "online");
	else if (x->last_active != 0 && localtime_r(&tt, &tm) != NULL &&
	    strftime(when, sizeof(when), "last active %Y-%m-%d", &tm) > 0)
		;
	else
		snprintf(when, sizeof(when), "never active");
	if ((r = ui_vline_pad(v, UI_ST_TEXT, 2, width)) != 0 ||
	    (r = ui_vline_raw(v, UI_ST_SENDER, x->name, width)) != 0 ||
	    (r = ui_vline_str(v, UI_ST_TEXT, "  ", width)) != 0 ||
	    (r = ui_vline_raw(v, UI_ST_DIM, x->software, width)) != 0 ||
	    (r = ui_vline_str(v, UI_ST_TEXT, "  ", width)) != 0)
		return r;
	return ui_vline_str(v, x->current || x->online ? UI_ST_MARK : UI_ST_DIM,
	    when, width);
}

int
ui_security_rows(const struct ui_security *s, struct ui_vlines *l,
    size_t width, size_t n)
{
	struct ui_vline *v;
	char buf[96];
	size_t k, first = 0, rows;
	int r;

	if (s->state != 1) {
		if ((v = ui_vline_new(l)) == NULL)
			return ERR_NOMEM;
		if (s->state == 0)
			snprintf(buf, sizeof(buf), "  reading...");
		else
			snprintf(buf, sizeof(buf), "  cannot read the "
			    "sessions: %s", err_str(s->state));
		return ui_vline_str(v, s->state == 0 ? UI_ST_DIM : UI_ST_ERROR, buf,
		    width);
	}
	rows = SEC_ROWS_FIXED + s->n;
	if (n == 0)
		n = 1;
	if (s->pick >= n)
		first = s->pick - n + 1;
	for (k = first; k < rows && k < first + n; k++) {
		if (k < SEC_ROWS_FIXED)
			r = sec_fixed(s, l, k, width);
		else
			r = sec_session_row(s, l, k - SEC_ROWS_FIXED, width);
		if (r != 0)
			return r;
	}
	return 0;
}
