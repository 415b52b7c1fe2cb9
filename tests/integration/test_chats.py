"""Cloud chats with real processes: alice on two devices and bob. 1:1 both
ways, Saved Messages, a message sent from one device appearing on the
account's other device, replies, multi-line and non-Latin text, the chat
list, and bad input (unknown peer, empty, 4097 characters, invalid UTF-8,
a chat you are not in) refused with exit 65 and nothing delivered."""
import subprocess

from itest import sign_in
from sottotest import EX_DATAERR, EX_OK, Scenario, describe, jsonl


def history(t, client, peer, what, limit=None):
    args = ["--history", peer, "--json"]
    if limit is not None:
        args += ["--limit", str(limit)]
    p = client.run(*args)
    t.eq(p.returncode, EX_OK, what + ": --history %s" % peer, describe(p))
    return [m for m in jsonl(p) if m.get("type") == "message"]


def texts(msgs):
    return [m.get("text") for m in msgs]


def send(client, peer, text, *extra):
    return client.run("-t", peer, "-m", text, *extra)


def send_stdin(client, peer, data):
    return subprocess.run(
        [client_bin(), "--server", client.server.addr,
         "--passphrase-file", client.passphrase_file,
         "--password-file", client.password_file, "-t", peer, "-m", "-"],
        env=client.env(), input=data, capture_output=True, timeout=60)


def client_bin():
    import sottotest
    return sottotest.SOTTO


with Scenario("chats") as sc:
    t = sc.t
    srv = sc.server()
    a1 = sc.client("alice1", srv)
    a2 = sc.client("alice2", srv)
    bob = sc.client("bob", srv, password="bobs-password-1")
    sign_in(t, (a1, ("--register", "alice", "--display-name", "Alice")),
               (a2, ("--login", "alice")),
               (bob, ("--register", "bob", "--display-name", "Bob")))

    # 1:1, alice -> bob, then bob -> alice.
    p = send(a1, "@bob", "hello bob")
    t.eq(p.returncode, EX_OK, "alice sends to @bob", describe(p))
    got = history(t, bob, "@alice", "bob")
    t.eq(texts(got), ["hello bob"], "bob has alice's message")
    t.ok(got and got[0].get("from") == "@alice" and got[0].get("out") is False,
         "from @alice, incoming", got)
    first_id = got[0].get("id") if got else 0

    p = send(bob, "@alice", "hi alice")
    t.eq(p.returncode, EX_OK, "bob answers", describe(p))
    got = history(t, a2, "@bob", "alice's second device")
    t.eq(texts(got), ["hello bob", "hi alice"],
         "alice's other device has both, in order (one sent from device 1)")
    t.ok(len(got) == 2 and got[0].get("out") is True and
         got[1].get("out") is False, "with the right directions", got)
    t.ok(len(got) == 2 and got[0]["id"] < got[1]["id"] and
         got[0]["chat_id"] == got[1]["chat_id"], "one chat, ids increasing",
         got)

    # A reply, and what the sender's device sees.
    p = send(bob, "@alice", "replying", "--reply-to", str(first_id))
    t.eq(p.returncode, EX_OK, "bob replies to the first message", describe(p))
    got = history(t, a1, "@bob", "alice 1")
    t.ok(got and got[-1].get("text") == "replying" and
         got[-1].get("reply_to") == first_id, "the reply points at it", got)

    # Saved Messages: on both of alice's devices, never on bob's.
    p = send(a1, "me", "note to self")
    t.eq(p.returncode, EX_OK, "alice writes to Saved Messages", describe(p))
    got = history(t, a2, "me", "alice 2")
    t.eq(texts(got), ["note to self"], "it is on alice's other device")
    got = history(t, bob, "me", "bob")
    t.ok("note to self" not in texts(got), "and not in bob's Saved Messages",
         got)

    # The chat list.
    p = a2.run("--list-chats", "--json")
    t.eq(p.returncode, EX_OK, "--list-chats", describe(p))
    chats = [c for c in jsonl(p) if c.get("type") == "chat"]
    kinds = sorted((c.get("kind"), c.get("peer")) for c in chats)
    t.eq(kinds, [("private", "@bob"), ("saved", "me")],
         "alice has a private chat with bob and Saved Messages")
    t.ok(chats and chats[0].get("kind") == "saved",
         "most recent first (Saved Messages was written last)", chats)

    # Text that is not one line of ASCII.
    p = send_stdin(a1, "@bob", "line one\nline two\n".encode())
    t.eq(p.returncode, EX_OK, "-m - reads a multi-line message from stdin",
         "exit %s\n%s" % (p.returncode, p.stderr))
    wide = "привет, 世界 👋🏽 e\u0301"
    p = send(a1, "@bob", wide)
    t.eq(p.returncode, EX_OK, "non-Latin text, emoji, combining marks",
         describe(p))
    exact = "x" * 4095 + "é"
    p = send(a1, "@bob", exact)
    t.eq(p.returncode, EX_OK, "4096 characters (4097 bytes) are allowed",
         describe(p))
    got = history(t, bob, "@alice", "bob")
    t.ok(len(got) >= 3 and got[-3].get("text", "").rstrip("\n") ==
         "line one\nline two", "the lines arrive intact", got[-3:])
    t.ok(len(got) >= 2 and got[-2].get("text") == wide,
         "the wide text arrives intact", got[-2:])
    t.ok(got and got[-1].get("text") == exact, "so does the longest message")
    before = len(got)

    # Bad input: exit 65, nothing sent, nothing queued.
    for what, args in (
            ("an unknown user", ("-t", "@nobody_here", "-m", "x")),
            ("an empty message", ("-t", "@bob", "-m", "")),
            ("4097 characters", ("-t", "@bob", "-m", "y" * 4097)),
            ("a peer that is no peer", ("-t", "bob", "-m", "x"))):
        p = a1.run(*args)
        t.eq(p.returncode, EX_DATAERR, "%s is refused (65)" % what,
             describe(p))
        t.ok(p.stderr.strip() != "" and "Traceback" not in p.stderr,
             "with a message saying why", describe(p))
    p = send_stdin(a1, "@bob", b"bad \xff\xfe utf-8")
    t.eq(p.returncode, EX_DATAERR, "invalid UTF-8 is refused (65)",
         "exit %s\n%s" % (p.returncode, p.stderr))

    # A chat alice is not in: bob's Saved Messages, by its id (bob writes
    # a note first: the chat exists from its first message on).
    p = bob.run("-t", "me", "-m", "bob's own note")
    t.eq(p.returncode, EX_OK, "bob writes to his Saved Messages", describe(p))
    p = bob.run("--list-chats", "--json")
    saved = [c for c in jsonl(p) if c.get("kind") == "saved"]
    t.ok(len(saved) == 1, "bob's Saved Messages has an id", describe(p))
    if saved:
        p = a1.run("-t", str(saved[0]["id"]), "-m", "intrusion")
        t.eq(p.returncode, EX_DATAERR,
             "a chat alice is not in is refused (65)", describe(p))
    p = a1.run("--whoami")     # any command flushes the outbox
    t.eq(p.returncode, EX_OK, "alice runs another command", describe(p))
    got = history(t, bob, "@alice", "bob")
    t.eq(len(got), before, "none of the refused messages reached bob")
    got = history(t, bob, "me", "bob")
    t.ok("intrusion" not in texts(got), "nothing landed in bob's chat", got)

    # --user
    p = a1.run("--user", "@bob", "--json")
    users = [u for u in jsonl(p) if u.get("type") == "user"]
    t.ok(p.returncode == EX_OK and users and users[0].get("username") == "bob"
         and users[0].get("display_name") == "Bob", "--user @bob", describe(p))
    p = a1.run("--user", "@nobody_here")
    t.eq(p.returncode, EX_DATAERR, "--user of nobody is 65", describe(p))
    t.done()
