"""Last seen, bio and forwards as sottod sends them, seen through the raw
protocol (tests/noiseclient.py), so that a hidden field is checked absent
from the bytes and not only from what sotto prints.

The owner is alice; the viewers are alice herself, bob (alice's contact),
carol (a stranger who finds her by username) and dave (blocked by alice).
For last_seen and bio: everybody, contacts, nobody, nobody with an allow
exception and everybody with a deny exception. Reciprocity: who hides
their own last seen from alice sees only the coarse value of hers. The
coarse values by age (the stored minute set back with SQL while sottod
is stopped). Online and offline pushes (Update pts 0) go to the watchers
allowed to see them and to nobody else. Bad bios are refused with their
reason. Forwards: the copy links the original sender only when the
sender's forwards rule allows the recipient; a resend makes no second
copy; a service message or a message of another chat cannot be
forwarded."""
import time

import noiseclient as nc
from noiseclient import B, V, get, sub
from sottotest import Scenario

ERR_INVAL, ERR_NOT_FOUND = -2, -12
RESOLVE, SEND, DIFF, GET_USERS, ADD_CONTACT = 20, 21, 22, 24, 26
SET_PRIVACY, BLOCK, SET_BIO, FORWARD = 51, 53, 70, 71
LAST_SEEN, BIO, FORWARDS = 3, 4, 5
EVERYBODY, CONTACTS, NOBODY = 1, 2, 3
ONLINE, OFFLINE, RECENTLY, WEEK, MONTH, LONG_AGO = 1, 2, 3, 4, 5, 6
BIO_TEXT = "tea, chess and long walks"


def rule(dev, key, value, allow=(), deny=()):
    body = V(1, key) + V(2, value)
    for a in allow:
        body += V(3, a)
    for d in deny:
        body += V(4, d)
    err, _ = dev.call(SET_PRIVACY, B(1, body))
    return err


def resolve(dev, name):
    """The User alice (or name) as dev gets it: the parsed message."""
    err, res = dev.call(RESOLVE, B(1, name))
    return sub(res, 1) if err == 0 else {"err": err}


def view(u):
    """(status, has last_seen, bio or None) of a parsed User."""
    return (get(u, 10), 11 in u,
            u[12][0].decode() if 12 in u else None)


with Scenario("server_presence") as sc:
    t = sc.t
    srv = sc.server()
    alice, alice_id, _ = nc.register(srv.addr, "alice")
    bob, bob_id, _ = nc.register(srv.addr, "bob")
    carol, carol_id, _ = nc.register(srv.addr, "carol")
    dave, dave_id, _ = nc.register(srv.addr, "dave")
    # Each finds the others by name before naming them by id.
    for who, dev in (("alice", alice), ("bob", bob), ("carol", carol),
                     ("dave", dave)):
        nc.find(dev, *(n for n in ("alice", "bob", "carol", "dave")
                       if n != who))
    t.eq(alice.call(ADD_CONTACT, V(1, bob_id))[0], 0, "alice adds bob")
    t.eq(alice.call(BLOCK, V(1, dave_id))[0], 0, "alice blocks dave")
    err, res = alice.call(SET_BIO, B(1, BIO_TEXT))
    t.eq(err, 0, "alice sets her bio")
    t.eq(view(sub(res, 1))[2], BIO_TEXT, "SetBio answers her own profile")
    viewers = {"alice": alice, "bob": bob, "carol": carol, "dave": dave}

    # -------------------------------------------------- the matrix
    # (rule, allow, deny) -> who sees last seen exactly / the bio.
    cases = [
        ("everybody", EVERYBODY, (), (), {"alice", "bob", "carol"}),
        ("contacts", CONTACTS, (), (), {"alice", "bob"}),
        ("nobody", NOBODY, (), (), {"alice"}),
        ("nobody, allow carol", NOBODY, (carol_id,), (), {"alice", "carol"}),
        ("everybody, deny bob", EVERYBODY, (), (bob_id,),
         {"alice", "carol"}),
        ("everybody, allow dave (blocked)", EVERYBODY, (dave_id,), (),
         {"alice", "bob", "carol"}),
    ]
    for what, value, allow, deny, sees in cases:
        t.eq(rule(alice, LAST_SEEN, value, allow, deny), 0,
             "last_seen " + what)
        t.eq(rule(alice, BIO, value, allow, deny), 0, "bio " + what)
        for name, dev in viewers.items():
            st, has_when, bio = view(resolve(dev, "alice"))
            if name in sees:
                t.ok(st == ONLINE and has_when,
                     "%s: %s sees alice online, with the minute" %
                     (what, name), (st, has_when))
                t.eq(bio, BIO_TEXT, "%s: %s sees the bio" % (what, name))
            else:
                want = LONG_AGO if name == "dave" else RECENTLY
                t.ok(st == want and not has_when,
                     "%s: %s gets only %s, no minute in the bytes" %
                     (what, name, "long ago" if want == LONG_AGO else
                      "recently"), (st, has_when))
                t.eq(bio, None, "%s: no bio field for %s" % (what, name))

    # The minute is to the minute: a multiple of 60, near now.
    rule(alice, LAST_SEEN, EVERYBODY)
    u = resolve(carol, "alice")
    when = get(u, 11)
    t.ok(when % 60 == 0 and abs(when - time.time()) < 120,
         "last_seen is the current minute", when)

    # Reciprocity: carol hides hers from alice, then sees only coarse.
    t.eq(rule(carol, LAST_SEEN, NOBODY), 0, "carol hides her last seen")
    t.eq(view(resolve(carol, "alice"))[:2], (RECENTLY, False),
         "who hides their own last seen sees only 'recently' of alice")
    t.eq(view(resolve(alice, "carol"))[:2], (RECENTLY, False),
         "and alice sees only 'recently' of carol")
    t.eq(rule(carol, LAST_SEEN, NOBODY, allow=(alice_id,)), 0,
         "carol lets alice alone see hers")
    t.eq(view(resolve(carol, "alice"))[0], ONLINE,
         "with alice allowed, carol sees alice exactly again")

    # -------------------------------------------------- pushes
    # bob watches alice (her contact); carol is no watcher, dave blocked.
    alice2, _ = nc.login(srv.addr, "alice")
    for d in (bob, carol, dave):
        d.pump(lambda: False, 0.5)
        d.take()
    alice.peer.close()
    time.sleep(0.5)
    bob.pump(lambda: any(40 in u for u in bob.updates), 5)
    ups = [u for u in bob.take() if 40 in u]
    t.eq(ups, [], "no push while another device of alice's is online")
    alice2.peer.close()
    bob.pump(lambda: any(40 in u for u in bob.updates), 5)
    ups = [u for u in bob.take() if 40 in u]
    st = sub(ups[0], 40) if ups else {}
    t.ok(len(ups) == 1 and get(ups[0], 1) == 0 and
         get(st, 1) == alice_id and get(st, 2) == OFFLINE and
         get(st, 3) % 60 == 0 and get(st, 3) > 0,
         "bob gets alice's offline push (pts 0, the minute)", ups)
    carol.pump(lambda: False, 1)
    dave.pump(lambda: False, 0.5)
    t.eq([u for u in carol.take() + dave.take() if 40 in u], [],
         "carol (no watcher) and dave (blocked) get no push")
    u = resolve(bob, "alice")
    t.ok(get(u, 10) == OFFLINE and get(u, 11) == get(st, 3),
         "bob then sees alice offline since that minute", u)
    alice, _ = nc.login(srv.addr, "alice")
    bob.pump(lambda: any(40 in u for u in bob.updates), 5)
    ups = [sub(u, 40) for u in bob.take() if 40 in u]
    t.ok(len(ups) == 1 and get(ups[0], 2) == ONLINE,
         "bob gets alice's online push", ups)
    t.eq(rule(alice, LAST_SEEN, EVERYBODY, deny=(bob_id,)), 0,
         "alice denies bob her last seen")
    bob.pump(lambda: any(40 in u for u in bob.updates), 5)
    ups = [sub(u, 40) for u in bob.take() if 40 in u]
    t.ok(len(ups) == 1 and get(ups[0], 2) == RECENTLY and 3 not in ups[0],
         "the rule change tells bob what he sees now: 'recently', no "
         "minute", ups)
    alice.peer.close()
    bob.pump(lambda: False, 1.5)
    t.eq([u for u in bob.take() if 40 in u], [],
         "denied, bob gets no offline push")
    t.eq(view(resolve(bob, "alice"))[:2], (RECENTLY, False),
         "and sees only 'recently'")
    alice, _ = nc.login(srv.addr, "alice")
    t.eq(rule(alice, LAST_SEEN, NOBODY), 0, "alice hides her last seen")
    alice.peer.close()

    # -------------------------------------------------- coarse by age
    for d in (bob, carol, dave):
        d.peer.close()
    srv.stop()
    now = int(time.time())
    for days, want, word in ((2, RECENTLY, "recently"),
                             (5, WEEK, "within a week"),
                             (20, MONTH, "within a month"),
                             (45, LONG_AGO, "long ago")):
        out, why = srv.sql(
            "UPDATE presence SET seen = %d WHERE user_id = %d;"
            "SELECT changes()" % ((now - days * 86400) // 60 * 60, alice_id))
        t.eq(out, "1", "alice's minute set %d days back" % days, why)
        srv.start()
        carol, _ = nc.login(srv.addr, "carol")
        t.eq(view(resolve(carol, "alice"))[:2], (want, False),
             "seen %d days ago: carol (refused) gets '%s'" % (days, word))
        carol.peer.close()
        srv.stop()
    srv.sql("DELETE FROM presence WHERE user_id = %d" % alice_id)
    srv.start()
    carol, _ = nc.login(srv.addr, "carol")
    t.eq(get(resolve(carol, "alice"), 10), LONG_AGO,
         "never seen: 'long ago'")
    carol.peer.close()

    # -------------------------------------------------- bad bios
    alice, _ = nc.login(srv.addr, "alice")
    for what, bio, why in (
            ("141 characters", "a" * 141, "longer than 140"),
            ("a line break", "one\ntwo", "control"),
            ("an escape sequence", "red\x1b[31m", "control"),
            ("U+2028", "one\u2028two", "separator"),
            ("U+2029", "one\u2029two", "separator"),
            ("a right-to-left override", "abc\u202edef", "bidirectional"),
            ("a right-to-left mark", "abc\u200fdef", "bidirectional"),
            ("an isolate", "abc\u2067def", "bidirectional")):
        err, e = alice.call(SET_BIO, B(1, bio))
        msg = e.get(2, [b""])[0].decode()
        t.ok(err == ERR_INVAL and why in msg,
             "a bio with %s is refused: %s" % (what, msg), (err, msg))
    t.eq(view(resolve(alice, "alice"))[2], BIO_TEXT,
         "a refused bio leaves the old one")
    t.eq(alice.call(SET_BIO, B(1, "\u00e9" * 140))[0], 0,
         "140 two-byte characters are a bio")
    t.eq(alice.call(SET_BIO, b"")[0], 0, "an empty bio clears it")
    t.ok(12 not in resolve(alice, "alice"), "no bio field once cleared")

    # -------------------------------------------------- forwards
    bob, _ = nc.login(srv.addr, "bob")
    carol, _ = nc.login(srv.addr, "carol")
    err, res = carol.call(SEND, V(1, alice_id) + V(3, 9001) +
                          B(4, "the original words"))
    t.eq(err, 0, "carol writes to alice")
    orig = sub(res, 1)
    src_chat, src_id = get(orig, 1), get(orig, 2)
    rid = [100]

    def forward(what, to=bob_id, chat=src_chat, mid=None, random_id=None):
        if random_id is None:
            rid[0] += 1
            random_id = rid[0]
        err, res = alice.call(FORWARD, V(1, chat) +
                              V(2, src_id if mid is None else mid) +
                              V(3, to) + V(5, random_id))
        return err, (sub(res, 1) if err == 0 else res)

    fcases = [
        ("everybody", EVERYBODY, (), (), True),
        ("contacts, bob not carol's contact", CONTACTS, (), (), False),
        ("nobody", NOBODY, (), (), False),
        ("nobody, allow bob", NOBODY, (bob_id,), (), True),
        ("everybody, deny bob", EVERYBODY, (), (bob_id,), False),
    ]
    for what, value, allow, deny, linked in fcases:
        t.eq(rule(carol, FORWARDS, value, allow, deny), 0,
             "carol's forwards: " + what)
        err, m = forward(what)
        t.eq(err, 0, "forwards: %s: alice forwards carol's message" % what,
             m)
        t.eq(m.get(5, [b""])[0].decode(), "the original words",
             "forwards: %s: the copy has the text" % what)
        t.ok(get(m, 20) == get(orig, 6) and
             m.get(22, [b""])[0].decode() == "Carol",
             "forwards: %s: the copy has the original's date and "
             "carol's name" % what, m)
        if linked:
            t.eq(get(m, 21), carol_id,
                 "forwards: %s: the copy links carol" % what)
        else:
            t.ok(21 not in m, "forwards: %s: no link in the bytes" % what,
                 m)
    carol.call(ADD_CONTACT, V(1, bob_id))
    rule(carol, FORWARDS, CONTACTS)
    t.eq(get(forward("contacts")[1], 21), carol_id,
         "forwards: contacts, bob now carol's contact: linked")
    carol.call(BLOCK, V(1, bob_id))
    rule(carol, FORWARDS, EVERYBODY)
    t.ok(21 not in forward("blocked")[1],
         "forwards: everybody, but carol blocked bob: not linked")

    # A forward of an unlinked copy stays unlinked, even to carol's friend.
    err, m = forward("again", random_id=555)
    t.eq(err, 0, "alice forwards once more (random_id 555)")
    again = forward("resend", random_id=555)[1]
    t.eq(get(again, 2), get(m, 2), "a resend with the same random_id "
         "answers the same copy (no second one)")
    copy_chat, copy_id = get(m, 1), get(m, 2)
    err, m2 = bob.call(FORWARD, V(1, copy_chat) + V(2, copy_id) +
                       V(3, alice_id) + V(5, 77))
    m2 = sub(m2, 1) if err == 0 else {}
    t.ok(err == 0 and 21 not in m2 and
         m2.get(22, [b""])[0].decode() == "Carol" and
         get(m2, 20) == get(orig, 6),
         "a forward of an unlinked copy names carol as text only, with "
         "the first original's date", m2)
    err, res = carol.call(SEND, V(1, carol_id) + V(3, 9002) + B(4, "mine"))
    t.eq(forward("someone else's chat", chat=get(sub(res, 1), 1),
                 mid=get(sub(res, 1), 2))[0], ERR_NOT_FOUND,
         "a message of a chat alice is not in: not found")
    t.eq(forward("no such message", mid=99999)[0], ERR_NOT_FOUND,
         "a message that does not exist: not found")

    # bob reads the copies back from his log: what was stored.
    err, diff = bob.call(DIFF, V(1, 0) + V(2, 1000))
    msgs = [sub(sub(u, 10), 1) for u in
            (nc.parse(x) for x in diff.get(1, [])) if 10 in u]
    fwds = [m for m in msgs if get(m, 20)]
    t.ok(len(fwds) >= len(fcases) and
         [get(m, 21) == carol_id for m in fwds[:len(fcases)]] ==
         [c[4] for c in fcases],
         "bob's log has the copies with the links as sent", fwds)
    t.ok(fwds and all(m.get(22, [b""])[0] == b"Carol" and
                      get(m, 20) == get(orig, 6) for m in fwds),
         "and each with carol's name and the original's date", fwds)
    t.done()
