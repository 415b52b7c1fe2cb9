/*
 * The settings screen's model (ui/menu.c): the rules and their values
 * cycle with the keys and ask to be saved, a refused save puts the old
 * value back, a reading does not undo a change on its way, the blocked
 * users are picked and unblocked, nothing changes before the page is
 * read, and the lines name every rule, fit their width and show names
 * from the server sanitised; on Security the TTL cycles and is saved,
 * a session is ended only after a y, and the question keeps to the
 * session it asked about when the rows are read again.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/err.h"
#include "ui/menu.h"
#include "ui/sanitize.h"
#include "tests/unit/tap.h"
#include "tests/unit/vlines.h"

static enum ui_menu_action
key(struct ui_menu *m, int code, uint32_t ch)
{
	struct ui_key k = { (enum ui_keycode)code, ch, 0 };

	return ui_menu_key(m, &k);
}

/* The page and the input line fit every size, with nothing unclean. */
static int
fits_any_size(const struct ui_menu *m)
{
	struct ui_vlines l = { 0 };
	size_t w, h, cx;
	int all = 1;

	for (w = 1; w <= 90 && all; w++)
		for (h = 1; h <= 14 && all; h += 3) {
			if (ui_menu_view(m, w, h, &l) != 0 ||
			    !vlines_fit_clean(&l, w, h))
				all = 0;
			ui_vlines_free(&l);
			if (ui_menu_view_input(m, w, &l, &cx) != 0 ||
			    !vlines_fit_clean(&l, w, 1) || cx >= w)
				all = 0;
			ui_vlines_free(&l);
		}
	return all;
}

static void
test_privacy(struct ui_menu *m)
{
	struct ui_vlines l = { 0 };
	int k, v, i, row, all = 1;

	ui_menu_reset(m);
	is_int(ui_menu_page(m), UI_MENU_PRIVACY, "opens on Privacy");
	is_int(key(m, UI_KEY_RIGHT, 0), UI_MA_NONE,
	    "nothing changes before the rules are read");
	if (ui_menu_view(m, 80, 20, &l) != 0)
		exit(1);
	ok(vlines_find(&l, "Secret chats") >= 0 && vlines_find(&l, "...") >= 0,
	    "while reading: the rules, no values");
	ui_vlines_free(&l);
	for (i = 0; i < UI_MENU_RULES; i++)
		ui_menu_set_rule(m, i, i == 0 ? 1 : 0, (size_t)i, i == 7 ? 3 :
		    0);
	ui_menu_rules_done(m, 0);
	if (ui_menu_view(m, 80, 20, &l) != 0)
		exit(1);
	for (i = 0; i < UI_MENU_RULES; i++)
		if (vlines_find(&l, ui_menu_rule_label(i)) < 0)
			all = 0;
	ok(all, "every rule has a row");
	row = vlines_find(&l, "Phone number");
	ok(row >= 0 && strstr(l.v[row].text, "< My contacts >") != NULL &&
	    l.v[row].selected, "the first picked, its value shown: %s",
	    row >= 0 ? l.v[row].text : "");
	row = vlines_find(&l, "Secret chats");
	ok(row >= 0 && strstr(l.v[row].text, "< Everybody >") != NULL &&
	    strstr(l.v[row].text, "7 always, 3 never") != NULL,
	    "the exceptions counted: %s", row >= 0 ? l.v[row].text : "");
	ok(vlines_find(&l, "Who sees my phone number.") >= 0,
	    "what the picked rule decides");
	ok(vlines_fit_clean(&l, 80, 20), "lines fit");
	ui_vlines_free(&l);

	for (i = 0; i < 10; i++)
		(void)key(m, UI_KEY_DOWN, 0);
	k = ui_menu_picked_rule(m, &v);
	ok(k == UI_MENU_RULES - 1 && v == 0, "Down stops at the last rule");
	is_int(key(m, UI_KEY_RIGHT, 0), UI_MA_SET, "Right: save");
	k = ui_menu_picked_rule(m, &v);
	ok(k == 7 && v == 1, "Everybody -> My contacts");
	is_int(key(m, UI_KEY_ENTER, 0), UI_MA_SET, "Enter: save again");
	k = ui_menu_picked_rule(m, &v);
	ok(v == 2, "-> Nobody");
	if (ui_menu_view(m, 80, 20, &l) != 0)
		exit(1);
	row = vlines_find(&l, "Secret chats");
	ok(row >= 0 && strstr(l.v[row].text, "< Nobody >") != NULL &&
	    strstr(l.v[row].text, "saving") != NULL, "shown at once, saving");
	ui_vlines_free(&l);
	ui_menu_set_rule(m, 7, 0, 7, 3);
	k = ui_menu_picked_rule(m, &v);
	ok(v == 2, "a reading does not undo a change on its way");
	ui_menu_saved(m, 7, 1, 1);
	k = ui_menu_picked_rule(m, &v);
	ok(v == 2, "the first save's answer leaves the later change");
	ui_menu_saved(m, 7, 2, 2);
	if (ui_menu_view(m, 80, 20, &l) != 0)
		exit(1);
	row = vlines_find(&l, "Secret chats");
	ok(row >= 0 && strstr(l.v[row].text, "< Nobody >") != NULL &&
	    strstr(l.v[row].text, "saving") == NULL, "saved");
	ui_vlines_free(&l);
	is_int(key(m, UI_KEY_LEFT, 0), UI_MA_SET, "Left: save");
	k = ui_menu_picked_rule(m, &v);
	ok(v == 1, "Nobody <- My contacts");
	ui_menu_saved(m, 7, 1, 2);
	ui_menu_status(m, 1, "Secret chats: not saved: \033[31mrefused");
	k = ui_menu_picked_rule(m, &v);
	ok(v == 2, "refused: the old value is back");
	if (ui_menu_view(m, 80, 20, &l) != 0)
		exit(1);
	ok(vlines_find(&l, "not saved: refused") >= 0 && vlines_fit_clean(&l, 80, 20),
	    "the status says why, sanitised");
	ui_vlines_free(&l);
	(void)key(m, UI_KEY_UP, 0);
	(void)key(m, UI_KEY_CHAR, ' ');
	k = ui_menu_picked_rule(m, &v);
	ok(k == 6 && v == 1, "Up, Space: Messages -> My contacts");
	is_int(key(m, UI_KEY_CHAR, 'x'), UI_MA_NONE, "other keys: nothing");
	ui_menu_rules_done(m, ERR_UNREACHABLE);
	if (ui_menu_view(m, 80, 20, &l) != 0)
		exit(1);
	ok(vlines_find(&l, "cannot read the rules") >= 0, "a failed reading says so");
	ui_vlines_free(&l);
}

static void
test_blocked(struct ui_menu *m)
{
	static const char evil[] = "Mallory\033]0;PWNED\007\xe2\x80\xae (@m)";
	struct ui_vlines l = { 0 };
	const char *name;

	ui_menu_reset(m);
	is_int(key(m, UI_KEY_CHAR, '\t'), UI_MA_PAGE, "Tab: the next page");
	is_int(ui_menu_page(m), UI_MENU_BLOCKED, "Blocked users");
	is_int(key(m, UI_KEY_ENTER, 0), UI_MA_NONE, "nothing to unblock yet");
	ui_menu_blocked_clear(m);
	ui_menu_blocked_done(m, 0);
	if (ui_menu_view(m, 80, 20, &l) != 0)
		exit(1);
	ok(vlines_find(&l, "Nobody is blocked") >= 0 &&
	    vlines_find(&l, "[Blocked users (0)]") >= 0, "none: says so");
	ui_vlines_free(&l);
	ui_menu_blocked_clear(m);
	ok(ui_menu_blocked_add(m, 20, "Bob (@bob)") == 0 &&
	    ui_menu_blocked_add(m, 30, evil) == 0, "two blocked");
	ui_menu_blocked_done(m, 0);
	if (ui_menu_view(m, 80, 20, &l) != 0)
		exit(1);
	ok(vlines_find(&l, "Bob (@bob)") >= 0 && vlines_find(&l, "PWNED") < 0 &&
	    vlines_find(&l, "Mallory") >= 0 && vlines_fit_clean(&l, 80, 20),
	    "names shown sanitised");
	ok(l.v[vlines_find(&l, "Bob")].selected, "the first picked");
	ui_vlines_free(&l);
	(void)key(m, UI_KEY_DOWN, 0);
	ok(ui_menu_picked_user(m, &name) == 30 && name != NULL,
	    "Down picks the second");
	is_int(key(m, UI_KEY_CHAR, 'u'), UI_MA_UNBLOCK, "u: unblock");
	is_int(key(m, UI_KEY_DELETE, 0), UI_MA_UNBLOCK, "Delete: unblock");
	is_int(key(m, UI_KEY_ENTER, 0), UI_MA_UNBLOCK, "Enter: unblock");
	ui_menu_blocked_clear(m);
	ui_menu_blocked_add(m, 20, "Bob (@bob)");
	ui_menu_blocked_done(m, 0);
	ok(ui_menu_picked_user(m, NULL) == 20, "read again: the pick stays "
	    "in the list");
	is_int(key(m, UI_KEY_CHAR, '\t'), UI_MA_PAGE, "Tab: on");
	is_int(ui_menu_page(m), UI_MENU_SECURITY, "to Security");
	is_int(key(m, UI_KEY_CHAR, '\t'), UI_MA_PAGE, "Tab: back");
	is_int(ui_menu_page(m), UI_MENU_PRIVACY, "to Privacy");
	ok(fits_any_size(m), "any size: lines fit, none unclean");
}

/* The Security page: TTL, "end all other sessions", each session. */
static void
test_security(struct ui_menu *m)
{
	static const char evil[] = "phone\033]0;PWNED\007\xe2\x80\xae";
	struct ui_security *s = ui_menu_security(m);
	struct ui_vlines l = { 0 };
	const char *name;
	uint64_t id;
	int row;

	ui_menu_reset(m);
	(void)key(m, UI_KEY_CHAR, '\t');
	(void)key(m, UI_KEY_CHAR, '\t');
	is_int(ui_menu_page(m), UI_MENU_SECURITY, "Tab, Tab: Security");
	is_int(key(m, UI_KEY_ENTER, 0), UI_MA_NONE,
	    "nothing changes before the sessions are read");
	if (ui_menu_view(m, 80, 20, &l) != 0)
		exit(1);
	ok(vlines_find(&l, "[Security]") >= 0 && vlines_find(&l, "reading")
	    >= 0, "while reading: says so");
	ui_vlines_free(&l);
	ok(ui_security_add(s, 1, "sotto on Linux", "sotto 0.1.0", 0, 1, 1)
	    == 0 && ui_security_add(s, 2, evil, "", 1700000000, 0, 0) == 0 &&
	    ui_security_add(s, 3, "laptop", "sotto 0.1.0", 0, 1, 0) == 0,
	    "three sessions");
	ui_security_done(s, 0, 183);
	if (ui_menu_view(m, 80, 20, &l) != 0)
		exit(1);
	row = vlines_find(&l, "End inactive sessions after");
	ok(row >= 0 && strstr(l.v[row].text, "< 6 months >") != NULL &&
	    l.v[row].selected, "the TTL row first, picked: %s",
	    row >= 0 ? l.v[row].text : "");
	row = vlines_find(&l, "sotto on Linux");
	ok(row >= 0 && strstr(l.v[row].text, "this device") != NULL,
	    "this device marked");
	row = vlines_find(&l, "phone");
	ok(row >= 0 && strstr(l.v[row].text, "unknown software") != NULL &&
	    strstr(l.v[row].text, "last active") != NULL &&
	    vlines_find(&l, "PWNED") < 0 && vlines_fit_clean(&l, 80, 20),
	    "a session: its name sanitised, software, last active");
	ok(vlines_find(&l, "laptop") >= 0 &&
	    strstr(l.v[vlines_find(&l, "laptop")].text, "online") != NULL,
	    "an online one says so");
	ui_vlines_free(&l);

	is_int(key(m, UI_KEY_RIGHT, 0), UI_MA_SET_TTL, "Right: save the TTL");
	is_int((int)ui_security_ttl(s), 365, "6 months -> 1 year");
	ui_security_ttl_refused(s);
	is_int((int)ui_security_ttl(s), 183, "refused: 6 months again");
	is_int(key(m, UI_KEY_LEFT, 0), UI_MA_SET_TTL, "Left: save the TTL");
	is_int((int)ui_security_ttl(s), 91, "6 months -> 3 months");
	ui_security_done(s, 0, 183);
	is_int((int)ui_security_ttl(s), 91, "a reading does not undo a save "
	    "on its way");
	ui_security_ttl_saved(s, 91);

	(void)key(m, UI_KEY_DOWN, 0);
	is_int(key(m, UI_KEY_ENTER, 0), UI_MA_CHANGED,
	    "Enter on \"end all other sessions\": a question");
	ok(ui_security_asking(s), "asking");
	if (ui_menu_view(m, 80, 20, &l) != 0)
		exit(1);
	ok(vlines_find(&l, "End every other session?") >= 0,
	    "the question shown");
	ui_vlines_free(&l);
	is_int(key(m, UI_KEY_CHAR, 'n'), UI_MA_CHANGED, "n: no");
	ok(!ui_security_asking(s), "the question dropped");
	(void)key(m, UI_KEY_ENTER, 0);
	is_int(key(m, UI_KEY_CHAR, 'y'), UI_MA_TERMINATE, "y: end them");
	ok(ui_security_confirmed(s, &id, NULL) == 1 && id == 0,
	    "every other session");

	(void)key(m, UI_KEY_DOWN, 0);
	is_int(key(m, UI_KEY_ENTER, 0), UI_MA_NONE,
	    "this device: not ended here");
	(void)key(m, UI_KEY_DOWN, 0);
	is_int(key(m, UI_KEY_DELETE, 0), UI_MA_CHANGED, "Delete: a question");
	/* Read again, in another order: the question keeps its session. */
	ui_security_clear(s);
	ui_security_add(s, 2, evil, "", 1700000000, 0, 0);
	ui_security_add(s, 1, "sotto on Linux", "sotto 0.1.0", 0, 1, 1);
	ui_security_add(s, 3, "laptop", "sotto 0.1.0", 0, 1, 0);
	ui_security_done(s, 0, 91);
	is_int(key(m, UI_KEY_CHAR, 'Y'), UI_MA_TERMINATE, "Y: end it");
	ok(ui_security_confirmed(s, &id, &name) == 0 && id == 2 &&
	    strcmp(name, evil) == 0, "the session asked about, not the row's "
	    "new one");
	(void)key(m, UI_KEY_ENTER, 0);
	ui_security_clear(s);
	ui_security_add(s, 1, "sotto on Linux", "sotto 0.1.0", 0, 1, 1);
	ui_security_done(s, 0, 91);
	ok(!ui_security_asking(s), "a question about a session that went is "
	    "dropped");
	is_int(key(m, UI_KEY_CHAR, 'y'), UI_MA_NONE, "and y then does nothing");
	ui_security_done(s, ERR_CLOSED, 0);
	if (ui_menu_view(m, 80, 20, &l) != 0)
		exit(1);
	ok(vlines_find(&l, "cannot read the sessions") >= 0, "an error shown");
	ui_vlines_free(&l);
	ui_security_done(s, 0, 91);
	ok(fits_any_size(m), "any size: lines fit, none unclean");
}

int
main(void)
{
	struct ui_menu *m;

	tap_need_utf8_locale();
	if (ui_menu_new(&m) != 0)
		return 1;
	test_privacy(m);
	test_blocked(m);
	test_security(m);
	ui_menu_free(m);
	return tap_done();
}
