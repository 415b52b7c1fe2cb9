/*
 * The account actions: --register, --login, --logout and --whoami. They
 * are calls of the engine itself (no catch-up, no PEER to resolve), made
 * as soon as the command starts.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "client/cmd_int.h"
#include "client/json.h"
#include "lib/log.h"
#include "client/secret.h"
#include "lib/err.h"


static json_t *
cmd_json_account(const Sotto__Account *a, uint64_t device_id, int *failed)
{
	json_t *o;

	if ((o = json_object()) == NULL) {
		*failed = 1;
		return NULL;
	}
	cmd__jset(o, "user_id", json_u64(a->user_id), failed);
	cmd__jset(o, "username", json_text(a->username), failed);
	cmd__jset(o, "display_name", json_text(a->display_name), failed);
	cmd__jset(o, "phone", json_text(a->phone), failed);
	cmd__jset(o, "device_id", json_u64(device_id), failed);
	return o;
}

static int
cmd_print_auth(struct cmd *k, const Sotto__AuthResult *res)
{
	const Sotto__Account *a = res->account;
	char *user;
	int failed = 0;

	if (k->o->json)
		return cmd__json(k->s, cmd_json_account(a, res->device_id,
		    &failed), failed);
	user = cmd__clean(a->username);
	cmd__out(k->s, "%s %s (user id %llu); this device is device %llu",
	    k->o->action == CMD_REGISTER ? "registered" : "logged in as",
	    user, (unsigned long long)a->user_id,
	    (unsigned long long)res->device_id);
	free(user);
	return 0;
}

static int
cmd_print_whoami(struct cmd *k, const Sotto__WhoAmIResult *w)
{
	const Sotto__Account *a = w->account;
	const Sotto__Device *d;
	json_t *o, *devs, *jd;
	uint64_t current = engine_welcome(cloud_engine(k->c))->device_id;
	char *s1, *s2, *s3, t1[32], t2[32];
	size_t i;
	int failed = 0;

	for (i = 0; i < w->n_devices; i++)
		if (w->devices[i]->current)
			current = w->devices[i]->id;
	if (k->o->json) {
		o = cmd_json_account(a, current, &failed);
		if (o != NULL && (devs = json_array()) != NULL) {
			for (i = 0; i < w->n_devices; i++) {
				d = w->devices[i];
				if ((jd = json_object()) == NULL) {
					failed = 1;
					break;
				}
				cmd__jset(jd, "id", json_u64(d->id), &failed);
				cmd__jset(jd, "name", json_text(d->name),
				    &failed);
				cmd__jset(jd, "created", json_u64(d->created),
				    &failed);
				cmd__jset(jd, "last_seen",
				    json_u64(d->last_seen), &failed);
				cmd__jset(jd, "current",
				    json_boolean(d->current), &failed);
				if (json_array_append_new(devs, jd) != 0)
					failed = 1;
			}
			cmd__jset(o, "devices", devs, &failed);
		} else
			failed = 1;
		return cmd__json(k->s, o, failed);
	}
	s1 = cmd__clean(a->username);
	s2 = cmd__clean(a->display_name);
	s3 = cmd__clean(a->phone);
	cmd__out(k->s, "user id:       %llu", (unsigned long long)a->user_id);
	cmd__out(k->s, "username:      %s", s1);
	cmd__out(k->s, "display name:  %s", s2[0] != '\0' ? s2 : "-");
	cmd__out(k->s, "phone:         %s", s3[0] != '\0' ? s3 : "-");
	cmd__out(k->s, "devices:       %zu", w->n_devices);
	free(s1);
	free(s2);
	free(s3);
	for (i = 0; i < w->n_devices; i++) {
		d = w->devices[i];
		s1 = cmd__clean(d->name);
		cmd__format_time(t1, sizeof(t1), d->created);
		cmd__format_time(t2, sizeof(t2), d->last_seen);
		cmd__out(k->s, "  %c %llu  %s  (created %s, last seen %s)%s",
		    d->current ? '*' : '-', (unsigned long long)d->id, s1, t1,
		    t2, d->current ? "  <- this device" : "");
		free(s1);
	}
	return 0;
}

static int
cmd_print_logout(struct cmd *k, int err)
{
	int failed = 0;
	json_t *o;

	if (err == ERR_NOT_AUTHED)
		cmd_err(k->s, "the server no longer knew this device; it is "
		    "logged out here too");
	if (k->o->json) {
		if ((o = json_object()) != NULL)
			cmd__jset(o, "logged_out", json_true(), &failed);
		return cmd__json(k->s, o, failed);
	}
	cmd__out(k->s, "logged out; this profile's device key has been wiped");
	return 0;
}

/* After a login: the keys are published (or could not be; logged). */
static void
cmd_published(void *ud, int err, const char *why, uint64_t id)
{
	struct cmd *k = ud;

	(void)why;
	(void)id;
	if (err != 0)
		log_warn_err(err, "secret chats: keys not published yet");
	if (!k->finished)
		cmd__finish(k, 0);
	cmd__unref(k);
}

static void
cmd_account_reply(void *ud, int err, const Sotto__Response *resp)
{
	struct cmd *k = ud;
	const char *why = NULL;
	char *clean = NULL;
	int st;

	if (k->finished) {
		cmd__unref(k);
		return;
	}
	if (err == 0 || (k->o->action == CMD_LOGOUT &&
	    err == ERR_NOT_AUTHED)) {
		switch (k->o->action) {
		case CMD_REGISTER:
		case CMD_LOGIN:
			st = cmd_print_auth(k, resp->auth);
			/* The new device publishes its secret-chat keys. */
			if (st == 0) {
				k->refs++;
				secret_on_ready(cloud_secret(k->c));
				if (secret_when_synced(cloud_secret(k->c),
				    cmd_published, k) == 0) {
					cmd__unref(k);
					return;
				}
				k->refs--;
			}
			break;
		case CMD_WHOAMI:
			st = cmd_print_whoami(k, resp->whoami);
			break;
		default:
			st = cmd_print_logout(k, err);
			break;
		}
	} else {
		if (resp != NULL && resp->error != NULL) {
			why = clean = cmd__clean(resp->error->message);
			k->retry_after = resp->error->retry_after;
		}
		st = cmd__report(k, err, why);
		free(clean);
	}
	cmd__finish(k, st);
	cmd__unref(k);
}

/*
 * "sotto on <system>" (e.g. "sotto on Linux"), the device name shown in
 * session lists: the system's name, never the host's, which often names
 * its owner or their place.
 */
static void
cmd_device_name(char *out, size_t cap)
{
	struct utsname u;
	char sys[sizeof(u.sysname)];
	size_t i;

	if (uname(&u) != 0)
		u.sysname[0] = '\0';
	snprintf(sys, sizeof(sys), "%s", u.sysname);
	for (i = 0; sys[i] != '\0'; i++)
		if (sys[i] <= ' ' || sys[i] >= 0x7f)
			sys[i] = '?';
	if (sys[0] == '\0')
		snprintf(sys, sizeof(sys), "an unknown system");
	snprintf(out, cap, "sotto on %s", sys);
}

/* The account and device of --register and --login. */
static int
cmd_auth(struct cmd *k, int login)
{
	struct engine *e = cloud_engine(k->c);
	struct engine_auth a;
	char device[300];

	memset(&a, 0, sizeof(a));
	cmd_device_name(device, sizeof(device));
	a.username = k->o->user;
	a.password = k->password;
	a.display_name = k->o->display_name;
	a.phone = k->o->phone;
	a.device_name = device;
	return (login ? engine_login : engine_register)(e, &a, 0,
	    cmd_account_reply, k);
}

int
cmd__exec_register(struct cmd *k)
{
	return cmd_auth(k, 0);
}

int
cmd__exec_login(struct cmd *k)
{
	return cmd_auth(k, 1);
}

int
cmd__exec_logout(struct cmd *k)
{
	return engine_logout(cloud_engine(k->c), 0, cmd_account_reply, k);
}

int
cmd__exec_whoami(struct cmd *k)
{
	return engine_whoami(cloud_engine(k->c), 0, cmd_account_reply, k);
}

/* USER of --register and --login. */
int
cmd__arg_user(struct cmd_opts *o, const char *arg, const struct cmd_sink *s)
{
	(void)s;
	o->user = arg;
	return 0;
}
