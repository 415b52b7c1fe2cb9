/*
 * A value is changed in the model as soon as the key is pressed and the
 * row says "saving" until the caller reports back (ui_menu_status, and
 * ui_menu_restore when the server refused): the screen answers at once
 * and never pretends a refused change went through.
 */
#include "config.h"

#include "ui/menu.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/err.h"

#define MENU_CTRL(c)	((c) & 0x1f)
#define MENU_LABEL_W	18	/* cells of the rule's name */
#define MENU_VALUE_W	15	/* "< My contacts >" */

struct menu_rule {
	int value;
	size_t n_allow, n_deny;
	int saving;
};

struct menu_user {
	uint64_t id;
	char *name;
};

struct ui_menu {
	enum ui_menu_page page;
	size_t pick[UI_MENU_PAGES];
	struct menu_rule rule[UI_MENU_RULES];
	int rules_state;	/* 0 reading, 1 read, else the error */
	struct menu_user *users;
	size_t nusers, capusers;
	int users_state;
	struct ui_security *sec;
	char status[256];
	int status_error;
};

static const char *const menu_rule_labels[UI_MENU_RULES] = {
	"Phone number", "Phone discovery", "Last seen", "Bio", "Forwards",
	"Group invites", "Messages", "Secret chats",
};

/* What each rule decides, for the line under the rows. */
static const char *const menu_rule_help[UI_MENU_RULES] = {
	"Who sees my phone number.",
	"Who finds me by my phone number.",
	"Who sees when I was last online (others: only \"recently\").",
	"Who sees my bio.",
	"Whose copies of my forwarded messages link to me.",
	"Who may add me to groups.",
	"Who may start a chat with me (a chat I wrote in stays open).",
	"Who may start a secret chat with me.",
};

static const char *const menu_value_labels[UI_MENU_VALUES] = {
	"Everybody", "My contacts", "Nobody",
};

const char *
ui_menu_rule_label(int key)
{
	return key >= 0 && key < UI_MENU_RULES ? menu_rule_labels[key] : "?";
}

const char *
ui_menu_value_label(int value)
{
	return value >= 0 && value < UI_MENU_VALUES ?
	    menu_value_labels[value] : "?";
}

int
ui_menu_new(struct ui_menu **out)
{
	if ((*out = calloc(1, sizeof(**out))) == NULL)
		return ERR_NOMEM;
	if (ui_security_new(&(*out)->sec) != 0) {
		free(*out);
		*out = NULL;
		return ERR_NOMEM;
	}
	return 0;
}

void
ui_menu_blocked_clear(struct ui_menu *m)
{
	size_t i;

	for (i = 0; i < m->nusers; i++)
		free(m->users[i].name);
	m->nusers = 0;
	m->users_state = 0;
}

void
ui_menu_free(struct ui_menu *m)
{
	if (m == NULL)
		return;
	ui_menu_blocked_clear(m);
	free(m->users);
	ui_security_free(m->sec);
	free(m);
}

void
ui_menu_reset(struct ui_menu *m)
{
	ui_menu_blocked_clear(m);
	ui_security_reset(m->sec);
	memset(m->rule, 0, sizeof(m->rule));
	memset(m->pick, 0, sizeof(m->pick));
	m->rules_state = 0;
	m->page = UI_MENU_PRIVACY;
	m->status[0] = '\0';
	m->status_error = 0;
}

void
ui_menu_set_rule(struct ui_menu *m, int key, int value, size_t n_allow,
    size_t n_deny)
{
	if (key < 0 || key >= UI_MENU_RULES || value < 0 ||
	    value >= UI_MENU_VALUES)
		return;
	if (!m->rule[key].saving)
		m->rule[key].value = value;
	m->rule[key].n_allow = n_allow;
	m->rule[key].n_deny = n_deny;
}

void
ui_menu_rules_done(struct ui_menu *m, int err)
{
	m->rules_state = err != 0 ? err : 1;
}

int
ui_menu_blocked_add(struct ui_menu *m, uint64_t user_id, const char *name)
{
	struct menu_user *u;
	size_t cap;

	if (m->nusers == m->capusers) {
		cap = m->capusers ? m->capusers * 2 : 8;
		if ((u = realloc(m->users, cap * sizeof(*u))) == NULL)
			return ERR_NOMEM;
		m->users = u;
		m->capusers = cap;
	}
	if ((m->users[m->nusers].name = strdup(name != NULL ? name : "?")) ==
	    NULL)
		return ERR_NOMEM;
	m->users[m->nusers++].id = user_id;
	return 0;
}

void
ui_menu_blocked_done(struct ui_menu *m, int err)
{
	m->users_state = err != 0 ? err : 1;
	if (m->pick[UI_MENU_BLOCKED] >= m->nusers)
		m->pick[UI_MENU_BLOCKED] = m->nusers > 0 ? m->nusers - 1 : 0;
}

void
ui_menu_status(struct ui_menu *m, int error, const char *text)
{
	snprintf(m->status, sizeof(m->status), "%s", text != NULL ? text : "");
	m->status_error = error;
}

enum ui_menu_page
ui_menu_page(const struct ui_menu *m)
{
	return m->page;
}

struct ui_security *
ui_menu_security(struct ui_menu *m)
{
	return m->sec;
}

int
ui_menu_picked_rule(const struct ui_menu *m, int *value)
{
	size_t k = m->pick[UI_MENU_PRIVACY];

	if (value != NULL)
		*value = m->rule[k].value;
	return (int)k;
}

void
ui_menu_restore(struct ui_menu *m, int key, int value)
{
	if (key < 0 || key >= UI_MENU_RULES || value < 0 ||
	    value >= UI_MENU_VALUES)
		return;
	m->rule[key].value = value;
	m->rule[key].saving = 0;
}

void
ui_menu_saved(struct ui_menu *m, int key, int sent, int value)
{
	if (key >= 0 && key < UI_MENU_RULES && m->rule[key].value == sent)
		ui_menu_restore(m, key, value);
}

uint64_t
ui_menu_picked_user(const struct ui_menu *m, const char **name)
{
	size_t k = m->pick[UI_MENU_BLOCKED];

	if (k >= m->nusers) {
		if (name != NULL)
			*name = NULL;
		return 0;
	}
	if (name != NULL)
		*name = m->users[k].name;
	return m->users[k].id;
}

static int
menu_dir(const struct ui_key *k)
{
	if (k->alt)
		return 0;
	if (k->code == UI_KEY_UP || (k->code == UI_KEY_CHAR &&
	    k->ch == MENU_CTRL('P')))
		return -1;
	if (k->code == UI_KEY_DOWN || (k->code == UI_KEY_CHAR &&
	    k->ch == MENU_CTRL('N')))
		return 1;
	return 0;
}

static enum ui_menu_action
menu_security_key(struct ui_menu *m, const struct ui_key *k)
{
	int dir;

	if ((dir = menu_dir(k)) != 0) {
		ui_security_move(m->sec, dir);
		return UI_MA_CHANGED;
	}
	switch (ui_security_key(m->sec, k)) {
	case UI_SEC_CHANGED:
		m->status[0] = '\0';
		return UI_MA_CHANGED;
	case UI_SEC_SET_TTL:
		m->status[0] = '\0';
		return UI_MA_SET_TTL;
	case UI_SEC_TERMINATE:
		m->status[0] = '\0';
		return UI_MA_TERMINATE;
	default:
		return UI_MA_NONE;
	}
}

enum ui_menu_action
ui_menu_key(struct ui_menu *m, const struct ui_key *k)
{
	size_t *pick = &m->pick[m->page], rows;
	int dir, step = 0;
	struct menu_rule *r;

	if (k->code == UI_KEY_CHAR && !k->alt && k->ch == '\t') {
		m->page = (enum ui_menu_page)((m->page + 1) % UI_MENU_PAGES);
		m->status[0] = '\0';
		ui_security_move(m->sec, 0);	/* drops an open question */
		return UI_MA_PAGE;
	}
	if (m->page == UI_MENU_SECURITY)
		return menu_security_key(m, k);
	rows = m->page == UI_MENU_PRIVACY ? UI_MENU_RULES : m->nusers;
	if ((dir = menu_dir(k)) != 0) {
		if (dir < 0 && *pick > 0)
			(*pick)--;
		else if (dir > 0 && *pick + 1 < rows)
			(*pick)++;
		return UI_MA_CHANGED;
	}
	if (k->alt)
		return UI_MA_NONE;
	if (m->page == UI_MENU_BLOCKED) {
		if (m->users_state != 1 || *pick >= m->nusers)
			return UI_MA_NONE;
		if (k->code == UI_KEY_ENTER || k->code == UI_KEY_DELETE ||
		    (k->code == UI_KEY_CHAR && (k->ch == '\r' ||
		    k->ch == '\n' || k->ch == 'u')))
			return UI_MA_UNBLOCK;
		return UI_MA_NONE;
	}
	if (m->rules_state != 1)
		return UI_MA_NONE;
	if (k->code == UI_KEY_RIGHT || k->code == UI_KEY_ENTER ||
	    (k->code == UI_KEY_CHAR && (k->ch == ' ' || k->ch == '\r' ||
	    k->ch == '\n')))
		step = 1;
	else if (k->code == UI_KEY_LEFT)
		step = UI_MENU_VALUES - 1;
	if (step == 0)
		return UI_MA_NONE;
	r = &m->rule[*pick];
	r->value = (r->value + step) % UI_MENU_VALUES;
	r->saving = 1;
	m->status[0] = '\0';
	return UI_MA_SET;
}

/* ------------------------------------------------------------ lines */

/* The rows of the Privacy page, from first, at most n of them. */
static int
menu_rules(const struct ui_menu *m, struct ui_vlines *l, size_t width,
    size_t first, size_t n)
{
	struct ui_vline *v;
	char val[32], exc[64];
	size_t k, pad;
	int r;

	for (k = first; k < UI_MENU_RULES && k < first + n; k++) {
		if ((v = ui_vline_new(l)) == NULL)
			return ERR_NOMEM;
		v->selected = k == m->pick[UI_MENU_PRIVACY];
		if (m->rules_state == 1)
			snprintf(val, sizeof(val), "< %s >",
			    ui_menu_value_label(m->rule[k].value));
		else
			snprintf(val, sizeof(val), "  ...");
		snprintf(exc, sizeof(exc), "%s%zu always, %zu never",
		    m->rule[k].saving ? "saving... " : "", m->rule[k].n_allow,
		    m->rule[k].n_deny);
		pad = MENU_VALUE_W > strlen(val) ? MENU_VALUE_W - strlen(val) :
		    0;
		if ((r = ui_vline_pad(v, UI_ST_TEXT, 2, width)) != 0 ||
		    (r = ui_vline_str(v, UI_ST_TEXT, menu_rule_labels[k], width))
		    != 0 ||
		    (r = ui_vline_pad(v, UI_ST_TEXT, 2 + MENU_LABEL_W -
		    v->cells, width)) != 0 ||
		    (r = ui_vline_str(v, UI_ST_TITLE, val, width)) != 0 ||
		    (r = ui_vline_pad(v, UI_ST_TEXT, pad + 2, width)) != 0 ||
		    (m->rules_state == 1 && (r = ui_vline_str(v,
		    m->rule[k].saving ? UI_ST_MARK : UI_ST_DIM, exc, width))
		    != 0))
			return r;
	}
	return 0;
}

/* The rows of the Blocked users page. */
static int
menu_users(const struct ui_menu *m, struct ui_vlines *l, size_t width,
    size_t first, size_t n)
{
	struct ui_vline *v;
	char buf[96];
	size_t k;
	int r;

	if (m->users_state != 1 || m->nusers == 0) {
		if ((v = ui_vline_new(l)) == NULL)
			return ERR_NOMEM;
		if (m->users_state == 0)
			snprintf(buf, sizeof(buf), "  reading...");
		else if (m->users_state != 1)
			snprintf(buf, sizeof(buf), "  cannot read them: %s",
			    err_str(m->users_state));
		else
			snprintf(buf, sizeof(buf), "  Nobody is blocked. "
			    "/block PEER blocks a user.");
		return ui_vline_str(v, m->users_state == 0 || m->users_state == 1 ?
		    UI_ST_DIM : UI_ST_ERROR, buf, width);
	}
	for (k = first; k < m->nusers && k < first + n; k++) {
		if ((v = ui_vline_new(l)) == NULL)
			return ERR_NOMEM;
		v->selected = k == m->pick[UI_MENU_BLOCKED];
		if ((r = ui_vline_pad(v, UI_ST_TEXT, 2, width)) != 0 ||
		    (r = ui_vline_raw(v, UI_ST_SENDER, m->users[k].name, width))
		    != 0)
			return r;
	}
	return 0;
}

int
ui_menu_view(const struct ui_menu *m, size_t width, size_t height,
    struct ui_vlines *out)
{
	struct ui_vline *v;
	char buf[64], help[256];
	size_t rows, first = 0, pick = m->pick[m->page];
	int r = ERR_NOMEM;

	memset(out, 0, sizeof(*out));
	/* Title, pages, a blank; the rows; a blank, help, status. */
	rows = height > 6 ? height - 6 : 1;
	if ((v = ui_vline_new(out)) == NULL)
		goto out;
	if ((r = ui_vline_str(v, UI_ST_TITLE, " Settings", width)) != 0)
		goto out;
	r = ERR_NOMEM;
	if ((v = ui_vline_new(out)) == NULL)
		goto out;
	/* The pages, the open one in brackets. */
	if (m->users_state == 1)
		snprintf(buf, sizeof(buf), "%cBlocked users (%zu)%c",
		    m->page == UI_MENU_BLOCKED ? '[' : ' ', m->nusers,
		    m->page == UI_MENU_BLOCKED ? ']' : ' ');
	else
		snprintf(buf, sizeof(buf), "%cBlocked users%c",
		    m->page == UI_MENU_BLOCKED ? '[' : ' ',
		    m->page == UI_MENU_BLOCKED ? ']' : ' ');
	if ((r = ui_vline_pad(v, UI_ST_TEXT, 1, width)) != 0 ||
	    (r = ui_vline_str(v, m->page == UI_MENU_PRIVACY ? UI_ST_UNREAD :
	    UI_ST_DIM, m->page == UI_MENU_PRIVACY ? "[Privacy]" : " Privacy ",
	    width)) != 0 ||
	    (r = ui_vline_pad(v, UI_ST_TEXT, 2, width)) != 0 ||
	    (r = ui_vline_str(v, m->page == UI_MENU_BLOCKED ? UI_ST_UNREAD :
	    UI_ST_DIM, buf, width)) != 0 ||
	    (r = ui_vline_pad(v, UI_ST_TEXT, 2, width)) != 0 ||
	    (r = ui_vline_str(v, m->page == UI_MENU_SECURITY ? UI_ST_UNREAD :
	    UI_ST_DIM, m->page == UI_MENU_SECURITY ? "[Security]" :
	    " Security ", width)) != 0)
		goto out;
	r = ERR_NOMEM;
	if (ui_vline_new(out) == NULL)
		goto out;
	if (pick >= rows)
		first = pick - rows + 1;
	if (m->page == UI_MENU_SECURITY) {
		if ((r = ui_security_rows(m->sec, out, width, rows)) != 0)
			goto out;
	} else if (m->page == UI_MENU_PRIVACY) {
		if (m->rules_state != 0 && m->rules_state != 1) {
			if ((v = ui_vline_new(out)) == NULL)
				goto out;
			snprintf(buf, sizeof(buf), "  cannot read the rules: "
			    "%s", err_str(m->rules_state));
			if ((r = ui_vline_str(v, UI_ST_ERROR, buf, width)) != 0)
				goto out;
		} else if ((r = menu_rules(m, out, width, first, rows)) != 0)
			goto out;
	} else if ((r = menu_users(m, out, width, first, rows)) != 0)
		goto out;
	r = ERR_NOMEM;
	if (ui_vline_new(out) == NULL || (v = ui_vline_new(out)) == NULL)
		goto out;
	/*
	 * What the picked rule decides, what a block does, or on Security
	 * what the row does (or the question it asks).
	 */
	if (m->page == UI_MENU_SECURITY)
		ui_security_help(m->sec, help, sizeof(help));
	else
		snprintf(help, sizeof(help), "%s", m->page == UI_MENU_PRIVACY ?
		    menu_rule_help[pick < UI_MENU_RULES ? pick : 0] :
		    "A blocked user cannot message you, add you to groups, "
		    "start a secret chat or see your phone.");
	if ((r = ui_vline_pad(v, UI_ST_TEXT, 2, width)) != 0 ||
	    (r = ui_vline_str(v, m->page == UI_MENU_SECURITY &&
	    ui_security_asking(m->sec) ? UI_ST_MARK : UI_ST_DIM, help,
	    width)) != 0)
		goto out;
	r = ERR_NOMEM;
	if ((v = ui_vline_new(out)) == NULL)
		goto out;
	if ((r = ui_vline_pad(v, UI_ST_TEXT, 2, width)) != 0 ||
	    (r = ui_vline_raw(v, m->status_error ? UI_ST_ERROR : UI_ST_MARK,
	    m->status, width)) != 0)
		goto out;
	/* A short pane keeps the rows, not the help under them. */
	while (out->n > height && out->n > 0)
		free(out->v[--out->n].text);
	r = 0;
out:
	if (r != 0)
		ui_vlines_free(out);
	return r;
}

int
ui_menu_view_input(const struct ui_menu *m, size_t width,
    struct ui_vlines *out, size_t *cursor_x)
{
	struct ui_vline *v;
	const char *keys = m->page == UI_MENU_PRIVACY ?
	    "settings: Up/Down pick, Left/Right or Enter change, Tab page, "
	    "Esc back" : m->page == UI_MENU_SECURITY ?
	    "settings: Up/Down pick, Enter change or end, Tab page, Esc back" :
	    "settings: Up/Down pick, Enter unblock, Tab page, Esc back";
	int r;

	memset(out, 0, sizeof(*out));
	*cursor_x = 0;
	if ((v = ui_vline_new(out)) == NULL)
		return ERR_NOMEM;
	if ((r = ui_vline_str(v, UI_ST_DIM, keys, width)) != 0) {
		ui_vlines_free(out);
		return r;
	}
	*cursor_x = v->cells < width ? v->cells : width > 0 ? width - 1 : 0;
	return 0;
}
