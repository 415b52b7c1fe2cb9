"""Secret chats with real sottod and sotto processes: alice starts one with
bob, who has two devices; bob accepts on one, the other drops the request;
messages both ways while the other side is offline (every run is a
separate process); the same fingerprint on both sides; a send without an
active chat refused with 65; a self-destruct timer set (a service message
on both sides) that deletes a read message on both sides; close wipes both
sides; no queue entry left on the server, and neither message text nor
a private key in the server's database."""
import os
import time

from itest import listen, printed, registered, secret_list, sign_in, stop, \
    swap_device_keys, wait_for_ctl
from sottotest import EX_DATAERR, EX_OK, EX_USAGE, Scenario, describe, objs


def history(t, c, peer, what, limit=1000):
    args = ["--history", peer, "--secret", "--json"]
    if limit is not None:
        args += ["--limit", str(limit)]
    p = c.run(*args)
    t.eq(p.returncode, EX_OK, what + ": --history %s --secret" % peer,
         describe(p))
    return objs(p, "secret_message")


with Scenario("secret") as sc:
    t = sc.t
    srv = sc.server()
    alice = registered(sc, srv, "alice")
    bob1 = registered(sc, srv, "bob", "bob1", password="bobs-password-1")
    bob2 = sc.client("bob2", srv, password="bobs-password-1")
    sign_in(t, (bob2, ("--login", "bob")))
    # --register and --login publish the new device's prekeys: bob's
    # devices run nothing else before alice asks.
    t.eq(secret_list(t, alice, "alice"), [], "alice has no secret chat")

    # Usage: --ttl bounds and where --secret and --ttl go (64).
    for args in (("--secret-start", "@bob", "--ttl", "604801"),
                 ("--secret-start", "@bob", "--ttl", "soon"),
                 ("-t", "@bob", "-m", "x", "--ttl", "5"),
                 ("--list-chats", "--secret"),
                 ("--secret-ttl", "@bob"),
                 ("--secret-accept", "x1")):
        p = alice.run(*args)
        t.eq(p.returncode, EX_USAGE, "usage: %s" % " ".join(args), describe(p))
    p = alice.run("--secret-start", "me")
    t.eq(p.returncode, EX_DATAERR, "no secret chat with oneself", describe(p))

    # No chat yet: a secret send is refused with 65 and says why.
    p = alice.run("-t", "@bob", "--secret", "-m", "too early")
    t.eq(p.returncode, EX_DATAERR, "a secret send without a chat", describe(p))
    t.ok("no active secret chat" in p.stderr, "it says why", p.stderr)

    # alice asks; both of bob's devices get the request.
    p = alice.run("--secret-start", "@bob", "--json")
    t.eq(p.returncode, EX_OK, "alice --secret-start @bob", describe(p))
    started = objs(p, "secret_chat")
    t.ok(len(started) == 2 and
         all(c.get("state") == "pending-out" for c in started),
         "a pending-out chat with each of bob's two devices", started)
    sid = started[0].get("secret_id") if started else 0
    bob_devs = sorted(c.get("peer_device") for c in started)

    # Prekeys: 100 one-time prekeys per device on the server (minus the
    # one alice's request took), refilled when fewer than 20 are left.
    out, why = srv.sql("SELECT count(*) FROM opks WHERE device_id = %d"
                        % bob_devs[-1])
    t.eq(out, "99", "bob's device has 99 one-time prekeys left", why)
    srv.stop()
    srv.sql("DELETE FROM opks WHERE device_id = %d AND id > 10"
             % bob_devs[-1])
    srv.start()
    # The signed prekey of a week ago is replaced on the next connect, and
    # the old one still answers the request made with it.
    for c in (bob1, bob2):
        got, why = c.sql("UPDATE secret_spk SET created = "
                                "created - 8 * 86400; SELECT count(*) "
                                "FROM secret_spk")
        t.eq(got, ["1"], "%s's signed prekey made 8 days old" % c.name, why)

    l1 = secret_list(t, bob1, "bob1")
    l2 = secret_list(t, bob2, "bob2")
    t.eq([(c.get("secret_id"), c.get("state"), c.get("peer")) for c in l1],
         [(sid, "pending-in", "@alice")], "bob1 sees the request")
    t.eq([(c.get("secret_id"), c.get("state")) for c in l2],
         [(sid, "pending-in")], "bob2 sees the request")
    out, why = srv.sql("SELECT count(*) FROM opks WHERE device_id = %d"
                        % bob_devs[-1])
    t.eq(out, "100", "the pool was refilled to 100 on connect", why)
    for c in (bob1, bob2):
        got, why = c.sql("SELECT count(*) FROM secret_spk")
        t.eq(got, ["2"], "%s has a new signed prekey and keeps the old one"
             % c.name, why)
    out, why = srv.sql("SELECT spk_id FROM prekeys WHERE device_id "
                        "IN (%d, %d)" % tuple(bob_devs))
    t.eq(out.split(), ["2", "2"], "the server has the new ones", why)

    # bob accepts on his first device (with the old signed prekey); the
    # second one drops the request.
    p = bob1.run("--secret-accept", str(sid), "--json")
    t.eq(p.returncode, EX_OK, "bob1 --secret-accept", describe(p))
    t.eq([c.get("state") for c in objs(p, "secret_chat")], ["active"],
         "bob1's chat is active")
    t.eq(secret_list(t, bob2, "bob2 after the accept"), [],
         "bob2 dropped the request")
    p = bob2.run("--secret-accept", str(sid))
    t.eq(p.returncode, EX_DATAERR, "bob2 cannot accept any more", describe(p))

    # Messages both ways; the receiver is offline when each is sent.
    p = alice.run("-t", "@bob", "--secret", "-m", "meet at the old mill")
    t.eq(p.returncode, EX_OK, "alice sends a secret message", describe(p))
    l = secret_list(t, alice, "alice")
    t.eq([(c.get("secret_id"), c.get("state")) for c in l],
         [(sid, "active")], "alice keeps one session, for bob1 alone")
    got = history(t, bob1, "@alice", "bob1")
    t.eq([(m.get("text"), m.get("out")) for m in got],
         [("meet at the old mill", False)], "bob1 decrypted it")
    p = bob1.run("-t", "@alice", "--secret", "-m", "ok, at nine\nbring a torch")
    t.eq(p.returncode, EX_OK, "bob1 replies", describe(p))
    p = bob1.run("-t", "@alice", "--secret", "-m", "\u00e7a marche \u2014 \u79d8\u5bc6")
    t.eq(p.returncode, EX_OK, "bob1 replies again", describe(p))
    got = history(t, alice, "@bob", "alice")
    t.eq([(m.get("text"), m.get("out")) for m in got],
         [("meet at the old mill", True), ("ok, at nine\nbring a torch", False),
          ("\u00e7a marche \u2014 \u79d8\u5bc6", False)],
         "alice has the whole conversation in order")
    p = bob2.run("-t", "@alice", "--secret", "-m", "from the other device")
    t.eq(p.returncode, EX_DATAERR, "bob2 has no session", describe(p))
    p = bob2.run("--history", "@alice", "--secret")
    t.eq(p.returncode, EX_DATAERR, "bob2 has no history either", describe(p))

    # More than a page of the queue (100) while bob1 is offline: all of
    # it arrives, in order, once.
    t0 = time.time()
    bad = 0
    for i in range(105):
        p = alice.run("-t", "@bob", "--secret", "-m", "page %03d" % i)
        bad += p.returncode != EX_OK
    t.eq(bad, 0, "alice sent 105 secret messages (%.1f s)" % (time.time() - t0))
    got = [m.get("text") for m in history(t, bob1, "@alice", "bob1 pages")
           if m.get("text", "").startswith("page ")]
    t.eq(got, ["page %03d" % i for i in range(105)],
         "bob1 got all 105 across two queue pages, in order, once")
    got = [m.get("text") for m in history(t, bob1, "@alice", "limit", 3)]
    t.eq(got, ["page 102", "page 103", "page 104"],
         "--limit 3 shows the newest three, oldest first")
    got = history(t, bob1, "@alice", "default limit", None)
    t.eq(len(got), 100, "100 by default")

    # The same fingerprint on both sides.
    pa = alice.run("--secret-fingerprint", "@bob", "--json")
    pb = bob1.run("--secret-fingerprint", "@alice", "--json")
    t.eq(pa.returncode, EX_OK, "alice's fingerprint", describe(pa))
    t.eq(pb.returncode, EX_OK, "bob's fingerprint", describe(pb))
    fa = objs(pa, "secret_fingerprint")
    fb = objs(pb, "secret_fingerprint")
    t.ok(fa and fb and fa[0].get("hex") == fb[0].get("hex") and
         len(fa[0].get("hex", "")) == 79 and
         fa[0].get("emoji") == fb[0].get("emoji"),
         "both devices show the same fingerprint", (fa, fb))
    p = alice.run("--secret-fingerprint", "@bob")
    t.ok(p.returncode == EX_OK and fa and fa[0].get("hex") in p.stdout,
         "the text form shows the hex groups", describe(p))
    cfg = os.path.join(os.environ.get("SOTTO_BUILDDIR", "."), "config.h")
    if os.path.exists(cfg) and "HAVE_QRENCODE 1" in open(cfg).read():
        qr = [x for x in p.stdout.splitlines() if "\u2588\u2588" in x]
        t.ok(len(qr) >= 12 and len(set(len(x) for x in qr)) == 1,
             "with libqrencode, a QR code follows (square, every row as "
             "wide)", p.stdout)

    # Self-destruct: a 2-second timer, a service message on both sides.
    p = alice.run("--secret-ttl", "@bob", "--ttl", "2")
    t.eq(p.returncode, EX_OK, "alice sets a 2 s timer", describe(p))
    p = alice.run("-t", "@bob", "--secret", "-m", "burn after reading")
    t.eq(p.returncode, EX_OK, "alice sends a timed message", describe(p))
    got = history(t, bob1, "@alice", "bob1 reads")
    t.ok(any(m.get("service") and "2 s" in m.get("text", "") for m in got),
         "bob sees the timer change", got)
    timed = [m for m in got if m.get("text") == "burn after reading"]
    t.ok(len(timed) == 1 and timed[0].get("ttl") == 2,
         "bob has the timed message with its ttl", got)
    time.sleep(3.5)
    got = history(t, bob1, "@alice", "bob1 later")
    t.ok(not any(m.get("text") == "burn after reading" for m in got),
         "it self-destructed on bob's side", got)
    t.ok(any(m.get("text") == "meet at the old mill" for m in got),
         "untimed messages stay", got)
    got = history(t, alice, "@bob", "alice later")
    t.ok(not any(m.get("text") == "burn after reading" for m in got),
         "it self-destructed on alice's side (the read receipt came)", got)
    t.ok(any(m.get("service") for m in got), "alice has the service message",
         got)

    # bob1 listens: a message arrives live, is printed (so read), and its
    # own 2-second timer (--ttl on the send) deletes it while --listen runs.
    listen_proc, lines = listen(bob1)
    wait_for_ctl(bob1)
    p = alice.run("--secret-ttl", "@bob", "--ttl", "0")
    t.eq(p.returncode, EX_OK, "alice turns the chat timer off", describe(p))
    p = alice.run("-t", "@bob", "--secret", "--ttl", "2", "-m", "live one")
    t.eq(p.returncode, EX_OK, "alice sends with its own 2 s timer", describe(p))

    def live():
        return printed(lines, "secret_message")

    end = time.time() + 20
    while not any(m.get("text") == "live one" for m in live()) and \
            time.time() < end:
        time.sleep(0.05)
    got = [m for m in live() if m.get("text") == "live one"]
    t.ok(len(got) == 1 and got[0].get("ttl") == 2 and not got[0].get("out"),
         "--listen printed the secret message once, with its timer", live())
    got = history(t, bob1, "@alice", "bob1 through --listen")
    t.ok(any(m.get("text") == "live one" and m.get("expires_at", 0) > 0
             for m in got), "printed by --listen counts as read", got)
    time.sleep(3)
    got = history(t, bob1, "@alice", "bob1 through --listen, later")
    t.ok(not any(m.get("text") == "live one" for m in got),
         "--listen's timer deleted it", got)
    rc = stop(listen_proc)
    t.eq(rc, 0, "--listen exits 0 on SIGTERM", listen_proc.stderr.read())
    got = history(t, alice, "@bob", "alice after the live one")
    t.ok(not any(m.get("text") == "live one" for m in got),
         "alice deleted it too", got)

    # Close wipes both sides; a running --listen on bob1 hears of it.
    listen_proc, lines = listen(bob1)
    wait_for_ctl(bob1)
    p = alice.run("--secret-close", "@bob")
    t.eq(p.returncode, EX_OK, "alice closes", describe(p))

    def closed():
        return printed(lines, "secret_closed")

    end = time.time() + 20
    while not closed() and time.time() < end:
        time.sleep(0.05)
    t.eq([c.get("secret_id") for c in closed()], [sid],
         "--listen printed that the chat was closed")
    stop(listen_proc)
    t.eq(secret_list(t, alice, "alice after close"), [], "alice wiped it")
    t.eq(secret_list(t, bob1, "bob1 after close"), [], "bob1 wiped it")
    p = bob1.run("--history", "@alice", "--secret")
    t.eq(p.returncode, EX_DATAERR, "no secret history left on bob1",
         describe(p))

    # A declined request is gone on every device.
    p = alice.run("--secret-start", "@bob", "--json")
    t.eq(p.returncode, EX_OK, "alice asks again", describe(p))
    sid3 = (objs(p, "secret_chat") or [{}])[0].get("secret_id")
    p = bob2.run("--secret-decline", str(sid3))
    t.eq(p.returncode, EX_OK, "bob2 declines", describe(p))
    t.eq(secret_list(t, alice, "alice after the decline"), [],
         "alice's request is gone")
    t.eq(secret_list(t, bob1, "bob1 after the decline"), [],
         "bob1's copy of the request is gone")
    t.eq(secret_list(t, bob2, "bob2 after the decline"), [],
         "bob2 keeps nothing")

    # The server: no queue entry left, no plaintext, no private key.
    out, why = srv.sql("SELECT count(*) FROM secret_queue")
    t.eq(out, "0", "no secret queue entry remains on the server", why)
    dump, err = srv.dump()
    t.ok(b"CREATE TABLE" in dump, "the server's database was read", err)
    for text in ("meet at the old mill", "bring a torch", "burn after reading",
                 "\u79d8\u5bc6"):
        t.ok(text.encode() not in dump and
             text.encode().hex().upper().encode() not in dump.upper(),
             "no plaintext %r on the server" % text)
    privs, pubs = [], []
    for c in (alice, bob1, bob2):
        got, why = c.sql("SELECT hex(sk) FROM secret_identity; "
                                "SELECT hex(priv) FROM secret_spk; "
                                "SELECT hex(priv) FROM secret_opk")
        t.ok(len(got) >= 3, "%s's private keys read from its profile"
             % c.name, why)
        privs += got
        got, why = c.sql("SELECT hex(pub) FROM secret_identity")
        pubs += got
    # The identity key's 64 bytes are seed || public key: look for the seed.
    privs = [h[:64] for h in privs]
    t.ok(pubs and all(h.encode() in dump.upper() for h in pubs),
         "the server holds the public identity keys (the grep can see keys)",
         pubs)
    t.ok(privs and not any(h.encode() in dump.upper() for h in privs),
         "no private key of any device on the server (%d checked)"
         % len(privs))

    # A peer device whose identity key changes (here: a server that swaps
    # bob1's published keys for its own) is a loud warning, and the old
    # chat is closed on both sides, never silently re-keyed.
    p = alice.run("--secret-start", "@bob", "--json")
    sid2 = (objs(p, "secret_chat") or [{}])[0].get("secret_id")
    t.eq(p.returncode, EX_OK, "alice starts a second chat", describe(p))
    p = bob1.run("--secret-accept", str(sid2))
    t.eq(p.returncode, EX_OK, "bob1 accepts it", describe(p))
    l = secret_list(t, alice, "alice, second chat")
    t.eq([c.get("state") for c in l], ["active"], "the second chat is active")
    b1_dev = l[0].get("peer_device") if l else 0
    out, why = swap_device_keys(srv, b1_dev, "; SELECT changes()")
    t.ok(not why, "the server's copy of bob1's keys replaced", why)
    p = alice.run("--secret-start", "@bob", "--json")
    t.eq(p.returncode, EX_OK, "alice starts again", describe(p))
    t.ok("WARNING" in p.stderr and "CHANGED" in p.stderr and
         str(sid2) in p.stderr, "a loud warning names the closed chat",
         describe(p))
    l = secret_list(t, alice, "alice after the key change")
    t.ok(sid2 not in [c.get("secret_id") for c in l] and
         "active" not in [c.get("state") for c in l],
         "alice closed the old chat", l)
    l = secret_list(t, bob1, "bob1 after the key change")
    t.ok(sid2 not in [c.get("secret_id") for c in l],
         "bob1's side of the old chat was closed too", l)
    p = alice.run("-t", "@bob", "--secret", "-m", "still there?")
    t.eq(p.returncode, EX_DATAERR, "no silent re-key: nothing to send on",
         describe(p))
    t.done()
