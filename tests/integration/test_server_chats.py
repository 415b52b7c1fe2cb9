"""sottod's cloud chats over the raw protocol (tests/noiseclient.py): the
resend dedupe, pts contiguous per account and the same on two devices,
live pushes to every device, GetDifference paging with entries whose
message was deleted, group permissions, delete for me and for everyone,
read state reaching the sender, typing that is never stored, contacts and
phone privacy, and bad input answered with errors, never a disconnect."""

import noiseclient as nc
from sottotest import Scenario

ERR_INVAL = -2
ERR_TOO_BIG = -6
ERR_EXISTS = -11
ERR_NOT_FOUND = -12
ERR_PERM = -20

# Request method fields (proto/sotto.proto).
PING = 10
RESOLVE, SEND, DIFF, STATE, USERS, CONTACTS = 20, 21, 22, 23, 24, 25
ADD_CONTACT, EDIT, DELETE, READ, TYPING = 26, 28, 29, 30, 31
CREATE, ADD, REMOVE, LEAVE, RENAME = 32, 33, 34, 35, 36


V, B, get, sub, packed = nc.V, nc.B, nc.get, nc.sub, nc.packed


class Dev(nc.Device):
    """One device: a raw Noise peer that keeps the Updates pushed to it."""

    def drain(self, want=1, timeout=5.0, until=None):
        """Reads pushes until `want` more arrived (or one for which
        until(update) holds) or timeout passed."""
        have = len(self.updates) + want
        if until is None:
            self.pump(lambda: len(self.updates) >= have, timeout)
        else:
            self.pump(lambda: any(until(u) for u in self.updates), timeout)
        return self.updates

    def pts_list(self):
        return [get(u, 1) for u in self.updates if get(u, 1) != 0]


def register(addr, name, phone=""):
    d, user_id, _ = nc.register(addr, name, phone, cls=Dev)
    return d, user_id


def login(addr, name):
    return nc.login(addr, name, cls=Dev)[0]


def send(dev, text, rid, to=0, chat=0, reply_to=0):
    body = b""
    if to:
        body += V(1, to)
    if chat:
        body += V(2, chat)
    if rid:
        body += V(3, rid)
    body += B(4, text) if isinstance(text, (str, bytes)) else b""
    if reply_to:
        body += V(5, reply_to)
    return dev.call(SEND, body)


def diff_all(dev, pts=0, limit=0):
    """Pages through GetDifference; returns (updates, pages, users)."""
    ups, pages, users = [], 0, {}
    while True:
        body = V(1, pts) + (V(2, limit) if limit else b"")
        err, d = dev.call(DIFF, body)
        if err:
            raise RuntimeError("GetDifference: %d" % err)
        pages += 1
        page = [nc.parse(u) for u in d.get(1, [])]
        ups += page
        for u in d.get(4, []):
            u = nc.parse(u)
            users[get(u, 1)] = u
        if limit:
            assert len(page) <= limit
        pts = get(d, 2, pts)
        if not get(d, 3):
            return ups, pages, users
        if not page:
            raise RuntimeError("more set on an empty page")


def msg_of(update):
    nm = sub(update, 10)
    return sub(nm, 1) if nm else None


with Scenario("server-chats") as sc:
    t = sc.t
    srv = sc.server()
    a1, alice = register(srv.addr, "alice")
    b1, bob = register(srv.addr, "bob", "+15550001")
    c1, carol = register(srv.addr, "carol")
    a2 = login(srv.addr, "alice")
    nc.find(a1, "bob", "carol")     # before naming them by id

    # ------------------------------------------------ send, push, dedupe
    err, res = send(a1, "hello bob", 1001, to=bob)
    t.eq(err, 0, "alice sends to bob")
    m = sub(res, 1)
    first_pts = get(res, 3)
    chat_id = get(m, 1)
    t.eq((get(m, 2), get(m, 3), get(m, 4)), (1, alice, 1001),
         "message id 1, from alice, random_id echoed")
    ch = sub(res, 2)
    t.eq((get(ch, 2), get(ch, 4)), (2, bob), "a private chat with bob")
    a2.drain(1)
    got = [u for u in a2.updates if get(u, 1) == first_pts]
    t.ok(len(got) == 1 and get(msg_of(got[0]), 5, b"") == b"hello bob",
         "alice's second device got the live push with the same pts")
    b1.drain(1)
    bu = [msg_of(u) for u in b1.updates if msg_of(u)]
    t.ok(len(bu) == 1 and get(bu[0], 4) == 0,
         "bob got it live, without alice's random_id")
    t.ok(any(get(u, 1) == first_pts for u in a1.drain(1)),
         "the sending device gets the push too")

    _, st0 = a1.call(STATE)
    err, res = send(a1, "hello bob", 1001, to=bob)
    t.eq((err, get(sub(res, 1), 2), get(res, 3)), (0, 1, first_pts),
         "a resend gets the original message and pts back")
    _, st1 = a1.call(STATE)
    t.eq(get(st1, 1), get(st0, 1), "and writes nothing")

    for i in range(5):
        err, res = send(a1, "more %d" % i, 2000 + i, chat=chat_id)
        t.eq(err, 0, "message %d by chat id" % i)
    a2.drain(5)
    a1.drain(5)
    p1, p2 = sorted(set(a1.pts_list())), sorted(set(a2.pts_list()))
    t.eq(p1, list(range(1, len(p1) + 1)), "pts contiguous on device 1",
         repr(p1))
    t.eq(p1, p2, "and the same on device 2")

    # ------------------------------------------------ paging
    ups, pages, users = diff_all(a2, 0, 2)
    t.eq([get(u, 1) for u in ups], list(range(1, get(st1, 1) + 6)),
         "GetDifference in pages of 2 returns every entry once")
    t.ok(pages >= 3, "in several pages (%d)" % pages)
    t.ok(alice in users and bob in users, "with the users it mentions")
    nms = [sub(u, 10) for u in ups if sub(u, 10)]
    t.ok(nms and all(sub(nm, 2) and sub(nm, 3) for nm in nms),
         "a plain page: every NewMessage carries its chat and sender")
    err, d = a2.call(DIFF, V(1, 0) + V(3, 1))
    t.eq(err, 0, "a compact GetDifference")
    cnms = [sub(nc.parse(u), 10) for u in d.get(1, [])]
    cnms = [nm for nm in cnms if nm]
    t.ok(len(cnms) == len(nms) and
         not any(sub(nm, 2) or sub(nm, 3) for nm in cnms),
         "a compact page: the NewMessages leave chat and sender out")
    cchats = [nc.parse(c) for c in d.get(5, [])]
    t.eq([get(c, 1) for c in cchats], [chat_id],
         "and name the chat once, in Difference.chats")
    t.ok(any(get(nc.parse(u), 1) == alice for u in d.get(4, [])),
         "and the sender in Difference.users")

    # ------------------------------------------------ delete and edit
    err, _ = b1.call(DELETE, V(1, chat_id) + V(2, 1) + V(3, 1))
    t.eq(err, ERR_PERM, "bob cannot delete alice's message for everyone")
    err, res = a1.call(DELETE, V(1, chat_id) + V(2, 1) + V(2, 999) + V(3, 1))
    t.eq(err, 0, "alice deletes message 1 for everyone (999 skipped)")
    err, res = b1.call(DELETE, V(1, chat_id) + V(2, 2))
    t.eq(err, 0, "bob deletes message 2 for himself")
    err, res = a1.call(EDIT, V(1, chat_id) + V(2, 3) + B(3, "more 1 (edited)"))
    t.eq((err, get(sub(res, 1), 5, b"")), (0, b"more 1 (edited)"),
         "alice edits message 3")
    err, _ = b1.call(EDIT, V(1, chat_id) + V(2, 3) + B(3, "hijack"))
    t.eq(err, ERR_PERM, "bob cannot edit alice's message")

    bups, _, _ = diff_all(b1, 0, 3)
    bpts = [get(u, 1) for u in bups]
    t.eq(bpts, list(range(1, len(bpts) + 1)), "bob's log has no gaps")
    by_id = {}
    for u in bups:
        mm = msg_of(u)
        if mm:
            by_id[get(mm, 2)] = get(mm, 5, b"")
    t.ok(1 not in by_id and 2 not in by_id,
         "deleted and hidden messages come back as bare pts")
    t.eq(len([u for u in bups if len(u) == 1]), 2,
         "exactly two entries without an event")
    t.eq(by_id.get(3), b"more 1 (edited)", "a NewMessage serves the edit")
    dels = [sub(u, 12) for u in bups if 12 in u]
    t.ok(len(dels) == 2 and packed(dels[0], 2) == [1] and get(dels[0], 3) == 1
         and packed(dels[1], 2) == [2] and get(dels[1], 3) == 0,
         "MessagesDeleted for everyone, then for me", repr(dels))
    aups, _, _ = diff_all(a1)
    t.ok(any(get(msg_of(u), 2) == 2 for u in aups if msg_of(u)),
         "alice still sees message 2")

    # ------------------------------------------------ read state, typing
    n_before = len(a2.updates)
    err, res = b1.call(READ, V(1, chat_id) + V(2, 4))
    t.ok(err == 0 and get(res, 1) > 0, "bob reads up to 4")
    a2.drain(until=lambda u: 14 in u)
    ro = [sub(u, 14) for u in a2.updates[n_before:] if 14 in u]
    t.ok(len(ro) == 1 and (get(ro[0], 1), get(ro[0], 2), get(ro[0], 3)) ==
         (chat_id, 4, bob), "ReadOutbox reaches alice's other device")
    err, res = b1.call(READ, V(1, chat_id) + V(2, 2))
    t.eq((err, get(res, 1)), (0, 0), "reading backwards is a no-op")
    bups2, _, _ = diff_all(b1)
    t.ok(any(14 not in u and 13 in u for u in bups2),
         "ReadInbox in the reader's own log")

    _, sb0 = b1.call(STATE)
    err, _ = a1.call(TYPING, V(1, chat_id))
    t.eq(err, 0, "alice is typing")
    b1.drain(until=lambda u: 16 in u)
    typ = [u for u in b1.updates if 16 in u]
    t.ok(len(typ) == 1 and get(typ[0], 1) == 0 and
         get(sub(typ[0], 16), 2) == alice, "bob sees it live with pts 0")
    _, sb1 = b1.call(STATE)
    t.eq(get(sb1, 1), get(sb0, 1), "typing is not stored")

    # ------------------------------------------------ groups
    err, res = a1.call(CREATE, B(1, "team") + V(2, bob) + V(2, bob) +
                       V(3, 777))
    t.eq(err, 0, "alice makes a group with bob")
    g = get(sub(res, 2), 1)
    gc = sub(res, 2)
    t.eq((get(gc, 2), get(gc, 5), sorted(packed(gc, 6)), packed(gc, 7)),
         (3, alice, sorted([alice, bob]), [alice]),
         "kind, creator, members, admins")
    t.eq(get(sub(res, 1), 9), 1, "a service message ACTION_CREATED")
    err, res2 = a1.call(CREATE, B(1, "team") + V(2, bob) + V(3, 777))
    t.eq((err, get(sub(res2, 2), 1)), (0, g), "a resend makes no new group")

    err, _ = send(c1, "let me in", 5, chat=g)
    t.eq(err, ERR_NOT_FOUND, "carol, not a member, gets not found")
    err, _ = c1.call(RENAME, V(1, g) + B(2, "mine"))
    t.eq(err, ERR_NOT_FOUND, "nor can she rename it")
    err, _ = b1.call(ADD, V(1, g) + V(2, carol))
    t.eq(err, ERR_PERM, "bob (not admin) cannot add")
    err, _ = b1.call(REMOVE, V(1, g) + V(2, alice))
    t.eq(err, ERR_PERM, "nor remove")
    err, _ = b1.call(RENAME, V(1, g) + B(2, "bobs"))
    t.eq(err, ERR_PERM, "nor rename")
    err, res = a1.call(ADD, V(1, g) + V(2, carol))
    t.ok(err == 0 and get(sub(res, 1), 9) == 2 and
         get(sub(res, 1), 10) == carol and
         carol in packed(sub(res, 2), 6), "alice adds carol")
    err, _ = a1.call(ADD, V(1, g) + V(2, carol))
    t.eq(err, ERR_EXISTS, "adding her twice")
    c1.drain(until=lambda u: msg_of(u) and get(msg_of(u), 9) == 2)
    t.ok(any(msg_of(u) and get(msg_of(u), 9) == 2 for u in c1.updates),
         "carol is told she was added")
    err, res = a1.call(RENAME, V(1, g) + B(2, "team two"))
    t.ok(err == 0 and get(sub(res, 2), 3) == b"team two", "alice renames")
    err, _ = send(c1, "hi all", 6, chat=g)
    t.eq(err, 0, "carol writes in the group")
    err, res = a1.call(REMOVE, V(1, g) + V(2, bob))
    t.ok(err == 0 and bob not in packed(sub(res, 2), 6), "alice removes bob")
    b1.drain(until=lambda u: msg_of(u) and get(msg_of(u), 9) == 3)
    t.ok(any(msg_of(u) and get(msg_of(u), 9) == 3 for u in b1.updates),
         "bob is told he was removed")
    b1.drain(100, timeout=1.0)                    # whatever else is queued
    nb = len(b1.updates)
    err, res = send(a1, "bob is gone", 778, chat=g)
    t.eq(err, 0, "alice writes after the removal")
    b1.drain(1, timeout=1.0)
    t.eq(len(b1.updates), nb, "bob gets no push of it")
    bups3, _, _ = diff_all(b1)
    t.ok(not any(msg_of(u) and get(msg_of(u), 5, b"") == b"bob is gone"
                 for u in bups3), "nor does his log have it")
    err, _ = send(b1, "still here?", 7, chat=g)
    t.eq(err, ERR_NOT_FOUND, "bob can no longer write there")
    # Whom a chat showed stays shown (doc/PROTOCOL.md, "Addressing by
    # id"): carol's log names bob, removed in her sight.
    _, stranger, _ = nc.register(srv.addr, "stranger")
    err, res = c1.call(USERS, V(1, bob) + V(1, alice) + V(1, stranger) +
                       V(1, 123456))
    t.eq(sorted(get(nc.parse(x), 1) for x in res.get(1, [])),
         sorted([alice, bob]), "GetUsers leaves out who carol was never "
         "shown and ids past the end, not bob, removed in her sight")
    err, res = c1.call(LEAVE, V(1, g))
    t.ok(err == 0 and get(sub(res, 1), 9) == 4, "carol leaves")
    err, res = c1.call(USERS, V(1, alice) + V(1, stranger))
    t.eq(sorted(get(nc.parse(x), 1) for x in res.get(1, [])), [alice],
         "once she left, alice, whom the group showed her, is still in "
         "her sight; the stranger is not")

    # ------------------------------------------------ contacts, phones
    err, _ = a1.call(RESOLVE, B(2, "+15550001"))
    t.eq(err, ERR_NOT_FOUND, "bob's phone hides him from alice")
    err, res = a1.call(RESOLVE, B(1, "BOB"))
    u = sub(res, 1)
    t.ok(err == 0 and get(u, 1) == bob and get(u, 4, b"") == b"",
         "by username: found, without the phone")
    err, res = b1.call(ADD_CONTACT, V(1, alice))
    t.ok(err == 0 and get(res, 2) > 0 and get(sub(res, 1), 5) == 1,
         "bob adds alice as a contact")
    err, res = a1.call(RESOLVE, B(2, "+15550001"))
    t.ok(err == 0 and get(sub(res, 1), 4, b"") == b"+15550001",
         "now alice finds bob by phone and sees it")
    err, res = b1.call(CONTACTS)
    t.eq([get(nc.parse(x), 1) for x in res.get(1, [])], [alice],
         "bob's contacts")

    # ------------------------------------------------ bad input
    bad = [
        (send(a1, "", 9001, to=bob), ERR_INVAL, "empty text"),
        (send(a1, b"\xff\xfe", 9002, to=bob), ERR_INVAL, "invalid UTF-8"),
        (send(a1, b"\xed\xa0\x80", 9003, to=bob), ERR_INVAL, "a surrogate"),
        (send(a1, "x" * 4097, 9004, to=bob), ERR_INVAL, "4097 characters"),
        (send(a1, "x", 0, to=bob), ERR_INVAL, "random_id 0"),
        (send(a1, "x", 9005, to=bob, chat=chat_id), ERR_INVAL,
         "two targets"),
        (send(a1, "x", 9006), ERR_INVAL, "no target"),
        (send(a1, "x", 9007, chat=987654), ERR_NOT_FOUND, "no such chat"),
        (send(a1, "x", 9008, to=987654), ERR_NOT_FOUND, "no such user"),
        (send(a1, "x", 9009, chat=1 << 63), ERR_NOT_FOUND, "a huge chat id"),
        (send(a1, "x", 9010, chat=chat_id, reply_to=99999), ERR_INVAL,
         "reply_to outside the chat"),
        (a1.call(CREATE, B(1, "a\u202eb") + V(3, 9011)), ERR_INVAL,
         "a title with a BiDi override"),
        (a1.call(CREATE, B(1, "t" * 257) + V(3, 9012)), ERR_INVAL,
         "a 257-byte title"),
        (a1.call(CREATE, B(1, "") + V(3, 9013)), ERR_INVAL, "an empty title"),
        (a1.call(CREATE, B(1, "big") + b"".join(
            V(2, 100000 + i) for i in range(201)) + V(3, 9014)),
         ERR_TOO_BIG, "201 members"),
        (a1.call(RENAME, V(1, chat_id) + B(2, "x")), ERR_INVAL,
         "renaming a private chat"),
        (a1.call(RESOLVE, B(1, "bob") + B(2, "+15550001")), ERR_INVAL,
         "both a username and a phone"),
        (a1.call(ADD_CONTACT, V(1, alice)), ERR_INVAL, "oneself as contact"),
    ]
    for (err, _), want, what in bad:
        t.eq(err, want, what)
    err, res = send(a1, "\u00e9" * 4096, 9100, to=bob)
    t.eq(err, 0, "4096 two-byte characters are fine")

    # ResolveUser: the directory throttle's bucket per account (30), which
    # carol's two GetUsers above (1.3 and 1.1 tokens) drew from as well.
    codes = [c1.call(RESOLVE, B(1, "alice")) for _ in range(31)]
    lim = [(e, r) for e, r in codes if e == -13]
    first = [e for e, _ in codes].index(-13) if lim else None
    t.ok(first is not None and 26 <= first <= 30,
         "about 30 lookups in a burst (GetUsers took from the same bucket)",
         [e for e, _ in codes])
    t.ok(lim and get(lim[0][1], 3) >= 1,
         "then lookups are rate-limited, with retry_after")
    # The login's Argon2 may give the bucket back a token or two, no more.
    c2 = login(srv.addr, "carol")
    codes = [c2.call(RESOLVE, B(1, "alice"))[0] for _ in range(5)]
    t.ok(-13 in codes, "another device of the same account is limited too",
         codes)
    err, _ = a2.call(RESOLVE, B(1, "carol"))
    t.eq(err, 0, "other accounts are not")

    # A malformed frame closes that connection only.
    junk = Dev(srv.addr)
    junk.peer.send_frame(b"\xff\xff\xff\xff")
    t.eq(junk.peer.recv_frame(), None, "junk closes its connection")
    err, _ = a1.call(PING, V(1, 5))
    t.eq(err, 0, "others go on")
    t.ok(srv.alive(), "sottod is alive")
    t.done()
