/*
 * Every call to the server counts in p->ops. privacy_ui_free() with
 * calls under way leaves p "dead": the completions that follow touch
 * neither the host nor the menu (both are gone) and the last one frees
 * p, since cloud_free() completes them after the TUI has ended.
 */
#include "config.h"

#include "ui/privacy_ui.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/err.h"
#include "ui/privacy_ui_int.h"

/* The menu numbers rules and values as client/cloud.h does. */
_Static_assert(UI_MENU_RULES == CLOUD_PRIV_N, "rules");
_Static_assert(CLOUD_PRIV_EVERYBODY == 0 && CLOUD_PRIV_CONTACTS == 1 &&
    CLOUD_PRIV_NOBODY == 2 && UI_MENU_VALUES == 3, "values");
_Static_assert(CLOUD_PRIV_PHONE_NUMBER == 0 &&
    CLOUD_PRIV_SECRET_CHATS == UI_MENU_RULES - 1, "keys");

/* One /block, /unblock or unblock from the screen. */
struct pui_block {
	struct privacy_ui *p;
	int block;
	uint64_t user_id;
	char peer[128];
};

/* One save of a rule's value. */
struct pui_set {
	struct privacy_ui *p;
	int key, old, value;
};

int
pui__end(struct privacy_ui *p)
{
	p->ops--;
	if (p->dead) {
		if (p->ops == 0)
			free(p);
		return 1;
	}
	return 0;
}

static void
pui_note(struct privacy_ui *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
pui_note(struct privacy_ui *p, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	p->h.note(p->h.ud, buf);
}

void
pui__status(struct privacy_ui *p, int error, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	if (!p->open)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	ui_menu_status(p->menu, error, buf);
	p->h.refresh(p->h.ud);
}

/* A user as the screen and the notes name it: "Bob (@bob)". */
static void
pui_user_name(const struct cloud_user *u, char *buf, size_t size)
{
	const char *d = u->display_name, *n = u->username;

	if (d != NULL && d[0] != '\0' && n != NULL && n[0] != '\0')
		snprintf(buf, size, "%s (@%s)", d, n);
	else if (n != NULL && n[0] != '\0')
		snprintf(buf, size, "@%s", n);
	else if (d != NULL && d[0] != '\0')
		snprintf(buf, size, "%s", d);
	else
		snprintf(buf, size, "user %llu", (unsigned long long)u->id);
}

/* ------------------------------------------------------------ reading */

static void
pui_rules(void *ud, int err, const char *why,
    const struct cloud_privacy_rule *rules, size_t n)
{
	struct privacy_ui *p = ud;
	size_t i;

	(void)why;
	if (pui__end(p) || !p->open)
		return;
	for (i = 0; err == 0 && i < n; i++) {
		if (rules[i].key >= 0 && rules[i].key < UI_MENU_RULES)
			p->saved[rules[i].key] = rules[i].value;
		ui_menu_set_rule(p->menu, rules[i].key, rules[i].value,
		    rules[i].n_allow, rules[i].n_deny);
	}
	ui_menu_rules_done(p->menu, err);
	p->h.refresh(p->h.ud);
}

static void
pui_blocked(void *ud, int err, const char *why, const struct cloud_user *u,
    size_t n)
{
	struct privacy_ui *p = ud;
	char name[256];
	size_t i;

	(void)why;
	if (pui__end(p) || !p->open)
		return;
	ui_menu_blocked_clear(p->menu);
	for (i = 0; err == 0 && i < n; i++) {
		pui_user_name(&u[i], name, sizeof(name));
		if ((err = ui_menu_blocked_add(p->menu, u[i].id, name)) != 0)
			break;
	}
	ui_menu_blocked_done(p->menu, err);
	p->h.refresh(p->h.ud);
}

static void
pui_read_rules(struct privacy_ui *p)
{
	int r;

	if ((r = cloud_get_privacy(p->c, PUI_CALL_MS, pui_rules, p)) == 0)
		p->ops++;
	else
		ui_menu_rules_done(p->menu, r);
}

static void
pui_read_blocked(struct privacy_ui *p)
{
	int r;

	if ((r = cloud_get_blocked(p->c, PUI_CALL_MS, pui_blocked, p)) == 0)
		p->ops++;
	else
		ui_menu_blocked_done(p->menu, r);
}

/* Another device (or our own save, coming back) changed them. */
static void
pui_event(void *ud, const struct cloud_event *ev)
{
	struct privacy_ui *p = ud;

	if (!p->open)
		return;
	if (ev->kind == CLOUD_EV_PRIVACY)
		pui_read_rules(p);
	else if (ev->kind == CLOUD_EV_BLOCKED)
		pui_read_blocked(p);
}

/* ------------------------------------------------------------ blocks */

static void
pui_block_done(void *ud, int err, const char *why, uint64_t id)
{
	struct pui_block *b = ud;
	struct privacy_ui *p = b->p;
	const char *verb = b->block ? "block" : "unblock";

	(void)id;
	if (pui__end(p)) {
		free(b);
		return;
	}
	if (err != 0) {
		pui_note(p, "cannot %s %s: %s%s%s", verb, b->peer, err_str(err),
		    why != NULL && why[0] != '\0' ? ": " : "",
		    why != NULL ? why : "");
		pui__status(p, 1, "cannot %s %s: %s", verb, b->peer,
		    err_str(err));
	} else {
		if (b->block)
			pui_note(p, "blocked %s: they cannot message you, add "
			    "you to groups or start secret chats with you",
			    b->peer);
		else
			pui_note(p, "unblocked %s", b->peer);
		pui__status(p, 0, "%sblocked %s", b->block ? "" : "un",
		    b->peer);
		if (p->open)
			pui_read_blocked(p);
	}
	free(b);
}

static void
pui_block_start(struct privacy_ui *p, struct pui_block *b)
{
	int r;

	if ((r = cloud_block(p->c, b->user_id, b->block, PUI_CALL_MS,
	    pui_block_done, b)) != 0) {
		pui_note(p, "cannot %s %s: %s", b->block ? "block" :
		    "unblock", b->peer, err_str(r));
		free(b);
		return;
	}
	p->ops++;
}

static void
pui_resolved(void *ud, int err, const char *why, const struct cloud_peer *cp)
{
	struct pui_block *b = ud;
	struct privacy_ui *p = b->p;

	(void)why;
	if (pui__end(p)) {
		free(b);
		return;
	}
	if (err != 0 || cp->user_id == 0) {
		pui_note(p, "cannot %s %s: %s", b->block ? "block" : "unblock",
		    b->peer, err != 0 ? err_str(err) : "not a user");
		free(b);
		return;
	}
	b->user_id = cp->user_id;
	pui_block_start(p, b);
}

/* /block PEER or /unblock PEER: the peer is resolved first. */
static void
pui_cmd_block(struct privacy_ui *p, int block, char **w, size_t n)
{
	struct pui_block *b;
	int r;

	if (n != 2 || cloud_peer_check(w[1]) != 0) {
		pui_note(p, "%s PEER: @username, +phone or a chat id",
		    block ? "/block" : "/unblock");
		return;
	}
	if ((b = calloc(1, sizeof(*b))) == NULL)
		return;
	b->p = p;
	b->block = block;
	snprintf(b->peer, sizeof(b->peer), "%s", w[1]);
	if ((r = cloud_resolve(p->c, w[1], 0, PUI_CALL_MS, pui_resolved,
	    b)) != 0) {
		pui_note(p, "cannot look up %s: %s", w[1], err_str(r));
		free(b);
		return;
	}
	p->ops++;
}

/* ------------------------------------------------------------ screen */

static void
pui_open(struct privacy_ui *p)
{
	ui_menu_reset(p->menu);
	p->open = 1;
	p->h.show(p->h.ud, p->menu);
	pui_read_rules(p);
	pui_read_blocked(p);
}

static void
pui_set_done(void *ud, int err, const char *why, uint64_t id)
{
	struct pui_set *s = ud;
	struct privacy_ui *p = s->p;

	(void)id;
	if (pui__end(p) || !p->open) {
		free(s);
		return;
	}
	if (err == 0)
		p->saved[s->key] = s->value;
	ui_menu_saved(p->menu, s->key, s->value, err == 0 ? s->value :
	    p->saved[s->key]);
	if (err != 0)
		pui__status(p, 1, "%s: not saved: %s%s%s",
		    ui_menu_rule_label(s->key), err_str(err),
		    why != NULL && why[0] != '\0' ? ": " : "",
		    why != NULL ? why : "");
	else
		pui__status(p, 0, "saved: %s: %s", ui_menu_rule_label(s->key),
		    ui_menu_value_label(s->value));
	free(s);
}

static void
pui_set(struct privacy_ui *p)
{
	struct pui_set *s;
	int key, value, r;

	key = ui_menu_picked_rule(p->menu, &value);
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		ui_menu_restore(p->menu, key, p->saved[key]);
		return;
	}
	s->p = p;
	s->key = key;
	s->value = value;
	s->old = p->saved[key];
	if ((r = cloud_set_privacy_value(p->c, key, value, PUI_CALL_MS,
	    pui_set_done, s)) != 0) {
		ui_menu_restore(p->menu, key, s->old);
		pui__status(p, 1, "%s: not saved: %s", ui_menu_rule_label(key),
		    err_str(r));
		free(s);
		return;
	}
	p->ops++;
	p->h.refresh(p->h.ud);
}

static void
pui_unblock(struct privacy_ui *p)
{
	struct pui_block *b;
	const char *name;
	uint64_t id;

	if ((id = ui_menu_picked_user(p->menu, &name)) == 0 ||
	    (b = calloc(1, sizeof(*b))) == NULL)
		return;
	b->p = p;
	b->block = 0;
	b->user_id = id;
	snprintf(b->peer, sizeof(b->peer), "%s", name != NULL ? name : "?");
	pui__status(p, 0, "unblocking...");
	pui_block_start(p, b);
}

void
privacy_ui_action(struct privacy_ui *p, enum ui_menu_action act)
{
	if (!p->open)
		return;
	switch (act) {
	case UI_MA_SET:
		pui_set(p);
		break;
	case UI_MA_UNBLOCK:
		pui_unblock(p);
		break;
	case UI_MA_SET_TTL:
	case UI_MA_TERMINATE:
		pui__security_action(p, act);
		break;
	case UI_MA_PAGE:
		if (ui_menu_page(p->menu) == UI_MENU_BLOCKED)
			pui_read_blocked(p);
		else if (ui_menu_page(p->menu) == UI_MENU_SECURITY)
			pui__security_read(p);
		else
			pui_read_rules(p);
		break;
	case UI_MA_CLOSE:
		p->open = 0;
		p->h.show(p->h.ud, NULL);
		break;
	default:
		break;
	}
}

static void
pui_cmd_blocks(void *ud, const char *line, char **w, size_t n)
{
	(void)line;
	pui_cmd_block(ud, strcmp(w[0], "/block") == 0, w, n);
}

static void
pui_cmd_settings(void *ud, const char *line, char **w, size_t n)
{
	(void)line;
	(void)w;
	(void)n;
	pui_open(ud);
}

const struct ui_cmd privacy_ui_cmds[] = {
	{ "/block", NULL, "/block PEER", 1, 1, pui_cmd_blocks,
	    "@username, +phone or a chat id" },
	{ "/unblock", NULL, "/unblock PEER", 1, 1, pui_cmd_blocks,
	    "@username, +phone or a chat id" },
	{ "/settings", NULL, "/settings", 0, 0, pui_cmd_settings,
	    "takes nothing; it opens the settings screen" },
	{ NULL, NULL, NULL, 0, 0, NULL, NULL },
};

int
privacy_ui_new(struct privacy_ui **out, struct cloud *c,
    const struct privacy_ui_host *h)
{
	struct privacy_ui *p;

	*out = NULL;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return ERR_NOMEM;
	p->c = c;
	p->h = *h;
	if (ui_menu_new(&p->menu) != 0 ||
	    cloud_subscribe(c, pui_event, p) != 0) {
		ui_menu_free(p->menu);
		free(p);
		return ERR_NOMEM;
	}
	*out = p;
	return 0;
}

void
privacy_ui_free(struct privacy_ui *p)
{
	if (p == NULL)
		return;
	cloud_unsubscribe(p->c, pui_event, p);
	ui_menu_free(p->menu);
	p->menu = NULL;
	p->open = 0;
	if (p->ops > 0)
		p->dead = 1;
	else
		free(p);
}
