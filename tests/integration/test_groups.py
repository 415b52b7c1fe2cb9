"""Groups, edits, deletes, read state and contacts with real processes:
alice on two devices, bob and carol.

- a group of three: created by alice, every member's devices get every
  message, once, in the same order; members added, removed and the group
  renamed, each shown as a service message; a removed member gets nothing
  after the removal; a non-admin may not add members (77); a group id one
  is not in is refused (65);
- an edit reaches every device of every member; a delete for everyone
  removes the message on every device; a delete for me only on the
  deleter's own devices;
- read state: bob reads, alice's devices see their messages read; bob's
  unread count drops to 0 on his side;
- contacts: add, list, remove, on both of alice's devices."""
from itest import chat_of, sign_in
from sottotest import EX_DATAERR, EX_NOPERM, EX_OK, Scenario, describe, objs


def history(t, client, peer, what):
    p = client.run("--history", peer, "--json")
    t.eq(p.returncode, EX_OK, "%s: --history %s" % (what, peer), describe(p))
    return objs(p, "message")


def plain(msgs):
    """The texts of the ordinary (non-service) messages."""
    return [m.get("text") for m in msgs if not m.get("action")]


with Scenario("groups") as sc:
    t = sc.t
    srv = sc.server()
    a1 = sc.client("alice1", srv)
    a2 = sc.client("alice2", srv)
    bob = sc.client("bob", srv, password="bobs-password-1")
    carol = sc.client("carol", srv, password="carols-password-1")
    dave = sc.client("dave", srv, password="daves-password-1")
    sign_in(t, (a1, ("--register", "alice")), (a2, ("--login", "alice")),
               (bob, ("--register", "bob")),
               (carol, ("--register", "carol")),
               (dave, ("--register", "dave")))

    # ------------------------------------------------------------ a group
    p = a1.run("--create-group", "Trip", "--members", "@bob,@carol", "--json")
    t.eq(p.returncode, EX_OK, "alice creates a group with bob and carol",
         describe(p))
    made = objs(p, "chat")
    gid = made[0].get("id") if made else None
    t.ok(isinstance(gid, int) and gid > 0, "--create-group prints the chat",
         describe(p))
    gpeer = str(gid)

    sent = []
    for who, text in ((a1, "alice 1"), (bob, "bob 1"), (carol, "carol 1"),
                      (a2, "alice 2 from her second device"), (bob, "bob 2")):
        p = who.run("-t", gpeer, "-m", text)
        t.eq(p.returncode, EX_OK, "%r is sent to the group" % text,
             describe(p))
        sent.append(text)
    views = {}
    for name, c in (("alice1", a1), ("alice2", a2), ("bob", bob),
                    ("carol", carol)):
        views[name] = history(t, c, gpeer, name)
        t.eq(plain(views[name]), sent,
             "%s has every group message once, in order" % name)
    ids = [[m.get("id") for m in v] for v in views.values()]
    t.ok(all(i == ids[0] for i in ids), "every device sees the same ids",
         ids)
    t.ok(any(m.get("action") for m in views["bob"]),
         "the creation shows as a service message", views["bob"][:2])
    c = chat_of(bob, gid)
    t.ok(c is not None and c.get("kind") == "group" and
         c.get("title") == "Trip", "bob's chat list has the group", c)

    # A non-member cannot write to it, nor may a non-admin add members.
    p = dave.run("-t", gpeer, "-m", "let me in")
    t.eq(p.returncode, EX_DATAERR, "a group dave is not in is refused (65)",
         describe(p))
    t.ok("Traceback" not in p.stderr and p.stderr.strip(),
         "with a message saying why", describe(p))
    p = bob.run("--add-member", gpeer, "@dave")
    t.eq(p.returncode, EX_NOPERM, "bob (not an admin) may not add dave (77)",
         describe(p))
    t.ok("let me in" not in plain(history(t, carol, gpeer, "carol")),
         "nothing of dave's reached the group")

    # Admin changes: add dave, rename, remove carol.
    p = a1.run("--add-member", gpeer, "@dave")
    t.eq(p.returncode, EX_OK, "alice adds dave", describe(p))
    p = dave.run("-t", gpeer, "-m", "dave here")
    t.eq(p.returncode, EX_OK, "dave can now write", describe(p))
    p = a2.run("--rename-group", gpeer, "Trip 2027")
    t.eq(p.returncode, EX_OK, "alice renames the group from device 2",
         describe(p))
    p = a1.run("--remove-member", gpeer, "@carol")
    t.eq(p.returncode, EX_OK, "alice removes carol", describe(p))
    p = bob.run("-t", gpeer, "-m", "after carol left")
    t.eq(p.returncode, EX_OK, "bob writes after the removal", describe(p))
    got = plain(history(t, carol, gpeer, "carol"))
    t.ok("dave here" in got and "after carol left" not in got,
         "carol got what came before her removal and nothing after", got)
    p = carol.run("-t", gpeer, "-m", "still here?")
    t.eq(p.returncode, EX_DATAERR, "carol can no longer write (65)",
         describe(p))
    c = chat_of(dave, gid)
    t.ok(c is not None and c.get("title") == "Trip 2027",
         "the new title reached dave", c)
    got = history(t, a1, gpeer, "alice1")
    t.ok(sum(1 for m in got if m.get("action")) >= 4,
         "created, added, renamed and removed show as service messages",
         [m for m in got if m.get("action")])
    p = dave.run("--leave", gpeer)
    t.eq(p.returncode, EX_OK, "dave leaves", describe(p))
    p = dave.run("-t", gpeer, "-m", "gone")
    t.eq(p.returncode, EX_DATAERR, "and cannot write any more (65)",
         describe(p))

    # ------------------------------------------------------ edit, delete
    p = a1.run("-t", "@bob", "-m", "see you at 5", "--json")
    t.eq(p.returncode, EX_OK, "alice writes to bob", describe(p))
    m = objs(p, "message")
    mid = m[0].get("id") if m else None
    t.ok(isinstance(mid, int), "the send prints the message with its id",
         describe(p))
    p = a1.run("--edit", str(mid), "-t", "@bob", "-m", "see you at 6")
    t.eq(p.returncode, EX_OK, "alice edits it", describe(p))
    for name, c, peer in (("bob", bob, "@alice"), ("alice2", a2, "@bob"),
                          ("alice1", a1, "@bob")):
        got = [x for x in history(t, c, peer, name) if x.get("id") == mid]
        t.ok(len(got) == 1 and got[0].get("text") == "see you at 6" and
             got[0].get("edit_date"), "%s sees the edit" % name, got)
    p = bob.run("--edit", str(mid), "-t", "@alice", "-m", "hijacked")
    t.eq(p.returncode, EX_NOPERM, "bob may not edit alice's message (77)",
         describe(p))

    p = a1.run("-t", "@bob", "-m", "oops, wrong chat", "--json")
    m = objs(p, "message")
    oops = m[0].get("id") if m else None
    p = a2.run("--delete", str(oops), "-t", "@bob", "--for-everyone")
    t.eq(p.returncode, EX_OK, "alice deletes it for everyone from device 2",
         describe(p))
    for name, c, peer in (("bob", bob, "@alice"), ("alice1", a1, "@bob"),
                          ("alice2", a2, "@bob")):
        got = [x.get("text") for x in history(t, c, peer, name)]
        t.ok("oops, wrong chat" not in got and "see you at 6" in got,
             "%s no longer has the deleted message" % name, got)

    p = bob.run("-t", "@alice", "-m", "only alice forgets this", "--json")
    m = objs(p, "message")
    forget = m[0].get("id") if m else None
    p = a1.run("--delete", str(forget), "-t", "@bob")
    t.eq(p.returncode, EX_OK, "alice deletes bob's message for herself",
         describe(p))
    got = [x.get("text") for x in history(t, a2, "@bob", "alice2")]
    t.ok("only alice forgets this" not in got,
         "gone from alice's other device too", got)
    got = [x.get("text") for x in history(t, bob, "@alice", "bob")]
    t.ok("only alice forgets this" in got, "but bob still has it", got)

    # ------------------------------------------------------- read state
    p = a1.run("-t", "@bob", "-m", "are you there?")
    t.eq(p.returncode, EX_OK, "alice asks", describe(p))
    p = bob.run("--list-chats", "--json")
    pc = [x for x in objs(p, "chat") if x.get("peer") == "@alice"]
    t.ok(pc and pc[0].get("unread", 0) >= 1,
         "bob's chat with alice shows unread messages", pc)
    got = history(t, a2, "@bob", "alice2")
    mine = [x for x in got if x.get("out")]
    t.ok(mine and not mine[-1].get("read"),
         "alice's last message is not read yet", mine[-1:])
    p = bob.run("--mark-read", "@alice")
    t.eq(p.returncode, EX_OK, "bob marks the chat read", describe(p))
    p = bob.run("--list-chats", "--json")
    pc = [x for x in objs(p, "chat") if x.get("peer") == "@alice"]
    t.ok(pc and pc[0].get("unread") == 0, "bob's unread count is 0", pc)
    for name, c in (("alice1", a1), ("alice2", a2)):
        got = history(t, c, "@bob", name)
        mine = [x for x in got if x.get("out")]
        t.ok(mine and all(x.get("read") for x in mine),
             "%s sees her messages read" % name, mine[-2:])

    # ---------------------------------------------------------- contacts
    p = a1.run("--add-contact", "@bob")
    t.eq(p.returncode, EX_OK, "alice adds bob as a contact", describe(p))
    p = a2.run("--contacts", "--json")
    t.eq([u.get("username") for u in objs(p, "user")], ["bob"],
         "alice's other device lists bob", describe(p))
    p = a2.run("--remove-contact", "@bob")
    t.eq(p.returncode, EX_OK, "and removes him there", describe(p))
    p = a1.run("--contacts", "--json")
    t.eq(objs(p, "user"), [], "the removal reached device 1", describe(p))
    p = a1.run("--add-contact", "@no_such_user")
    t.eq(p.returncode, EX_DATAERR, "an unknown user cannot be added (65)",
         describe(p))
    t.done()
