"""No account reachable by a bare id (doc/PROTOCOL.md, "Addressing by id"),
with a real sottod and raw devices (tests/noiseclient.py), since the real
client only sends ids it was given:

- a fresh account that has looked up nobody calls every request that takes
  a user id with every id from 1 to past the newest, and every chat-id
  request with every chat id: each answer is the one for an id past the
  end, word for word, and no answer or push holds another account's
  username, name or phone number;
- after it resolves one account by username it may name that one, and no
  other;
- the legitimate paths work: a member of a chat in common, someone who
  wrote, someone who offered a secret chat, a co-member after one of them
  left the group;
- the real client: a number nobody has, one hidden by phone_discovery and
  one whose owner blocked the asker give the same words and exit status;
- a store taken back to the schema before the "shown" table (an old
  server's) migrates, and every account may name the same users as
  before: its log's entries are read into it.
"""
import os
import random
import sys

import nacl.public

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import noiseclient as nc  # noqa: E402
from sottotest import EX_DATAERR, EX_OK, Scenario, describe  # noqa: E402

V, B, get, sub = nc.V, nc.B, nc.get, nc.sub

RESOLVE, SEND, USERS, ADD_CONTACT, REMOVE_CONTACT = 20, 21, 24, 26, 27
EDIT, DELETE, READ, TYPING = 28, 29, 30, 31
CREATE_GROUP, ADD_MEMBER, REMOVE_MEMBER, LEAVE, RENAME = 32, 33, 34, 35, 36
BUNDLES, START_SECRET = 41, 42
SET_PRIVACY, SET_EXCEPTION, BLOCK, UNBLOCK = 51, 52, 53, 54
FORWARD, INVITE_LINK, GROUP_SETTINGS, REPORT = 71, 80, 83, 84
PROFILE_AS = 91

# The directory throttle is tested in test_directory.py; here it must not
# refuse the hundreds of probes.
LIMITS = ["--limit", "burst=100000", "--limit", "rate=1000",
          "--limit", "addr_burst=100000", "--limit", "addr_rate=1000"]


Dev = nc.PrekeyDevice


def rnd():
    return random.getrandbits(62) + 1


def offer(device_id):
    ek = nacl.public.PrivateKey.generate().public_key.encode()
    return B(4, V(1, device_id) + B(2, ek) + V(3, 1))


def answer(reply):
    """What an answer says: the error code and text, or the result."""
    err, res = reply
    if err:
        return err, res.get(2, [b""])[0]
    return 0, repr(sorted(res.items()))


def user_ids(res):
    """The ids of the users of a UsersResult."""
    return sorted(get(nc.parse(u), 1) for u in res.get(1, []))


def seen_by(dev, ids):
    """The users among ids that dev may name (GetUsers of all of them)."""
    err, res = dev.call(USERS, b"".join(V(1, i) for i in ids))
    return user_ids(res) if err == 0 else ("error", err)


with Scenario("visible") as sc:
    t = sc.t
    srv = sc.server(args=LIMITS)

    def reg(name, phone):
        return nc.register(srv.addr, name, phone, cls=Dev)

    alice, a_id, _ = reg("alice", "+15550100001")
    bob, b_id, _ = reg("bob", "+15550100002")
    carol, c_id, _ = reg("carol", "+15550100003")
    dave, d_id, d_dev = reg("dave", "+15550100004")
    for d in (alice, bob, carol, dave):
        t.eq(d.publish()[0], 0, "a device publishes its prekeys")

    # Bob finds carol and alice, makes a group of the three; carol writes
    # there; bob writes to carol in private.
    t.eq(bob.call(RESOLVE, B(1, "carol"))[0], 0, "bob finds carol")
    t.eq(bob.call(RESOLVE, B(1, "alice"))[0], 0, "bob finds alice")
    err, res = bob.call(CREATE_GROUP, B(1, "club") + V(2, c_id) +
                        V(3, rnd()))
    t.eq(err, 0, "bob makes a group with carol", res)
    club = get(sub(res, 2), 1)
    t.eq(bob.call(ADD_MEMBER, V(1, club) + V(2, a_id))[0], 0,
         "bob adds alice")
    t.eq(carol.call(SEND, V(2, club) + V(3, rnd()) + B(4, "hi club"))[0], 0,
         "carol writes in the group")
    err, res = bob.call(SEND, V(1, c_id) + V(3, rnd()) + B(4, "hi carol"))
    t.eq(err, 0, "bob writes to carol", res)
    pair = get(sub(res, 1), 1)

    mallory, m_id, _ = reg("mallory", "")
    t.eq(mallory.publish()[0], 0, "mallory publishes prekeys")
    err, res = mallory.call(SEND, V(1, m_id) + V(3, rnd()) + B(4, "note"))
    t.eq(err, 0, "mallory writes to her Saved Messages", res)
    saved, saved_msg = get(sub(res, 1), 1), get(sub(res, 1), 2)
    err, res = mallory.call(CREATE_GROUP, B(1, "mine") + V(3, rnd()))
    t.eq(err, 0, "mallory makes a group of her own", res)
    mine = get(sub(res, 2), 1)

    past = m_id + 1000
    probe_ids = [i for i in range(1, m_id + 4) if i != m_id]
    secrets = [b"alice", b"Alice", b"bob", b"Bob", b"carol", b"Carol",
               b"dave", b"Dave", b"+1555010000"]

    def leaks(text):
        text = text if isinstance(text, bytes) else text.encode()
        return [s.decode() for s in secrets if s in text]

    def probe(what, method, body_of, ids, past_id):
        """Every id of ids is answered as past_id; nothing leaks."""
        want = answer(mallory.call(method, body_of(past_id)))
        odd, leaked = [], []
        for i in ids:
            got = answer(mallory.call(method, body_of(i)))
            if got != want:
                odd.append((i, got))
            leaked += leaks(repr(got))
        t.eq(odd, [], "%s: every id is answered as one past the end (%s)"
             % (what, want[1] if want[0] else "ok"))
        t.eq(leaked, [], "%s: no answer names another account" % what)

    # ------------------------------------------------ user ids
    user_requests = [
        ("GetUsers", USERS, lambda i: V(1, i)),
        ("AddContact", ADD_CONTACT, lambda i: V(1, i)),
        ("RemoveContact", REMOVE_CONTACT, lambda i: V(1, i)),
        ("Block", BLOCK, lambda i: V(1, i)),
        ("Unblock", UNBLOCK, lambda i: V(1, i)),
        ("SetPrivacy", SET_PRIVACY,
         lambda i: B(1, V(1, 3) + V(2, 1) + V(3, i))),
        ("SetPrivacyException", SET_EXCEPTION,
         lambda i: V(1, 3) + V(2, i) + V(3, 1)),
        ("SendMessage to_user_id", SEND,
         lambda i: V(1, i) + V(3, rnd()) + B(4, "hello")),
        ("CreateGroup", CREATE_GROUP,
         lambda i: B(1, "g") + V(2, i) + V(3, rnd())),
        ("AddMember", ADD_MEMBER, lambda i: V(1, mine) + V(2, i)),
        ("RemoveMember", REMOVE_MEMBER, lambda i: V(1, mine) + V(2, i)),
        ("GetPrekeyBundles", BUNDLES, lambda i: V(1, i)),
        ("StartSecret", START_SECRET,
         lambda i: V(1, rnd()) + V(2, i) + offer(d_dev)),
        ("ForwardMessage to_user_id", FORWARD,
         lambda i: V(1, saved) + V(2, saved_msg) + V(3, i) + V(5, rnd())),
        ("ReportUser", REPORT, lambda i: V(1, i) + V(2, 1)),
        ("GetProfileAs", PROFILE_AS, lambda i: V(1, 3) + V(2, i)),
    ]
    for what, method, body_of in user_requests:
        probe(what, method, body_of, probe_ids, past)
    t.eq(seen_by(mallory, probe_ids + [past]), [],
         "GetUsers of every id finds nobody")
    leaked = leaks(repr(mallory.take()))
    t.eq(leaked, [], "no push to mallory names another account")

    # ------------------------------------------------ chat ids
    chat_past = max(club, pair, saved, mine) + 1000
    chat_ids = [i for i in range(1, max(club, pair, saved, mine) + 3)
                if i not in (saved, mine)]
    chat_requests = [
        ("SendMessage chat_id", SEND,
         lambda i: V(2, i) + V(3, rnd()) + B(4, "hello")),
        ("EditMessage", EDIT, lambda i: V(1, i) + V(2, 1) + B(3, "x")),
        ("DeleteMessages", DELETE, lambda i: V(1, i) + V(2, 1)),
        ("ReadHistory", READ, lambda i: V(1, i) + V(2, 1)),
        ("AddMember chat_id", ADD_MEMBER, lambda i: V(1, i) + V(2, m_id)),
        ("RemoveMember chat_id", REMOVE_MEMBER,
         lambda i: V(1, i) + V(2, m_id)),
        ("LeaveChat", LEAVE, lambda i: V(1, i)),
        ("RenameChat", RENAME, lambda i: V(1, i) + B(2, "x")),
        ("ForwardMessage from_chat_id", FORWARD,
         lambda i: V(1, i) + V(2, 1) + V(3, m_id) + V(5, rnd())),
        ("CreateInviteLink", INVITE_LINK, lambda i: V(1, i)),
        ("SetGroupSettings", GROUP_SETTINGS, lambda i: V(1, i) + V(2, 1)),
    ]
    for what, method, body_of in chat_requests:
        probe(what, method, body_of, chat_ids, chat_past)
    # SetTyping is throttled to ten a burst: two chats of others.
    probe("SetTyping", TYPING, lambda i: V(1, i), [club, pair], chat_past)

    # ------------------------------------------------ one found, one named
    err, res = mallory.call(RESOLVE, B(1, "alice"))
    t.eq((err, get(sub(res, 1), 1)), (0, a_id), "mallory finds alice by name")
    t.eq(seen_by(mallory, probe_ids), [a_id],
         "then GetUsers of every id finds alice and nobody else")
    t.eq(mallory.call(ADD_CONTACT, V(1, a_id))[0], 0,
         "mallory may add alice as a contact")
    for what, method, body_of in user_requests[:2]:
        probe(what + " after finding alice", method, body_of,
              [b_id, c_id, d_id], past)

    # ------------------------------------------------ legitimate paths
    everyone = [a_id, b_id, c_id, d_id, m_id]
    t.eq(seen_by(carol, everyone), [a_id, b_id, c_id],
         "carol may name the members of her group, no one else")
    t.eq(dave.call(RESOLVE, B(1, "carol"))[0], 0, "dave finds carol")
    t.eq(dave.call(SEND, V(1, c_id) + V(3, rnd()) + B(4, "hi"))[0], 0,
         "dave writes to carol")
    t.eq(seen_by(carol, everyone), [a_id, b_id, c_id, d_id],
         "carol may name dave, who wrote to her")
    t.eq(carol.call(ADD_CONTACT, V(1, d_id))[0], 0,
         "carol may add dave as a contact")
    t.eq(bob.call(RESOLVE, B(1, "dave"))[0], 0, "bob finds dave")
    secret = rnd()
    err, res = bob.call(START_SECRET, V(1, secret) + V(2, d_id) +
                        offer(d_dev))
    t.eq(err, 0, "bob offers dave a secret chat", res)
    # Secret-chat ids of others are answered as random ones.
    for what, method, body_of in (
            ("AcceptSecret", 43, lambda i: V(1, i)),
            ("DeclineSecret", 44, lambda i: V(1, i)),
            ("SendSecret", 45, lambda i: V(1, i) + V(2, rnd()) + B(3, "x")),
            ("CloseSecret", 46, lambda i: V(1, i))):
        probe(what, method, body_of, [secret], rnd())
    t.eq(seen_by(dave, everyone), [b_id, c_id, d_id],
         "dave may name bob, who offered him a secret chat")
    t.eq(alice.call(LEAVE, V(1, club))[0], 0, "alice leaves the group")
    t.eq(seen_by(alice, everyone), [a_id, b_id, c_id, m_id],
         "alice may still name the members she was shown there (and"
         " mallory, who has her as a contact)")
    t.eq(seen_by(carol, everyone), [a_id, b_id, c_id, d_id],
         "and carol may still name alice")
    t.eq(seen_by(bob, everyone), [a_id, b_id, c_id, d_id],
         "bob may name those he found")

    # ------------------------------------------------ in words, exit status
    # The real client: a number nobody has, alice's (her phone_discovery
    # is the default, contacts) and dave's (everybody, but he blocked
    # zed) give the same words and exit status.
    zed = sc.client("zed", srv)
    p = zed.run("--register", "zed")
    t.eq(p.returncode, EX_OK, "zed registers", describe(p))
    t.eq(dave.call(SET_PRIVACY, B(1, V(1, 2) + V(2, 1)))[0], 0,
         "dave lets everybody find him by phone")
    z_id, = nc.find(dave, "zed")
    t.eq(dave.call(BLOCK, V(1, z_id))[0], 0, "dave blocks zed")
    numbers = ("+15550199999", "+15550100001", "+15550100004")
    runs = [zed.run("--user", n) for n in numbers]
    said = [(q.returncode, q.stdout, q.stderr.replace(n, "NUMBER"))
            for q, n in zip(runs, numbers)]
    t.eq(said[1:], said[:1] * 2, "missing, hidden by the rule and blocked:"
         " the same words (but the number asked) and exit status",
         [describe(q) for q in runs])
    t.eq(runs[0].returncode, EX_DATAERR, "which is 65", describe(runs[0]))
    t.eq(leaks("".join(q for _, o, e in said for q in (o, e))), [],
         "and names nobody")

    # ------------------------------------------------ an old server's store
    before = {n: seen_by(d, everyone) for n, d in
              (("alice", alice), ("bob", bob), ("carol", carol),
               ("dave", dave))}
    srv.stop()
    out, why = srv.sql("DROP TABLE shown; PRAGMA user_version = 11")
    t.eq(why, "", "the store is taken back to schema 11, without shown")
    srv.start()
    out, why = srv.sql("SELECT count(*) FROM shown")
    t.ok(why == "" and int(out or 0) > 0,
         "the migration fills shown from the log", (out, why))
    after = {}
    for name in before:
        d, _ = nc.login(srv.addr, name, cls=Dev)
        after[name] = seen_by(d, everyone)
    t.eq(after, before, "every account may name the same users as before")
    t.done()
