"""The real TUI (ui/tui_demo) in a real terminal: tmux on a private socket.

The chat list shows, Tab switches chats, typed and pasted text shows in
the input line, Enter sends, resizing to 40x12, 200x60 and back redraws
without garbage (what an incremental redraw leaves equals a full repaint),
and a hostile message changes neither the terminal title nor the layout.
A control run prints the same hostile bytes raw in another tmux pane and
sees the title change, so the title check can fail."""
import os
import shutil
import subprocess
import tempfile
import time

from sottotest import Checks, need_tmux
from tuiscreen import VLINE, at_cell, list_width, right_of, show

BUILD = os.environ.get("SOTTO_BUILDDIR", ".")
DEMO = os.path.join(BUILD, "ui", "tui_demo")

need_tmux()

t = Checks()
root = tempfile.mkdtemp(prefix="sotto-tui-")
sock = os.path.join(root, "tmux.sock")
errfile = os.path.join(root, "stderr")
rcfile = os.path.join(root, "rc")
env = dict(os.environ, LANG="C.UTF-8", LC_ALL="C.UTF-8", TERM="xterm")


def tmux(*args, check=True):
    p = subprocess.run(["tmux", "-S", sock, "-u", "-f", "/dev/null"] +
                       list(args), capture_output=True, text=True, env=env,
                       timeout=20)
    if check and p.returncode != 0:
        raise RuntimeError("tmux %s: %s" % (args, p.stderr))
    return p.stdout


def screen(target="demo"):
    return tmux("capture-pane", "-p", "-t", target).split("\n")[:-1]


def wait_for(pred, what, timeout=10, target="demo"):
    end = time.time() + timeout
    s = screen(target)
    while time.time() < end:
        s = screen(target)
        if pred(s):
            return t.ok(True, what)
        time.sleep(0.05)
    return t.ok(False, what, show(s))


def settle(target="demo"):
    """Waits until the screen stops changing (a frame is complete)."""
    prev = None
    for _ in range(100):
        s = screen(target)
        if s == prev:
            return s
        prev = s
        time.sleep(0.1)
    return prev


def alive():
    return tmux("display", "-p", "-t", "demo", "#{pane_dead}").strip() == "0"


def layout_ok(s, cols, rows):
    """The frame's structure: separator on every body row, the status
    line and the input line at the bottom."""
    if len(s) != rows:
        return False
    lw = list_width(cols)
    for row in s[:rows - 2]:
        if at_cell(row, lw) != VLINE:
            return False
    return s[rows - 2].startswith(" @demo | online") and \
        s[rows - 1].startswith(">")


def resize(cols, rows):
    tmux("resize-window", "-t", "demo", "-x", str(cols), "-y", str(rows))
    ok = wait_for(lambda s: len(s) == rows and layout_ok(s, cols, rows),
                  "resized to %dx%d: full layout" % (cols, rows))
    before = settle()
    tmux("send-keys", "-t", "demo", "C-l")
    time.sleep(0.3)
    after = settle()
    t.eq(show(before), show(after),
         "at %dx%d the redraw equals a full repaint (no garbage)" %
         (cols, rows))
    t.ok(alive(), "still running at %dx%d" % (cols, rows))
    return ok


try:
    tmux("new-session", "-d", "-s", "ctl", "-x", "80", "-y", "24")
    tmux("set-option", "-g", "remain-on-exit", "on")

    # Control: raw hostile bytes do retitle a tmux pane.
    tmux("select-pane", "-t", "ctl", "-T", "control-title")
    tmux("send-keys", "-t", "ctl",
         "printf 'x\\033]2;PWNED-TITLE\\033\\\\y\\n'", "Enter")
    end = time.time() + 10
    while time.time() < end and tmux(
            "display", "-p", "-t", "ctl", "#{pane_title}").strip() != \
            "PWNED-TITLE":
        time.sleep(0.1)
    t.eq(tmux("display", "-p", "-t", "ctl", "#{pane_title}").strip(),
         "PWNED-TITLE", "control: raw OSC 2 does retitle a pane")

    cmd = "%s 2>%s; echo $? >%s" % (DEMO, errfile, rcfile)
    tmux("new-session", "-d", "-s", "demo", "-x", "80", "-y", "24",
         "sh", "-c", cmd)
    tmux("select-pane", "-t", "demo", "-T", "sotto-test-title")
    wait_for(lambda s: any("@demo" in l for l in s), "the TUI starts")
    s = settle()
    t.ok(layout_ok(s, 80, 24), "80x24 layout", show(s))

    # The chat list, most recent first.
    lw = list_width(80)
    left = [l.split(VLINE)[0] for l in s[:-2]]
    names = ["Mallorygnp", "Alice", "Bob (secret)", "Project", "Saved"]
    pos = [next((i for i, l in enumerate(left) if n in l), -1)
           for n in names]
    t.ok(all(p >= 0 for p in pos) and pos == sorted(pos),
         "chat list shows every chat, most recent first", show(s))
    t.ok(any("Carol is typing" in l for l in left), "typing shown")
    t.ok(any(l.rstrip().endswith("12") and "Project" in l for l in left),
         "unread count on the right")

    # Alice is open: her messages with date separators and marks.
    right = "\n".join(right_of(l, lw) for l in s)
    t.ok(right_of(s[0], lw).startswith("Alice"),
         "title row names the open chat")
    t.ok("-- Today --" in right and "Hi! Are you there?" in right,
         "messages with a date separator", right)
    t.ok("me (edited) \u2713" in right and "me \u2713\u2713" in right,
         "edited, sent and read marks", right)
    t.ok("| me: Yes, what's up?" in right, "reply quote", right)

    # Tab switches chats.
    tmux("send-keys", "-t", "demo", "Tab")
    wait_for(lambda s: right_of(s[0], lw).startswith("\U0001f512Bob"),
             "Tab opens the next chat (Bob, with a lock mark)")
    wait_for(lambda s: any("end-to-end encrypted" in l for l in s),
             "Bob's message shows")

    # Typing shows in the input line; Enter sends it.
    tmux("send-keys", "-t", "demo", "-l", "hello w\u00f6rld \u4e2d\u6587")
    wait_for(lambda s: s[-1].startswith("> hello w\u00f6rld \u4e2d\u6587"),
             "typed text in the input line")
    cx = tmux("display", "-p", "-t", "demo", "#{cursor_x}").strip()
    t.eq(cx, str(2 + 12 + 4), "cursor after the wide characters")
    tmux("send-keys", "-t", "demo", "Enter")
    wait_for(lambda s: s[-1].rstrip() == ">" and
             any("hello w\u00f6rld" in right_of(l, lw) for l in s[:-2]),
             "Enter sends: text in the messages, input line empty")

    # Alt keys arrive as ESC and a key: word moves and Alt-Enter.
    tmux("send-keys", "-t", "demo", "-l", "one two")
    tmux("send-keys", "-t", "demo", "M-b")
    tmux("send-keys", "-t", "demo", "-l", "X")
    wait_for(lambda s: s[-1].startswith("> one Xtwo"),
             "Alt-B moves a word left")
    tmux("send-keys", "-t", "demo", "C-e", "M-Enter")
    tmux("send-keys", "-t", "demo", "-l", "3")
    wait_for(lambda s: s[-1].startswith("[2/2]> 3"),
             "Alt-Enter starts a second line")
    tmux("send-keys", "-t", "demo", "C-u", "BSpace", "C-u")
    wait_for(lambda s: s[-1].rstrip() == ">", "input emptied")

    # Bracketed paste: line breaks kept, escape sequences dropped.
    tmux("set-buffer", "-b", "p", "one\ntwo\033]2;PWNED-TITLE\007 three")
    tmux("paste-buffer", "-p", "-t", "demo", "-b", "p", "-d")
    wait_for(lambda s: s[-1].startswith("[2/2]> two three"),
             "bracketed paste inserted literally, sequence removed")
    tmux("send-keys", "-t", "demo", "C-u", "Up")
    wait_for(lambda s: s[-1].startswith("[1/2]> one"),
             "Ctrl-U then Up moves to the pasted first line")
    tmux("send-keys", "-t", "demo", "C-e", "C-u", "DC")
    wait_for(lambda s: s[-1].rstrip() == ">", "input emptied")

    # Resizes.
    resize(40, 12)
    resize(200, 60)
    resize(80, 24)
    resize(40, 12)
    # Too small for the layout: a notice (curses may leave the last cell
    # of the screen, all there is at 1x1, unwritten).
    for cols, rows in ((15, 4), (1, 1)):
        tmux("resize-window", "-t", "demo", "-x", str(cols), "-y", str(rows))
        want = "terminal too small"[:cols]
        wait_for(lambda s: len(s) == rows and (s[0] == want or (
                 rows == 1 and s[0] == "")) and not any(s[1:]),
                 "at %dx%d: a notice, no layout" % (cols, rows))
        t.ok(alive(), "still running at %dx%d" % (cols, rows))
    resize(80, 24)

    # The hostile chat (after Bob, who is now the most recent): title and
    # layout unchanged.
    tmux("send-keys", "-t", "demo", "Tab")
    wait_for(lambda s: right_of(s[0], lw).startswith("Mallorygnp"),
             "hostile chat open, its title sanitised")
    s = settle()
    t.ok(layout_ok(s, 80, 24), "layout intact with the hostile message",
         show(s))
    t.eq(tmux("display", "-p", "-t", "demo", "#{pane_title}").strip(),
         "sotto-test-title", "terminal title unchanged")
    joined = "\n".join(s)
    t.ok("PWNED" not in joined, "no escape payload on screen", joined)
    t.ok(joined.count("moved") == joined.count("beforemoved") > 0,
         "text after a cursor move stays in its place in the line", joined)
    pane = "\n".join(right_of(l, lw) for l in s[1:-2])
    order = [pane.find(w) for w in ("before", "txt.exe", "8bit", "after")]
    t.ok(min(order) >= 0 and order == sorted(order),
         "hostile text shown in the message pane, in order", pane)
    t.ok("\u202e" not in joined and "\x1b" not in joined,
         "no bidi override or ESC on screen")
    resize(40, 12)
    resize(80, 24)
    t.eq(tmux("display", "-p", "-t", "demo", "#{pane_title}").strip(),
         "sotto-test-title", "title still unchanged after resizes")

    # Paging in a pane too short for Alice's messages.
    tmux("send-keys", "-t", "demo", "Tab")
    resize(40, 12)
    lw = list_width(40)
    wait_for(lambda s: right_of(s[0], lw).startswith("Alice") and
             "line two" in right_of(s[9], lw),
             "Alice at 40x12: the newest line at the bottom")
    tmux("send-keys", "-t", "demo", "PPage", "PPage")
    wait_for(lambda s: "-- " in right_of(s[1], lw) and
             "Today" not in right_of(s[1], lw),
             "PgUp reaches the first day's separator at the top")
    tmux("send-keys", "-t", "demo", "NPage", "NPage")
    wait_for(lambda s: "line two" in right_of(s[9], lw),
             "PgDn returns to the newest")
    resize(80, 24)

    # Quit.
    tmux("send-keys", "-t", "demo", "C-q")
    end = time.time() + 10
    while time.time() < end and not os.path.exists(rcfile):
        time.sleep(0.1)
    time.sleep(0.2)
    rc = open(rcfile).read().strip() if os.path.exists(rcfile) else None
    t.eq(rc, "0", "Ctrl-Q quits with status 0")
    err = open(errfile, errors="replace").read() \
        if os.path.exists(errfile) else ""
    t.ok("Sanitizer" not in err and "runtime error" not in err,
         "no sanitizer report", err)
finally:
    subprocess.run(["tmux", "-S", sock, "kill-server"], capture_output=True)

if t.failed:
    print("# files kept in " + root)
else:
    shutil.rmtree(root, ignore_errors=True)
t.done()
