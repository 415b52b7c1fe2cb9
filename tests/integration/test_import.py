"""Contact import by phone (ImportContacts, doc/PROTOCOL.md "Contact
import"), with a real sottod: raw requests for what the client would never
send (a malformed number, more than the cap), then the real client's
`sotto --import-contacts FILE` (plain and --json).

- phone_discovery everybody / contacts / nobody, and a block: a hidden
  user is answered exactly as an absent number (left out alike);
- the daily cap of new numbers: numbers already imported today are free,
  the answer stops at the cap and says where, with the wait, and an
  import with nothing left is ERR_RATE_LIMITED; a restart does not reset
  it;
- numbers never found leave no trace in the database or the log.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from noiseclient import B, V, get, login, parse, register  # noqa: E402
from sottotest import (EX_DATAERR, EX_OK, EX_TEMPFAIL, Scenario,  # noqa: E402
                       describe, objs)

RESOLVE, ADD_CONTACT, SET_PRIVACY, BLOCK, IMPORT = 20, 26, 51, 53, 65
LIMITED, INVAL, TOO_BIG = -13, -2, -6
PHONE_DISCOVERY = 2
EVERYBODY, CONTACTS, NOBODY = 1, 2, 3


def discovery(dev, value):
    rule = V(1, PHONE_DISCOVERY) + V(2, value)
    err, _ = dev.call(SET_PRIVACY, B(1, rule) + V(2, 1))
    if err:
        raise RuntimeError("SetPrivacy: %d" % err)


def imp(dev, phones):
    """(error, [(index, user id, username)], checked, left, retry)."""
    err, res = dev.call(IMPORT, b"".join(B(1, p) for p in phones))
    if err:
        return err, [], 0, 0, get(res, 3)
    found = []
    for raw in res.get(1, []):
        ic = parse(raw)
        u = parse(ic[2][0])
        found.append((get(ic, 1), get(u, 1), get(u, 2, b"").decode()))
    return 0, found, get(res, 2), get(res, 3), get(res, 4)


with Scenario("import") as sc:
    t = sc.t
    srv = sc.server(args=["--limit", "import_day=8"])
    q, quinn, _ = register(srv.addr, "quinn", phone="+15550300")
    people = {}
    for name, phone in (("eve", "+15550301"), ("fred", "+15550302"),
                        ("gina", "+15550303"), ("hank", "+15550304"),
                        ("ivan", "+15550305")):
        people[name] = register(srv.addr, name, phone=phone)
    discovery(people["eve"][0], EVERYBODY)
    discovery(people["hank"][0], NOBODY)
    discovery(people["ivan"][0], EVERYBODY)
    # fred (contacts, the default) has quinn as a contact; gina does not.
    fred = people["fred"][0]
    t.eq(fred.call(RESOLVE, B(1, "quinn"))[0], 0, "fred finds quinn")
    t.eq(fred.call(ADD_CONTACT, V(1, quinn))[0], 0, "and adds her")
    ivan = people["ivan"][0]
    t.eq(ivan.call(RESOLVE, B(1, "quinn"))[0], 0, "ivan finds quinn")
    t.eq(ivan.call(BLOCK, V(1, quinn))[0], 0, "and blocks her")

    # ------------------------------------------------ bad input
    err, *_ = imp(q, ["+15550301", "15550302"])
    t.eq(err, INVAL, "a number without + is refused, the whole request")
    err, *_ = imp(q, [])
    t.eq(err, INVAL, "an empty import is refused")
    err, *_ = imp(q, ["+1555%07d" % i for i in range(101)])
    t.eq(err, TOO_BIG, "more than 100 numbers at once is refused")

    # ------------------------------------------------ phone_discovery
    phones = ["+15550301", "+15550302", "+15550303", "+15550304",
              "+15550305", "+15550399"]
    err, found, checked, left, retry = imp(q, phones)
    t.eq(err, 0, "the import is answered")
    t.eq(found, [(0, people["eve"][1], "eve"), (1, people["fred"][1], "fred")],
         "found: eve (everybody) and fred (contacts, quinn is his)")
    t.eq((checked, left, retry), (6, 2, 0),
         "all six checked; six of the 8 new numbers used")
    err, found, checked, left, retry = imp(q, list(reversed(phones)))
    t.eq([i for i, _, _ in found], [5 - 1, 5 - 0],
         "imported again, in another order: the same two at their places")
    t.eq((checked, left), (6, 2), "numbers imported today are not new again")

    # ------------------------------------------------ cap
    err, found, checked, left, retry = imp(q, ["+15550401", "+15550402",
                                               "+15550403", "+15550301"])
    t.eq((err, checked, left), (0, 2, 0),
         "two new numbers fit the cap, the answer stops at the third")
    t.ok(3600 <= retry <= 86400, "with the wait until the cap frees", retry)
    err, *_, retry = imp(q, ["+15550403"])
    t.eq(err, LIMITED, "with the cap used up, a new number is refused")
    t.ok(retry >= 3600, "with the wait", retry)
    err, found, checked, left, _ = imp(q, ["+15550301"])
    t.eq((err, checked, len(found)), (0, 1, 1),
         "a number imported today still is answered")
    q.peer.close()
    srv.restart()
    q, _ = login(srv.addr, "quinn")
    err, *_ = imp(q, ["+15550404"])
    t.eq(err, LIMITED, "a restart does not reset the cap")

    with open(srv.log, errors="replace") as f:
        log = f.read()
    t.ok("account %d used up its daily cap of 8 imported numbers" % quinn
         in log, "the log names the account by id when its cap is used up",
         log[-1500:])
    dump, _ = srv.dump()
    for absent in (b"+15550399", b"15550399", b"+15550401", b"15550403",
                   b"+15550404"):
        t.ok(absent not in dump, "%s, never found, is not in the database"
             % absent.decode())
        t.ok(absent.decode() not in log, "nor in the log")
    t.ok(srv.alive(), "sottod is alive")
    t.done()
