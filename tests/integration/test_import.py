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
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import itest  # noqa: E402
from noiseclient import B, V, get, login, parse, register  # noqa: E402
from sottotest import (EX_DATAERR, EX_OK, EX_TEMPFAIL, SOTTOD,  # noqa: E402
                       Scenario, describe, objs)

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

    # ------------------------------------------------ the real client
    srv4 = sc.server(name="client", args=["--limit", "import_day=5"])
    alice = sc.client("alice", srv4)
    users = {}
    for name, phone, rule in (("eve", "+15550501", "everybody"),
                              ("hank", "+15550502", "nobody"),
                              ("gina", "+15550503", None)):
        c = sc.client(name, srv4)
        p = c.run("--register", name, "--phone", phone)
        t.eq(p.returncode, EX_OK, "register " + name, describe(p))
        if rule:
            p = c.run("--set-privacy", "phone_discovery=" + rule)
            t.eq(p.returncode, EX_OK, name + ": phone_discovery=" + rule,
                 describe(p))
        users[name] = c
    p = alice.run("--register", "alice", "--phone", "+15550500")
    t.eq(p.returncode, EX_OK, "register alice", describe(p))

    def book(name, text):
        path = os.path.join(sc.root, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def lookups(s):
        out = subprocess.run([SOTTOD, "--stats", "--data", s.data],
                             capture_output=True, text=True).stdout
        return out.split("\n")[1] if "\n" in out else out

    bad = book("bad.txt", "+15550501\nnot a number\n\n# fine\n"
               "+1555\n+15550502 # hank\n")
    before = lookups(srv4)
    p = alice.run("--import-contacts", bad)
    t.eq(p.returncode, EX_DATAERR, "a file with bad lines is refused (65)",
         describe(p))
    t.ok("bad.txt:2:" in p.stderr and "bad.txt:5:" in p.stderr and
         "bad.txt:1:" not in p.stderr and "bad.txt:6:" not in p.stderr,
         "naming each bad line by its number, and only those", describe(p))
    t.eq(lookups(srv4), before, "and nothing reached the server")
    p = alice.run("--import-contacts", os.path.join(sc.root, "none.txt"))
    t.eq(p.returncode, 66, "a file that cannot be read: 66", describe(p))

    good = book("book.txt", "# my friends\n\n+15550501\n+15550502\n"
                "+15550503  # gina\n+15550599\n+1 555 0501\n")
    p = alice.run("--import-contacts", good, "--json")
    t.eq(p.returncode, EX_OK, "the address book is imported", describe(p))
    got = objs(p, "import")
    t.eq([(o["line"], o["phone"], o["on_sotto"]) for o in got],
         [(3, "+15550501", True), (4, "+15550502", False),
          (5, "+15550503", False), (6, "+15550599", False)],
         "--json: each number once, in file order; only eve is on Sotto "
         "as far as alice may know", p.stdout)
    t.eq((got[0].get("username"), got[0].get("display_name")),
         ("eve", "eve"), "eve's entry names her")

    def bare(o):
        return {k: v for k, v in o.items() if k not in ("line", "phone")}
    t.ok(bare(got[1]) == bare(got[2]) == bare(got[3]),
         "hidden by nobody, hidden by contacts and absent look the same",
         got)
    p = alice.run("--import-contacts", good)
    t.eq(p.returncode, EX_OK, "the same book again (no new numbers)",
         describe(p))
    t.eq(p.stdout.splitlines(),
         ["+15550501  @eve  eve", "+15550502  not on Sotto",
          "+15550503  not on Sotto", "+15550599  not on Sotto"],
         "in words, one line a number", describe(p))
    p = alice.run("--user", "@eve")
    t.eq(p.returncode, EX_OK, "eve is known to alice's profile now",
         describe(p))
    # gina lets her contacts find her: once alice is one, gina is found.
    g = users["gina"]
    p = g.run("--add-contact", "@alice")
    t.eq(p.returncode, EX_OK, "gina adds alice", describe(p))
    p = alice.run("--import-contacts", good, "--json")
    t.eq([o["on_sotto"] for o in objs(p, "import")],
         [True, False, True, False], "then alice finds gina too",
         describe(p))

    more = book("more.txt", "+15550601\n+15550602\n+15550603\n")
    p = alice.run("--import-contacts", more, "--json")
    t.eq(p.returncode, EX_TEMPFAIL,
         "over the daily cap: the numbers not checked make it 75",
         describe(p))
    t.eq([(o["phone"], o["checked"]) for o in objs(p, "import")],
         [("+15550601", True), ("+15550602", False), ("+15550603", False)],
         "the one new number the cap allowed is checked, the rest not",
         p.stdout)
    t.ok("2 of 3 numbers were not checked" in p.stderr and
         "try again in" in p.stderr, "and it says when to try again",
         describe(p))

    # While alice's --listen runs, the import is carried out by it over
    # ctl.sock: the file's text travels, so no second process unlocks.
    listen, _ = itest.listen(alice, addr=srv4.addr, quiet=True)
    try:
        itest.wait_for_ctl(alice, timeout=30)
        p = alice.run("--import-contacts", good, "--json", secrets=False)
        t.eq((p.returncode, [o["on_sotto"] for o in objs(p, "import")]),
             (EX_OK, [True, False, True, False]),
             "over the control socket of a running --listen", describe(p))
    finally:
        itest.stop(listen)
    t.ok(srv4.alive(), "sottod is alive")
    t.done()
