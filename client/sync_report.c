/*
 * What an applied entry of the update log tells the front ends: the
 * cloud event for each kind of Update, built after the commit from the
 * wire's message, chat and user (client/cloud.h's own value types).
 */
#include "client/sync_int.h"

#include <string.h>

#include "client/cloud_int.h"
#include "lib/err.h"

/*
 * A rule as front ends have it: the wire's key and value are one more
 * (0 is "unset" there). ERR_PROTO for one this client does not know.
 */
static int
sync_rule_from(struct cloud_privacy_rule *r, const Sotto__PrivacyRule *p)
{
	memset(r, 0, sizeof(*r));
	if (p == NULL || (int)p->key < 1 || (int)p->key > CLOUD_PRIV_N ||
	    (int)p->value < 1 || (int)p->value > CLOUD_PRIV_NOBODY + 1)
		return ERR_PROTO;
	r->key = (int)p->key - 1;
	r->value = (int)p->value - 1;
	r->allow = p->allow_ids;
	r->n_allow = p->n_allow_ids;
	r->deny = p->deny_ids;
	r->n_deny = p->n_deny_ids;
	return 0;
}

/* Reports one applied entry. */
void
sync__report(struct sync *s, const Sotto__Update *u, int flags)
{
	struct cloud_event ev;
	struct store_message m;
	struct store_chat ch;
	struct store_user usr;
	struct cloud_message mv;
	struct cloud_chat chv;
	struct cloud_user uv;
	struct cloud_privacy_rule rule;
	const Sotto__Chat *pc;
	ssize_t i;

	memset(&ev, 0, sizeof(ev));
	switch (u->event_case) {
	case SOTTO__UPDATE__EVENT_NEW_MESSAGE:
		pc = u->new_message->chat;
		if (pc == NULL && u->new_message->message != NULL &&
		    (i = sync__page_chat(s, u->new_message->message->chat_id)) >=
		    0)
			pc = s->chats[i];
		if (pc != NULL) {
			sync__chat_from(&ch, pc);
			cloud__chat_of(&chv, &ch);
			ev.chat = &chv;
		}
		if (flags & SYNC_CHAT_NEW) {
			ev.kind = CLOUD_EV_CHAT;
			s->ops.emit(s->ud, &ev);
		}
		if (!(flags & SYNC_MSG_NEW) || u->new_message->message == NULL)
			return;
		sync_message_from(&m, u->new_message->message);
		ev.kind = CLOUD_EV_MESSAGE;
		cloud__message_of(&mv, &m);
		ev.msg = &mv;
		ev.chat_id = m.chat_id;
		break;
	case SOTTO__UPDATE__EVENT_MESSAGE_EDITED:
		if (u->message_edited->message == NULL)
			return;
		sync_message_from(&m, u->message_edited->message);
		ev.kind = CLOUD_EV_EDITED;
		cloud__message_of(&mv, &m);
		ev.msg = &mv;
		ev.chat_id = m.chat_id;
		break;
	case SOTTO__UPDATE__EVENT_MESSAGES_DELETED:
		ev.kind = CLOUD_EV_DELETED;
		ev.chat_id = u->messages_deleted->chat_id;
		ev.ids = u->messages_deleted->ids;
		ev.n_ids = u->messages_deleted->n_ids;
		ev.for_everyone = u->messages_deleted->for_everyone;
		break;
	case SOTTO__UPDATE__EVENT_READ_INBOX:
		ev.kind = CLOUD_EV_READ_INBOX;
		ev.chat_id = u->read_inbox->chat_id;
		ev.max_id = u->read_inbox->max_id;
		ev.user_id = s->self;
		break;
	case SOTTO__UPDATE__EVENT_READ_OUTBOX:
		ev.kind = CLOUD_EV_READ_OUTBOX;
		ev.chat_id = u->read_outbox->chat_id;
		ev.max_id = u->read_outbox->max_id;
		ev.user_id = u->read_outbox->reader_id;
		break;
	case SOTTO__UPDATE__EVENT_CONTACT_CHANGED:
		if (u->contact_changed->user == NULL)
			return;
		sync__user_from(&usr, u->contact_changed->user);
		usr.contact = u->contact_changed->added;
		ev.kind = CLOUD_EV_CONTACT;
		cloud__user_of(&uv, &usr);
		ev.user = &uv;
		ev.user_id = usr.id;
		ev.added = u->contact_changed->added;
		break;
	case SOTTO__UPDATE__EVENT_TYPING:
		ev.kind = CLOUD_EV_TYPING;
		ev.chat_id = u->typing->chat_id;
		ev.user_id = u->typing->user_id;
		break;
	case SOTTO__UPDATE__EVENT_USER_STATUS:
		ev.kind = CLOUD_EV_PRESENCE;
		ev.user_id = u->user_status->user_id;
		ev.status = (int)u->user_status->status;
		ev.when = u->user_status->last_seen;
		break;
	case SOTTO__UPDATE__EVENT_PRIVACY_CHANGED:
		if (sync_rule_from(&rule, u->privacy_changed->rule) != 0)
			return;
		ev.kind = CLOUD_EV_PRIVACY;
		ev.privacy = &rule;
		break;
	case SOTTO__UPDATE__EVENT_BLOCK_CHANGED:
		if (u->block_changed->user == NULL)
			return;
		sync__user_from(&usr, u->block_changed->user);
		ev.kind = CLOUD_EV_BLOCKED;
		cloud__user_of(&uv, &usr);
		ev.user = &uv;
		ev.user_id = usr.id;
		ev.added = u->block_changed->blocked;
		break;
	default:
		return;
	}
	s->ops.emit(s->ud, &ev);
}
