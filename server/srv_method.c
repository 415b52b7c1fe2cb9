/*
 * The method table and the dispatcher. A request's method case indexes
 * srv_methods[]; srv_dispatch() answers an unknown method and a request
 * that needs a signed-in connection on one that is not, then calls the
 * entry's handler. The handlers live in the modules (srv_auth.c,
 * srv_people.c, srv_message.c, srv_secret.c, ...); most take the request's
 * own message and are reached through a one-line adapter made by
 * SRV_M_ARG, SRV_M_ID or SRV_M_USER below, the few with other arguments
 * through one written out.
 *
 * SRV_M_WRITES marks the methods that write the store. Nothing acts on it
 * yet; a read-only mode would, as sftp-server's does with does_write.
 * A method without SRV_M_BARE needs a signed-in connection whatever else
 * its flags say: a new entry that forgets its flags fails closed.
 */
#include "config.h"

#include "server/srv_method.h"

#include <stddef.h>

#include "lib/err.h"
#include "server/srv.h"
#include "server/srv_auth.h"
#include "server/srv_chat.h"
#include "server/srv_conn.h"
#include "server/srv_export.h"
#include "server/srv_forward.h"
#include "server/srv_group.h"
#include "server/srv_import.h"
#include "server/srv_invite.h"
#include "server/srv_presence.h"
#include "server/srv_privacy.h"
#include "server/srv_profile.h"
#include "server/srv_reply.h"
#include "server/srv_report.h"
#include "server/srv_secret.h"
#include "server/srv_session.h"

/* The adapter m_FIELD: calls fn(c, id, the request's FIELD). */
#define SRV_M_ARG(fn, field)						\
	static int							\
	m_##field(struct srv_conn *c, const Sotto__Request *q)		\
	{								\
		return fn(c, q->id, q->field);				\
	}

SRV_M_ARG(srv_auth_register, register_)
SRV_M_ARG(srv_auth_login, login)
SRV_M_ARG(srv_chat_resolve, resolve_user)
SRV_M_ARG(srv_chat_get_users, get_users)
SRV_M_ARG(srv_chat_edit, edit_message)
SRV_M_ARG(srv_chat_delete, delete_messages)
SRV_M_ARG(srv_chat_read, read_history)
SRV_M_ARG(srv_chat_typing, set_typing)
SRV_M_ARG(srv_chat_create, create_group)
SRV_M_ARG(srv_chat_difference, get_difference)
SRV_M_ARG(srv_secret_publish, publish_prekeys)
SRV_M_ARG(srv_secret_bundles, get_prekey_bundles)
SRV_M_ARG(srv_secret_start, start_secret)
SRV_M_ARG(srv_secret_accept, accept_secret)
SRV_M_ARG(srv_secret_decline, decline_secret)
SRV_M_ARG(srv_secret_send, send_secret)
SRV_M_ARG(srv_secret_close, close_secret)
SRV_M_ARG(srv_secret_ack, ack_secret)
SRV_M_ARG(srv_secret_queue, get_secret_queue)
SRV_M_ARG(srv_privacy_set, set_privacy)
SRV_M_ARG(srv_privacy_exception, set_privacy_exception)
SRV_M_ARG(srv_profile_set_bio, set_bio)
SRV_M_ARG(srv_forward_message, forward_message)
SRV_M_ARG(srv_import_contacts, import_contacts)
SRV_M_ARG(srv_export_my_data, export_my_data)
SRV_M_ARG(srv_export_profile_as, get_profile_as)
SRV_M_ARG(srv_invite_create, create_invite_link)
SRV_M_ARG(srv_invite_revoke, revoke_invite_link)
SRV_M_ARG(srv_invite_join, join_by_link)
SRV_M_ARG(srv_group_settings, set_group_settings)
SRV_M_ARG(srv_report_user, report_user)
SRV_M_ARG(srv_session_get, get_sessions)
SRV_M_ARG(srv_session_terminate, terminate_session)
SRV_M_ARG(srv_session_set_ttl, set_session_ttl)

/* The adapter m_NAME: calls fn(c, id), for a request without arguments. */
#define SRV_M_ID(fn, name)						\
	static int							\
	m_##name(struct srv_conn *c, const Sotto__Request *q)		\
	{								\
		return fn(c, q->id);					\
	}

SRV_M_ID(srv_auth_logout, logout)
SRV_M_ID(srv_auth_whoami, whoami)
SRV_M_ID(srv_chat_get_contacts, get_contacts)
SRV_M_ID(srv_chat_state, get_state)
SRV_M_ID(srv_privacy_get_blocked, get_blocked)

/* The adapter m_FIELD: calls fn(c, id, the FIELD's user_id, on). */
#define SRV_M_USER(fn, field, on)					\
	static int							\
	m_##field(struct srv_conn *c, const Sotto__Request *q)		\
	{								\
		return fn(c, q->id, q->field->user_id, on);		\
	}

SRV_M_USER(srv_chat_contact, add_contact, 1)
SRV_M_USER(srv_chat_contact, remove_contact, 0)
SRV_M_USER(srv_privacy_block, block, 1)
SRV_M_USER(srv_privacy_block, unblock, 0)

static int
m_ping(struct srv_conn *c, const Sotto__Request *q)
{
	Sotto__Response resp = SOTTO__RESPONSE__INIT;
	Sotto__Pong pong = SOTTO__PONG__INIT;

	pong.nonce = q->ping->nonce;
	resp.result_case = SOTTO__RESPONSE__RESULT_PONG;
	resp.pong = &pong;
	return srv_reply(c, q->id, &resp);
}

static int
m_send_message(struct srv_conn *c, const Sotto__Request *q)
{
	return srv_chat_post(c, q->id, q->send_message, NULL);
}

static int
m_add_member(struct srv_conn *c, const Sotto__Request *q)
{
	return srv_chat_group_op(c, q->id, SRV_OP_ADD,
	    q->add_member->chat_id, q->add_member->user_id, NULL);
}

static int
m_remove_member(struct srv_conn *c, const Sotto__Request *q)
{
	return srv_chat_group_op(c, q->id, SRV_OP_REMOVE,
	    q->remove_member->chat_id, q->remove_member->user_id, NULL);
}

static int
m_leave_chat(struct srv_conn *c, const Sotto__Request *q)
{
	return srv_chat_group_op(c, q->id, SRV_OP_LEAVE,
	    q->leave_chat->chat_id, 0, NULL);
}

static int
m_rename_chat(struct srv_conn *c, const Sotto__Request *q)
{
	return srv_chat_group_op(c, q->id, SRV_OP_RENAME,
	    q->rename_chat->chat_id, 0, q->rename_chat->title);
}

static int
m_get_privacy(struct srv_conn *c, const Sotto__Request *q)
{
	return srv_privacy_answer(c, q->id, 0, 0);
}

#define A SRV_M_AUTHED
#define B SRV_M_BARE
#define W SRV_M_WRITES
#define E SRV_M_ERRSTR
#define M(kase, name, flags, fn) \
	[SOTTO__REQUEST__METHOD_##kase] = { name, flags, fn }

static const struct srv_method srv_methods[] = {
	M(PING,			"Ping",			B,	m_ping),
	M(REGISTER,		"Register",		B | W,	m_register_),
	M(LOGIN,		"Login",		B | W,	m_login),
	M(LOGOUT,		"Logout",		A | W | E, m_logout),
	M(WHOAMI,		"WhoAmI",		A | E,	m_whoami),
	M(RESOLVE_USER,		"ResolveUser",		A,	m_resolve_user),
	M(SEND_MESSAGE,		"SendMessage",		A | W,	m_send_message),
	M(GET_DIFFERENCE,	"GetDifference",	A,
	    m_get_difference),
	M(GET_STATE,		"GetState",		A,	m_get_state),
	M(GET_USERS,		"GetUsers",		A,	m_get_users),
	M(GET_CONTACTS,		"GetContacts",		A,	m_get_contacts),
	M(ADD_CONTACT,		"AddContact",		A | W,	m_add_contact),
	M(REMOVE_CONTACT,	"RemoveContact",	A | W,
	    m_remove_contact),
	M(EDIT_MESSAGE,		"EditMessage",		A | W,	m_edit_message),
	M(DELETE_MESSAGES,	"DeleteMessages",	A | W,
	    m_delete_messages),
	M(READ_HISTORY,		"ReadHistory",		A | W,	m_read_history),
	M(SET_TYPING,		"SetTyping",		A,	m_set_typing),
	M(CREATE_GROUP,		"CreateGroup",		A | W,	m_create_group),
	M(ADD_MEMBER,		"AddMember",		A | W,	m_add_member),
	M(REMOVE_MEMBER,	"RemoveMember",		A | W,
	    m_remove_member),
	M(LEAVE_CHAT,		"LeaveChat",		A | W,	m_leave_chat),
	M(RENAME_CHAT,		"RenameChat",		A | W,	m_rename_chat),
	M(PUBLISH_PREKEYS,	"PublishPrekeys",	A | W,
	    m_publish_prekeys),
	M(GET_PREKEY_BUNDLES,	"GetPrekeyBundles",	A | W,
	    m_get_prekey_bundles),
	M(START_SECRET,		"StartSecret",		A | W,	m_start_secret),
	M(ACCEPT_SECRET,	"AcceptSecret",		A | W,
	    m_accept_secret),
	M(DECLINE_SECRET,	"DeclineSecret",	A | W,
	    m_decline_secret),
	M(SEND_SECRET,		"SendSecret",		A | W,	m_send_secret),
	M(CLOSE_SECRET,		"CloseSecret",		A | W,	m_close_secret),
	M(ACK_SECRET,		"AckSecret",		A | W,	m_ack_secret),
	M(GET_SECRET_QUEUE,	"GetSecretQueue",	A,
	    m_get_secret_queue),
	M(GET_PRIVACY,		"GetPrivacy",		A,	m_get_privacy),
	M(SET_PRIVACY,		"SetPrivacy",		A | W,	m_set_privacy),
	M(SET_PRIVACY_EXCEPTION, "SetPrivacyException",	A | W,
	    m_set_privacy_exception),
	M(BLOCK,		"Block",		A | W,	m_block),
	M(UNBLOCK,		"Unblock",		A | W,	m_unblock),
	M(GET_BLOCKED,		"GetBlocked",		A,	m_get_blocked),
	M(IMPORT_CONTACTS,	"ImportContacts",	A | W,
	    m_import_contacts),
	M(SET_BIO,		"SetBio",		A | W | E, m_set_bio),
	M(FORWARD_MESSAGE,	"ForwardMessage",	A | W,
	    m_forward_message),
	M(CREATE_INVITE_LINK,	"CreateInviteLink",	A | W,
	    m_create_invite_link),
	M(REVOKE_INVITE_LINK,	"RevokeInviteLink",	A | W,
	    m_revoke_invite_link),
	M(JOIN_BY_LINK,		"JoinByLink",		A | W,	m_join_by_link),
	M(SET_GROUP_SETTINGS,	"SetGroupSettings",	A | W,
	    m_set_group_settings),
	M(REPORT_USER,		"ReportUser",		A | W,	m_report_user),
	M(EXPORT_MY_DATA,	"ExportMyData",		A,
	    m_export_my_data),
	M(GET_PROFILE_AS,	"GetProfileAs",		A,
	    m_get_profile_as),
	M(GET_SESSIONS,		"GetSessions",		A,	m_get_sessions),
	M(TERMINATE_SESSION,	"TerminateSession",	A | W,
	    m_terminate_session),
	M(SET_SESSION_TTL,	"SetSessionTtl",	A | W,
	    m_set_session_ttl),
};

#undef M
#undef SRV_M_ARG
#undef SRV_M_ID
#undef SRV_M_USER
#undef A
#undef B
#undef W
#undef E

const struct srv_method *
srv_method_find(int method_case)
{
	const struct srv_method *m;

	if (method_case <= 0 ||
	    (size_t)method_case >= sizeof(srv_methods) / sizeof(srv_methods[0]))
		return NULL;
	m = &srv_methods[method_case];
	return m->handler != NULL ? m : NULL;
}

int
srv_dispatch(struct srv_conn *c, const Sotto__Request *req)
{
	const struct srv_method *m;

	srv_presence_touch(c);
	if ((m = srv_method_find((int)req->method_case)) == NULL)
		/* Newer clients may ask for more: answer, never disconnect. */
		return srv_conn_error(c, req->id, ERR_UNKNOWN_METHOD,
		    "this server does not know that request", 0);
	/* Fail closed: only a method marked bare runs before sign-in. */
	if (!(m->flags & SRV_M_BARE) && !c->authed)
		return srv_conn_error(c, req->id, ERR_NOT_AUTHED,
		    (m->flags & SRV_M_ERRSTR) ? NULL : "sign in first", 0);
	return m->handler(c, req);
}
