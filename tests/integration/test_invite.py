"""Invite links with real processes: alice's group "Club" with bob.

- only an admin makes a link (bob, a plain member, is refused: 77); the
  link is printed alone on a line, sotto:join/ and 32 hex digits;
- carol and dave join through a link of two uses: each is a member, the
  group shows "joined"; a third account finds it used up;
- a used-up, an expired (--expires 1) and a revoked link give exactly the
  answer of a made-up one: the same words on stderr, exit 65;
- a plain member may not revoke (77), an admin may; revoking twice is as
  revoking a made-up link;
- joins are rate-limited per account: after 10 attempts (bad links count)
  the 11th is refused with the wait (75), even with a good link;
- the server keeps no token: neither its database nor its log holds one;
- a link that is not one is refused before anything is sent (65)."""
import re
import time

from sottotest import (EX_DATAERR, EX_NOPERM, EX_OK, EX_TEMPFAIL, Scenario,
                       describe, objs)

LINK = re.compile(r"^sotto:join/[0-9a-f]{32}$")
MADE_UP = "sotto:join/" + "0123456789abcdef" * 2


def make_link(t, who, gid, *extra, what=""):
    p = who.run("--invite-link", str(gid), *extra)
    t.eq(p.returncode, EX_OK, "alice makes a link %s" % what, describe(p))
    link = p.stdout.strip()
    t.ok(LINK.match(link) is not None,
         "the link is printed alone: sotto:join/ and 32 hex digits", link)
    return link


def members(client, gid):
    p = client.run("--list-chats", "--json")
    for c in objs(p, "chat"):
        if c.get("id") == gid:
            return c.get("members") or []
    return None


def refused_like_missing(t, who, link, what):
    """link gets exactly the answer of a link that never existed."""
    p = who.run("--join", link)
    q = who.run("--join", MADE_UP)
    t.eq(p.returncode, EX_DATAERR, "%s: --join exits 65" % what, describe(p))
    t.eq((p.returncode, p.stderr), (q.returncode, q.stderr),
         "%s: the same answer as a made-up link" % what,
         describe(p) + "\n" + describe(q))
    t.ok("no such invite link" in p.stderr, "%s: it says so" % what,
         describe(p))


with Scenario("invite") as sc:
    t = sc.t
    srv = sc.server()
    names = ("alice", "bob", "carol", "dave", "eve", "frank")
    cl = {}
    for n in names:
        cl[n] = sc.client(n, srv, password="%s-password-1" % n)
        p = cl[n].run("--register", n)
        t.eq(p.returncode, EX_OK, "register %s" % n, describe(p))
    alice, bob, carol, dave, eve, frank = (cl[n] for n in names)

    p = alice.run("--create-group", "Club", "--members", "@bob", "--json")
    t.eq(p.returncode, EX_OK, "alice creates Club with bob", describe(p))
    gid = objs(p, "chat")[0]["id"]

    p = bob.run("--invite-link", str(gid))
    t.eq(p.returncode, EX_NOPERM, "bob, a plain member, makes no link (77)",
         describe(p))
    t.ok("only admins" in p.stderr, "bob is told why", describe(p))
    p = eve.run("--invite-link", str(gid))
    t.eq(p.returncode, EX_DATAERR, "eve, a stranger, finds no group (65)",
         describe(p))

    # ------------------------------------------------------------ join
    two = make_link(t, alice, gid, "--uses", "2", what="of two uses")
    p = carol.run("--join", two, "--json")
    t.eq(p.returncode, EX_OK, "carol joins through the link", describe(p))
    chats = objs(p, "chat")
    t.ok(chats and chats[0].get("id") == gid and
         "@carol" in (chats[0].get("members") or []),
         "--join prints the group with carol in it", describe(p))
    p = carol.run("--history", str(gid), "--json")
    acts = [m.get("action") for m in objs(p, "message")]
    t.ok("joined" in acts, "carol's history shows her join", acts)
    p = carol.run("-t", str(gid), "-m", "hello club")
    t.eq(p.returncode, EX_OK, "carol writes in the group", describe(p))
    p = alice.run("--history", str(gid), "--json")
    msgs = objs(p, "message")
    t.ok(any(m.get("action") == "joined" and m.get("from") == "@carol"
             for m in msgs), "alice sees carol join", msgs)
    t.ok(any(m.get("text") == "hello club" for m in msgs),
         "alice gets carol's message", msgs)
    p = carol.run("--join", two)
    t.eq(p.returncode, EX_DATAERR, "joining twice: 65", describe(p))
    t.ok("already a member" in p.stderr, "carol is told she is in",
         describe(p))
    p = dave.run("--join", two)
    t.eq(p.returncode, EX_OK, "dave uses the second use", describe(p))
    t.ok("@dave" in (members(alice, gid) or []), "dave is a member",
         members(alice, gid))
    refused_like_missing(t, eve, two, "a used-up link")
    t.ok("@eve" not in (members(alice, gid) or []), "eve is not in",
         members(alice, gid))

    # ------------------------------------------------------------ expiry
    soon = make_link(t, alice, gid, "--expires", "1", what="for 1 second")
    time.sleep(2.2)
    refused_like_missing(t, eve, soon, "an expired link")

    # ------------------------------------------------------------ revoke
    gone = make_link(t, alice, gid, what="to revoke")
    p = bob.run("--revoke-link", gone)
    t.eq(p.returncode, EX_NOPERM, "bob may not revoke it (77)", describe(p))
    p = alice.run("--revoke-link", gone)
    t.eq(p.returncode, EX_OK, "alice revokes it", describe(p))
    refused_like_missing(t, eve, gone, "a revoked link")
    p = alice.run("--revoke-link", gone)
    q = alice.run("--revoke-link", MADE_UP)
    t.eq((p.returncode, p.stderr), (q.returncode, q.stderr),
         "revoking twice answers as a made-up link", describe(p))

    # ------------------------------------------------------------ form
    p = eve.run("--join", "sotto:join/xyz")
    t.eq(p.returncode, EX_DATAERR, "a malformed link: 65", describe(p))
    t.ok("invalid invite link" in p.stderr, "it says why", describe(p))

    # ------------------------------------------------------------ rate limit
    good = make_link(t, alice, gid, what="for frank")
    for i in range(10):
        p = frank.run("--join", "sotto:join/%032x" % (i + 1))
        t.eq(p.returncode, EX_DATAERR, "frank's bad attempt %d: 65" % (i + 1),
             describe(p))
    p = frank.run("--join", good)
    t.eq(p.returncode, EX_TEMPFAIL, "the 11th attempt is rate-limited (75)",
         describe(p))
    t.ok(re.search(r"try again in \d+", p.stderr) is not None,
         "frank is told how long to wait", describe(p))
    t.ok("@frank" not in (members(alice, gid) or []), "frank is not in",
         members(alice, gid))
    p = eve.run("--join", good)
    t.eq(p.returncode, EX_OK, "eve (another account) joins meanwhile",
         describe(p))

    # ------------------------------------------------------------ no token
    out, err = srv.dump()
    log = open(srv.log, "rb").read()
    for link in (two, soon, gone, good):
        token = link.split("/")[1]
        t.ok(token.encode() not in out and bytes.fromhex(token) not in out,
             "the database holds no token", token)
        t.ok(token.encode() not in log, "the log holds no token", token)
    rows, err = srv.sql("SELECT count(*) FROM invite_links WHERE expires = 0")
    t.eq(rows, "1", "the used-up and the revoked links are gone from the "
         "database (frank's good one is left)", err)
    t.done()
