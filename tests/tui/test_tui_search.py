"""Ctrl-F in the real TUI (`sotto` with no action) against a real sottod,
in tmux on a private socket.

Checked: the top row of a chat longer than the pane says "more above"
(and of one that fits, not); Ctrl-F puts the input line in search mode ("search: "); a word
finds the one message that has it (sender and text in the list, the
match marked), Esc goes back to the messages as they were; a prefix
(cher*) finds its message; two hits are stepped with Down and the picked
one is shown highlighted; a query that is bad FTS syntax ("unbalanced
OR ( NEAR/) neither crashes nor shows an SQL error, and a word that is
nowhere says "no messages match"; in a chat of 250 messages (only the
newest 100 are read when it opens), the token of the 5th oldest finds
it, Enter moves the message view to it (the window read around it),
Esc returns to the newest, Enter on the hit again and Enter stays
there, and PgDn from there comes back down to the newest; Ctrl-Q quits
with status 0 and no sanitizer report."""
import os
import re
import subprocess
import time

from sottotest import EX_OK, TuiScenario, describe, jsonl
from tuiscreen import Tmux, show

BUILD = os.environ.get("SOTTO_BUILDDIR", ".")
SOTTO = os.environ.get("SOTTO_BIN", os.path.join(BUILD, "sotto"))
LOAD = os.path.join(BUILD, "bench", "sotto_load")
FLOOD = 250

with TuiScenario("tui-search") as sc:
    t = sc.t
    srv = sc.srv
    alice, bob, carol = sc.people

    # A long chat: FLOOD messages, each with a token of its own.
    if os.path.exists(LOAD):
        p = subprocess.run([LOAD, "--server", srv.addr, "--clients", "2",
                            "--to", "alice", "--count", str(FLOOD),
                            "flood"],
                           capture_output=True, text=True, timeout=300)
        t.eq(p.returncode, 0, "2 x %d messages sent to alice" % FLOOD,
             describe(p))
        p = alice.run("--list-chats", "--json")
        flood = [c for c in jsonl(p) if c.get("type", "chat") == "chat" and
                 c.get("title", "").startswith("ld")]
        flood_peer = (flood[0].get("peer") or str(flood[0].get("id"))) \
            if flood else None
        flood_title = flood[0].get("title") if flood else None
    else:
        for i in range(FLOOD):
            carol.run("-t", "@alice", "-m", "t%04d%d from carol" % (i, i))
        flood_peer, flood_title = "@carol", "Carol"
    t.ok(flood_peer is not None, "the long chat is there")
    p = alice.run("--history", flood_peer or "@carol", "--json", "--limit",
                  "5000")
    texts = [m["text"] for m in jsonl(p) if m.get("type") == "message"]
    t.eq(len(texts), FLOOD, "alice's CLI sees %d messages" % FLOOD,
         describe(p))
    old = texts[4] if len(texts) > 4 else "(none)"
    older = texts[9] if len(texts) > 9 else "(none)"
    old_token = old.split()[0]
    newest = texts[-1] if texts else "(none)"

    for text in ("an apple pie recipe", "banana bread twice",
                 "cherry tart for later", "apple juice please"):
        p = bob.run("-t", "@alice", "-m", text)
        t.eq(p.returncode, EX_OK, "bob sends %r" % text, describe(p))
    # Synced before the TUI starts, so that bob's chat is the newest one.
    p = alice.run("--list-chats")
    t.eq(p.returncode, EX_OK, "alice's CLI syncs", describe(p))

    env = sc.tui_env(alice)
    tui = Tmux(t, sc.root, env, 80, 24)
    screen, wait_for, settle, alive = (tui.screen, tui.wait_for, tui.settle,
                                       tui.alive)
    pane, title, keys, typed = tui.pane, tui.title, tui.keys, tui.typed

    def reversed_rows(word):
        """Rows of the pane holding word drawn in reverse video."""
        rows = [l for l in screen(esc=True)
                if word in re.sub(r"\x1b\[[0-9;]*m", "", l)]
        return [l for l in rows if re.search(r"\x1b\[[0-9;]*7[0-9;]*m", l)]

    try:
        tui.start_sotto(SOTTO, alice)
        wait_for(lambda s: len(s) == 24 and s[22].startswith(
            " @alice | online") and title(s).startswith("Bob"),
            "the TUI opens on bob's chat")
        wait_for(lambda s: "apple juice please" in pane(s),
                 "bob's newest message shows")
        t.ok("more above" not in pane(screen()),
             "a chat that fits: no 'more above' marker", show(screen()))

        # F1: the whole key help fits 80x24, the new keys and commands in.
        keys("F1")
        wait_for(lambda s: any("Keys (any key closes this)" in l
                               for l in s), "F1 shows the key help")
        s = screen()
        t.ok(any("Ctrl-F" in l and "search the open chat" in l for l in s)
             and any("n/N pick" in l for l in s) and
             any("this chat's history" in l for l in s) and
             any("/block PEER" in l and "/settings" in l for l in s) and
             any("Start a message with //" in l for l in s),
             "all of it shows at 80x24, search and /settings included",
             show(s))
        keys("Space")
        wait_for(lambda s: not any("Keys (any key" in l for l in s),
                 "any key closes it")

        # A word: one hit, then Esc back to the messages.
        keys("C-f")
        wait_for(lambda s: s[-1].rstrip() == "search:",
                 "Ctrl-F: the input line is a search prompt")
        typed("Banana")
        wait_for(lambda s: s[-1].startswith("search: Banana"),
                 "the query is typed there")
        keys("Enter")
        wait_for(lambda s: title(s).startswith("Search: 1 message matches")
                 and "banana bread twice" in pane(s) and "Bob" in pane(s),
                 "Enter: one hit, with its sender and text")
        s = settle()
        t.ok("apple juice please" not in pane(s),
             "the hits replace the messages", show(s))
        t.ok("1/1" in s[-1], "the input line says which hit", show(s))
        t.ok(reversed_rows("banana bread"), "the picked hit is highlighted",
             "\n".join(screen(esc=True)))
        keys("Escape")
        wait_for(lambda s: s[-1].rstrip() == ">" and title(s).startswith(
            "Bob") and "apple juice please" in pane(s),
                 "Esc: back to the messages and the input line")

        # A prefix; two hits stepped with Down.
        keys("C-f")
        typed("cher*")
        keys("Enter")
        wait_for(lambda s: "cherry tart for later" in pane(s) and
                 title(s).startswith("Search: 1 message"),
                 "a prefix finds its message")
        keys("Escape")
        wait_for(lambda s: s[-1].rstrip() == ">", "Esc leaves")
        keys("C-f")
        typed("APPLE")
        keys("Enter")
        wait_for(lambda s: title(s).startswith("Search: 2 messages match")
                 and "apple juice" in pane(s) and "apple pie" in pane(s),
                 "two hits")
        s = screen()
        t.ok(pane(s).find("apple juice") < pane(s).find("apple pie"),
             "newest first", show(s))
        keys("Down")
        wait_for(lambda s: "2/2" in s[-1], "Down picks the second")
        keys("Enter")
        wait_for(lambda s: title(s).startswith("Bob") and
                 "an apple pie recipe" in pane(s) and
                 s[-1].startswith("search: APPLE"),
                 "Enter shows it in the chat, still searching")
        t.ok(reversed_rows("an apple pie recipe"),
             "the message shown is highlighted",
             "\n".join(screen(esc=True)))
        keys("Escape")
        wait_for(lambda s: s[-1].rstrip() == ">" and
                 "apple juice please" in pane(s),
                 "Esc: back to where the chat was")
        t.ok(not reversed_rows("an apple pie recipe"),
             "and nothing is highlighted any more")

        # Bad FTS syntax and a word that is nowhere.
        keys("C-f")
        typed('"unbalanced OR ( NEAR/ -x* ^:')
        keys("Enter")
        wait_for(lambda s: "no messages match" in pane(s),
                 "FTS syntax from the user: no messages match")
        s = settle()
        t.ok(alive() and not re.search(r"(?i)sql|syntax|malformed|ERR_",
                                       "\n".join(s)),
             "no crash and no SQL error", show(s))
        keys("BSpace")
        wait_for(lambda s: s[-1].startswith("search: ") and
                 "apple juice please" in pane(s),
                 "Backspace edits the query again")
        keys("C-u")
        typed("zyzzyva")
        keys("Enter")
        wait_for(lambda s: 'no messages match "zyzzyva"' in pane(s),
                 "a word that is nowhere: no messages match")
        keys("Escape")
        wait_for(lambda s: s[-1].rstrip() == ">", "Esc leaves again")

        # The long chat: an old message that is not in the loaded window.
        for _ in range(6):
            if title(screen()).startswith(flood_title or "?"):
                break
            keys("C-n")
            time.sleep(0.3)
        s = settle()
        t.ok(title(s).startswith(flood_title or "?"),
             "the chat of %d messages is open" % FLOOD, show(s))
        t.ok(newest in pane(s) and old not in pane(s),
             "its newest shows, the 5th oldest does not", show(s))
        t.ok(pane(s).split("\n")[0].strip() == "\u2191 more above \u2191",
             "the top row says there is more above", show(s))
        keys("C-f")
        typed(old_token)
        keys("Enter")
        wait_for(lambda s: title(s).startswith("Search: 1 message matches")
                 and old in pane(s), "its token finds the 5th oldest")
        keys("Enter")
        wait_for(lambda s: old in pane(s) and title(s).startswith(
            flood_title or "?") and newest not in pane(s),
                 "Enter moves the message view to it")
        s = settle()
        t.ok(texts[3] in pane(s), "with the messages before it", show(s))
        t.ok(reversed_rows(old), "highlighted",
             "\n".join(screen(esc=True)))
        keys("Escape")
        wait_for(lambda s: newest in pane(s) and old not in pane(s) and
                 s[-1].rstrip() == ">", "Esc: back to the newest")

        keys("C-f")
        typed(older.split()[0])
        keys("Enter")
        wait_for(lambda s: older in pane(s), "another old one found")
        keys("Enter")
        wait_for(lambda s: older in pane(s) and title(s).startswith(
            flood_title or "?"), "shown")
        keys("Enter")
        wait_for(lambda s: s[-1].rstrip() == ">" and older in pane(s),
                 "Enter again: the search ends, the view stays there")
        seen_newest = False
        for i in range(200):
            keys("NPage")
            if i % 5 == 4:
                s = settle()
                if newest in pane(s):
                    seen_newest = True
                    break
        t.ok(seen_newest, "PgDn from there comes back to the newest",
             show(screen()))
        t.ok(alive(), "still running")

        keys("C-q")
        t.eq(tui.exit_status(), "0", "Ctrl-Q quits with status 0")
        err = tui.stderr()
        t.ok("Sanitizer" not in err and "runtime error" not in err,
             "no sanitizer report", err)
    finally:
        tui.kill()
    t.done()
