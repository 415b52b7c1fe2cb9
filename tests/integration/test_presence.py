"""Last seen, online and the bio through real sotto processes against a
real sottod: alice is the owner; bob (her contact), carol (a stranger)
and dave (whom she blocked) look at her with --user, and alice at
herself (--user me).

- the matrix: last_seen and bio set to everybody, contacts, nobody,
  nobody with an allow exception and everybody with a deny exception:
  who gets the exact "offline" with the minute, who only "recently",
  dave "long_ago"; who gets the bio (--json and the text lines);
- reciprocity: carol hiding her own last seen sees only "recently";
- --set-bio: shown back, refused with the server's reason and exit 65
  for over 140 characters, a line break, U+2028 and a BiDi override,
  the old bio kept; cleared with "";
- --listen --json and text: bob (a watcher) hears alice come online and
  go offline (each of her commands connects), carol (no watcher) does
  not, and bob no longer once alice denies him her last seen."""
import time

import itest
from sottotest import EX_DATAERR, EX_OK, Scenario, describe, objs

BIO = "tea, chess and long walks"


def user(t, c, peer, what):
    p = c.run("--user", peer, "--json")
    t.eq(p.returncode, EX_OK, what + ": --user " + peer, describe(p))
    got = objs(p, "user")
    return got[0] if len(got) == 1 else {}


def setp(t, c, *args):
    p = c.run(*args)
    t.eq(p.returncode, EX_OK, " ".join(args), describe(p))


def listen(c, json=True):
    """A --listen of c in the background, its control socket made:
    (proc, lines)."""
    proc, lines = itest.listen(c, json)
    itest.wait_for_ctl(c)
    time.sleep(0.5)
    return proc, lines


def statuses(lines):
    return itest.printed(lines, "status")


def wait(fn, timeout=10):
    end = time.time() + timeout
    while time.time() < end:
        v = fn()
        if v:
            return v
        time.sleep(0.1)
    return fn()


with Scenario("presence") as sc:
    t = sc.t
    srv = sc.server()
    people = {n: sc.client(n, srv) for n in ("alice", "bob", "carol",
                                              "dave")}
    alice, bob, carol, dave = (people[n] for n in ("alice", "bob", "carol",
                                                   "dave"))
    for n, c in people.items():
        p = c.run("--register", n, "--display-name", n.title())
        t.eq(p.returncode, EX_OK, "register " + n, describe(p))
    setp(t, alice, "--add-contact", "@bob")
    setp(t, alice, "--block", "@dave")

    # -------------------------------------------------- --set-bio
    p = alice.run("--set-bio", BIO, "--json")
    t.eq(p.returncode, EX_OK, "--set-bio", describe(p))
    me = objs(p, "user")
    t.ok(me and me[0].get("bio") == BIO and me[0].get("status") == "online",
         "--set-bio prints alice as she now is: the bio, online", p.stdout)
    for what, bio, why in (("141 characters", "x" * 141, "140 characters"),
                           ("a line break", "one\ntwo", "control"),
                           ("U+2028", "one\u2028two", "separator"),
                           ("a BiDi override", "abc\u202edef",
                            "bidirectional")):
        p = alice.run("--set-bio", bio)
        t.ok(p.returncode == EX_DATAERR and why in p.stderr and
             "bio" in p.stderr,
             "--set-bio with %s: exit 65 and the reason" % what, describe(p))
    t.eq(user(t, alice, "me", "after the refusals").get("bio"), BIO,
         "a refused bio leaves the old one")

    # -------------------------------------------------- the matrix
    cases = [
        ("everybody", ["everybody"], {"alice", "bob", "carol"}),
        ("contacts", ["contacts"], {"alice", "bob"}),
        ("nobody", ["nobody"], {"alice"}),
        ("nobody, allow carol", ["nobody", "+carol"], {"alice", "carol"}),
        ("everybody, deny bob", ["everybody", "-bob"], {"alice", "carol"}),
    ]
    for what, rule, sees in cases:
        for key in ("last_seen", "bio"):
            # --set-privacy keeps the exceptions: the cases are in an
            # order in which those left over do not matter.
            p = alice.run("--set-privacy", "%s=%s" % (key, rule[0]))
            t.eq(p.returncode, EX_OK, "%s=%s" % (key, rule[0]),
                 describe(p))
            for ex in rule[1:]:
                flag = "--privacy-allow" if ex[0] == "+" else \
                    "--privacy-deny"
                setp(t, alice, flag, "%s=@%s" % (key, ex[1:]))
        for name, c in people.items():
            u = user(t, c, "me" if name == "alice" else "@alice",
                     "%s: %s" % (what, name))
            if name == "alice":
                t.ok(u.get("status") == "online" and "last_seen" in u,
                     "%s: alice sees herself online" % what, u)
            elif name in sees:
                t.ok(u.get("status") == "offline" and
                     u.get("last_seen", 0) % 60 == 0 and
                     abs(u.get("last_seen", 0) - time.time()) < 180,
                     "%s: %s sees alice offline since the minute" %
                     (what, name), u)
            else:
                want = "long_ago" if name == "dave" else "recently"
                t.ok(u.get("status") == want and "last_seen" not in u,
                     "%s: %s gets only '%s'" % (what, name, want), u)
            if name in sees:
                t.eq(u.get("bio"), BIO, "%s: %s sees the bio" % (what, name))
            else:
                t.ok("bio" not in u, "%s: %s gets no bio" % (what, name), u)

    # The text form: a line for last seen, one for the bio.
    setp(t, alice, "--set-privacy", "last_seen=everybody")
    setp(t, alice, "--set-privacy", "bio=everybody")
    setp(t, alice, "--privacy-allow", "last_seen=@bob")
    setp(t, alice, "--privacy-allow", "bio=@bob")
    p = bob.run("--user", "@alice")
    lines = p.stdout.splitlines()
    t.ok(p.returncode == EX_OK and len(lines) == 3 and
         lines[1].startswith("  last seen ") and
         lines[2] == "  bio: " + BIO,
         "--user in text: the user, '  last seen HH:MM', '  bio: ...'",
         describe(p))
    p = carol.run("--set-privacy", "last_seen=nobody")
    t.eq(p.returncode, EX_OK, "carol hides her last seen", describe(p))
    t.eq(user(t, carol, "@alice", "reciprocity").get("status"), "recently",
         "who hides their own last seen sees only 'recently' of alice")
    p = carol.run("--user", "@alice")
    t.ok("  last seen recently" in p.stdout.splitlines(),
         "in words: 'last seen recently'", describe(p))

    # -------------------------------------------------- --listen
    bproc, blines = listen(bob)
    cproc, clines = listen(carol)
    setp(t, alice, "--whoami")
    got = wait(lambda: [s.get("status") for s in statuses(blines)]
               if len(statuses(blines)) >= 2 else None)
    st = statuses(blines)
    t.ok(got == ["online", "offline"] and
         all(s.get("user") == "@alice" for s in st) and
         st[-1].get("last_seen", 0) % 60 == 0,
         "bob's --listen --json: alice online, then offline at a minute",
         "".join(blines))
    t.eq(statuses(clines), [], "carol (no watcher) hears nothing",
         "".join(clines))
    setp(t, alice, "--privacy-deny", "last_seen=@bob")
    time.sleep(1)
    before = len(statuses(blines))
    setp(t, alice, "--whoami")
    time.sleep(2)
    t.eq(len(statuses(blines)), before,
         "denied, bob hears nothing of alice's comings and goings",
         "".join(blines))
    for proc in (bproc, cproc):
        proc.terminate()
        proc.wait(timeout=20)

    setp(t, alice, "--privacy-allow", "last_seen=@bob")
    tproc, tlines = listen(bob, json=False)
    setp(t, alice, "--whoami")
    wait(lambda: any("went offline" in l for l in tlines))
    t.ok(any(l.strip() == "@alice is online" for l in tlines) and
         any(l.startswith("@alice went offline (last seen ")
             for l in tlines),
         "bob's text --listen: '@alice is online', '... went offline'",
         "".join(tlines))
    tproc.terminate()
    tproc.wait(timeout=20)

    p = alice.run("--set-bio", "", "--json")
    t.ok(p.returncode == EX_OK and "bio" not in (objs(p, "user") or [{}])[0],
         "--set-bio '' clears it", describe(p))
    t.done()
