/*
 * The actions on people: --user, --contacts, --add-contact,
 * --remove-contact, --set-bio and --import-contacts (client/cmd_import),
 * and what the server keeps about this account: --export-my-data and
 * --user me --as (client/cmd_export).
 */
#include "config.h"

#include <stdlib.h>

#include "client/cmd_int.h"
#include "client/cmd_export.h"
#include "client/cmd_import.h"
#include "client/presence.h"
#include "lib/err.h"

/* ------------------------------------------------------------ arguments */

int
cmd__arg_import(struct cmd_opts *o, const char *arg,
    const struct cmd_sink *s)
{
	(void)s;
	o->import_file = arg;
	return 0;
}

int
cmd__arg_bio(struct cmd_opts *o, const char *arg, const struct cmd_sink *s)
{
	(void)s;
	o->bio = arg;
	return 0;
}

/* ------------------------------------------------------------ actions */

int
cmd__exec_user(struct cmd *k)
{
	if (cmd__need_user(k, 0) != 0)
		return CMD__HANDLED;
	/* Last seen and bio as the server shows them now. */
	return cloud_user_fetch(k->c, k->res[0].user_id, cmd__left_ms(k),
	    cmd__on_done, k);
}

int
cmd__exec_contacts(struct cmd *k)
{
	return cloud_refresh_contacts(k->c, cmd__left_ms(k), cmd__on_done, k);
}

/* --add-contact, --remove-contact. */
int
cmd__exec_contact(struct cmd *k)
{
	if (cmd__need_user(k, 0) != 0)
		return CMD__HANDLED;
	return (k->o->action == CMD_ADD_CONTACT ? cloud_add_contact :
	    cloud_remove_contact)(k->c, k->res[0].user_id, cmd__left_ms(k),
	    cmd__on_done, k);
}

int
cmd__exec_set_bio(struct cmd *k)
{
	return cloud_set_bio(k->c, k->o->bio, cmd__left_ms(k), cmd__on_done,
	    k);
}

/* --import-contacts: client/cmd_import carries it out. */
int
cmd__exec_import(struct cmd *k)
{
	static const struct cmd_import_ops ops = {
		cmd__alive, cmd__done_status
	};
	int r;

	k->refs++;
	if ((r = cmd_import_act(k->c, k->o, k->s, cmd__left_ms(k), &ops,
	    k)) != 0) {
		k->refs--;
		cmd__finish(k, cmd__report(k, r, NULL));
	}
	return CMD__HANDLED;
}

static uint64_t
cmd_export_left(void *ud)
{
	return cmd__left_ms(ud);
}

static void
cmd_export_done(void *ud, int err, const char *why, int status)
{
	struct cmd *k = ud;
	char *clean;

	if (!k->finished) {
		if (err != 0) {
			clean = why != NULL ? cmd__clean(why) : NULL;
			status = cmd__report(k, err, clean);
			free(clean);
		}
		cmd__finish(k, status);
	}
	cmd__unref(k);
}

int
cmd__exec_export(struct cmd *k)
{
	static const struct cmd_export_ops ops = {
		cmd__alive, cmd_export_left, cmd_export_done
	};
	enum cmd_viewer v = cmd_export_viewer(k->o->as);
	struct engine *e = cloud_engine(k->c);
	int r;

	if (v == CMD_VIEWER_USER && cmd__need_user(k, 1) != 0)
		return CMD__HANDLED;
	k->refs++;
	if (k->o->action == CMD_EXPORT)
		r = cmd_export_run(e, k->s, k->o->json, &ops, k);
	else
		r = cmd_export_profile_as(e, k->s, k->o->json, v,
		    v == CMD_VIEWER_USER ? k->res[1].user_id : 0, k->o->as,
		    &ops, k);
	if (r != 0) {
		k->refs--;
		cmd__finish(k, cmd__report(k, r, NULL));
	}
	return CMD__HANDLED;
}

/* ------------------------------------------------------------ answers */

static int
cmd_user_cb(void *ud, const struct cloud_user *u)
{
	return cmd__print_user(ud, u);
}

int
cmd__done_contacts(struct cmd *k, uint64_t id)
{
	int st;

	(void)id;
	if ((st = cloud_list_contacts(k->c, cmd_user_cb, k)) < 0)
		st = cmd__report(k, st, NULL);
	return st;
}

/* The user as the call left it: id, or else the resolved PEER. */
int
cmd__done_user(struct cmd *k, uint64_t id)
{
	return cmd__show_user(k, id != 0 ? id : k->res[0].user_id);
}
