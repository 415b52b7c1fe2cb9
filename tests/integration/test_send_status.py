"""Exit status that scripts can trust, with real sottod and sotto
processes: 77 means nothing was queued, 75 means the message is queued and
goes out by itself.

- the server's key changed: a cloud send and a secret send each exit 77,
  name both fingerprints, and leave nothing in either outbox; once the
  real server is back, the next runs send nothing of them (bob never gets
  them), so a script that retries after 77 makes no duplicate;
- the server down: a send exits 75, says it is queued, and goes out once
  with the next run (the other half of the contract)."""
import signal

from itest import registered
from sottotest import (EX_NOPERM, EX_OK, EX_TEMPFAIL, Scenario, describe,
                       objs)


def count(c, table):
    got, why = c.sql("SELECT count(*) FROM %s" % table)
    return got[0] if got else why


def texts(c, peer, secret=False):
    args = ["--history", peer, "--json"] + (["--secret"] if secret else [])
    p = c.run(*args)
    kind = "secret_message" if secret else "message"
    return [m.get("text") for m in objs(p, kind) if not m.get("service")]


with Scenario("send_status") as sc:
    t = sc.t
    srv = sc.server()
    alice = registered(sc, srv, "alice")
    bob = registered(sc, srv, "bob")
    p = alice.run("-t", "@bob", "-m", "hello")
    t.eq(p.returncode, EX_OK, "alice writes to bob", describe(p))
    p = alice.run("--secret-start", "@bob", "--json")
    sid = (objs(p, "secret_chat") or [{}])[0].get("secret_id")
    p = bob.run("--secret-accept", str(sid))
    t.eq(p.returncode, EX_OK, "bob accepts a secret chat", describe(p))
    p = alice.run("-t", "@bob", "--secret", "-m", "secret hello")
    t.eq(p.returncode, EX_OK, "alice's first secret message", describe(p))

    # ------------------------------------------------ a changed key: 77
    port = srv.port
    srv.stop()
    evil = sc.server(name="evil", port=port)
    for what, args, table in (
            ("a cloud send", ("-t", "@bob", "-m", "to the impostor"),
             "outbox"),
            ("a secret send", ("-t", "@bob", "--secret", "-m",
                               "secret to the impostor"), "secret_outbox")):
        for attempt in (1, 2):
            p = alice.run(*args)
            t.eq(p.returncode, EX_NOPERM, "%s to a server with another key "
                 "exits 77 (attempt %d)" % (what, attempt), describe(p))
            t.ok(srv.fingerprint in p.stderr and
                 evil.fingerprint in p.stderr,
                 "%s: both fingerprints are named" % what, p.stderr)
            t.ok("queued" not in p.stderr, "%s: not said to be queued"
                 % what, p.stderr)
            t.eq(count(alice, table), "0", "%s: nothing waits in the %s"
                 % (what, table))
    evil.stop()

    srv.start()
    for i in range(2):
        p = alice.run("--whoami")
        t.eq(p.returncode, EX_OK, "the real server is trusted again",
             describe(p))
    t.eq(texts(bob, "@alice"), ["hello"], "bob never gets what was refused "
         "with 77")
    t.eq(texts(bob, "@alice", secret=True), ["secret hello"],
         "nor the refused secret message")
    t.eq(texts(alice, "@bob", secret=True), ["secret hello"],
         "alice's secret history holds no message that never left")

    # ------------------------------------------------ the server down: 75
    srv.stop(signal.SIGKILL)
    p = alice.run("-t", "@bob", "-m", "while down", "--timeout", "3")
    t.eq(p.returncode, EX_TEMPFAIL, "a send while the server is down exits "
         "75", describe(p))
    t.ok("queued" in p.stderr, "and says it is queued", p.stderr)
    t.eq(count(alice, "outbox"), "1", "the message waits in the outbox")
    srv.start()
    p = alice.run("--whoami")
    t.eq(p.returncode, EX_OK, "the next run", describe(p))
    t.eq(count(alice, "outbox"), "0", "sent it")
    t.eq(texts(bob, "@alice"), ["hello", "while down"], "bob has it once")
    t.done()
