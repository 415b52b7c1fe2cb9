"""Sessions with real sottod and sotto processes: alice has two devices
(a second profile logs in); --sessions from each lists both, with id,
name ("sotto on <system>", never the host name), software and version,
created, last active, which one is this device, and never an address;
the 24-hour guard keeps the newer device from ending the older one (exit
77, saying why); the older ends the newer (--terminate-session ID), whose
next command exits 77 naming the device that ended it and when, and the
secret chat bound to it ends as on a logout; --terminate-session others;
--set-session-ttl, and a device inactive past it ended at connect (the
test clock, SOTTOD_TEST_CLOCK_FILE)."""
import json
import os
import re
import socket

from sottotest import (EX_NOPERM, EX_OK, EX_USAGE, Scenario, describe,
                       objs)


def sessions(t, c, what):
    p = c.run("--sessions", "--json")
    t.eq(p.returncode, EX_OK, what + ": --sessions --json", describe(p))
    return objs(p, "session")


with Scenario("sessions") as sc:
    t = sc.t
    clock = os.path.join(sc.root, "clock")
    with open(clock, "w") as f:
        f.write("0\n")
    os.environ["SOTTOD_TEST_CLOCK_FILE"] = clock
    srv = sc.server()
    alice = sc.client("alice", srv)
    alice2 = sc.client("alice2", srv)
    bob = sc.client("bob", srv)
    for c, args in ((alice, ("--register", "alice")),
                    (bob, ("--register", "bob")),
                    (alice2, ("--login", "alice"))):
        p = c.run(*args)
        t.eq(p.returncode, EX_OK, "%s %s" % args, describe(p))

    s1 = sessions(t, alice, "alice")
    s2 = sessions(t, alice2, "alice2")
    t.eq(len(s1), 2, "alice sees two sessions", s1)
    ids = [s.get("id") for s in s1]
    t.eq([s.get("id") for s in s2], ids, "alice2 sees the same two", s2)
    d1 = [s["id"] for s in s1 if s.get("current")]
    d2 = [s["id"] for s in s2 if s.get("current")]
    t.ok(len(d1) == 1 and len(d2) == 1 and d1 != d2,
         "each marks itself current, a different one", (s1, s2))
    d1, d2 = d1[0], d2[0]
    t.ok(all(re.match(r"sotto \S+$", s.get("software", "")) for s in s1),
         "the software and version of each", s1)
    t.ok(all(s.get("name", "").startswith("sotto on ") for s in s1) and
         not any(socket.gethostname() in s.get("name", "") for s in s1),
         "named 'sotto on <system>', not the host name", s1)
    t.ok(all(s.get("created", 0) > 0 and s.get("last_active", 0) > 0 and
             "online" in s for s in s1), "created, last active, online",
         s1)
    p = alice.run("--sessions")
    t.eq(p.returncode, EX_OK, "--sessions in words", describe(p))
    t.ok("this device" in p.stdout and "127.0.0.1" not in p.stdout and
         "127.0.0.1" not in json.dumps(s1) and
         str(srv.port) not in json.dumps(s1),
         "marks this device; no address anywhere", p.stdout)

    # A secret chat between bob and alice2's device.
    p = bob.run("--secret-start", "@alice", "--json")
    t.eq(p.returncode, EX_OK, "bob --secret-start @alice", describe(p))
    sid = (objs(p, "secret_chat") or [{}])[0].get("secret_id")
    p = alice2.run("--secret-accept", str(sid))
    t.eq(p.returncode, EX_OK, "alice2 accepts", describe(p))

    # The guard, then the older device ends the newer.
    p = alice2.run("--terminate-session", str(d1))
    t.eq(p.returncode, EX_NOPERM, "the newer device cannot end the older "
         "(exit 77)", describe(p))
    t.ok("24 hours" in p.stderr, "and says why", p.stderr)
    p = alice.run("--terminate-session", "nonsense")
    t.eq(p.returncode, EX_USAGE, "a bad argument is a usage error",
         describe(p))
    p = alice.run("--terminate-session", str(d2), "--json")
    t.eq(p.returncode, EX_OK, "alice ends alice2's device", describe(p))
    t.eq([o.get("id") for o in objs(p, "terminated")], [d2],
         "and says which", p.stdout)
    p = alice2.run("--sessions")
    t.eq(p.returncode, EX_NOPERM, "the ended device's next command exits "
         "77", describe(p))
    t.ok("by device %d" % d1 in p.stderr and "sotto on" in p.stderr and
         re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", p.stderr),
         "naming the device that ended it and when", p.stderr)
    t.ok(re.search(r'^sotto: this device was logged out by device %d '
                   r'\("sotto on [^"]+"\) on \d{4}-\d\d-\d\d \d\d:\d\d UTC$'
                   % d1, p.stderr, re.M), "in one sentence", p.stderr)
    t.eq([s.get("id") for s in sessions(t, alice, "after")], [d1],
         "one session is left", None)
    out, why = srv.sql("SELECT count(*) FROM secret_chats WHERE "
                       "from_device = %d OR to_device = %d" % (d2, d2))
    t.eq(out, "0", "the secret chat bound to it is gone", why)

    # others, after 25 hours (the older device past the guard).
    with open(clock, "w") as f:
        f.write("%d\n" % (25 * 3600))
    alice3 = sc.client("alice3", srv)
    p = alice3.run("--login", "alice")
    t.eq(p.returncode, EX_OK, "a third device logs in", describe(p))
    p = alice3.run("--terminate-session", "others")
    t.eq(p.returncode, EX_NOPERM, "a fresh device cannot end all others",
         describe(p))
    p = alice.run("--terminate-session", "others", "--json")
    t.eq((p.returncode, len(objs(p, "terminated"))), (EX_OK, 1),
         "the older device ends all others", describe(p))

    # The TTL.
    p = alice.run("--set-session-ttl", "2w")
    t.eq(p.returncode, EX_USAGE, "2w is no TTL", describe(p))
    p = alice.run("--set-session-ttl", "1w", "--json")
    t.eq((p.returncode, [o.get("days") for o in objs(p, "session_ttl")]),
         (EX_OK, [7]), "--set-session-ttl 1w", describe(p))
    with open(clock, "w") as f:
        f.write("%d\n" % (25 * 3600 + 8 * 86400))
    p = alice.run("--sessions")
    t.eq(p.returncode, EX_NOPERM, "8 days later alice's device has ended "
         "by itself (exit 77)", describe(p))
    t.ok("TTL" in p.stderr, "saying why", p.stderr)
    p = bob.run("--sessions", "--json")
    t.eq(p.returncode, EX_OK, "bob's (TTL 6 months) has not", describe(p))
    t.done()
