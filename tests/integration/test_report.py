"""Reports and the restriction of much-reported accounts, with real
processes: mallory writes to alice and bob and in dave's group; three
sock puppets who never heard from her report her too.

- --report checks its words: an unknown --reason is a usage error (64),
  oneself and a message that is not the user's are refused (65);
- reports from accounts mallory never wrote to are kept but do not
  count: after three of them and two real ones she still starts a chat;
- the third real report (dave's, naming her message in his group by
  --report GROUP --message ID) restricts her: a new private chat, a new
  group and adding a member are refused (77) with the rule in words; her
  existing chat with alice works as before;
- a second report of the same user within a day is refused (65);
- sottod --reports --data DIR lists every report by ids, reason and date,
  with the named message's text escaped (an ESC arrives as \\u{1b}),
  and neither it nor the log holds a username or an address."""
import re
import subprocess

from sottotest import (EX_DATAERR, EX_NOPERM, EX_OK, EX_USAGE, SOTTOD,
                       Scenario, describe, jsonl, objs)

with Scenario("report") as sc:
    t = sc.t
    srv = sc.server()
    names = ("mallory", "alice", "bob", "carol", "dave", "sock1", "sock2",
             "sock3")
    cl, ids = {}, {}
    for n in names:
        cl[n] = sc.client(n, srv, password="%s-password-1" % n)
        p = cl[n].run("--register", n, "--json")
        t.eq(p.returncode, EX_OK, "register %s" % n, describe(p))
        ids[n] = jsonl(p)[0]["user_id"]
    mallory, alice, bob, carol, dave = (cl[n] for n in names[:5])

    p = mallory.run("-t", "@alice", "-m", "buy now \x1b[31mcheap\x1b[0m",
                    "--json")
    t.eq(p.returncode, EX_OK, "mallory spams alice", describe(p))
    spam_id = objs(p, "message")[0]["id"]
    p = mallory.run("-t", "@bob", "-m", "buy now")
    t.eq(p.returncode, EX_OK, "mallory spams bob", describe(p))
    p = dave.run("--create-group", "Market", "--members", "@mallory",
                 "--json")
    t.eq(p.returncode, EX_OK, "dave makes a group with mallory", describe(p))
    gid = objs(p, "chat")[0]["id"]
    p = mallory.run("-t", str(gid), "-m", "group spam", "--json")
    t.eq(p.returncode, EX_OK, "mallory spams dave's group", describe(p))
    gspam = objs(p, "message")[0]["id"]

    # ------------------------------------------------------------ words
    p = alice.run("--report", "@mallory", "--reason", "annoying")
    t.eq(p.returncode, EX_USAGE, "an unknown --reason: 64", describe(p))
    p = alice.run("--report", "me")
    t.eq(p.returncode, EX_DATAERR, "reporting oneself: 65", describe(p))
    p = bob.run("--history", "@mallory", "--json")
    p = alice.run("-t", "@mallory", "-m", "stop it", "--json")
    mine = objs(p, "message")[0]["id"]
    p = alice.run("--report", "@mallory", "--message", str(mine))
    t.eq(p.returncode, EX_DATAERR, "a message that is not hers: 65",
         describe(p))

    # ------------------------------------------------------------ socks
    for s in ("sock1", "sock2", "sock3"):
        p = cl[s].run("--add-contact", "@mallory")
        t.eq(p.returncode, EX_OK, "%s finds mallory" % s, describe(p))
        p = cl[s].run("--report", "@mallory", "--reason", "abuse", "--json")
        t.eq(p.returncode, EX_OK, "%s reports mallory" % s, describe(p))
    p = alice.run("--report", "@mallory", "--message", str(spam_id),
                  "--json")
    t.eq(p.returncode, EX_OK, "alice reports mallory's message", describe(p))
    rep = objs(p, "report")
    t.ok(rep and rep[0].get("user_id") == ids["mallory"] and
         rep[0].get("reason") == "spam" and rep[0].get("report_id", 0) > 0,
         "--json prints the report (spam by default)", describe(p))
    p = bob.run("--report", "@mallory", "--reason", "spam")
    t.eq(p.returncode, EX_OK, "bob reports mallory", describe(p))
    t.ok("reported user %d" % ids["mallory"] in p.stdout,
         "the text says so", describe(p))
    p = mallory.run("-t", "@carol", "-m", "hello carol")
    t.eq(p.returncode, EX_OK, "two real reports and three from strangers: "
         "mallory still starts a chat", describe(p))
    p = mallory.run("--create-group", "Own", "--members", "@bob", "--json")
    t.eq(p.returncode, EX_OK, "and a group", describe(p))
    own = objs(p, "chat")[0]["id"]

    # ------------------------------------------------------------ restricted
    p = dave.run("--report", str(gid), "--message", str(gspam))
    t.eq(p.returncode, EX_OK, "dave reports the sender of a group message",
         describe(p))
    p = mallory.run("-t", "@dave", "-m", "hi dave")
    t.eq(p.returncode, EX_NOPERM, "restricted: no new private chat (77)",
         describe(p))
    t.ok("cannot start new chats" in p.stderr and "UTC" in p.stderr,
         "the answer says the rule and until when", describe(p))
    p = mallory.run("--create-group", "Deals", "--members", "@alice")
    t.eq(p.returncode, EX_NOPERM, "restricted: no new group (77)",
         describe(p))
    t.ok("cannot start new chats" in p.stderr, "it says why", describe(p))
    p = mallory.run("--add-member", str(own), "@carol")
    t.eq(p.returncode, EX_NOPERM, "restricted: no adding members (77)",
         describe(p))
    p = mallory.run("--secret-start", "@dave")
    t.eq(p.returncode, EX_NOPERM, "restricted: no new secret chat with one "
         "she never wrote to (77)", describe(p))
    t.ok("cannot start new chats" in p.stderr, "it says why", describe(p))
    p = mallory.run("--secret-start", "@alice")
    t.eq(p.returncode, EX_OK, "but one with alice, her chat of before",
         describe(p))
    p = mallory.run("-t", "@alice", "-m", "sorry")
    t.eq(p.returncode, EX_OK, "her chat with alice works as before",
         describe(p))
    p = mallory.run("-t", str(gid), "-m", "still here")
    t.eq(p.returncode, EX_OK, "and dave's group too", describe(p))
    p = bob.run("--report", "@mallory")
    t.eq(p.returncode, EX_DATAERR, "bob again within a day: 65", describe(p))
    t.ok("last 24 hours" in p.stderr, "bob is told why", describe(p))
    until, err = srv.sql("SELECT until - strftime('%%s', 'now') FROM "
                         "report_restrictions WHERE user_id = %d" %
                         ids["mallory"])
    t.ok(until.isdigit() and 86000 < int(until) <= 86400,
         "the restriction lasts 24 h", (until, err))

    # ------------------------------------------------------------ operator
    q = subprocess.run([SOTTOD, "--reports", "--data", srv.data],
                       capture_output=True, text=True, timeout=30)
    t.eq(q.returncode, EX_OK, "sottod --reports", q.stderr)
    lines = q.stdout.splitlines()
    t.eq(len(lines), 6, "one line per report", q.stdout)
    t.eq(sum(1 for x in lines if x.endswith("counted") or "counted " in x), 3,
         "three of them count", q.stdout)
    t.ok(all(re.match(r"report \d+  \d{4}-\d\d-\d\d \d\d:\d\d UTC  user %d"
                      r"  by user \d+  (spam|abuse)" % ids["mallory"], x)
             for x in lines), "each names ids, a date and a reason", q.stdout)
    t.ok('"buy now \\u{1b}[31mcheap\\u{1b}[0m"' in q.stdout,
         "alice's named message is there, its ESC escaped", q.stdout)
    t.ok('"group spam"' in q.stdout, "and dave's", q.stdout)
    t.ok("\x1b" not in q.stdout, "no raw escape reaches the terminal")
    log = open(srv.log, errors="replace").read()
    for n in names:
        t.ok(n not in q.stdout, "--reports never names %s" % n)
        t.ok(n not in log, "the log never names %s" % n)
    # The log's one address is the server's own, where it listens.
    peers = "\n".join(x for x in log.splitlines() if "listening on" not in x)
    for text in (q.stdout, peers):
        t.ok(re.search(r"\b\d+\.\d+\.\d+\.\d+\b", text) is None,
             "no address in --reports or the log", text[-2000:])
    t.ok("buy now" not in log, "no message text in the log")
    t.done()
