"""The chat header of a private chat in the real TUI (tmux), against a
real sottod: alice's TUI has the chat with bob open.

- the header says Bob, then his last seen as the server shows it to
  alice ("last seen HH:MM"), then his bio;
- bob comes online (a --listen of his): the header says "online" within
  seconds, without a key pressed (the server's live push), and "last seen
  HH:MM" again once he goes;
- bob hides his last seen and bio (nobody): on reopening the chat the
  header says only "last seen recently" and no bio;
- a message bob forwarded from carol shows "forwarded from Carol"
  above its text;
- bob's display name and bio, however hostile, cannot be (the server
  refuses control characters in both), so the header is plain text."""
import os
import re
import subprocess
import time

import sottotest
from sottotest import EX_OK, TuiScenario, describe
from tuiscreen import Tmux, list_width, right_of, show

BUILD = os.environ.get("SOTTO_BUILDDIR", ".")
SOTTO = os.environ.get("SOTTO_BIN", os.path.join(BUILD, "sotto"))
BIO = "plays the oboe"

with TuiScenario("tui-presence") as sc:
    t = sc.t
    srv = sc.srv
    alice, bob, carol = sc.people
    p = bob.run("--set-bio", BIO)
    t.eq(p.returncode, EX_OK, "bob sets his bio", describe(p))
    p = bob.run("-t", "@alice", "-m", "hello from bob")
    t.eq(p.returncode, EX_OK, "bob writes to alice", describe(p))
    p = carol.run("-t", "@bob", "-m", "carol's words", "--json")
    t.eq(p.returncode, EX_OK, "carol writes to bob", describe(p))
    cmid = str(sottotest.jsonl(p)[0].get("id"))
    bob.run("--history", "@carol")
    p = bob.run("--forward", cmid, "--from", "@carol", "-t", "@alice")
    t.eq(p.returncode, EX_OK, "bob forwards it to alice", describe(p))

    env = sc.tui_env(alice)
    tui = Tmux(t, sc.root, env, 100, 24)

    def header(s):
        return right_of(s[0], list_width(100)).strip()

    seen_re = re.compile(r"^Bob - last seen \d\d:\d\d - " + BIO + "$")
    listen = None
    try:
        tui.start_sotto(SOTTO, alice)
        tui.wait_for(lambda s: len(s) == 24 and
                     s[22].startswith(" @alice | online"),
                     "the TUI opens, online as @alice")
        tui.keys("Tab")
        tui.wait_for(lambda s: seen_re.match(header(s)),
                     "the header: 'Bob - last seen HH:MM - " + BIO + "'")
        s = tui.screen()
        pane = tui.pane(s).split("\n")
        at = [i for i, l in enumerate(pane)
              if l.strip() == "forwarded from Carol"]
        t.ok(at and at[0] + 1 < len(pane) and
             pane[at[0] + 1].strip() == "carol's words",
             "the forward shows 'forwarded from Carol' above its text",
             show(s))

        # bob online: a running --listen of his.
        listen = subprocess.Popen(
            [sottotest.SOTTO, "--server", srv.addr, "--passphrase-file",
             bob.passphrase_file, "--listen"], env=bob.env(),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        tui.wait_for(lambda s: header(s) == "Bob - online - " + BIO,
                     "bob comes online: 'Bob - online - %s', pushed" % BIO)
        listen.terminate()
        listen.wait(timeout=20)
        listen = None
        tui.wait_for(lambda s: seen_re.match(header(s)),
                     "bob goes: 'last seen HH:MM' again")

        for rule in ("last_seen=nobody", "bio=nobody"):
            p = bob.run("--set-privacy", rule)
            t.eq(p.returncode, EX_OK, "bob: --set-privacy " + rule,
                 describe(p))
        # Open the chat again: the TUI asks the server again.
        tui.keys("Tab")
        tui.wait_for(lambda s: header(s) == "Bob - last seen recently",
                     "bob hides both: 'Bob - last seen recently', no bio")
        s = tui.screen(esc=True)
        t.ok(not any("\033]" in l for l in s),
             "no escape sequence but colours on the screen", show(s))
        tui.keys("C-q")
        t.eq(tui.exit_status(), "0", "Ctrl-Q quits with status 0",
             tui.stderr())
        t.ok("Sanitizer" not in tui.stderr() and
             "runtime error" not in tui.stderr(),
             "no sanitizer report", tui.stderr())
    finally:
        if listen is not None:
            listen.kill()
        tui.kill()
    t.done()
