"""Privacy rules and blocks, enforced by a real sottod, driven by real sotto
processes: alice (two devices, phone +15550001), bob, carol and dave.

- the defaults (--get-privacy, text and --json);
- phone_number and phone_discovery: every value, allow and deny
  exceptions, --set-privacy keeping the exceptions;
- messages: nobody/contacts/everybody with exceptions; a refused send
  exits 77 with a clear message; a chat alice wrote in is exempt;
- group_invites: --create-group and --add-member refused with 77;
- secret_chats: --secret-start refused with 77 until allowed;
- blocks: a blocked user cannot message, start a secret chat, write in
  one set up before, add the blocker to a group or see the phone,
  whatever the rules; --blocked; --unblock restores; blocking oneself is
  refused; rules and blocks survive a restart of sottod;
- the second device: --get-privacy shows the same rules, a running
  --listen prints the change (live), a later one prints it from the log
  (catch-up), and the commands go over its control socket;
- bad input: unknown key or value (64), unknown or malformed peer (65);
- the raw protocol: bad SetPrivacy, SetPrivacyException and Block
  requests get errors, not a disconnect; a blocked user's typing is not
  passed on (an unblocked one's is)."""
import time

import itest
import noiseclient as nc
from itest import heard, sign_in, stop
from sottotest import (EX_DATAERR, EX_NOPERM, EX_OK, EX_USAGE, Scenario,
                       describe, objs)

KEYS = ["phone_number", "phone_discovery", "last_seen", "bio", "forwards",
        "group_invites", "messages", "secret_chats"]
PHONE = "+15550001"

ERR_INVAL, ERR_TOO_BIG, ERR_NOT_FOUND, ERR_NOT_AUTHED = -2, -6, -12, -10
GET_PRIVACY, SET_PRIVACY, SET_EXCEPTION = 50, 51, 52
BLOCK, UNBLOCK, GET_BLOCKED = 53, 54, 55


def rules(t, c, what):
    p = c.run("--get-privacy", "--json")
    t.eq(p.returncode, EX_OK, what + ": --get-privacy", describe(p))
    return {o.get("key"): o for o in objs(p, "privacy")}


def setp(t, c, arg, what=None):
    p = c.run("--set-privacy", arg, "--json")
    t.eq(p.returncode, EX_OK, what or "--set-privacy " + arg, describe(p))
    got = objs(p, "privacy")
    return got[0] if len(got) == 1 else {}


def exc(t, c, flag, arg):
    p = c.run("--privacy-" + flag, arg, "--json")
    t.eq(p.returncode, EX_OK, "--privacy-%s %s" % (flag, arg), describe(p))
    got = objs(p, "privacy")
    return got[0] if len(got) == 1 else {}


def phone_seen(t, c, peer, what):
    p = c.run("--user", peer, "--json")
    t.eq(p.returncode, EX_OK, what + ": --user " + peer, describe(p))
    u = objs(p, "user")
    return u[0].get("phone") if u else None


def refused(t, p, what, words):
    t.eq(p.returncode, EX_NOPERM, what + " exits 77", describe(p))
    t.ok(words in p.stderr, what + ": says '%s'" % words, p.stderr)


V, B = nc.V, nc.B


def raw(addr):
    return nc.Device(addr)


def listen(c):
    """A --listen --json of c in the background, its control socket made;
    returns (proc, lines)."""
    proc, lines = itest.listen(c)
    itest.wait_for_ctl(c)
    return proc, lines


with Scenario("privacy") as sc:
    t = sc.t
    srv = sc.server()
    a1 = sc.client("alice1", srv)
    a2 = sc.client("alice2", srv)
    bob = sc.client("bob", srv, password="bobs-password-1")
    carol = sc.client("carol", srv, password="carols-password-1")
    dave = sc.client("dave", srv, password="daves-password-1")
    sign_in(t, (a1, ("--register", "alice", "--phone", PHONE)),
               (a2, ("--login", "alice")),
               (bob, ("--register", "bob", "--phone", "+15550002")),
               (carol, ("--register", "carol")),
               (dave, ("--register", "dave")))

    # ------------------------------------------------------------ defaults
    r = rules(t, a1, "alice")
    t.eq(list(r), KEYS, "--get-privacy lists every key, in order")
    t.eq({k: v.get("value") for k, v in r.items()},
         {"phone_number": "contacts", "phone_discovery": "contacts",
          "last_seen": "everybody", "bio": "everybody",
          "forwards": "everybody", "group_invites": "everybody",
          "messages": "everybody", "secret_chats": "everybody"},
         "the defaults")
    t.ok(all(v.get("allow") == [] and v.get("deny") == [] and
             v.get("allow_ids") == [] and v.get("deny_ids") == []
             for v in r.values()), "no exceptions yet", r)
    p = a1.run("--get-privacy")
    t.eq(p.returncode, EX_OK, "--get-privacy in text", describe(p))
    lines = p.stdout.splitlines()
    t.eq([ln.split()[:2] for ln in lines],
         [["phone_number", "contacts"], ["phone_discovery", "contacts"],
          ["last_seen", "everybody"], ["bio", "everybody"],
          ["forwards", "everybody"], ["group_invites", "everybody"],
          ["messages", "everybody"], ["secret_chats", "everybody"]],
         "one line per key: KEY VALUE", p.stdout)

    # -------------------------------------------------------- phone_number
    t.eq(phone_seen(t, bob, "@alice", "bob"), "",
         "bob (not alice's contact) does not see her phone")
    p = a1.run("--add-contact", "@bob")
    t.eq(p.returncode, EX_OK, "alice adds bob as a contact", describe(p))
    t.eq(phone_seen(t, bob, "@alice", "bob"), PHONE,
         "a contact sees it (contacts)")
    rule = setp(t, a1, "phone_number=nobody")
    t.eq((rule.get("key"), rule.get("value")), ("phone_number", "nobody"),
         "--set-privacy prints the rule as it now is", rule)
    t.eq(phone_seen(t, bob, "@alice", "bob"), "",
         "nobody: not even a contact sees it")
    rule = exc(t, a1, "allow", "phone_number=@bob")
    t.eq((rule.get("value"), rule.get("allow"), rule.get("deny")),
         ("nobody", ["@bob"], []), "bob is always allowed", rule)
    t.eq(phone_seen(t, bob, "@alice", "bob"), PHONE,
         "an allow exception beats nobody")
    t.eq(phone_seen(t, carol, "@alice", "carol"), "", "carol does not")
    rule = setp(t, a1, "phone_number=everybody")
    t.eq(rule.get("allow"), ["@bob"], "--set-privacy keeps the exceptions",
         rule)
    t.eq(phone_seen(t, carol, "@alice", "carol"), PHONE,
         "everybody: carol sees it")
    rule = exc(t, a1, "deny", "phone_number=@carol")
    t.eq((rule.get("allow"), rule.get("deny")), (["@bob"], ["@carol"]),
         "carol is never allowed", rule)
    t.eq(phone_seen(t, carol, "@alice", "carol"), "",
         "a deny exception beats everybody")
    t.eq(phone_seen(t, dave, "@alice", "dave"), PHONE, "dave still sees it")
    rule = exc(t, a1, "allow", "phone_number=@carol")
    t.eq((rule.get("allow"), rule.get("deny")), (["@bob", "@carol"], []),
         "allowing carol takes her out of the deny list", rule)
    p = a1.run("--set-privacy", "phone_number=contacts")
    t.eq(p.returncode, EX_OK, "--set-privacy in text", describe(p))
    t.ok(p.stdout.startswith("phone_number") and "contacts" in p.stdout and
         "always: @bob, @carol" in p.stdout, "the rule as a line", p.stdout)
    t.eq(phone_seen(t, dave, "@alice", "dave"), "",
         "contacts again: dave does not see it")

    # ----------------------------------------------------- phone_discovery
    p = dave.run("--user", PHONE)
    t.eq(p.returncode, EX_DATAERR, "contacts: dave cannot find alice by phone",
         describe(p))
    setp(t, a1, "phone_discovery=everybody")
    p = dave.run("--user", PHONE, "--json")
    t.eq(p.returncode, EX_OK, "everybody: dave finds alice by phone",
         describe(p))
    t.ok([u.get("username") for u in objs(p, "user")] == ["alice"],
         "it is alice", p.stdout)
    exc(t, a1, "deny", "phone_discovery=@dave")
    p = dave.run("--user", PHONE)
    t.eq(p.returncode, EX_DATAERR, "denied: dave cannot find her", describe(p))
    setp(t, a1, "phone_discovery=nobody")
    p = bob.run("--user", PHONE)
    t.eq(p.returncode, EX_DATAERR, "nobody: not even a contact finds her",
         describe(p))
    t.ok("there is no user with the phone number" in p.stderr,
         "refused looks like absent", p.stderr)

    # ------------------------------------------------------------ messages
    setp(t, a1, "messages=nobody")
    p = carol.run("-t", "@alice", "-m", "hello?")
    refused(t, p, "nobody: carol's first message", "does not accept messages")
    t.ok("@alice" in p.stderr, "and names alice", p.stderr)
    exc(t, a1, "allow", "messages=@carol")
    p = carol.run("-t", "@alice", "-m", "hello alice")
    t.eq(p.returncode, EX_OK, "allowed: carol's message goes", describe(p))
    setp(t, a1, "messages=contacts")
    p = bob.run("-t", "@alice", "-m", "hi from a contact")
    t.eq(p.returncode, EX_OK, "contacts: bob (a contact) writes", describe(p))
    p = dave.run("-t", "@alice", "-m", "hi from a stranger")
    refused(t, p, "contacts: dave", "does not accept messages")
    p = a1.run("-t", "@dave", "-m", "dave, you there?")
    t.eq(p.returncode, EX_OK, "alice writes to dave herself", describe(p))
    p = dave.run("-t", "@alice", "-m", "yes!")
    t.eq(p.returncode, EX_OK, "dave may answer in a chat alice wrote in",
         describe(p))
    exc(t, a1, "deny", "messages=@carol")
    p = carol.run("-t", "@alice", "-m", "again")
    refused(t, p, "denied: carol", "does not accept messages")
    p = a1.run("--history", "@carol", "--json")
    t.eq([m.get("text") for m in objs(p, "message")], ["hello alice"],
         "alice has only carol's allowed message", describe(p))
    p = a1.run("--history", "@dave", "--json")
    t.eq([m.get("text") for m in objs(p, "message")],
         ["dave, you there?", "yes!"], "and dave's answer, not the refused",
         describe(p))
    setp(t, a1, "messages=everybody")

    # ------------------------------------------------------- group_invites
    setp(t, a1, "group_invites=nobody")
    p = bob.run("--create-group", "Club", "--members", "@alice,@carol")
    refused(t, p, "nobody: bob's group with alice", "group invitations")
    p = bob.run("--create-group", "Club", "--members", "@carol", "--json")
    t.eq(p.returncode, EX_OK, "a group without alice", describe(p))
    chats = objs(p, "chat")
    gid = str(chats[0].get("id")) if chats else "0"
    p = bob.run("--add-member", gid, "@alice")
    refused(t, p, "nobody: adding alice", "group invitations")
    exc(t, a1, "allow", "group_invites=@bob")
    p = bob.run("--add-member", gid, "@alice", "--json")
    t.eq(p.returncode, EX_OK, "allowed: bob adds alice", describe(p))
    setp(t, a1, "group_invites=contacts")
    p = carol.run("--create-group", "Carol's", "--members", "@alice")
    refused(t, p, "contacts: carol's group with alice", "group invitations")
    p = bob.run("--create-group", "Bob's", "--members", "@alice")
    t.eq(p.returncode, EX_OK, "contacts: bob's", describe(p))
    setp(t, a1, "group_invites=everybody")

    # -------------------------------------------------------- secret_chats
    setp(t, a1, "secret_chats=nobody")
    p = bob.run("--secret-start", "@alice")
    t.eq(p.returncode, EX_NOPERM, "nobody: bob's --secret-start exits 77",
         describe(p))
    t.ok("secret chats" in p.stderr, "and says why", p.stderr)
    exc(t, a1, "allow", "secret_chats=@bob")
    p = bob.run("--secret-start", "@alice", "--json")
    t.eq(p.returncode, EX_OK, "allowed: it works", describe(p))
    started = objs(p, "secret_chat")
    sid = started[0].get("secret_id") if started else 0
    p = a1.run("--secret-accept", str(sid))
    t.eq(p.returncode, EX_OK, "alice accepts bob's secret chat", describe(p))
    p = bob.run("-t", "@alice", "--secret", "-m", "psst")
    t.eq(p.returncode, EX_OK, "bob writes in it", describe(p))
    setp(t, a1, "secret_chats=contacts")
    p = carol.run("--secret-start", "@alice")
    t.eq(p.returncode, EX_NOPERM, "contacts: carol's exits 77", describe(p))
    setp(t, a1, "secret_chats=everybody")
    p = carol.run("--secret-start", "@alice")
    t.eq(p.returncode, EX_OK, "everybody: carol's works", describe(p))

    # -------------------------------------------------------------- blocks
    # Everything is open to bob now, and he is alice's contact.
    t.eq(phone_seen(t, bob, "@alice", "bob"), PHONE, "before: bob sees it")
    l2, l2lines = listen(a2)
    p = a1.run("--block", "@bob")
    t.eq(p.returncode, EX_OK, "alice blocks bob", describe(p))
    t.eq(p.stdout.strip(), "blocked @bob", "it says so", p.stdout)
    got = heard(l2lines, lambda o: o.get("type") == "block")
    t.ok(got and got[0].get("username") == "bob" and
         got[0].get("blocked") is True,
         "alice's other device, listening, hears the block", got)
    p = bob.run("-t", "@alice", "-m", "why?")
    refused(t, p, "blocked: bob's message", "does not accept messages")
    t.ok("block" not in p.stderr, "the block is not announced", p.stderr)
    p = bob.run("--secret-start", "@alice")
    t.eq(p.returncode, EX_NOPERM, "blocked: bob's --secret-start exits 77",
         describe(p))
    p = bob.run("--create-group", "Again", "--members", "@alice")
    refused(t, p, "blocked: bob's new group with alice", "group invitations")
    t.eq(phone_seen(t, bob, "@alice", "bob"), "",
         "blocked: bob no longer sees her phone (though a contact)")
    p = bob.run("-t", "@alice", "--secret", "-m", "psst?")
    t.eq(p.returncode, EX_NOPERM,
         "blocked: bob cannot write in the secret chat made before (77)",
         describe(p))
    exc(t, a1, "allow", "messages=@bob")
    p = bob.run("-t", "@alice", "-m", "still?")
    refused(t, p, "an allow exception does not beat a block",
            "does not accept messages")
    p = a1.run("--blocked", "--json")
    t.eq(p.returncode, EX_OK, "--blocked", describe(p))
    t.eq([u.get("username") for u in objs(p, "user")], ["bob"],
         "lists bob", p.stdout)
    # While --listen runs, alice2's commands go over its control socket.
    p = a2.run("--blocked", server=True, secrets=False)
    t.eq(p.returncode, EX_OK, "--blocked on alice's second device (ctl)",
         describe(p))
    t.ok("@bob" in p.stdout, "in text, with @bob", p.stdout)
    p = a2.run("--block", "@carol", "--json", secrets=False)
    t.eq(p.returncode, EX_OK, "alice2 blocks carol over ctl", describe(p))
    t.eq([(o.get("username"), o.get("blocked")) for o in objs(p, "block")],
         [("carol", True)], "--block --json", p.stdout)
    p = carol.run("-t", "@alice", "-m", "hm")
    refused(t, p, "blocked from the other device: carol",
            "does not accept messages")
    p = a1.run("--unblock", "@carol", "--json")
    t.eq([(o.get("username"), o.get("blocked")) for o in objs(p, "block")],
         [("carol", False)], "--unblock --json", describe(p))
    p = a1.run("--unblock", "@bob")
    t.eq((p.returncode, p.stdout.strip()), (EX_OK, "unblocked @bob"),
         "alice unblocks bob", describe(p))
    p = bob.run("-t", "@alice", "-m", "thanks")
    t.eq(p.returncode, EX_OK, "unblocked: bob writes again", describe(p))
    p = bob.run("-t", "@alice", "--secret", "-m", "psst again")
    t.eq(p.returncode, EX_OK, "and in the secret chat", describe(p))
    t.eq(phone_seen(t, bob, "@alice", "bob"), PHONE,
         "and sees the phone again")
    p = a1.run("--blocked", "--json")
    t.eq((p.returncode, objs(p, "user")), (EX_OK, []),
         "--blocked is empty again", describe(p))
    p = a1.run("--block", "me")
    t.eq(p.returncode, EX_DATAERR, "blocking oneself is refused", describe(p))
    t.ok("yourself" in p.stderr, "and says why", p.stderr)

    # --------------------------------------------------- the second device
    setp(t, a1, "last_seen=nobody")
    got = heard(l2lines, lambda o: o.get("type") == "privacy" and
                o.get("key") == "last_seen")
    t.ok(got and got[-1].get("value") == "nobody",
         "the listening second device hears a rule change", got)
    t.ok(stop(l2) is not None, "--listen ends")
    r1 = rules(t, a1, "alice1")
    r2 = rules(t, a2, "alice2")
    t.eq(r2, r1, "the second device sees the same rules")
    t.eq((r2.get("last_seen", {}).get("value"),
          r2.get("messages", {}).get("allow"),
          r2.get("messages", {}).get("deny")),
         ("nobody", ["@bob"], ["@carol"]), "as set on the first", r2)
    setp(t, a1, "bio=contacts")
    p = a1.run("--block", "@dave")
    t.eq(p.returncode, EX_OK, "alice blocks dave (device 2 is off)",
         describe(p))
    l2, l2lines = listen(a2)
    got = heard(l2lines, lambda o: o.get("type") == "block" and
                o.get("username") == "dave")
    t.ok(got and got[-1].get("blocked") is True,
         "device 2 catches up on the block from the log", got)
    got = heard(l2lines, lambda o: o.get("type") == "privacy" and
                o.get("key") == "bio")
    t.ok(got and got[-1].get("value") == "contacts",
         "and on the rule change", got)
    t.ok(stop(l2) is not None, "--listen ends")
    t.ok("sotto:" not in l2.stderr.read(), "without an error")
    p = a2.run("--list-chats")
    t.eq(p.returncode, EX_OK, "device 2 works on after applying them",
         describe(p))

    # The rules and blocks are in the server's database, not its memory.
    srv.restart()
    p = dave.run("-t", "@alice", "-m", "after the restart")
    refused(t, p, "after a restart of sottod: dave is still blocked",
            "does not accept messages")
    t.eq(phone_seen(t, carol, "@alice", "carol"), PHONE,
         "and carol still has her allow exception")

    # ------------------------------------------------------------ bad input
    before = rules(t, a1, "before the bad input")
    for args, code, words in (
            (("--set-privacy", "colour=nobody"), EX_USAGE,
             "unknown privacy key"),
            (("--set-privacy", "messages=sometimes"), EX_USAGE,
             "unknown privacy value"),
            (("--set-privacy", "messages"), EX_USAGE, "expected KEY="),
            (("--set-privacy", "=nobody"), EX_USAGE, "expected KEY="),
            (("--privacy-allow", "messages="), EX_USAGE, "expected KEY="),
            (("--privacy-deny", "shoe_size=@bob"), EX_USAGE,
             "unknown privacy key"),
            (("--get-privacy", "--blocked"), EX_USAGE, "one action"),
            (("--blocked", "extra"), EX_USAGE, "unexpected argument"),
            (("--privacy-allow", "messages=@nosuchuser"), EX_DATAERR,
             "no user @nosuchuser"),
            (("--privacy-deny", "messages=b@d"), EX_DATAERR,
             "invalid peer"),
            (("--privacy-allow", "messages=me"), EX_DATAERR, "always allow"),
            (("--block", "@nosuchuser"), EX_DATAERR, "no user @nosuchuser"),
            (("--unblock", "not a peer"), EX_DATAERR, "invalid peer")):
        p = a1.run(*args)
        t.eq(p.returncode, code, "bad input: %s" % " ".join(args),
             describe(p))
        t.ok(words in p.stderr, "says '%s'" % words, p.stderr)
    t.eq(rules(t, a1, "after the bad input"), before,
         "bad input changed no rule")

    # ---------------------------------------------------------- raw protocol
    d = raw(srv.addr)
    err, _ = d.call(GET_PRIVACY)
    t.eq(err, ERR_NOT_AUTHED, "raw: GetPrivacy before signing in")
    err, res = d.call(12, B(1, "alice") + B(2, "s3cret-passw0rd") +
                      B(3, "raw"))
    t.eq(err, 0, "raw: alice signs in")
    me = nc.parse(res[1][0])[1][0] if err == 0 else 0
    err, res = d.call(GET_PRIVACY)
    t.eq((err, len(res.get(1, []))), (0, 8), "raw: GetPrivacy: 8 rules")

    def rule_body(key, value, allow=(), deny=()):
        body = V(1, key) + V(2, value)
        for i in allow:
            body += V(3, i)
        for i in deny:
            body += V(4, i)
        return B(1, body)

    for body, want, what in (
            (b"", ERR_INVAL, "no rule"),
            (rule_body(0, 1), ERR_INVAL, "key 0"),
            (rule_body(9, 1), ERR_INVAL, "key 9"),
            (rule_body(7, 0), ERR_INVAL, "value 0 (unset)"),
            (rule_body(7, 4), ERR_INVAL, "value 4"),
            (rule_body(7, 1, allow=[me]), ERR_INVAL, "oneself in a list"),
            (rule_body(7, 1, allow=[999999]), ERR_NOT_FOUND, "no such user"),
            (rule_body(7, 1, allow=[2], deny=[2]), ERR_INVAL,
             "a user in both lists"),
            (rule_body(7, 1, allow=range(1, 102)), ERR_TOO_BIG,
             "101 exceptions"),
            (rule_body(7, 1, deny=[2]) + V(2, 1), ERR_INVAL,
             "keep_exceptions with a list")):
        err, _ = d.call(SET_PRIVACY, body)
        t.eq(err, want, "raw: SetPrivacy: " + what)
    for method, body, want, what in (
            (BLOCK, V(1, me), ERR_INVAL, "Block oneself"),
            (UNBLOCK, V(1, me), ERR_INVAL, "Unblock oneself"),
            (BLOCK, V(1, 999999), ERR_NOT_FOUND, "Block no such user"),
            (BLOCK, b"", ERR_NOT_FOUND, "Block user 0"),
            (SET_EXCEPTION, V(1, 7) + V(2, me) + V(3, 1), ERR_INVAL,
             "an exception for oneself"),
            (SET_EXCEPTION, V(1, 0) + V(2, 2) + V(3, 1), ERR_INVAL,
             "an exception in key 0"),
            (SET_EXCEPTION, V(1, 7) + V(2, 2) + V(3, 7), ERR_INVAL,
             "an unknown exception mode")):
        err, _ = d.call(method, body)
        t.eq(err, want, "raw: " + what)
    err, res = d.call(GET_BLOCKED)
    t.eq(err, 0, "raw: GetBlocked")
    ids = [nc.parse(u)[1][0] for u in res.get(1, [])]
    t.eq(len(ids), 1, "raw: one blocked user (dave)", ids)
    err, _ = d.call(10, V(1, 7))                    # Ping
    t.eq(err, 0, "raw: the connection is still up after the errors")

    # Typing in a private chat reaches alice from carol, not from dave,
    # whom she blocked.
    p = a1.run("--list-chats", "--json")
    chat_of = {c.get("peer"): c.get("id") for c in objs(p, "chat")}
    t.ok("@carol" in chat_of and "@dave" in chat_of,
         "alice has chats with carol and dave", p.stdout)
    for name, pw, want in (("carol", "carols-password-1", 1),
                           ("dave", "daves-password-1", 0)):
        o = raw(srv.addr)
        err, _ = o.call(12, B(1, name) + B(2, pw) + B(3, "raw"))
        t.eq(err, 0, "raw: %s signs in" % name)
        d.updates.clear()
        err, _ = o.call(31, V(1, chat_of.get("@" + name, 0)))
        t.eq(err, 0, "raw: %s types" % name)
        end = time.time() + (3 if want else 1.5)
        d.peer.sock.settimeout(0.2)
        while time.time() < end and not any(16 in u for u in d.updates):
            try:
                f = d.peer.recv_frame()
            except OSError:
                continue
            if f is not None and 3 in f:
                d.updates.append(nc.parse(f[3][0]))
        d.peer.sock.settimeout(10)
        t.eq(sum(1 for u in d.updates if 16 in u), want,
             "raw: alice %s told that %s types" %
             ("is" if want else "is not", name))

    t.done()
