"""A secret chat ends with a device that logs out, with real sottod and
sotto processes: alice and bob have an active secret chat; bob logs out
(--logout); alice's next command finds the chat closed, and a secret send
to bob then exits 65 ("no active secret chat") instead of queueing; the
server's database keeps no chat, offer, dedupe, queue or key row of bob's
removed device. bob logs in again as a new device (a larger id), and a
new chat with it works. A send alice makes straight after bob's second
logout, before she heard of it, is not delivered and leaves no chat."""
import json

from itest import SECRET_DEVICE_ROWS, no_rows_name_device, secret_list, \
    sign_in
from sottotest import EX_DATAERR, EX_OK, Scenario, describe, objs


def whoami(t, c, what):
    p = c.run("--whoami", "--json")
    t.eq(p.returncode, EX_OK, what + ": --whoami", describe(p))
    try:
        me = json.loads(p.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        me = {}
    return [d.get("id") for d in me.get("devices", []) if d.get("current")]


def server_rows(t, srv, dev, what):
    """Checks that no secret-chat row of the server names device dev."""
    no_rows_name_device(t, srv, dev,
                        what + ": no %s row names bob's removed device (%s)",
                        SECRET_DEVICE_ROWS + (("devices", "id"),))


def start_chat(t, alice, bob, what):
    p = alice.run("--secret-start", "@bob", "--json")
    t.eq(p.returncode, EX_OK, what + ": alice --secret-start @bob",
         describe(p))
    sid = (objs(p, "secret_chat") or [{}])[0].get("secret_id")
    p = bob.run("--secret-accept", str(sid))
    t.eq(p.returncode, EX_OK, what + ": bob accepts", describe(p))
    p = alice.run("-t", "@bob", "--secret", "-m", "hello " + what)
    t.eq(p.returncode, EX_OK, what + ": alice sends", describe(p))
    p = bob.run("--history", "@alice", "--secret", "--json")
    t.eq([m.get("text") for m in objs(p, "secret_message")],
         ["hello " + what], what + ": bob got it", describe(p))
    p = bob.run("-t", "@alice", "--secret", "-m", "hi " + what)
    t.eq(p.returncode, EX_OK, what + ": bob replies", describe(p))
    l = secret_list(t, alice, what + ": alice")
    t.eq([(c.get("secret_id"), c.get("state")) for c in l],
         [(sid, "active")], what + ": the chat is active on alice's side")
    return sid


with Scenario("secret_logout") as sc:
    t = sc.t
    srv = sc.server()
    alice = sc.client("alice", srv)
    bob = sc.client("bob", srv, password="bobs-password-1")
    sign_in(t, (alice, ("--register", "alice")),
               (bob, ("--register", "bob")))
    bob_dev = whoami(t, bob, "bob")
    t.eq(len(bob_dev), 1, "bob's device id", bob_dev)
    bob_dev = bob_dev[0] if bob_dev else 0

    sid = start_chat(t, alice, bob, "first chat")
    p = bob.run("--logout")
    t.eq(p.returncode, EX_OK, "bob logs out", describe(p))

    l = secret_list(t, alice, "alice after bob's logout")
    t.eq(l, [], "alice's next command finds the chat closed")
    p = alice.run("-t", "@bob", "--secret", "-m", "are you there?")
    t.eq(p.returncode, EX_DATAERR, "a secret send to bob is refused",
         describe(p))
    t.ok("no active secret chat" in p.stderr, "and says why", p.stderr)
    server_rows(t, srv, bob_dev, "after the logout")
    out, why = srv.sql("SELECT count(*) FROM secret_chats")
    t.eq(out, "0", "the server keeps no secret chat at all", why)

    # bob comes back as a new device; a new chat works with it.
    p = bob.run("--login", "bob")
    t.eq(p.returncode, EX_OK, "bob logs in again", describe(p))
    dev2 = whoami(t, bob, "bob again")
    t.ok(len(dev2) == 1 and dev2[0] > bob_dev,
         "as a new device with a larger id", (bob_dev, dev2))
    dev2 = dev2[0] if dev2 else 0
    sid2 = start_chat(t, alice, bob, "second chat")
    t.ok(sid2 != sid, "a new chat", (sid, sid2))

    # bob logs out again; alice sends before she has heard of it.
    p = bob.run("--logout")
    t.eq(p.returncode, EX_OK, "bob logs out again", describe(p))
    p = alice.run("-t", "@bob", "--secret", "-m", "unaware")
    t.eq(p.returncode, EX_DATAERR, "alice's send right after is not "
         "delivered (65)", describe(p))
    t.ok("start a new secret chat" in p.stderr or
         "no active secret chat" in p.stderr, "and she is told why",
         p.stderr)
    t.eq(secret_list(t, alice, "alice after that send"), [],
         "and her chat is closed")
    server_rows(t, srv, dev2, "after the second logout")
    out, why = srv.sql("SELECT count(*) FROM secret_queue")
    t.eq(out, "0", "nothing waits in any queue on the server", why)
    t.done()
