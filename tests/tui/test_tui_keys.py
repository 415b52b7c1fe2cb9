"""Key bindings from the settings file ([keys], ui/keys.h) in the real TUI
(`sotto` with no action) against a real sottod, in tmux on a private
socket.

alice's config binds next_chat = C-o, newline = Enter, send = C-s,
quit = C-x F10, and has a line with an unknown action and one with a key
that does not parse. Checked: the status line names the first bad line;
C-o switches the chat, while C-n and Tab (the defaults it replaced) do
nothing; F1 shows the bindings in force; Enter starts a new line and C-s
sends both lines (carol's CLI gets them); Ctrl-Q does not quit any more,
C-x quits with status 0 and no sanitizer report."""
import os

from sottotest import EX_OK, TuiScenario, describe, jsonl
from tuiscreen import Tmux, list_width, right_of, show

BUILD = os.environ.get("SOTTO_BUILDDIR", ".")
SOTTO = os.environ.get("SOTTO_BIN", os.path.join(BUILD, "sotto"))

CONFIG = """[keys]
next_chat = C-o
open_sesame = C-y
newline = Enter
send = C-s
search = Hyper-s
quit = C-x F10
"""

with TuiScenario("tui-keys") as sc:
    t = sc.t
    srv = sc.srv
    alice, bob, carol = sc.people
    p = carol.run("-t", "@alice", "-m", "hi from carol")
    t.eq(p.returncode, EX_OK, "carol writes to alice", describe(p))
    p = bob.run("-t", "@alice", "-m", "hello from bob")
    t.eq(p.returncode, EX_OK, "bob writes to alice", describe(p))
    p = alice.run("--list-chats")
    t.eq(p.returncode, EX_OK, "alice syncs", describe(p))

    env = sc.tui_env(alice)
    sc.write_config(alice, CONFIG)

    tui = Tmux(t, sc.root, env, 100, 30)
    screen, wait_for, keys, typed = (tui.screen, tui.wait_for, tui.keys,
                                     tui.typed)

    def title(s):
        return right_of(s[0], list_width(100))

    try:
        tui.start_sotto(SOTTO, alice)
        wait_for(lambda s: len(s) == 30 and "Bob" in title(s),
                 "the TUI opens on bob's chat, the newest")
        # The note shows for 8 s from the first frame.
        wait_for(lambda s: "settings: [keys] open_sesame = C-y: no such "
                 "action" in s[-2], "the status line names the first bad "
                 "line")

        keys("C-n")
        keys("Tab")
        tui.settle()
        t.ok("Bob" in title(screen()),
             "C-n and Tab, the defaults next_chat = C-o replaced, do "
             "nothing", show(screen()))
        keys("C-o")
        wait_for(lambda s: "Carol" in title(s), "C-o opens the next chat")

        keys("F1")
        wait_for(lambda s: any("Keys (any key closes this)" in l
                               for l in s), "F1 shows the key help")
        s = screen()
        t.ok(any("Ctrl-O / Shift-Tab, Ctrl-P" in l and
                 "next / previous chat" in l for l in s),
             "the help shows next_chat as bound", show(s))
        t.ok(any("Ctrl-S / Enter" in l and "send / new line" in l
                 for l in s), "send and newline as bound", show(s))
        t.ok(any("Ctrl-X, F10" in l and "quit" in l for l in s) and
             any("Ctrl-F" in l and "search the open chat" in l for l in s),
             "quit as bound; search kept its default (its line was bad)",
             show(s))
        keys("Space")
        wait_for(lambda s: not any("Keys (any key" in l for l in s),
                 "any key closes it")

        typed("line one")
        keys("Enter")
        typed("line two")
        wait_for(lambda s: s[-1].startswith("[2/2]>") and
                 s[-1].rstrip().endswith("line two"),
                 "Enter (newline) starts a second line in the input")
        keys("C-s")
        wait_for(lambda s: s[-1].rstrip() == ">", "C-s sends")
        p = carol.run("--history", "@alice", "--json")
        texts = [m.get("text") for m in jsonl(p)
                 if m.get("type") == "message"]
        t.ok("line one\nline two" in texts, "carol gets both lines",
             describe(p))

        keys("C-q")
        tui.settle()
        t.ok(tui.alive(), "Ctrl-Q, no longer bound, does not quit")
        keys("C-x")
        t.eq(tui.exit_status(), "0", "C-x quits with status 0")
        err = tui.stderr()
        t.ok("Sanitizer" not in err and "runtime error" not in err,
             "no sanitizer report", err)
    finally:
        tui.kill()
    t.done()
