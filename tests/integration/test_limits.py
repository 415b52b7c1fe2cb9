"""Sign-in rate limits, with a real sottod and real sotto processes: per
account (a burst of 10 login attempts) and per source address (a burst of
30 register/login attempts). A limited attempt exits 75 and says when to
try again; a device that is already signed in is not limited, because it
authenticates with its key, not a password. User lookups are limited per
account, and the refusal says how long to wait. What must come faster
than a bucket refills goes over a raw connection (tests/noiseclient.py)."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import noiseclient as nc  # noqa: E402
from itest import registered  # noqa: E402
from sottotest import (EX_NOPERM, EX_OK, EX_TEMPFAIL,  # noqa: E402
                       Scenario, describe)

ERR_AUTH, ERR_NOT_FOUND, ERR_RATE_LIMITED = -9, -12, -13

with Scenario("limits") as sc:
    t = sc.t
    srv = sc.server()
    alice = registered(sc, srv, "alice")
    # A raw account for the lookups below, made before the address's
    # sign-in bucket is emptied.
    looker, _, _ = nc.register(srv.addr, "looker")

    mallory = sc.client("mallory", srv, password="not-alices-password")
    codes = [mallory.run("--login", "alice").returncode for _ in range(10)]
    t.eq(codes, [EX_NOPERM] * 10, "ten wrong passwords: each refused (77)")
    p = mallory.run("--login", "alice")
    t.eq(p.returncode, EX_TEMPFAIL, "the eleventh attempt is limited (75)",
         describe(p))
    t.ok("try again in" in p.stderr, "and says when to try again", describe(p))

    laptop = sc.client("laptop", srv)
    p = laptop.run("--login", "alice")
    t.eq(p.returncode, EX_TEMPFAIL,
         "while limited, the right password cannot add a device either",
         describe(p))
    p = alice.run("--whoami")
    t.eq(p.returncode, EX_OK,
         "but alice's signed-in device still works (key, not password)",
         describe(p))

    bob = sc.client("bob", srv)
    p = bob.run("--register", "bob")
    t.eq(p.returncode, EX_OK, "another account is not limited", describe(p))

    # 15 attempts from 127.0.0.1 so far; the address allows 30 at once,
    # then one every 2 s. The guesses go over one raw connection, so that
    # they come faster than the bucket refills however slow the machine
    # is (a real sotto run may take longer than that to start).
    guesser = nc.Device(srv.addr)
    limited, err, res = None, 0, {}
    for i in range(40):
        err, res = guesser.call(12, nc.B(1, "nobody%d" % i) +
                                nc.B(2, "a-wrong-password") +
                                nc.B(3, "guess"))
        if err == ERR_RATE_LIMITED:
            limited = i
            break
        if err != ERR_AUTH:
            break
    t.ok(limited is not None and 10 <= limited <= 30,
         "guessing across many accounts hits the per-address limit",
         "limited after %r more attempts; last: %d %r" % (limited, err, res))
    t.ok(nc.get(res, 3) > 0, "and says when to try again", res)
    p = alice.run("--whoami")
    t.eq(p.returncode, EX_OK, "signed-in devices are still served",
         describe(p))

    # User lookups: a burst of 30, then one a second, per account. Unknown
    # names, over one raw connection, so that they come faster than the
    # bucket refills however slow the machine is.
    limited, err, res = None, 0, {}
    for i in range(80):
        err, res = looker.call(20, nc.B(1, "ghost%d" % i))
        if err == ERR_RATE_LIMITED:
            limited = i
            break
        if err != ERR_NOT_FOUND:
            break
    t.ok(limited is not None and limited >= 30,
         "looking up many users hits the lookup limit",
         "limited after %r lookups; last: %d %r" % (limited, err, res))
    t.eq(nc.get(res, 3), 1, "and says how long to wait (1 s)", res)
    t.ok(srv.alive(), "sottod is still running")
    t.done()
