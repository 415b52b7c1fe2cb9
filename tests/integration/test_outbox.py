"""Exactly once under faults, with real sottod and sotto processes:

- the server is down: the send exits 75, and the next run of any command
  of that profile delivers it, once;
- the server is frozen (SIGSTOP) around a send, the sender is killed with
  SIGKILL, the server resumes, the sender's next run flushes its outbox:
  the recipient has the message at most once, and exactly once whenever
  the sender lived long enough to queue it;
- sottod is killed with SIGKILL in the middle of a burst from two senders:
  every send exits 0 or 75; after the senders' next runs every message is
  there exactly once, so no acknowledged message was lost and none
  duplicated."""
import signal
import subprocess
import threading
import time

import sottotest
from itest import registered
from sottotest import (EX_OK, EX_TEMPFAIL, Scenario, describe, jsonl)


def texts(client, peer):
    p = client.run("--history", peer, "--limit", "10000", "--json")
    return p.returncode, [m.get("text") for m in jsonl(p)
                          if m.get("type") == "message"]


with Scenario("outbox") as sc:
    t = sc.t
    srv = sc.server()
    alice = registered(sc, srv, "alice")
    bob = registered(sc, srv, "bob", password="bobs-password-1")
    p = alice.run("-t", "@bob", "-m", "hello")
    t.eq(p.returncode, EX_OK, "a first message (alice learns @bob)",
         describe(p))

    # 1. Server down.
    srv.stop(signal.SIGKILL)
    p = alice.run("--timeout", "2", "-t", "@bob", "-m", "while down")
    t.eq(p.returncode, EX_TEMPFAIL, "server down: the send exits 75",
         describe(p))
    t.ok("queue" in p.stderr.lower() or "outbox" in p.stderr.lower(),
         "and says the message is queued", describe(p))
    srv.start()
    p = alice.run("--whoami")
    t.eq(p.returncode, EX_OK, "the next command of alice runs", describe(p))
    rc, got = texts(bob, "@alice")
    t.eq(got.count("while down"), 1, "bob has the queued message once",
         got[-3:])
    p = alice.run("--whoami")
    rc, got = texts(bob, "@alice")
    t.eq(got.count("while down"), 1, "and a further run sends nothing again")

    # 2. Server frozen around the send; the sender killed.
    for i, delay in enumerate((0.3, 0.7, 1.2, 2.0, 3.0)):
        text = "frozen %d" % i
        proc = subprocess.Popen(
            [sottotest.SOTTO, "--server", srv.addr, "--passphrase-file",
             alice.passphrase_file, "--timeout", "30", "-t", "@bob", "-m",
             text], env=alice.env(), stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        time.sleep(delay)
        srv.proc.send_signal(signal.SIGSTOP)
        time.sleep(0.5)
        proc.kill()
        proc.wait()
        srv.proc.send_signal(signal.SIGCONT)
        p = alice.run("--whoami")
        t.eq(p.returncode, EX_OK, "%s: alice's next run" % text, describe(p))
        rc, got = texts(bob, "@alice")
        n = got.count(text)
        if delay >= 2.0:
            t.eq(n, 1, "%s (SIGSTOP after %.1f s): delivered exactly once"
                 % (text, delay))
        else:
            t.ok(n <= 1, "%s (SIGSTOP after %.1f s): never twice (%d)"
                 % (text, delay, n))

    # 3. sottod killed in the middle of a burst from two senders.
    results = {}

    def burst(client, peer, name, n):
        for k in range(n):
            text = "%s burst %02d" % (name, k)
            p = client.run("--timeout", "3", "-t", peer, "-m", text)
            results[text] = (p.returncode, p.stderr)

    N = 30
    threads = [threading.Thread(target=burst, args=(alice, "@bob", "a", N)),
               threading.Thread(target=burst, args=(bob, "@alice", "b", N))]
    for th in threads:
        th.start()
    time.sleep(2.0)
    srv.stop(signal.SIGKILL)
    time.sleep(1.5)
    srv.start()
    for th in threads:
        th.join(600)
    codes = sorted(set(rc for rc, _ in results.values()))
    t.ok(set(codes) <= {EX_OK, EX_TEMPFAIL} and len(results) == 2 * N,
         "every send of the burst exited 0 or 75 (%s)" % codes,
         "\n".join("%s: %s %s" % (k, v[0], v[1].strip())
                   for k, v in sorted(results.items()) if v[0] not in
                   (EX_OK, EX_TEMPFAIL)))
    t.ok(EX_OK in codes, "some sends were acknowledged")
    acked = [k for k, v in results.items() if v[0] == EX_OK]
    t.eq(alice.run("--whoami").returncode, EX_OK, "alice's next run")
    t.eq(bob.run("--whoami").returncode, EX_OK, "bob's next run")
    rc_b, at_bob = texts(bob, "@alice")
    rc_a, at_alice = texts(alice, "@bob")
    lost = [k for k in acked if k not in at_bob and k not in at_alice]
    t.eq(lost, [], "no acknowledged message was lost")
    dup = sorted(k for k in results if at_bob.count(k) > 1)
    t.eq(dup, [], "none was duplicated")
    missing = sorted(k for k in results if at_bob.count(k) != 1)
    t.eq(missing, [], "after the next runs, every message is there once")
    t.ok(sorted(at_bob) == sorted(at_alice),
         "alice and bob see the same chat")
    t.done()
