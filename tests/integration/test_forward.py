"""Forwards through real sotto processes against a real sottod: carol
writes to alice; alice forwards carol's message (--forward ID --from
@carol -t PEER) to bob (carol's contact), dave (a stranger to carol),
erin (whom carol blocked) and herself (Saved Messages, "me").

- the matrix: carol's forwards rule everybody, contacts, nobody, nobody
  with an allow exception and everybody with a deny exception: the copy
  always says "forwarded from Carol" and carries carol's account
  (from_id) only for the recipients the rule allows (a blocked one
  never); what the server answered alice and what bob's and dave's
  --history show agree;
- text form: '(forwarded from Carol, ...)' in --history;
- exactly once: with sottod down the forward exits 75 (queued); the next
  command sends it, and bob has it once, also after a further run;
- bad input: no --from or -t (64), an unknown message (65)."""
import signal

from sottotest import (EX_DATAERR, EX_OK, EX_TEMPFAIL, EX_USAGE, Scenario,
                       describe, jsonl, objs)


def setp(t, c, *args):
    p = c.run(*args)
    t.eq(p.returncode, EX_OK, " ".join(args), describe(p))


def history(c, peer):
    p = c.run("--history", peer, "--json", "--limit", "1000")
    return [m for m in objs(p, "message")]


with Scenario("forward") as sc:
    t = sc.t
    srv = sc.server()
    people = {n: sc.client(n, srv) for n in ("alice", "bob", "carol",
                                              "dave", "erin")}
    alice, bob, carol, dave, erin = (people[n] for n in (
        "alice", "bob", "carol", "dave", "erin"))
    for n, c in people.items():
        p = c.run("--register", n, "--display-name", n.title())
        t.eq(p.returncode, EX_OK, "register " + n, describe(p))
    setp(t, carol, "--add-contact", "@bob")
    setp(t, carol, "--block", "@erin")
    p = carol.run("-t", "@alice", "-m", "the original words", "--json")
    t.eq(p.returncode, EX_OK, "carol writes to alice", describe(p))
    orig = (objs(p, "message") or [{}])[0]
    mid = str(orig.get("id"))
    setp(t, alice, "--history", "@carol")   # alice's device has it

    cases = [
        ("everybody", ["everybody"], {"bob", "dave", "me"}),
        ("contacts", ["contacts"], {"bob"}),
        ("nobody", ["nobody"], set()),
        ("nobody, allow dave", ["nobody", "+dave"], {"dave"}),
        ("everybody, deny bob", ["everybody", "-bob"], {"dave", "me"}),
    ]
    sent = {"bob": [], "dave": []}
    for what, rule, linked in cases:
        p = carol.run("--set-privacy", "forwards=" + rule[0])
        t.eq(p.returncode, EX_OK, "carol: forwards=" + rule[0], describe(p))
        for ex in rule[1:]:
            setp(t, carol, "--privacy-allow" if ex[0] == "+" else
                 "--privacy-deny", "forwards=@" + ex[1:])
        for to in ("bob", "dave", "erin", "me"):
            p = alice.run("--forward", mid, "--from", "@carol", "-t",
                          "me" if to == "me" else "@" + to, "--json")
            t.eq(p.returncode, EX_OK, "%s: alice forwards to %s" %
                 (what, to), describe(p))
            m = (objs(p, "message") or [{}])[0]
            f = m.get("forwarded", {})
            t.ok(m.get("text") == "the original words" and
                 f.get("name") == "Carol" and
                 f.get("date") == orig.get("date"),
                 "%s, to %s: the copy says 'forwarded from Carol' with "
                 "the original's date" % (what, to), m)
            if to in linked:
                t.eq(f.get("from_id"), orig.get("from_id"),
                     "%s, to %s: linked to carol's account" % (what, to))
            else:
                t.ok("from_id" not in f, "%s, to %s: the name only, no "
                     "link" % (what, to), m)
            if to in sent:
                sent[to].append((m.get("id"), to in linked))

    # What the recipients have, as their own devices show it.
    for to in ("bob", "dave"):
        got = {m["id"]: "from_id" in m.get("forwarded", {})
               for m in history(people[to], "@alice") if "forwarded" in m}
        t.eq([got.get(i) for i, _ in sent[to]], [l for _, l in sent[to]],
             "%s's --history: the copies, linked as the server said" % to)
    p = dave.run("--history", "@alice")
    lines = p.stdout.splitlines()
    t.ok(any("(forwarded from Carol, " in l and
             l.endswith(": the original words") for l in lines) and
         any("(forwarded from Carol):" in l for l in lines),
         "--history in text: '(forwarded from Carol, ...)' and '(forwarded "
         "from Carol)'", describe(p))

    # Exactly once through the outbox.
    p = carol.run("-t", "@alice", "-m", "while the server sleeps", "--json")
    mid2 = str((objs(p, "message") or [{}])[0].get("id"))
    setp(t, alice, "--history", "@carol")
    srv.stop(signal.SIGKILL)
    p = alice.run("--timeout", "2", "--forward", mid2, "--from", "@carol",
                  "-t", "@bob")
    t.eq(p.returncode, EX_TEMPFAIL, "server down: the forward exits 75",
         describe(p))
    t.ok("queue" in p.stderr.lower() or "outbox" in p.stderr.lower(),
         "and says it is queued", describe(p))
    srv.start()
    setp(t, alice, "--whoami")
    n = [m for m in history(bob, "@alice")
         if m.get("text") == "while the server sleeps"]
    t.ok(len(n) == 1 and n[0].get("forwarded", {}).get("name") == "Carol",
         "bob has the queued forward once, as a forward", n)
    setp(t, alice, "--whoami")
    n = [m for m in history(bob, "@alice")
         if m.get("text") == "while the server sleeps"]
    t.eq(len(n), 1, "and a further run sends nothing again")

    # Bad input.
    for args in (("--forward", mid, "-t", "@bob"),
                 ("--forward", mid, "--from", "@carol"),
                 ("--forward", "x", "--from", "@carol", "-t", "@bob"),
                 ("--from", "@carol", "-t", "@bob", "-m", "hi")):
        p = alice.run(*args)
        t.eq(p.returncode, EX_USAGE, "usage: %s" % " ".join(args),
             describe(p))
    p = alice.run("--forward", "99999", "--from", "@carol", "-t", "@bob")
    t.ok(p.returncode == EX_DATAERR and "99999" in p.stderr,
         "an unknown message: exit 65, named", describe(p))
    t.done()
