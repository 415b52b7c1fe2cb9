"""hide_members with real processes and raw members: alice's group "Den"
with bob, carol (quiet, phone +15550000003) and dave (who writes, phone
+15550000004, shown to everybody); rex and quinn join by a link as raw
clients after alice turns hide_members on; sam is a raw stranger.

- only an admin sets it (bob: 77); everyone's chat says hide_members;
- a plain member (bob with the real client; rex raw) sees the admins and
  itself in the member list, nobody else; rex's bytes, from the join to
  a full GetDifference and the live pushes, hold neither carol's nor
  bob's username, and no member list names them; GetUsers gives rex the
  admin and dave (he wrote) but not carol, bob or quinn;
- quinn's typing and reading reach rex without quinn's id;
- joins of others are not shown to plain members; alice, the admin, sees
  every member and every join, and the phones in what she is sent
  follow each member's phone_number rule (dave's shown, carol's not);
- the stranger sam gets nothing for the group or its members;
- with hide_members off again bob sees everyone."""
import noiseclient as nc
from itest import chat_of
from sottotest import (EX_DATAERR, EX_NOPERM, EX_OK, Scenario, describe,
                       jsonl, objs)

V, B, get, sub, packed = nc.V, nc.B, nc.get, nc.sub, nc.packed
SEND, DIFF, GET_USERS, READ, TYPING, JOIN = 21, 22, 24, 30, 31, 82
ERR_NOT_FOUND = -12


class Tap(nc.Device):
    """A raw device that keeps every plaintext frame it receives."""

    def __init__(self, addr, keypair=None):
        nc.Device.__init__(self, addr, keypair)
        self.seen = []
        peer = self.peer

        def recv_frame():
            data = peer.recv_raw()
            if data is None:
                return None
            pt = peer.rx.decrypt_with_ad(b"", data)
            self.seen.append(pt)
            return nc.parse(pt)
        peer.recv_frame = recv_frame


def chats_in(msg, out):
    """Every Chat (a message with member_ids) anywhere below msg."""
    for num, vals in msg.items():
        for v in vals:
            if not isinstance(v, bytes):
                continue
            try:
                m = nc.parse(v)
            except (ValueError, IndexError):
                continue
            if 6 in m and 1 in m and 2 in m and get(m, 2) == 3:
                out.append(m)
            chats_in(m, out)
    return out


def member_lists(frames):
    lists = []
    for f in frames:
        try:
            lists += [packed(c, 6) for c in chats_in(nc.parse(f), [])]
        except (ValueError, IndexError):
            pass
    return lists


with Scenario("hide_members") as sc:
    t = sc.t
    srv = sc.server()
    cl, ids = {}, {}
    for n, phone in (("alice", ""), ("bob", ""), ("carol", "+15550000003"),
                     ("dave", "+15550000004")):
        cl[n] = sc.client(n, srv, password="%s-password-1" % n)
        args = ["--register", n, "--json"] + (["--phone", phone] if phone
                                               else [])
        p = cl[n].run(*args)
        t.eq(p.returncode, EX_OK, "register %s" % n, describe(p))
        ids[n] = jsonl(p)[0]["user_id"]
    alice, bob, carol, dave = (cl[n] for n in ("alice", "bob", "carol",
                                               "dave"))
    p = dave.run("--set-privacy", "phone_number=everybody")
    t.eq(p.returncode, EX_OK, "dave shows his phone to everybody",
         describe(p))
    p = alice.run("--create-group", "Den", "--members", "@bob,@carol,@dave",
                  "--json")
    t.eq(p.returncode, EX_OK, "alice creates Den", describe(p))
    gid = objs(p, "chat")[0]["id"]
    c = chat_of(bob, gid)
    t.ok(c is not None and "@carol" in c.get("members", []),
         "before: bob sees carol among the members", c)

    p = bob.run("--set-group", str(gid), "hide_members=on")
    t.eq(p.returncode, EX_NOPERM, "bob, a plain member, may not hide (77)",
         describe(p))
    p = alice.run("--set-group", str(gid), "hide_members=on", "--json")
    t.eq(p.returncode, EX_OK, "alice hides the members", describe(p))
    p = alice.run("--set-group", str(gid), "hide_members=on")
    t.eq(p.returncode, EX_DATAERR, "hiding twice: 65, said so", describe(p))
    p = dave.run("-t", str(gid), "-m", "dave was here")
    t.eq(p.returncode, EX_OK, "dave writes in the group", describe(p))

    link = alice.run("--invite-link", str(gid)).stdout.strip()
    rex, rex_id, _ = nc.register(srv.addr, "rex", cls=Tap)
    quinn, quinn_id, _ = nc.register(srv.addr, "quinn", cls=Tap)
    sam, sam_id, _ = nc.register(srv.addr, "sam", cls=Tap)
    err, res = rex.call(JOIN, B(1, link))
    t.eq(err, 0, "rex joins by the link", err)
    jc = sub(res, 2) or {}
    t.eq(sorted(packed(jc, 6)), sorted([ids["alice"], rex_id]),
         "rex's join answer lists the admin and rex only", jc)
    t.eq(get(jc, 10), 1, "the chat says hide_members", jc)
    err, res = quinn.call(JOIN, B(1, link))
    t.eq(err, 0, "quinn joins by the link", err)

    # ------------------------------------------------------------ typing, read
    err, _ = quinn.call(TYPING, V(1, gid))
    t.eq(err, 0, "quinn types", err)
    err, _ = quinn.call(READ, V(1, gid) + V(2, 1000))
    t.eq(err, 0, "quinn reads the group", err)
    rex.pump(lambda: False, timeout=1.0)
    got = rex.take()
    typing = [sub(u, 16) for u in got if 16 in u]
    reads = [sub(u, 14) for u in got if 14 in u]
    t.ok(all(get(ty, 2) != quinn_id for ty in typing),
         "quinn's typing does not name quinn to rex", typing)
    t.ok(reads and all(get(ro, 3) != quinn_id for ro in reads),
         "rex learns his messages' chat was read, not by whom", reads)

    # ------------------------------------------------------------ the bytes
    err, diff = rex.call(DIFF, V(1, 0) + V(2, 1000))
    t.eq(err, 0, "rex asks for his whole log", err)
    err, diff2 = rex.call(DIFF, V(1, 0) + V(2, 1000) + V(3, 1))
    t.eq(err, 0, "and for it compact", err)
    blob = b"".join(rex.seen)
    for n in ("carol", "bob"):
        t.ok(n.encode() not in blob, "no frame rex got names %s" % n)
    t.ok(b"+15550000003" not in blob, "nor carol's phone")
    lists = member_lists(rex.seen)
    t.ok(lists, "rex got member lists to look at", len(lists))
    for who in ("carol", "bob", "dave"):
        t.ok(all(ids[who] not in m for m in lists),
             "no member list rex got holds %s's id" % who, lists)
    t.ok(all(quinn_id not in m for m in lists),
         "nor quinn's", lists)
    err, res = rex.call(GET_USERS, b"".join(
        V(1, i) for i in (ids["alice"], ids["bob"], ids["carol"],
                          ids["dave"], quinn_id)))
    got = sorted(get(nc.parse(u), 1) for u in res.get(1, []))
    t.eq(got, sorted([ids["alice"], ids["dave"]]),
         "GetUsers: rex may address the admin and dave (who wrote), not "
         "carol, bob or quinn")
    t.ok(b"dave" in b"".join(rex.seen),
         "dave, who wrote, is known to rex through his message")

    # ------------------------------------------------------------ a member
    c = chat_of(bob, gid)
    t.eq(c and sorted(c.get("members", [])), ["@alice", "@bob"],
         "bob (plain member) sees the admin and himself", c)
    p = bob.run("--history", str(gid), "--json")
    acts = [m.get("action") for m in objs(p, "message")]
    t.ok("joined" not in acts, "bob is not shown the joins", acts)
    t.ok("changed" in acts, "bob is shown the setting", acts)

    # ------------------------------------------------------------ the admin
    c = chat_of(alice, gid)
    t.eq(c and sorted(c.get("members", [])),
         ["@alice", "@bob", "@carol", "@dave", "@quinn", "@rex"],
         "alice (admin) sees every member", c)
    p = alice.run("--history", str(gid), "--json")
    joins = [m.get("from") for m in objs(p, "message")
             if m.get("action") == "joined"]
    t.eq(sorted(joins), ["@quinn", "@rex"], "alice sees both joins", joins)
    phones, err = alice.sql("SELECT id || '=' || phone FROM users "
                            "WHERE id IN (%d, %d)" % (ids["carol"],
                                                      ids["dave"]))
    t.ok("%d=+15550000004" % ids["dave"] in phones,
         "dave's phone reaches alice (his rule: everybody)", phones)
    t.ok("%d=" % ids["carol"] in phones and
         "+15550000003" not in " ".join(phones),
         "carol's does not (her rule: contacts)", phones)

    # ------------------------------------------------------------ a stranger
    err, res = sam.call(GET_USERS, b"".join(
        V(1, i) for i in (ids["alice"], ids["carol"], ids["dave"], rex_id)))
    t.eq(res.get(1, []), [], "sam, a stranger, addresses none of them")
    err, _ = sam.call(SEND, V(2, gid) + V(3, 77) + B(4, "let me in"))
    t.eq(err, ERR_NOT_FOUND, "sam's send to the group: no such chat", err)
    sblob = b"".join(sam.seen)
    t.ok(b"carol" not in sblob and b"Den" not in sblob,
         "nothing sam got names the group or carol")
    eve = sc.client("eve", srv)
    p = eve.run("--register", "eve")
    t.eq(p.returncode, EX_OK, "register eve", describe(p))
    p = eve.run("--history", str(gid))
    t.eq(p.returncode, EX_DATAERR, "eve (a stranger) has no such chat (65)",
         describe(p))

    # ------------------------------------------------------------ off again
    p = alice.run("--set-group", str(gid), "hide_members=off")
    t.eq(p.returncode, EX_OK, "alice shows the members again", describe(p))
    c = chat_of(bob, gid)
    t.ok(c is not None and "@carol" in c.get("members", []) and
         "@rex" in c.get("members", []),
         "after: bob sees carol and rex again", c)
    for d in (rex, quinn, sam):
        d.peer.close()
    t.done()
