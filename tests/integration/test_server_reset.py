"""A server restored from an older copy never makes a device wipe itself.

alice, bob and dave register; alice and bob hold cloud and secret history;
dave logs out (a tombstone), but a stale copy of his profile is kept. The
server is stopped and its data directory copied. Then carol registers and
talks to alice (cloud) and bob (secret), alice and bob go on, and bob signs
in a second device. The data directory is replaced by the older copy.

Then: every client still holds every message it had (cloud and secret,
read from its own database); carol and bob's second device, which the
restored server never heard of, are told so, keep their account and key,
refuse to send (carol's message stays in the outbox, exit 75) and offer
--login; bob's second device binds again with --login and keeps its
history; carol's account is not in the copy, so her --login fails and says
why, and still nothing is deleted; alice and bob, known to the copy, are
told its history is behind theirs (alice by the pts of the Welcome, bob,
whose log on the copy grew back to his pts, by the entry at his pts), and a
message sent after the restore reaches bob beside the one the server lost; the stale copy of dave's
profile, whose logout the copy remembers, ends its session as before."""
import os
import shutil

from sottotest import (EX_NOPERM, EX_OK, EX_TEMPFAIL, Scenario, describe,
                       objs)


def held(c):
    """What c's own database holds: (account, device keys, cloud texts,
    secret texts), read with sqlcipher, not through sotto."""
    acct, _ = c.sql("SELECT username FROM account")
    dev, _ = c.sql("SELECT count(*) FROM device")
    cloud, _ = c.sql("SELECT text FROM messages WHERE action = 0")
    secret, _ = c.sql("SELECT text FROM secret_messages WHERE service = 0")
    return acct, dev, sorted(cloud), sorted(secret)


def send(t, c, peer, text, what, secret=False):
    args = ["-t", peer, "-m", text] + (["--secret"] if secret else [])
    p = c.run(*args)
    t.eq(p.returncode, EX_OK, what, describe(p))


def secret_chat(t, a, b, peer_a, peer_b, what):
    p = a.run("--secret-start", peer_b, "--json")
    t.eq(p.returncode, EX_OK, what + ": --secret-start", describe(p))
    sid = (objs(p, "secret_chat") or [{}])[0].get("secret_id")
    p = b.run("--secret-accept", str(sid))
    t.eq(p.returncode, EX_OK, what + ": accepted", describe(p))


def sync(t, c, peer, what):
    """c fetches what came for it, cloud and secret."""
    for extra in ((), ("--secret",)):
        p = c.run("--history", peer, *extra)
        t.eq(p.returncode, EX_OK, what + " (%s)" % (
            "secret" if extra else "cloud"), describe(p))


def unknown(t, p, what):
    t.ok("does not know this device" in p.stderr and "--login" in p.stderr
         and "--logout" in p.stderr, what + ": told the server does not "
         "know this device, offered --login and --logout", describe(p))


def history(t, c, peer, what):
    p = c.run("--history", peer, "--json")
    t.eq(p.returncode, EX_OK, what, describe(p))
    return p, [m.get("text") for m in objs(p, "message")]


with Scenario("server_reset") as sc:
    t = sc.t
    srv = sc.server()
    alice = sc.client("alice", srv)
    bob = sc.client("bob", srv, password="bobs-password-1")
    dave = sc.client("dave", srv)
    for c in (alice, bob, dave):
        p = c.run("--register", c.name)
        t.eq(p.returncode, EX_OK, "register " + c.name, describe(p))

    send(t, alice, "@bob", "cloud-1", "alice -> bob (cloud)")
    send(t, bob, "@alice", "cloud-2", "bob -> alice (cloud)")
    secret_chat(t, alice, bob, "@alice", "@bob", "alice and bob")
    send(t, alice, "@bob", "secret-1", "alice -> bob (secret)", True)
    sync(t, bob, "@alice", "bob reads")
    send(t, bob, "@alice", "secret-2", "bob -> alice (secret)", True)

    # A stale copy of dave's profile outlives his logout.
    stale = sc.client("davestale", srv)
    shutil.rmtree(stale.xdg)
    shutil.copytree(dave.xdg, stale.xdg)
    p = dave.run("--logout")
    t.eq(p.returncode, EX_OK, "dave logs out", describe(p))

    # The older copy of the server, made while it was stopped.
    srv.stop()
    backup = os.path.join(sc.root, "backup-data")
    shutil.copytree(srv.data, backup)
    srv.start()

    carol = sc.client("carol", srv)
    p = carol.run("--register", "carol")
    t.eq(p.returncode, EX_OK, "carol registers after the copy", describe(p))
    send(t, carol, "@alice", "cloud-3", "carol -> alice (cloud)")
    send(t, alice, "@carol", "cloud-4", "alice -> carol (cloud)")
    secret_chat(t, carol, bob, "@carol", "@bob", "carol and bob")
    send(t, carol, "@bob", "secret-3", "carol -> bob (secret)", True)
    sync(t, bob, "@carol", "bob reads carol")
    send(t, bob, "@carol", "secret-4", "bob -> carol (secret)", True)
    send(t, alice, "@bob", "cloud-5", "alice -> bob after the copy")
    send(t, alice, "@bob", "secret-5", "alice -> bob (secret) after the copy",
         True)
    bob2 = sc.client("bob2", srv, password="bobs-password-1")
    p = bob2.run("--login", "bob")
    t.eq(p.returncode, EX_OK, "bob signs in a second device", describe(p))
    history(t, bob2, "@alice", "bob's second device syncs")

    clients = (alice, bob, carol, bob2)
    for c, peer in ((alice, "@bob"), (bob, "@alice"), (carol, "@bob")):
        sync(t, c, peer, c.name + " syncs before the restore")
    before = {c.name: held(c) for c in clients}
    t.eq(before["bob"][2], ["cloud-1", "cloud-2", "cloud-5"],
         "bob holds his cloud history", before["bob"])
    t.eq(before["bob"][3], ["secret-1", "secret-2", "secret-3", "secret-4",
                            "secret-5"], "and his secret history")
    t.eq(before["carol"][2:], (["cloud-3", "cloud-4"], ["secret-3",
                                                         "secret-4"]),
         "carol holds hers", before["carol"])

    # The restore: the data directory replaced by the older copy.
    srv.stop()
    shutil.rmtree(srv.data)
    shutil.copytree(backup, srv.data)
    srv.start()

    p = carol.run("--history", "@alice")
    t.eq(p.returncode, EX_NOPERM, "carol, never heard of: --history exits "
         "77", describe(p))
    unknown(t, p, "carol")
    t.eq(held(carol), before["carol"], "carol keeps her account, key and "
         "every message")
    p = carol.run("-t", "@alice", "-m", "queued-1")
    t.eq(p.returncode, EX_TEMPFAIL, "carol's send is refused and queued "
         "(75)", describe(p))
    unknown(t, p, "carol's send")
    t.ok("stays in the outbox" in p.stderr, "and says it stays in the "
         "outbox", p.stderr)
    out, why = carol.sql("SELECT text FROM outbox")
    t.eq(out, ["queued-1"], "the message waits in carol's outbox", why)
    p = carol.run("--login", "carol")
    t.eq(p.returncode, EX_NOPERM, "carol's account is not in the copy: "
         "--login fails (77)", describe(p))
    t.ok("older than this account" in p.stderr, "and says why", p.stderr)
    t.eq(held(carol), before["carol"], "still nothing of carol's deleted")

    p = bob2.run("--history", "@alice")
    t.eq(p.returncode, EX_NOPERM, "bob's second device, never heard of: "
         "77", describe(p))
    unknown(t, p, "bob's second device")
    t.eq(held(bob2), before["bob2"], "it keeps everything")
    p = bob2.run("--login", "bob")
    t.eq(p.returncode, EX_OK, "--login binds it again", describe(p))
    t.eq(held(bob2), before["bob2"], "and keeps its history")

    p, texts = history(t, alice, "@carol", "alice (known to the copy) syncs")
    t.ok("restored from an older copy" in p.stderr, "alice is told the "
         "server's history is behind hers", p.stderr)
    t.eq(held(alice), before["alice"], "alice keeps every message")

    # bob's log on the copy grows back to his pts before he connects: the
    # numbers alone show nothing, the entry at his pts does.
    send(t, alice, "@bob", "after-1", "alice -> bob after the restore")
    mine, why = bob.sql("SELECT pts FROM sync_state")
    theirs, why2 = srv.sql("SELECT max(pts) FROM updates WHERE user_id = "
                           "(SELECT id FROM users WHERE username = 'bob')")
    t.eq(mine, [theirs], "bob's pts and the copy's are the same number",
         (why, why2))
    p, texts = history(t, bob, "@alice", "bob (known to the copy) syncs")
    t.eq(sorted(texts), ["after-1", "cloud-1", "cloud-2", "cloud-5"],
         "bob got the new message and kept the one the server lost", p.stdout)
    t.eq(held(bob)[3], before["bob"][3], "and every secret message")
    with open(os.path.join(bob.profile_dir, "sotto.log")) as f:
        t.ok("restored from an older copy" in f.read(), "his log says why "
             "he read the log again")
    p, texts = history(t, bob2, "@alice", "bob's second device, bound again")
    t.ok("after-1" in texts and "cloud-5" in texts, "gets the new message "
         "too and keeps the lost one", p.stdout)

    p = stale.run("--whoami")
    t.eq(p.returncode, EX_NOPERM, "dave's stale profile, logged out before "
         "the copy: 77", describe(p))
    t.ok("logged out" in p.stderr, "it is told its session ended", p.stderr)
    acct, why = stale.sql("SELECT count(*) FROM account")
    t.eq(acct, ["0"], "and ends it as before (the account is forgotten)", why)
    t.done()
