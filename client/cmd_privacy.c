/*
 * Privacy rules and blocks, which the server keeps and enforces:
 * --get-privacy, --set-privacy, --privacy-allow, --privacy-deny,
 * --block, --unblock and --blocked.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/cmd_int.h"
#include "client/json.h"
#include "lib/err.h"

/* ------------------------------------------------------------ arguments */

/*
 * KEY=WORD of --set-privacy (WORD a value) or --privacy-allow and
 * --privacy-deny (WORD a PEER, checked with the other peers). An unknown
 * key or value is a usage error: they are words of the command line,
 * like its options.
 */
static int
cmd_parse_privacy(const char *arg, int want_value, struct cmd_opts *o,
    const struct cmd_sink *s)
{
	const char *eq = strchr(arg, '=');
	char key[32], keys[200];
	size_t n, len = 0;
	int i;

	if (eq == NULL || eq == arg || eq[1] == '\0') {
		cmd_err(s, "expected KEY=%s, not '%s'", want_value ?
		    "everybody|contacts|nobody" : "PEER", arg);
		return CMD_EX_USAGE;
	}
	n = (size_t)(eq - arg);
	if (n < sizeof(key)) {
		memcpy(key, arg, n);
		key[n] = '\0';
	}
	if (n >= sizeof(key) ||
	    (o->priv_key = cloud_privacy_key_parse(key)) < 0) {
		keys[0] = '\0';
		for (i = 0; i < CLOUD_PRIV_N; i++)
			len += (size_t)snprintf(keys + len, sizeof(keys) - len,
			    "%s%s", i ? ", " : "", cloud_privacy_key_name(i));
		cmd_err(s, "unknown privacy key '%.*s' (expected one of %s)",
		    (int)n, arg, keys);
		return CMD_EX_USAGE;
	}
	if (!want_value) {
		o->peer = eq + 1;
		return 0;
	}
	if ((o->priv_value = cloud_privacy_value_parse(eq + 1)) < 0) {
		cmd_err(s, "unknown privacy value '%s' (expected everybody, "
		    "contacts or nobody)", eq + 1);
		return CMD_EX_USAGE;
	}
	return 0;
}


int
cmd__arg_privacy_value(struct cmd_opts *o, const char *arg,
    const struct cmd_sink *s)
{
	return cmd_parse_privacy(arg, 1, o, s);
}

int
cmd__arg_privacy_peer(struct cmd_opts *o, const char *arg,
    const struct cmd_sink *s)
{
	return cmd_parse_privacy(arg, 0, o, s);
}

/* ------------------------------------------------------------ printing */

/* A list of user ids as "@a, @b" (text) or ["@a", "@b"] (JSON). */
static char *
cmd_user_list(struct cmd *k, const uint64_t *ids, size_t n)
{
	char label[80], *p = NULL, *np;
	size_t len = 0, i, m;

	for (i = 0; i < n; i++) {
		cmd__user_label(k, ids[i], label, sizeof(label));
		m = strlen(label) + 3;
		if ((np = realloc(p, len + m)) == NULL)
			break;
		p = np;
		len += (size_t)snprintf(p + len, m, "%s%s", i ? ", " : "",
		    label);
	}
	return p;
}

static json_t *
cmd_json_users(struct cmd *k, const uint64_t *ids, size_t n, int names,
    int *failed)
{
	json_t *a;
	size_t i;

	if ((a = json_array()) == NULL) {
		*failed = 1;
		return NULL;
	}
	for (i = 0; i < n; i++)
		if (json_array_append_new(a, names ? cmd__json_username(k,
		    ids[i]) : json_u64(ids[i])) != 0)
			*failed = 1;
	return a;
}

/* One privacy rule: a line of text, or a "privacy" object. */
int
cmd__print_rule(struct cmd *k, const struct cloud_privacy_rule *r)
{
	json_t *o;
	char *allow, *deny;
	int failed = 0;

	if (k->o->json) {
		if ((o = json_object()) == NULL)
			return cmd__json(k->s, NULL, 1);
		cmd__jset(o, "type", json_string("privacy"), &failed);
		cmd__jset(o, "key", json_string(cloud_privacy_key_name(
		    r->key)), &failed);
		cmd__jset(o, "value", json_string(cloud_privacy_value_name(
		    r->value)), &failed);
		cmd__jset(o, "allow", cmd_json_users(k, r->allow, r->n_allow,
		    1, &failed), &failed);
		cmd__jset(o, "allow_ids", cmd_json_users(k, r->allow,
		    r->n_allow, 0, &failed), &failed);
		cmd__jset(o, "deny", cmd_json_users(k, r->deny, r->n_deny, 1,
		    &failed), &failed);
		cmd__jset(o, "deny_ids", cmd_json_users(k, r->deny, r->n_deny,
		    0, &failed), &failed);
		return cmd__json(k->s, o, failed);
	}
	allow = cmd_user_list(k, r->allow, r->n_allow);
	deny = cmd_user_list(k, r->deny, r->n_deny);
	cmd__out(k->s, "%-16s %s%s%s%s%s", cloud_privacy_key_name(r->key),
	    cloud_privacy_value_name(r->value),
	    allow != NULL ? "  always: " : "", allow != NULL ? allow : "",
	    deny != NULL ? "  never: " : "", deny != NULL ? deny : "");
	free(allow);
	free(deny);
	return 0;
}

/* A block or an unblock of user_id: a line, or a "block" object. */
int
cmd__print_block(struct cmd *k, uint64_t user_id, int blocked)
{
	struct cloud_user u;
	json_t *o;
	char label[80];
	int failed = 0, have;

	if (k->o->json) {
		if ((o = json_object()) == NULL)
			return cmd__json(k->s, NULL, 1);
		have = cloud_get_user(k->c, user_id, &u) == 0;
		cmd__jset(o, "type", json_string("block"), &failed);
		cmd__jset(o, "id", json_u64(user_id), &failed);
		cmd__jset(o, "username", have ? json_text(u.username) :
		    json_null(), &failed);
		cmd__jset(o, "blocked", json_boolean(blocked), &failed);
		if (have)
			cloud_user_free(&u);
		return cmd__json(k->s, o, failed);
	}
	cmd__user_label(k, user_id, label, sizeof(label));
	cmd__out(k->s, "%s %s", blocked ? "blocked" : "unblocked", label);
	return 0;
}

/* ------------------------------------------------------------ actions */

/* GetPrivacy answered: every rule, or the one just changed. */
static void
cmd_on_privacy(void *ud, int err, const char *why,
    const struct cloud_privacy_rule *rules, size_t n)
{
	struct cmd *k = ud;
	size_t i;
	int st = 0;

	if (!k->finished && err != 0)
		cmd__finish(k, cmd__report(k, err, why));
	for (i = 0; !k->finished && i < n && st == 0; i++)
		if (k->o->action == CMD_GET_PRIVACY ||
		    rules[i].key == k->o->priv_key)
			st = cmd__print_rule(k, &rules[i]);
	if (!k->finished)
		cmd__finish(k, st);
	cmd__unref(k);
}

static void
cmd_on_blocked(void *ud, int err, const char *why,
    const struct cloud_user *users, size_t n)
{
	struct cmd *k = ud;
	size_t i;
	int st = 0;

	if (!k->finished && err != 0)
		cmd__finish(k, cmd__report(k, err, why));
	for (i = 0; !k->finished && i < n && st == 0; i++)
		st = cmd__print_user(k, &users[i]);
	if (!k->finished)
		cmd__finish(k, st);
	cmd__unref(k);
}

int
cmd__exec_get_privacy(struct cmd *k)
{
	return cloud_get_privacy(k->c, cmd__left_ms(k), cmd_on_privacy, k);
}

int
cmd__exec_set_privacy(struct cmd *k)
{
	return cloud_set_privacy_value(k->c, k->o->priv_key, k->o->priv_value,
	    cmd__left_ms(k), cmd__on_done, k);
}

/* --privacy-allow, --privacy-deny. */
int
cmd__exec_privacy_exception(struct cmd *k)
{
	if (cmd__need_user(k, 0) != 0 || cmd__need_other(k, 0,
	    "your own privacy rules always allow you") != 0)
		return CMD__HANDLED;
	return cloud_privacy_exception(k->c, k->o->priv_key,
	    k->res[0].user_id, k->o->action == CMD_PRIVACY_ALLOW ?
	    CLOUD_PRIV_EXC_ALLOW : CLOUD_PRIV_EXC_DENY, cmd__left_ms(k),
	    cmd__on_done, k);
}

/* --block, --unblock. */
int
cmd__exec_block(struct cmd *k)
{
	if (cmd__need_user(k, 0) != 0 || cmd__need_other(k, 0,
	    "you cannot block yourself") != 0)
		return CMD__HANDLED;
	return cloud_block(k->c, k->res[0].user_id,
	    k->o->action == CMD_BLOCK, cmd__left_ms(k), cmd__on_done, k);
}

int
cmd__exec_blocked(struct cmd *k)
{
	return cloud_get_blocked(k->c, cmd__left_ms(k), cmd_on_blocked, k);
}

/* A rule changed: show it as the server now has it. */
int
cmd__done_privacy(struct cmd *k, uint64_t id)
{
	int r;

	(void)id;
	k->refs++;
	if ((r = cloud_get_privacy(k->c, cmd__left_ms(k), cmd_on_privacy,
	    k)) == 0)
		return CMD__PENDING;
	k->refs--;
	return cmd__report(k, r, NULL);
}

int
cmd__done_block(struct cmd *k, uint64_t id)
{
	(void)id;
	return cmd__print_block(k, k->res[0].user_id,
	    k->o->action == CMD_BLOCK);
}
