"""The user sees what the server stores (doc/DATA.md, doc/CLI.md "Export").

alice has a contact (bob), rules (last_seen nobody, a deny exception for
bob and an allow exception for carol on phone_number), a block (dave),
messages to and from bob and carol, and enough long messages that the
export spans several pages. bob and carol also have a chat and a group of
their own that alice is not in.

- --export-my-data --json holds each of alice's rows (the contact, the
  rules, the block, her messages and those sent to her), every table
  doc/DATA.md names, and nothing of another account: no other user's
  phone or display name, no text of a chat alice is not in, no password
  hash; the long messages all arrive, each once, over several pages;
- the text form names every table (those without rows as "none");
- --output FILE writes a new private file and refuses an existing one
  (73, the file untouched); bad combinations are usage errors;
- with alice's --listen running, the export is carried out over its
  control socket (no passphrase given) and still lands whole in --output;
- --user me --as everybody|contacts|@bob|@carol shows alice's profile as
  each viewer gets it: the same phone as bob's and carol's own --user
  @alice, and the rules (contacts see the phone, bob is denied it, carol
  is allowed it, everybody else is not); --as a stranger alice was never
  shown is "no such user";
- a secret-chat request waiting for alice's second device is in the
  export as a count, with no payload, and its chat as ids;
- the raw protocol: both requests need a sign-in; a cursor the server did
  not give and a viewer that does not exist are errors, not a
  disconnect; paging by hand ends; the ids that stand for the two
  hypothetical viewers are refused as a VIEWER_USER, and a user never
  shown gets the same error as an id past the end."""
import json
import os
import stat

import itest
import noiseclient as nc
from sottotest import EX_DATAERR, EX_OK, EX_USAGE, Scenario, describe, jsonl, objs

SRCDIR = os.environ.get("SOTTO_SRCDIR",
                        os.path.join(os.path.dirname(__file__), "..", ".."))
EX_CANTCREAT = 73

PHONES = {"alice": "+15550001001", "bob": "+15550002002",
          "carol": "+15550003003", "dave": "+15550004004",
          "erin": "+15550005005"}
NAMES = {u: "%s Displayname%d" % (u.capitalize(), i)
         for i, u in enumerate(PHONES)}
BIO = "alice bio 8e8e"
LONG = 30                       # messages of 3,000 characters: > 1 page


def documented_tables():
    import re
    with open(os.path.join(SRCDIR, "doc", "DATA.md")) as f:
        return {m.group(1) for m in
                (re.match(r"^## `?([A-Za-z_][A-Za-z0-9_]*)`?\s*$", line)
                 for line in f) if m}


def ok(t, p, what):
    t.eq(p.returncode, EX_OK, what, describe(p))
    return p


with Scenario("export") as sc:
    t = sc.t
    srv = sc.server()
    cl = {u: sc.client(u, srv) for u in PHONES}
    for u, c in cl.items():
        ok(t, c.run("--register", u, "--display-name", NAMES[u], "--phone",
                    PHONES[u]), "register " + u)
    alice, bob, carol, dave, erin = (cl[u] for u in
                                     ("alice", "bob", "carol", "dave", "erin"))

    ok(t, alice.run("--add-contact", "@bob"), "alice adds bob as a contact")
    ok(t, alice.run("-t", "@bob", "-m", "alice to bob 7f3a"), "alice writes bob")
    ok(t, bob.run("-t", "@alice", "-m", "bob to alice 9c1e"), "bob answers")
    ok(t, alice.run("-t", "@carol", "-m", "alice to carol 2b8d"),
       "alice writes carol")
    ok(t, alice.run("--set-privacy", "last_seen=nobody"), "a rule")
    ok(t, alice.run("--privacy-deny", "phone_number=@bob"), "a deny exception")
    ok(t, alice.run("--privacy-allow", "phone_number=@carol"),
       "an allow exception")
    ok(t, alice.run("--block", "@dave"), "alice blocks dave")
    ok(t, alice.run("--set-privacy", "bio=contacts"), "a rule for the bio")
    # The bio has no flag yet: a raw device of alice's sets it, then goes.
    d = nc.Device(srv.addr)
    t.eq(d.call(12, nc.B(1, "alice") + nc.B(2, "s3cret-passw0rd") +
                nc.B(3, "raw"))[0], 0, "raw: alice signs in")
    t.eq(d.call(70, nc.B(1, BIO))[0], 0, "raw: alice sets her bio")
    t.eq(d.call(13)[0], 0, "raw: and logs that device out")
    d.peer.close()
    # What alice must never see: bob and carol among themselves.
    ok(t, bob.run("-t", "@carol", "-m", "bob to carol private 5e6f"),
       "bob writes carol")
    ok(t, bob.run("--add-contact", "@carol"), "bob adds carol")
    ok(t, bob.run("--create-group", "Bob Group Title 4d4d", "--members",
                  "@carol,@erin"), "bob makes a group without alice")
    ok(t, carol.run("--list-chats"), "carol syncs")
    long_texts = ["long %02d " % i + "x" * 2990 for i in range(LONG)]
    for i, text in enumerate(long_texts):
        p = alice.run("-t", "me", "-m", text)
        if p.returncode != EX_OK:
            ok(t, p, "long message %d to Saved Messages" % i)
            break

    # ---------------------------------------------------------- --json
    p = ok(t, alice.run("--export-my-data", "--json", "--timeout", "60"),
           "--export-my-data --json")
    rows = objs(p, "export_row")
    done = objs(p, "export_done")
    t.eq(len(done), 1, "the export ends with one export_done", p.stdout[-500:])
    done = done[0] if done else {}
    t.eq(done.get("rows"), len(rows), "export_done counts the rows")
    t.eq(len(jsonl(p)), len(rows) + 1, "every line is a row or the end")
    by = {}
    for r in rows:
        by.setdefault(r.get("table"), []).append(r.get("row", {}))
    missing = sorted(documented_tables() - set(done.get("tables", {})))
    t.ok(not missing, "the export covers every table doc/DATA.md names",
         "not exported: %s: give each its entry in exp_sections[] of "
         "server/srv_store_export.c (doc/DATA.md says how)" % missing)

    me = by.get("users", [])
    t.eq(len(me), 1, "one users row: alice's own", me)
    me = me[0] if me else {}
    ids = {}
    for u, c in cl.items():
        q = c.run("--whoami", "--json")
        w = [o for o in jsonl(q) if "user_id" in o]
        ids[u] = w[-1]["user_id"] if w else None
    t.eq(me.get("username"), "alice", "her username")
    t.eq(me.get("phone"), PHONES["alice"], "her phone")
    t.eq(me.get("display_name"), NAMES["alice"], "her display name")
    t.eq(me.get("pwhash"), "(held, not shown)",
         "the password hash is said to be held, not shown")
    t.ok("$argon2" not in p.stdout, "no Argon2 hash anywhere in the export")

    t.eq([(r.get("user_id"), r.get("username")) for r in by.get("contacts", [])],
         [(ids["bob"], "bob")], "the contact: bob")
    t.eq([(r.get("user_id"), r.get("username")) for r in by.get("blocks", [])],
         [(ids["dave"], "dave")], "the block: dave")
    t.ok({"key": 3, "value": 3}.items() <= (by.get("privacy") or [{}])[0].items(),
         "the rule: last_seen (3) nobody (3)", by.get("privacy"))
    exc = sorted((r.get("username"), r.get("allow"), r.get("key"))
                 for r in by.get("privacy_exceptions", []))
    t.eq(exc, [("bob", 0, 1), ("carol", 1, 1)],
         "the exceptions: bob denied, carol allowed the phone number")
    t.eq([r.get("bio") for r in by.get("bios", [])], [BIO], "her bio")
    t.eq(len(by.get("presence", [])), 1, "her last seen, one row")
    t.ok(len(by.get("devices", [])) == 1 and
         len(by["devices"][0].get("key", "")) == 64,
         "her device, with its public key in hex", by.get("devices"))

    texts = [r.get("text") for r in by.get("messages", [])]
    for text in ("alice to bob 7f3a", "bob to alice 9c1e", "alice to carol 2b8d"):
        t.ok(text in texts, "the message '%s' is in the export" % text)
    t.eq(sorted(x for x in texts if x and x.startswith("long ")),
         sorted(long_texts), "each long message once, across the pages")
    t.ok(len(p.stdout) > 70000, "the export is more than one frame "
         "(%d bytes)" % len(p.stdout))
    chats = by.get("chats", [])
    t.ok(all(c.get("title") != "Bob Group Title 4d4d" for c in chats),
         "bob's group is not among alice's chats", chats)

    for u in ("bob", "carol", "dave", "erin"):
        t.ok(PHONES[u] not in p.stdout, "no phone of %s" % u)
        t.ok(NAMES[u] not in p.stdout, "no display name of %s" % u)
    for word in ("bob to carol private 5e6f", "Bob Group Title 4d4d"):
        t.ok(word not in p.stdout, "nothing of a chat alice is not in (%s)"
             % word)

    # ---------------------------------------------------------- text
    p = ok(t, alice.run("--export-my-data", "--timeout", "60"),
           "--export-my-data as text")
    lines = p.stdout.splitlines()
    for table in sorted(documented_tables()):
        t.ok(("%s:" % table) in lines or ("%s: none" % table) in lines,
             "the text names the table %s" % table)
    t.ok("hidden: none" in lines, "a table without rows says none")
    t.ok(any(l.startswith("  ") and "username=\"bob\"" in l for l in lines),
         "a contact row in the text", lines[:20])
    t.ok(any("text=\"alice to bob 7f3a\"" in l for l in lines),
         "a message's text, quoted")
    for u in ("bob", "carol", "dave", "erin"):
        t.ok(PHONES[u] not in p.stdout and NAMES[u] not in p.stdout,
             "no phone or display name of %s in the text" % u)

    # ---------------------------------------------------------- --output
    out = os.path.join(sc.root, "alice-export.jsonl")
    p = ok(t, alice.run("--export-my-data", "--json", "--output", out,
                        "--timeout", "60"), "--output FILE")
    t.eq(p.stdout, "", "nothing on stdout with --output")
    with open(out) as f:
        body = f.read()
    t.ok('"type":"export_done"' in body and "alice to bob 7f3a" in body,
         "the file holds the export")
    t.eq(stat.S_IMODE(os.stat(out).st_mode) & 0o077, 0,
         "the file is private to its owner")
    p = alice.run("--export-my-data", "--output", out)
    t.eq(p.returncode, EX_CANTCREAT, "an existing file is refused (73)",
         describe(p))
    t.ok("does not overwrite" in p.stderr, "and says why", p.stderr)
    with open(out) as f:
        t.eq(f.read(), body, "the existing file is untouched")
    p = alice.run("--whoami", "--output", out)
    t.eq(p.returncode, EX_USAGE, "--output without --export-my-data (64)",
         describe(p))
    p = alice.run("--user", "@bob", "--as", "everybody")
    t.eq(p.returncode, EX_USAGE, "--as with another user than me (64)",
         describe(p))
    p = alice.run("--user", "me", "--as", "@@x")
    t.eq(p.returncode, EX_DATAERR, "a malformed --as PEER (65)", describe(p))

    # ---------------------------------------------------------- --listen
    # A running --listen of alice's profile carries the export out over
    # its control socket; --output is still written by this process.
    listen, _ = itest.listen(alice, json=False, quiet=True)
    try:
        t.ok(itest.wait_for_ctl(alice), "alice's --listen runs")
        via = os.path.join(sc.root, "alice-export-ctl.jsonl")
        # No passphrase file: only the running --listen can do it.
        p = ok(t, alice.run("--export-my-data", "--json", "--output", via,
                            "--timeout", "60", secrets=False),
               "--export-my-data through the control socket")
        with open(via) as f:
            got = [json.loads(l) for l in f if l.strip()]
        longs = sorted(o["row"]["text"] for o in got
                       if o.get("table") == "messages" and
                       o["row"].get("text", "").startswith("long "))
        t.eq(longs, sorted(long_texts), "its file holds every long message")
        t.ok(got and got[-1].get("type") == "export_done", "and its end")
    finally:
        listen.terminate()
        listen.wait(timeout=20)

    # ---------------------------------------------------------- --as
    def as_(viewer):
        p = alice.run("--user", "me", "--as", viewer, "--json")
        t.eq(p.returncode, EX_OK, "--user me --as " + viewer, describe(p))
        u = objs(p, "user")
        return u[0] if u else {}

    def sees(c):
        p = c.run("--user", "@alice", "--json")
        u = objs(p, "user")
        return (u[0].get("phone") or "") if u else None

    everybody, contacts = as_("everybody"), as_("contacts")
    t.eq(everybody.get("username"), "alice", "the profile is alice's")
    t.eq(everybody.get("display_name"), NAMES["alice"],
         "with her display name")
    t.eq(everybody.get("phone", ""), "", "everybody: no phone (contacts only)")
    t.eq(contacts.get("phone"), PHONES["alice"], "contacts: the phone")
    t.eq((everybody.get("bio", ""), contacts.get("bio")), ("", BIO),
         "the bio (rule: contacts) only to contacts")
    t.ok("status" in everybody and "last_seen" not in everybody and
         "last_seen" not in contacts, "last seen (rule: nobody) only as a "
         "coarse status", (everybody, contacts))
    ab, ac = as_("@bob"), as_("@carol")
    t.eq(ab.get("phone", ""), "", "@bob: no phone (his deny exception)")
    t.eq(ab.get("phone", ""), sees(bob), "as bob gets it himself")
    t.eq(ac.get("phone"), PHONES["alice"],
         "@carol: the phone (her allow exception)")
    t.eq(ac.get("phone", ""), sees(carol), "as carol gets it herself")
    p = alice.run("--user", "me", "--as", "contacts")
    t.ok(p.returncode == EX_OK and "phone: " + PHONES["alice"] in p.stdout
         and "as: contacts" in p.stdout, "the text form", describe(p))
    ok(t, alice.run("--set-privacy", "phone_number=everybody"),
       "alice shows her phone to everybody")
    t.eq(as_("everybody").get("phone"), PHONES["alice"],
         "everybody: now the phone")
    t.eq(as_("@bob").get("phone", ""), "", "@bob: still denied")
    # erin shares no chat with alice and is no contact, but --as finds her
    # by username first, which shows her (doc/PROTOCOL.md, "Addressing by
    # id"); a user never shown is refused below, over the raw protocol.
    p = alice.run("--user", "me", "--as", "@erin")
    t.ok(p.returncode == EX_OK and "as: @erin" in p.stdout,
         "--as a user alice finds by username", describe(p))

    # ---------------------------------------------------------- queue
    # A second device of alice's that stays away holds bob's secret-chat
    # request in its queue: the export counts it and shows no payload.
    alice2 = sc.client("alice2", srv)
    ok(t, alice2.run("--login", "alice"), "alice signs in a second device")
    ok(t, bob.run("--secret-start", "@alice"), "bob asks alice for a "
       "secret chat")
    p = ok(t, alice.run("--export-my-data", "--json", "--timeout", "60"),
           "the export with a request waiting")
    rows = objs(p, "export_row")
    queue = [r["row"] for r in rows if r.get("table") == "secret_queue"]
    devs = [r["row"]["id"] for r in rows if r.get("table") == "devices"]
    t.ok(len(devs) == 2 and any(q.get("device_id") in devs and
                                q.get("entries", 0) >= 1 for q in queue),
         "a count of the waiting queue entries for her device", queue)
    t.ok(all("payload" not in q for q in queue), "and no payload", queue)
    chats = [r["row"] for r in rows if r.get("table") == "secret_chats"]
    t.ok(len(chats) == 1 and chats[0].get("from_user") == ids["bob"] and
         chats[0].get("to_user") == ids["alice"], "the secret chat bob asked "
         "for", chats)

    # ---------------------------------------------------------- raw
    EXPORT, PROFILE_AS = 90, 91
    ERR_INVAL, ERR_NOT_AUTHED, ERR_NOT_FOUND = -2, -10, -12
    d = nc.Device(srv.addr)
    err, _ = d.call(EXPORT)
    t.eq(err, ERR_NOT_AUTHED, "raw: ExportMyData before signing in")
    err, _ = d.call(PROFILE_AS, nc.V(1, 1))
    t.eq(err, ERR_NOT_AUTHED, "raw: GetProfileAs before signing in")
    err, _ = d.call(12, nc.B(1, "alice") + nc.B(2, "s3cret-passw0rd") +
                    nc.B(3, "raw"))
    t.eq(err, 0, "raw: alice signs in")
    for bad in (b"junk", b"\xff" * 20):
        err, _ = d.call(EXPORT, nc.B(1, bad))
        t.eq(err, ERR_INVAL, "raw: a cursor the server did not give (%d "
             "bytes)" % len(bad))
    pages, nrows, cursor, tables = 0, 0, b"", None
    while pages < 100:
        err, res = d.call(EXPORT, nc.B(1, cursor) if cursor else b"")
        if not t.eq(err, 0, "raw: page %d" % (pages + 1)):
            break
        pages += 1
        nrows += len(res.get(1, []))
        if tables is None:
            tables = [x.decode() for x in res.get(4, [])]
        cursor = nc.get(res, 3, b"")
        if not nc.get(res, 2):
            break
    t.ok(pages > 1 and nrows > LONG, "raw: the export ends, over %d pages "
         "(%d rows)" % (pages, nrows))
    t.ok(tables and "users" in tables and "messages" in tables,
         "raw: the first page names the tables", tables)
    for body, want, what in (
            (nc.V(1, 0), ERR_INVAL, "no viewer"),
            (nc.V(1, 9), ERR_INVAL, "a viewer kind that does not exist"),
            (nc.V(1, 3) + nc.V(2, 2**64 - 1), ERR_NOT_FOUND,
             "the 'a contact' stand-in as a user"),
            (nc.V(1, 3) + nc.V(2, 2**64 - 2), ERR_NOT_FOUND,
             "the 'everybody' stand-in as a user")):
        err, _ = d.call(PROFILE_AS, body)
        t.eq(err, want, "raw: GetProfileAs with " + what)
    _, frank, _ = nc.register(srv.addr, "frank")
    err, never = d.call(PROFILE_AS, nc.V(1, 3) + nc.V(2, frank))
    err2, past = d.call(PROFILE_AS, nc.V(1, 3) + nc.V(2, 10**6))
    t.eq((err, nc.get(never, 2, b"")), (err2, nc.get(past, 2, b"")),
         "raw: a user never shown is answered as an id past the end")
    err, res = d.call(PROFILE_AS, nc.V(1, 1))
    t.eq((err, nc.get(res, 1, None) is not None), (0, True),
         "raw: and the connection still answers")
    d.peer.close()
    t.done()
