"""The real TUI (`sotto` with no action) on a real profile against a real
sottod, in a real terminal (tmux on a private socket). Accounts and
messages are set up with the real CLI (and bench/sotto_load for a chat of
300 messages).

Checked: the TUI opens for alice's profile and lists her chats, most
recent first, with the newest open; a message bob sends with the CLI
appears live in the open chat, and one from carol as an unread count in
her chat; text typed and sent with Enter reaches bob (his --history),
and so does a bracketed paste whose end marker never came, once Enter is
pressed after it;
paging up through a chat of 300 messages reaches the oldest one (only
100 are read when a chat opens, so older pages must have been loaded);
resizing to 40x12 and 200x60 and back redraws without garbage; paged
up in a chat, a live message there moves no line on screen; a hostile
message (OSC title, clear screen, cursor moves, BiDi override) changes
neither the terminal title nor the layout; unavailable commands say so;
Ctrl-Q quits with status 0 and no sanitizer report."""
import os
import re
import signal
import subprocess
import time

from sottotest import EX_OK, TuiScenario, describe, jsonl
from tuiscreen import VLINE, Tmux, at_cell, list_width, right_of, show

BUILD = os.environ.get("SOTTO_BUILDDIR", ".")
SOTTO = os.environ.get("SOTTO_BIN", os.path.join(BUILD, "sotto"))
LOAD = os.path.join(BUILD, "bench", "sotto_load")
# Messages in the long chat: more than the TUI keeps in memory at once
# (1000), so paging all the way up and down again drops and re-reads.
FLOOD = 1300
FLOOD_RE = re.compile(r"\bt\d+ from \w+")
HOSTILE = ("before\033]0;PWNED-TITLE\007\033]2;PWNED-TITLE\033\\"
           "\033[2J\033[H\033[10;5Hmoved\033[31m red? \033[0m"
           "\u202etxt.exe\u202c after")

with TuiScenario("tui-app", ("dave", "alice", "bob", "carol")) as sc:
    t = sc.t
    srv = sc.srv
    dave, alice, bob, carol = sc.people

    # A chat of 300 messages (from a fresh account), then carol, then bob:
    # bob's is the most recent chat and opens first.
    if os.path.exists(LOAD):
        # Two senders (its least), FLOOD messages each: two such chats.
        p = subprocess.run([LOAD, "--server", srv.addr, "--clients", "2",
                            "--to", "alice", "--count", str(FLOOD),
                            "flood"],
                           capture_output=True, text=True, timeout=300)
        t.eq(p.returncode, 0, "2 x %d messages sent to alice" % FLOOD,
             describe(p))
        flood_peer = None
    else:
        for i in range(FLOOD):
            p = carol.run("-t", "@alice", "-m", "t%04d from carol" % i)
        flood_peer = "@carol"
    p = carol.run("-t", "@alice", "-m", "hi from carol")
    t.eq(p.returncode, EX_OK, "carol sends", describe(p))
    p = bob.run("-t", "@alice", "-m", "hello from bob")
    t.eq(p.returncode, EX_OK, "bob sends", describe(p))

    # The flood's oldest message, as alice's CLI sees it.
    p = alice.run("--list-chats", "--json")
    chats = [c for c in jsonl(p) if c.get("type", "chat") == "chat"]
    flood = [c for c in chats if c.get("title", "").startswith(
        "ld") or (flood_peer and c.get("peer") == flood_peer)]
    oldest = None
    all_texts = []
    if flood_peer is None and flood:
        peer = flood[0].get("peer") or str(flood[0].get("id"))
        p = alice.run("--history", peer, "--json", "--limit", "5000")
        msgs = [m for m in jsonl(p) if m.get("type") == "message"]
        t.eq(len(msgs), FLOOD, "alice's CLI sees %d messages" % FLOOD,
             describe(p))
        oldest = msgs[0]["text"] if msgs else None
        all_texts = [m["text"] for m in msgs]
        flood_title = flood[0].get("title")
    elif flood_peer is not None:
        oldest = "t0000 from carol"
        all_texts = ["t%04d from carol" % i for i in range(FLOOD)]
    if flood_peer is not None:
        flood_title = "Carol"
    t.ok(oldest is not None, "the oldest message is known", chats)
    oldest = oldest or "(unknown)"

    root = sc.root
    trace = os.path.join(root, "tui.trace")
    env = sc.tui_env(alice, SOTTO_TUI_TRACE=trace)
    tui = Tmux(t, root, env, 80, 24)
    tmux, screen, wait_for = tui.tmux, tui.screen, tui.wait_for
    settle, alive = tui.settle, tui.alive

    def layout_ok(s, cols, rows):
        if len(s) != rows:
            return False
        lw = list_width(cols)
        for row in s[:rows - 2]:
            if at_cell(row, lw) != VLINE:
                return False
        return s[rows - 2].startswith(" @alice | ") and \
            s[rows - 1].startswith(">")

    def resize(cols, rows):
        tmux("resize-window", "-t", "tui", "-x", str(cols), "-y", str(rows))
        wait_for(lambda s: layout_ok(s, cols, rows),
                 "resized to %dx%d: full layout" % (cols, rows))
        before = settle()
        tmux("send-keys", "-t", "tui", "C-l")
        time.sleep(0.3)
        after = settle()
        t.eq(show(before), show(after),
             "at %dx%d the redraw equals a full repaint" % (cols, rows))
        t.ok(alive(), "still running at %dx%d" % (cols, rows))

    def pane_text(s, cols):
        lw = list_width(cols)
        return "\n".join(right_of(l, lw) for l in s[1:-2])

    def left_text(s, cols):
        lw = list_width(cols)
        return [l[:lw] for l in s[:-2]]

    # Without a terminal, no action is an error that says why.
    p = alice.run()
    t.eq(p.returncode, 74, "no action without a terminal: exit 74",
         describe(p))
    t.ok("needs a terminal" in p.stderr, "and says why", describe(p))

    # Settings: a notify command that records its argument.
    notify_log = os.path.join(root, "notify.log")
    sc.write_config(alice, "[ui]\nbell = yes\ntime_format = %%H.%%M\n"
                    "[notify]\ncommand = printf '%%s\\n' \"$1\" >> %s\n" %
                    notify_log)

    try:
        tui.start_sotto(SOTTO, alice)
        tmux("select-pane", "-t", "tui", "-T", "sotto-test-title")
        wait_for(lambda s: len(s) == 24 and s[22].startswith(
            " @alice | online"), "the TUI opens, online as @alice")
        s = settle()
        t.ok(layout_ok(s, 80, 24), "80x24 layout", show(s))
        left = left_text(s, 80)
        bpos = next((i for i, l in enumerate(left) if "Bob" in l), -1)
        cpos = next((i for i, l in enumerate(left) if "Carol" in l), -1)
        t.ok(0 <= bpos < cpos, "chat list: Bob, then Carol", show(s))
        t.ok(right_of(s[0], list_width(80)).startswith("Bob"),
             "the most recent chat (Bob) is open", show(s))
        t.ok("hello from bob" in pane_text(s, 80), "bob's message shows",
             show(s))
        t.ok(left[cpos].rstrip().endswith(" 1"), "carol's chat: 1 unread",
             show(s))

        # Live: bob's message in the open chat; carol's as an unread count.
        p = bob.run("-t", "@alice", "-m", "live from bob")
        t.eq(p.returncode, EX_OK, "bob sends live", describe(p))
        wait_for(lambda s: "live from bob" in pane_text(s, 80),
                 "bob's live message appears in the open chat")
        p = carol.run("-t", "@alice", "-m", "carol again")
        t.eq(p.returncode, EX_OK, "carol sends live", describe(p))
        wait_for(lambda s: any("Carol" in l and l.rstrip().endswith(" 2")
                               for l in left_text(s, 80)),
                 "carol's chat shows 2 unread")
        wait_for(lambda s: any("carol again" in l
                               for l in left_text(s, 80)),
                 "carol's preview shows her new message")
        end = time.time() + 10
        while time.time() < end and not os.path.exists(notify_log):
            time.sleep(0.1)
        time.sleep(0.3)
        logged = open(notify_log).read() if os.path.exists(notify_log) \
            else ""
        t.eq(logged, "Carol\n", "the notify command got the chat title")
        t.ok("carol again" not in logged, "and not the message text")
        t.ok(re.search(r"\d\d\.\d\d Bob", pane_text(screen(), 80))
             is not None, "the configured time format is used",
             pane_text(screen(), 80))

        # Typing and Enter: delivered to bob.
        tmux("send-keys", "-t", "tui", "-l", "reply from alice's TUI")
        wait_for(lambda s: s[-1].startswith("> reply from alice's TUI"),
                 "typed text in the input line")
        tmux("send-keys", "-t", "tui", "Enter")
        wait_for(lambda s: s[-1].rstrip() == ">" and
                 "reply from alice's TUI" in pane_text(s, 80) and
                 "me \u2713" in pane_text(s, 80),
                 "sent: shown with a sent mark, input empty")
        p = bob.run("--history", "@alice", "--json")
        got = [m.get("text") for m in jsonl(p) if m.get("type") == "message"]
        t.ok("reply from alice's TUI" in got, "bob's --history has it",
             describe(p))

        # A bracketed paste whose end marker never comes: once no input
        # came for half a second it is over, its text in the input line,
        # and Enter sends again (it would be a line break in a paste).
        # One burst, as a terminal sends a paste; its line break stays
        # text (typed, it would send the first line alone).
        burst = "\033[200~pasted\nwith no end"
        tmux("send-keys", "-t", "tui", "-H",
             *["%02x" % b for b in burst.encode()])
        wait_for(lambda s: s[-1].startswith("[2/2]> with no end"),
                 "the paste ends without its marker: its two lines are "
                 "in the input line")
        time.sleep(0.3)
        tmux("send-keys", "-t", "tui", "Enter")
        wait_for(lambda s: s[-1].rstrip() == ">" and
                 "with no end" in pane_text(s, 80),
                 "Enter sends it")
        p = bob.run("--history", "@alice", "--json")
        got = [m.get("text") for m in jsonl(p) if m.get("type") == "message"]
        t.ok("pasted\nwith no end" in got, "bob's --history has it, one "
             "message of two lines", describe(p))

        # Commands: /secret without a PEER says how; unknown ones say so.
        tmux("send-keys", "-t", "tui", "-l", "/secr")
        tmux("send-keys", "-t", "tui", "Tab")
        wait_for(lambda s: s[-1].startswith("> /secret") and tmux(
            "display", "-p", "-t", "tui", "#{cursor_x}").strip() == "10",
                 "Tab completes /secr to '/secret '")
        tmux("send-keys", "-t", "tui", "Enter")
        wait_for(lambda s: "/secret PEER [TTL]" in s[-2],
                 "/secret without a PEER says how")
        tmux("send-keys", "-t", "tui", "F1")
        wait_for(lambda s: any("Keys (any key closes this)" in l
                               for l in s), "F1 shows the key help")
        tmux("send-keys", "-t", "tui", "Space")
        wait_for(lambda s: not any("Keys (any key" in l for l in s) and
                 s[-1].rstrip() == ">", "any key closes it, typing nothing")

        # /msg opens a chat by PEER; with a user who has no chat yet, the
        # chat appears with the first message.
        tmux("send-keys", "-t", "tui", "-l", "/msg @carol")
        tmux("send-keys", "-t", "tui", "Enter")
        wait_for(lambda s: right_of(s[0], list_width(80)).startswith(
            "Carol") and "carol again" in pane_text(s, 80),
                 "/msg @carol opens carol's chat")
        wait_for(lambda s: not any("Carol" in l and l.rstrip().endswith(
            " 2") for l in left_text(s, 80)), "opening it clears its unread")
        tmux("send-keys", "-t", "tui", "-l", "/msg @dave")
        tmux("send-keys", "-t", "tui", "Enter")
        wait_for(lambda s: right_of(s[0], list_width(80)).startswith("Dave"),
                 "/msg @dave opens a new chat with dave")
        tmux("send-keys", "-t", "tui", "-l", "first words to dave")
        tmux("send-keys", "-t", "tui", "Enter")
        wait_for(lambda s: "first words to dave" in pane_text(s, 80) and
                 "me \u2713" in pane_text(s, 80) and
                 right_of(s[0], list_width(80)).startswith("Dave"),
                 "sent to dave, the chat now real")
        p = dave.run("--history", "@alice", "--json")
        got = [m.get("text") for m in jsonl(p) if m.get("type") == "message"]
        t.eq(got, ["first words to dave"], "dave's --history has it",
             describe(p))

        # /group create: the group opens, the members have it.
        tmux("send-keys", "-t", "tui", "-l",
             "/group create Tea time @bob @carol")
        tmux("send-keys", "-t", "tui", "Enter")
        wait_for(lambda s: right_of(s[0], list_width(80)).startswith(
            "Tea time"), "/group create opens the new group", timeout=20)
        wait_for(lambda s: "created the group" in pane_text(s, 80),
                 "its service message shows")
        tmux("send-keys", "-t", "tui", "-l", "hello group")
        tmux("send-keys", "-t", "tui", "Enter")
        wait_for(lambda s: "hello group" in pane_text(s, 80) and
                 "me \u2713" in pane_text(s, 80), "sent to the group")
        p = carol.run("--list-chats", "--json")
        t.ok(any(c.get("title") == "Tea time" for c in jsonl(p)),
             "carol has the group", describe(p))
        tmux("send-keys", "-t", "tui", "-l", "/group rename Coffee")
        tmux("send-keys", "-t", "tui", "Enter")
        wait_for(lambda s: right_of(s[0], list_width(80)).startswith(
            "Coffee"), "/group rename renames it", timeout=20)
        tmux("send-keys", "-t", "tui", "-l", "/group add @dave")
        tmux("send-keys", "-t", "tui", "Enter")
        wait_for(lambda s: "added Dave" in pane_text(s, 80),
                 "/group add @dave: the service message shows", timeout=20)
        p = dave.run("--list-chats", "--json")
        t.ok(any(c.get("title") == "Coffee" for c in jsonl(p)),
             "dave has the group", describe(p))

        # The TUI serves the profile's control socket: a scripted send is
        # carried out by it, and shows in it.
        t.ok(os.path.exists(os.path.join(alice.profile_dir, "ctl.sock")),
             "ctl.sock exists while the TUI runs")
        # A wrong passphrase proves no second unlock happens.
        alice.set_passphrase("not the passphrase")
        p = alice.run("-t", "@bob", "-m", "scripted while the TUI runs")
        alice.set_passphrase("correct horse battery")
        t.eq(p.returncode, EX_OK, "a scripted send for the profile goes "
             "through the TUI (no unlock)", describe(p))
        wait_for(lambda s: any("scripted while" in l
                               for l in left_text(s, 80)),
                 "it shows in the TUI's chat list")
        p = bob.run("--history", "@alice", "--json")
        got = [m.get("text") for m in jsonl(p) if m.get("type") == "message"]
        t.ok("scripted while the TUI runs" in got, "bob has it",
             describe(p))

        tmux("send-keys", "-t", "tui", "-l", "/group leave")
        tmux("send-keys", "-t", "tui", "Enter")
        wait_for(lambda s: right_of(s[0], list_width(80)).startswith(
            "Coffee (left)"), "/group leave: the group shows as left",
                 timeout=20)
        tmux("send-keys", "-t", "tui", "-l", "/group")
        tmux("send-keys", "-t", "tui", "Enter")
        wait_for(lambda s: "/group create TITLE" in s[-2],
                 "/group alone shows its usage")
        tmux("send-keys", "-t", "tui", "-l", "/frobnicate")
        tmux("send-keys", "-t", "tui", "Enter")
        wait_for(lambda s: "unknown command /frobnicate" in s[-2],
                 "an unknown command says so")

        # Paging up through the long chat reaches the oldest.
        for _ in range(6):
            if right_of(screen()[0], list_width(80)).startswith(
                    flood_title or "?"):
                break
            tmux("send-keys", "-t", "tui", "C-n")
            time.sleep(0.3)
        s = settle()
        t.ok(right_of(s[0], list_width(80)).startswith(flood_title or "?"),
             "Ctrl-N reaches the chat of 300 messages", show(s))
        t.ok(oldest not in pane_text(s, 80), "oldest not shown at first",
             show(s))
        found = False
        for i in range(600):
            tmux("send-keys", "-t", "tui", "PPage")
            if i % 10 == 9:
                s = settle()
                if oldest and oldest in pane_text(s, 80):
                    found = True
                    break
        s = settle()
        t.ok(found or (oldest and oldest in pane_text(s, 80)),
             "PgUp reaches the oldest of %d messages" % FLOOD, show(s))
        t.ok("-- " in pane_text(s, 80), "a day separator at the top",
             show(s))
        # Down again a page at a time: every message shows, in order,
        # though the newest ones were dropped on the way up.
        seen = []
        prev = s
        for i in range(600):
            for w in FLOOD_RE.findall(pane_text(prev, 80)):
                if w not in seen:
                    seen.append(w)
            if all_texts and all_texts[-1] in pane_text(prev, 80) and \
                    prev[-3].strip() != "":
                break
            tmux("send-keys", "-t", "tui", "NPage")
            end = time.time() + 3
            cur = screen()
            while cur == prev and time.time() < end:
                time.sleep(0.02)
                cur = screen()
            prev = settle()
        t.eq(len(seen), len(all_texts), "paging down shows every message")
        t.ok(seen == all_texts, "in order, none missing or repeated",
             [x for x in all_texts if x not in seen][:5])
        tr = open(trace).read() if os.path.exists(trace) else ""
        t.ok("dropped_newest" in tr and "read_newer" in tr,
             "on the way the window dropped messages and read them again")
        s = settle()
        t.ok(oldest not in pane_text(s, 80) and all_texts and
             all_texts[-1] in pane_text(s, 80),
             "PgDn returns to the newest", show(s))

        # Resizes.
        resize(40, 12)
        resize(200, 60)
        resize(80, 24)

        # A hostile message from bob, in the open chat.
        tmux("send-keys", "-t", "tui", "C-p")
        for _ in range(6):
            if right_of(screen()[0], list_width(80)).startswith("Bob"):
                break
            tmux("send-keys", "-t", "tui", "C-p")
            time.sleep(0.3)
        wait_for(lambda s: right_of(s[0], list_width(80)).startswith("Bob"),
                 "bob's chat open again")
        p = bob.run("-t", "@alice", "-m", HOSTILE)
        t.eq(p.returncode, EX_OK, "bob sends a hostile message", describe(p))
        wait_for(lambda s: "after" in pane_text(s, 80) and
                 "moved" in pane_text(s, 80), "the hostile message shows")
        s = settle()
        t.ok(layout_ok(s, 80, 24), "layout intact", show(s))
        t.eq(tmux("display", "-p", "-t", "tui", "#{pane_title}").strip(),
             "sotto-test-title", "terminal title unchanged")
        joined = "\n".join(s)
        t.ok("PWNED" not in joined and "\u202e" not in joined and
             "\x1b" not in joined, "no payload, override or ESC on screen",
             joined)
        pane = pane_text(s, 80)
        order = [pane.find(w) for w in ("before", "moved", "txt.exe",
                                         "after")]
        t.ok(min(order) >= 0 and order == sorted(order),
             "hostile text in its place, in order", pane)
        t.ok(any(r.startswith("hello from bob") or "hello from bob" in r
                 for r in s), "earlier messages not cleared", show(s))
        resize(40, 12)
        resize(80, 24)
        t.eq(tmux("display", "-p", "-t", "tui", "#{pane_title}").strip(),
             "sotto-test-title", "title still unchanged after resizes")

        # Reading far up, a live message moves no line on screen (the
        # view's place counts from the newest message): carol's chat.
        tmux("send-keys", "-t", "tui", "-l", "/msg @carol")
        tmux("send-keys", "-t", "tui", "Enter")
        wait_for(lambda s: right_of(s[0], list_width(80)).startswith(
            "Carol"), "carol's chat open")
        tall = os.path.join(root, "tall.txt")
        with open(tall, "w") as f:
            f.write("\n".join("tall line %02d" % i for i in range(80)))
        with open(tall) as f:
            p = carol.run("-t", "@alice", "-m", "-", stdin=f)
        t.eq(p.returncode, EX_OK, "carol sends a message of 80 lines",
             describe(p))
        wait_for(lambda s: "tall line 79" in pane_text(s, 80),
                 "it shows")
        tmux("send-keys", "-t", "tui", "PPage")
        tmux("send-keys", "-t", "tui", "PPage")
        wait_for(lambda s: "tall line 79" not in pane_text(s, 80) and
                 "tall line 30" in pane_text(s, 80), "paged up twice")
        before = settle()
        p = carol.run("-t", "@alice", "-m", "carol while alice reads")
        t.eq(p.returncode, EX_OK, "carol sends live", describe(p))
        wait_for(lambda s: any("carol while" in l
                               for l in left_text(s, 80)),
                 "the chat list shows it")
        after = settle()
        t.eq(pane_text(after, 80), pane_text(before, 80),
             "the message rows on screen did not move")
        for _ in range(3):
            tmux("send-keys", "-t", "tui", "NPage")
        wait_for(lambda s: "carol while alice reads" in pane_text(s, 80),
                 "paging down shows it")
        tmux("send-keys", "-t", "tui", "-l", "/msg @bob")
        tmux("send-keys", "-t", "tui", "Enter")
        wait_for(lambda s: right_of(s[0], list_width(80)).startswith("Bob"),
                 "bob's chat open again")

        # The server goes away and comes back: offline, then online.
        srv.stop()
        wait_for(lambda s: s[22].startswith(" @alice | offline") and
                 "retrying" in s[22], "server gone: offline, retrying",
                 timeout=20)
        wait_for(lambda s: re.search(r"retrying in [0-9]+ s: ", s[22]),
                 "the status line says when it tries again, and why",
                 timeout=20)
        srv.start()
        wait_for(lambda s: s[22].startswith(" @alice | online"),
                 "server back: online", timeout=60)
        p = bob.run("-t", "@alice", "-m", "after the restart")
        t.eq(p.returncode, EX_OK, "bob sends after the restart", describe(p))
        wait_for(lambda s: "after the restart" in pane_text(s, 80),
                 "live again after the reconnect")

        # Quit.
        tmux("send-keys", "-t", "tui", "C-q")
        t.eq(tui.exit_status(), "0", "Ctrl-Q quits with status 0")
        err = tui.stderr()
        t.ok("Sanitizer" not in err and "runtime error" not in err,
             "no sanitizer report", err)

        # Again, from the profile alone; SIGTERM quits cleanly too.
        tui.respawn()
        wait_for(lambda s: len(s) == 24 and "reply from alice's TUI" in
                 pane_text(s, 80), "reopened: history read from the profile")
        pid = tmux("display", "-p", "-t", "tui", "#{pane_pid}").strip()
        kids = subprocess.run(["pgrep", "-P", pid], capture_output=True,
                              text=True).stdout.split()
        t.ok(len(kids) == 1, "one sotto process", kids)
        for k in kids:
            os.kill(int(k), signal.SIGTERM)
        t.eq(tui.exit_status(), "0", "SIGTERM quits with status 0")
        err = tui.stderr()
        t.ok("Sanitizer" not in err and "runtime error" not in err,
             "no sanitizer report", err)
    finally:
        tui.kill()
    t.done()
