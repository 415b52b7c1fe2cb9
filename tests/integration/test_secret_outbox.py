"""The secret outbox, with real sottod and sotto processes:

- sottod killed after the chat is established: alice's secret message is
  encrypted, stored and queued (exit 75, "queued" in her history); the
  server restarted on the same data and port, her next run of an
  unrelated command (--secret-list) delivers it, and bob has it once;
- the message whose first send was lost leaves no gap in the ratchet:
  replies and further messages both ways decrypt;
- several queued messages, some while sottod is down and some while it
  is frozen (SIGSTOP), arrive in order, once, and before what the next
  run sends itself; --listen sends what waits as well;
- the same envelope sent twice (a copy of alice's profile taken before
  the server's acknowledgement was recorded, run after the original
  delivered it) reaches bob once, and the copy's outbox empties;
- alice killed with SIGKILL at different moments of a send: what she
  stored reaches bob exactly once after her next run, what she did not
  store never, and the ratchets stay in step;
- a refusal for good (a block) marks the message failed, for a send
  and for a message queued earlier; what follows still decrypts;
- a chat whose peer device was removed (bob logged out) answers the send
  with ERR_NOT_FOUND: alice's chat is closed with a clear message, exit 65;
- after --secret-close, a new chat with a changed identity key for the
  same peer device is still a loud warning."""
import shutil
import signal
import subprocess
import time

import sottotest
from itest import listen, sign_in, swap_device_keys
from sottotest import (EX_DATAERR, EX_OK, EX_TEMPFAIL, Scenario, describe,
                       objs)


def queued(c):
    got, why = c.sql("SELECT count(*) FROM secret_outbox")
    return got[0] if got else why


def history(t, c, peer, what):
    p = c.run("--history", peer, "--secret", "--json", "--limit", "1000")
    t.eq(p.returncode, EX_OK, what + ": --history %s --secret" % peer,
         describe(p))
    return objs(p, "secret_message")


def texts(msgs, out=None):
    return [m.get("text") for m in msgs
            if not m.get("service") and (out is None or m.get("out") == out)]


with Scenario("secret-outbox") as sc:
    t = sc.t
    srv = sc.server()
    alice = sc.client("alice", srv)

    def queue_while_server_down(text):
        """sottod killed, alice's secret message text is queued (75)."""
        srv.stop(signal.SIGKILL)
        p = alice.run("--timeout", "2", "-t", "@bob", "--secret", "-m", text)
        t.eq(p.returncode, EX_TEMPFAIL, "queued while the server is down",
             describe(p))

    bob = sc.client("bob", srv, password="bobs-password-1")
    # bob's second device stays out of the chat until (f).
    bob2 = sc.client("bob2", srv, password="bobs-password-1")
    sign_in(t, (alice, ("--register", "alice")),
               (bob, ("--register", "bob")),
               (bob2, ("--login", "bob")))
    p = alice.run("--secret-start", "@bob", "--json")
    t.eq(p.returncode, EX_OK, "alice --secret-start @bob", describe(p))
    sid = (objs(p, "secret_chat") or [{}])[0].get("secret_id")
    t.eq(len(objs(p, "secret_chat")), 2, "offered to bob's two devices")
    p = bob.run("--secret-accept", str(sid))
    t.eq(p.returncode, EX_OK, "bob accepts", describe(p))
    p = alice.run("-t", "@bob", "--secret", "-m", "first")
    t.eq(p.returncode, EX_OK, "alice's first secret message", describe(p))
    t.eq(queued(alice), "0", "nothing left in alice's secret outbox")

    # (a) The server is down: the message is queued (75), then delivered
    # by the next run of any command, once.
    srv.stop(signal.SIGKILL)
    p = alice.run("--timeout", "3", "-t", "@bob", "--secret", "-m",
                  "while down")
    t.eq(p.returncode, EX_TEMPFAIL, "server down: the secret send exits 75",
         describe(p))
    t.ok("queued" in p.stderr, "and says it is queued", describe(p))
    t.eq(queued(alice), "1", "its envelope waits in alice's outbox")
    got, why = alice.sql("SELECT state FROM secret_messages WHERE "
                            "text = 'while down'")
    t.eq(got, ["1"], "the message is stored as queued", why)
    env, why = alice.sql("SELECT hex(data) FROM secret_outbox")
    t.ok(len(env) == 1 and len(env[0]) > 2 * 56, "its ciphertext is kept",
         why)
    srv.start()
    p = alice.run("--history", "@bob", "--secret", "--json")
    mine = [m for m in objs(p, "secret_message") if m.get("out")]
    t.eq([(m.get("text"), m.get("state")) for m in mine],
         [("first", "sent"), ("while down", "sent")],
         "alice's next run (--history) sent it; her history says so",
         describe(p))
    t.eq(queued(alice), "0", "alice's outbox is empty")
    out, why = srv.sql("SELECT hex(payload) FROM secret_queue")
    t.ok(env and env[0] in out, "the server relays exactly the stored "
         "ciphertext (nothing was encrypted again)", why)
    got = history(t, bob, "@alice", "bob")
    t.eq(texts(got), ["first", "while down"],
         "bob has it once, in order, with the right text")

    # (b) The lost first send left the ratchets in step: both ways decrypt.
    p = bob.run("-t", "@alice", "--secret", "-m", "bob after the outage")
    t.eq(p.returncode, EX_OK, "bob replies", describe(p))
    p = alice.run("-t", "@bob", "--secret", "-m", "alice after the outage")
    t.eq(p.returncode, EX_OK, "alice writes again", describe(p))
    got = history(t, alice, "@bob", "alice")
    # A send to an active chat is stored before this run has fetched the
    # queue: alice wrote hers without having seen bob's reply, and her
    # history keeps that order.
    t.eq(texts(got), ["first", "while down", "alice after the outage",
                      "bob after the outage"],
         "alice decrypted bob's reply")
    got = history(t, bob, "@alice", "bob")
    t.eq(texts(got), ["first", "while down", "bob after the outage",
                      "alice after the outage"],
         "bob decrypted alice's next message")

    # (c) Several queued messages go out in order, and before what the
    # next run sends itself (here a timer change).
    for i in range(4):
        if i == 0:
            srv.stop(signal.SIGKILL)
        if i == 2:
            # Frozen rather than gone: the connection is accepted but
            # nothing answers.
            srv.proc.send_signal(signal.SIGSTOP)
        text = "queued %d" % i
        p = alice.run("--timeout", "2", "-t", "@bob", "--secret", "-m", text)
        t.eq(p.returncode, EX_TEMPFAIL, "server down: %s exits 75" % text,
             describe(p))
        if i == 1:
            t.eq(queued(alice), "2", "two envelopes wait")
            srv.start()
            p = alice.run("--secret-ttl", "@bob", "--ttl", "3600")
            t.eq(p.returncode, EX_OK, "the next run changes the timer",
                 describe(p))
    t.eq(queued(alice), "2", "two more wait")
    srv.proc.send_signal(signal.SIGCONT)
    p = alice.run("--secret-list")
    t.eq(p.returncode, EX_OK, "alice's next run (--secret-list)",
         describe(p))
    t.eq(queued(alice), "0", "and the outbox drained")
    got = history(t, bob, "@alice", "bob")
    tail = [("-- " + m.get("text")) if m.get("service") else m.get("text")
            for m in got][-5:]
    t.eq(tail, ["queued 0", "queued 1",
                "-- self-destruct timer set to 3600 s", "queued 2",
                "queued 3"], "bob has them in order, once each")
    t.eq([m.get("ttl") for m in got if m.get("text") == "queued 3"], [3600],
         "the queued timer change applied to the messages after it")
    for c in (alice, bob2):
        p = c.run("--secret-list")
        t.eq(p.returncode, EX_OK, "%s reads its queue" % c.name, describe(p))
    out, why = srv.sql("SELECT count(*) FROM secret_queue")
    t.eq(out, "0", "no queue entry is left on the server", why)

    # --listen delivers what an earlier run queued, too.
    queue_while_server_down("for the listener")
    srv.start()
    lis, _ = listen(alice, json=False, quiet=True)
    end = time.time() + 60
    while queued(alice) != "0" and time.time() < end and lis.poll() is None:
        time.sleep(0.2)
    t.eq(queued(alice), "0", "alice's --listen sent it")
    lis.terminate()
    lis.wait(30)
    got = history(t, bob, "@alice", "bob")
    t.eq(texts(got).count("for the listener"), 1, "bob has it once")

    # (d) The same envelope twice: a copy of alice's profile taken before
    # the acknowledgement was recorded sends it again after the original
    # delivered it.
    queue_while_server_down("only once")
    twin = sc.client("alice-copy", srv)
    shutil.rmtree(twin.xdg)
    shutil.copytree(alice.xdg, twin.xdg)
    twin.passphrase_file = alice.passphrase_file
    srv.start()
    p = alice.run("--secret-list")
    t.eq(p.returncode, EX_OK, "alice delivers it", describe(p))
    t.eq(queued(twin), "1", "the copy still holds the same envelope")
    p = twin.run("--secret-list")
    t.eq(p.returncode, EX_OK, "the copy sends it again", describe(p))
    t.eq(queued(twin), "0", "the server acknowledged the resend")
    got = history(t, bob, "@alice", "bob")
    t.eq(texts(got).count("only once"), 1, "bob has it once")
    p = alice.run("-t", "@bob", "--secret", "-m", "after the twin")
    t.eq(p.returncode, EX_OK, "alice goes on", describe(p))
    got = history(t, bob, "@alice", "bob")
    t.eq(texts(got)[-2:], ["only once", "after the twin"],
         "and bob decrypts what follows")

    # (g) A refusal for good (bob blocks alice: ERR_PERM) drops the
    # envelope and marks the message failed; a message queued earlier and
    # refused when a later run sends it is reported by that run. The
    # ratchet steps of the refused ones leave no gap for what follows.
    p = bob.run("--block", "@alice")
    t.eq(p.returncode, EX_OK, "bob blocks alice", describe(p))
    p = alice.run("-t", "@bob", "--secret", "-m", "refused now")
    t.eq(p.returncode, sottotest.EX_NOPERM, "a refused send exits 77",
         describe(p))
    t.ok("refused" in p.stderr, "and says it was refused", describe(p))
    queue_while_server_down("refused later")
    srv.start()
    p = alice.run("--secret-list")
    t.eq(p.returncode, EX_OK, "alice's next run", describe(p))
    t.ok("refused a queued message for good" in p.stderr,
         "says the queued message was refused", describe(p))
    t.eq(queued(alice), "0", "no envelope is left")
    p = alice.run("--history", "@bob", "--secret", "--json")
    states = dict((m.get("text"), m.get("state"))
                  for m in objs(p, "secret_message") if m.get("out"))
    t.eq((states.get("refused now"), states.get("refused later"),
          states.get("after the twin")), ("failed", "failed", "sent"),
         "the history says which were not delivered", describe(p))
    p = alice.run("--history", "@bob", "--secret")
    t.ok("NOT DELIVERED" in p.stdout, "also in the text form", describe(p))
    p = bob.run("--unblock", "@alice")
    t.eq(p.returncode, EX_OK, "bob unblocks alice", describe(p))
    p = alice.run("-t", "@bob", "--secret", "-m", "unblocked")
    t.eq(p.returncode, EX_OK, "alice writes again", describe(p))
    got = history(t, bob, "@alice", "bob")
    t.eq(texts(got)[-2:], ["after the twin", "unblocked"],
         "bob never got the refused ones and decrypts the next")

    # (h) alice killed (SIGKILL) at different moments of a send: after
    # her next run, a message she stored reaches bob exactly once, one
    # she did not store never does, and the ratchets stay in step.
    kills = []
    for i, delay in enumerate((0.05, 0.15, 0.3, 0.5, 0.8, 1.2)):
        text = "killed %d" % i
        proc = subprocess.Popen(
            [sottotest.SOTTO, "--server", srv.addr, "--passphrase-file",
             alice.passphrase_file, "--timeout", "30", "-t", "@bob",
             "--secret", "-m", text], env=alice.env(),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        proc.kill()
        proc.wait()
        kills.append(text)
        p = alice.run("--whoami")
        t.eq(p.returncode, EX_OK, "%s: alice's next run" % text, describe(p))
    t.eq(queued(alice), "0", "nothing is left queued after the next runs")
    mine = texts(history(t, alice, "@bob", "alice"), out=True)
    theirs = texts(history(t, bob, "@alice", "bob"), out=False)
    t.eq([(k, mine.count(k), theirs.count(k)) for k in kills
          if theirs.count(k) != mine.count(k) or mine.count(k) > 1], [],
         "each killed send is at bob exactly as often as alice stored it "
         "(0 or 1): %d of %d stored" % (sum(k in mine for k in kills),
                                       len(kills)))
    p = bob.run("-t", "@alice", "--secret", "-m", "after the kills")
    t.eq(p.returncode, EX_OK, "bob writes", describe(p))
    p = alice.run("-t", "@bob", "--secret", "-m", "still in step")
    t.eq(p.returncode, EX_OK, "alice writes", describe(p))
    t.ok("after the kills" in texts(history(t, alice, "@bob", "alice")),
         "alice decrypts bob's")
    t.ok("still in step" in texts(history(t, bob, "@alice", "bob")),
         "bob decrypts alice's")

    # (e) The peer's device is removed: the send is refused with
    # ERR_NOT_FOUND and closes the chat here with a clear message.
    p = bob.run("--logout")
    t.eq(p.returncode, EX_OK, "bob logs out (his device is removed)",
         describe(p))
    p = alice.run("-t", "@bob", "--secret", "-m", "anyone there?")
    t.eq(p.returncode, EX_DATAERR, "a send to the removed device exits 65",
         describe(p))
    t.ok("device is gone" in p.stderr and "start a new secret chat" in
         p.stderr, "and says the peer's device is gone", describe(p))
    p = alice.run("--secret-list", "--json")
    t.eq(objs(p, "secret_chat"), [], "alice's chat is closed")
    t.eq(queued(alice), "0", "its envelope is gone")

    # (f) The last identity key of a peer device outlives the chat: a new
    # chat with another key (a server that swaps it) is a loud warning.
    p = alice.run("--secret-start", "@bob", "--json")
    t.eq(p.returncode, EX_OK, "alice starts a chat with bob's other device",
         describe(p))
    dev2 = (objs(p, "secret_chat") or [{}])[0].get("peer_device")
    t.ok("WARNING" not in p.stderr, "the device's key is the one seen in "
         "the first request: no warning", describe(p))
    p = alice.run("--secret-close", "@bob")
    t.eq(p.returncode, EX_OK, "alice withdraws it", describe(p))
    t.eq(objs(alice.run("--secret-list", "--json"), "secret_chat"), [],
         "alice has no chat left with that device")
    out, why = swap_device_keys(srv, dev2)
    t.ok(not why, "the server swaps the device's identity key", why)
    p = alice.run("--secret-start", "@bob")
    t.eq(p.returncode, EX_OK, "alice starts a chat again", describe(p))
    t.ok("WARNING" in p.stderr and "CHANGED" in p.stderr and
         "since the last secret chat" in p.stderr,
         "the swapped key is a loud warning after the close", describe(p))
    p = alice.run("--secret-start", "@bob")
    t.ok("WARNING" not in p.stderr,
         "once warned, the new key is the one compared with", describe(p))
    t.done()
