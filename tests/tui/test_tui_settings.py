"""/block, /unblock and /settings in the real TUI (`sotto` with no
action) against a real sottod, in tmux on a private socket; bob and carol
on the real CLI, and alice's own CLI carried out by the running TUI over
the profile's control socket.

Checked: /block @bob says so and bob's `-t @alice -m` then exits 77;
/settings shows the Privacy page with the eight rules and their values
(the defaults, and an exception alice set on the CLI counted); Tab shows
the Blocked users page with Bob, Enter unblocks him and he can write
again; Tab shows Security: the session TTL (6 months) moved on to 1
year with Right is saved (alice2's --sessions says so), alice's two
devices listed, this one marked; Enter on the other asks, n keeps it,
Enter and y end it and alice2's next command exits 77; Secret chats moved to Nobody with Right is saved (alice's
--get-privacy says nobody, the exception kept) and bob's --secret-start
exits 77, moved on to Everybody it works again; Messages set to Nobody
stops carol (who never had a chat with alice) with 77; /unblock of a
user that is not blocked and /block of nobody known say so; Esc goes
back to the chats; Ctrl-Q quits with status 0 and no sanitizer
report."""
import os

from sottotest import EX_NOPERM, EX_OK, TuiScenario, describe, jsonl
from tuiscreen import Tmux, show

BUILD = os.environ.get("SOTTO_BUILDDIR", ".")
SOTTO = os.environ.get("SOTTO_BIN", os.path.join(BUILD, "sotto"))

with TuiScenario("tui-settings") as sc:
    t = sc.t
    srv = sc.srv
    alice, bob, carol = sc.people
    p = bob.run("-t", "@alice", "-m", "hello from bob")
    t.eq(p.returncode, EX_OK, "bob writes to alice", describe(p))
    p = alice.run("--list-chats")
    t.eq(p.returncode, EX_OK, "alice syncs", describe(p))
    alice2 = sc.client("alice2", srv)
    p = alice2.run("--login", "alice")
    t.eq(p.returncode, EX_OK, "alice logs in on a second device",
         describe(p))

    env = sc.tui_env(alice)
    tui = Tmux(t, sc.root, env, 100, 30)
    screen, wait_for, keys = tui.screen, tui.wait_for, tui.keys
    command = tui.type_line

    def row(s, label):
        """The settings row that names label, or ''."""
        return next((l for l in s if l.startswith("  " + label)), "")

    def body(s):
        return "\n".join(s[:-2])

    def privacy():
        p = alice.run("--get-privacy", "--json")
        return p, {o["key"]: o for o in jsonl(p)
                   if o.get("type") == "privacy"}

    try:
        tui.start_sotto(SOTTO, alice)
        wait_for(lambda s: len(s) == 30 and s[28].startswith(
            " @alice | online") and "hello from bob" in body(s),
                 "the TUI opens, online, bob's chat")

        # /block: bob is refused.
        command("/block @bob")
        wait_for(lambda s: "blocked @bob" in s[-2],
                 "/block @bob: the status line says so")
        p = bob.run("-t", "@alice", "-m", "are you there?")
        t.eq(p.returncode, EX_NOPERM, "bob's -t @alice -m exits 77",
             describe(p))
        command("/block @nobody_here")
        wait_for(lambda s: "cannot block @nobody_here" in s[-2],
                 "/block of an unknown user says so")

        # An exception set elsewhere (alice's CLI, through the TUI).
        p = alice.run("--privacy-deny", "secret_chats=@carol")
        t.eq(p.returncode, EX_OK, "alice's CLI: never carol for secret "
             "chats", describe(p))

        # /settings: the Privacy page.
        command("/settings")
        wait_for(lambda s: "Settings" in s[0] and "[Privacy]" in s[1] and
                 "< Everybody >" in row(s, "Secret chats"),
                 "/settings: the Privacy page with its values")
        s = screen()
        labels = ("Phone number", "Phone discovery", "Last seen", "Bio",
                  "Forwards", "Group invites", "Messages", "Secret chats")
        t.ok(all(row(s, k) for k in labels), "all eight rules", show(s))
        t.ok("< My contacts >" in row(s, "Phone number") and
             "< Everybody >" in row(s, "Messages"), "the defaults", show(s))
        t.ok("0 always, 1 never" in row(s, "Secret chats"),
             "the exception counted", show(s))
        t.ok(s[-1].startswith("settings: "), "the input line says the keys",
             show(s))

        # Blocked users: bob, unblocked with Enter.
        keys("Tab")
        wait_for(lambda s: "[Blocked users (1)]" in s[1] and
                 row(s, "Bob (@bob)"), "Tab: Blocked users, with Bob")
        keys("Enter")
        wait_for(lambda s: "Nobody is blocked" in body(s) and
                 "unblocked Bob (@bob)" in body(s),
                 "Enter unblocks him")
        p = bob.run("-t", "@alice", "-m", "back again")
        t.eq(p.returncode, EX_OK, "bob can write again", describe(p))

        # Security: the session TTL, and alice2's session ended.
        def sessions(s):
            return [l for l in s if l.startswith("  sotto on ")]
        keys("Tab")
        wait_for(lambda s: "[Security]" in s[1] and "< 6 months >" in
                 row(s, "End inactive sessions after") and
                 len(sessions(s)) == 2, "Tab: Security, two sessions")
        s = screen()
        t.ok("this device" in sessions(s)[0] and
             "this device" not in sessions(s)[1],
             "this device marked, the other not", show(s))
        keys("Right")
        wait_for(lambda s: "< 1 year >" in
                 row(s, "End inactive sessions after") and
                 "saved: inactive sessions end after 1y" in body(s),
                 "Right: 1 year, saved")
        p = alice2.run("--sessions")
        t.ok(p.returncode == EX_OK and "end after 1y" in p.stdout,
             "alice2's --sessions: 1y", describe(p))
        for _ in range(3):
            keys("Down")
        keys("Enter")
        wait_for(lambda s: "End the session" in body(s) and
                 "y ends it" in body(s), "Enter: asks first")
        keys("n")
        wait_for(lambda s: "End the session" not in body(s),
                 "n: not ended")
        s = screen()
        t.eq(len(sessions(s)), 2, "both sessions still there", show(s))
        keys("Enter")
        wait_for(lambda s: "End the session" in body(s), "asks again")
        keys("y")
        wait_for(lambda s: "ended 1 session" in body(s) and
                 len(sessions(s)) == 1, "y: ended, one session left")
        p = alice2.run("--whoami")
        t.eq(p.returncode, EX_NOPERM, "alice2's next command exits 77",
             describe(p))

        # Secret chats: Nobody.
        keys("Tab")
        wait_for(lambda s: "[Privacy]" in s[1], "Tab: back to Privacy")
        for _ in range(7):
            keys("Down")
        keys("Right")
        wait_for(lambda s: "< My contacts >" in row(s, "Secret chats") and
                 "saved: Secret chats: My contacts" in body(s),
                 "Right: My contacts, saved")
        keys("Right")
        wait_for(lambda s: "< Nobody >" in row(s, "Secret chats") and
                 "saved: Secret chats: Nobody" in body(s),
                 "Right: Nobody, saved")
        p, rules = privacy()
        t.eq(p.returncode, EX_OK, "alice's --get-privacy (through the TUI)",
             describe(p))
        sec = rules.get("secret_chats", {})
        t.eq(sec.get("value"), "nobody", "the server has secret_chats "
             "nobody", describe(p))
        t.eq(sec.get("deny"), ["@carol"], "and the exception kept",
             describe(p))
        p = bob.run("--secret-start", "@alice")
        t.eq(p.returncode, EX_NOPERM, "bob's --secret-start exits 77",
             describe(p))
        keys("Right")
        wait_for(lambda s: "saved: Secret chats: Everybody" in body(s),
                 "Right: Everybody again")
        p = bob.run("--secret-start", "@alice")
        t.eq(p.returncode, EX_OK, "now bob's --secret-start works",
             describe(p))

        # Messages: Nobody stops carol, who never had a chat with alice.
        keys("Up")
        keys("Left")
        wait_for(lambda s: "saved: Messages: Nobody" in body(s),
                 "Up, Left: Messages: Nobody, saved")
        p = carol.run("-t", "@alice", "-m", "hi alice")
        t.eq(p.returncode, EX_NOPERM, "carol's first message exits 77",
             describe(p))
        p, rules = privacy()
        t.eq(rules.get("messages", {}).get("value"), "nobody",
             "the server has messages nobody", describe(p))

        # Esc: back to the chats.
        keys("Escape")
        wait_for(lambda s: s[-1].rstrip() == ">" and "Settings" not in s[0]
                 and "back again" in body(s), "Esc: back to the chats")
        command("/unblock @carol")
        wait_for(lambda s: "unblocked @carol" in s[-2],
                 "/unblock of a user not blocked is harmless")

        keys("C-q")
        t.eq(tui.exit_status(), "0", "Ctrl-Q quits with status 0")
        err = tui.stderr()
        t.ok("Sanitizer" not in err and "runtime error" not in err,
             "no sanitizer report", err)
    finally:
        tui.kill()
    t.done()
