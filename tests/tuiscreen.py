"""Driving the TUI in tmux and reading its captured screen the way a
terminal lays it out: cell widths of wide and combining characters, the
character at a cell, and the split between the chat list and the message
view. Shared by the TUI scenarios."""
import os
import subprocess
import time
import unicodedata

VLINE = "\u2502"               # the border between list and messages


def cell_width(ch):
    if unicodedata.category(ch) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def at_cell(row, col):
    """The character that starts at cell col of a captured row."""
    cells = 0
    for ch in row:
        if cells == col and cell_width(ch) > 0:
            return ch
        cells += cell_width(ch)
        if cells > col:
            return None
    return None


def right_of(row, lw):
    """The part of a captured row right of the separator."""
    cells = 0
    for i, ch in enumerate(row):
        if cells == lw:
            return row[i + 1:]
        cells += cell_width(ch)
    return ""


def list_width(cols):
    return min(cols // 3, 32)


def show(lines):
    return "\n".join("|%s|" % l for l in lines)


class Tmux:
    """A tmux server of its own (socket under root) holding the window
    "tui", with checks t for the waits."""

    def __init__(self, t, root, env, cols=80, rows=24):
        self.t = t
        self.sock = os.path.join(root, "tmux.sock")
        self.errfile = os.path.join(root, "tui.stderr")
        self.rcfile = os.path.join(root, "tui.rc")
        self.env = env
        self.cols = cols
        self.rows = rows
        self.explain = show     # what a failed wait prints of the screen
        self.cmd = None

    def tmux(self, *args, check=True):
        p = subprocess.run(["tmux", "-S", self.sock, "-u", "-f",
                            "/dev/null"] + list(args), capture_output=True,
                           text=True, env=self.env, timeout=20)
        if check and p.returncode != 0:
            raise RuntimeError("tmux %s: %s" % (args, p.stderr))
        return p.stdout

    def start(self, sh_cmd):
        """Runs sh_cmd in the window, sized cols x rows; the window stays
        when it exits, so its last screen can still be read."""
        self.cmd = sh_cmd
        self.tmux("new-session", "-d", "-s", "tui", "-x", str(self.cols),
                  "-y", str(self.rows), "sh", "-c", sh_cmd)
        self.tmux("set-option", "-g", "remain-on-exit", "on")

    def respawn(self):
        """Runs the command of start() again in the window, from a new
        rcfile."""
        if os.path.exists(self.rcfile):
            os.remove(self.rcfile)
        self.tmux("respawn-pane", "-k", "-t", "tui", "sh", "-c", self.cmd)

    def start_sotto(self, sotto, client, extra=""):
        """Opens the TUI of client's profile: its stderr to errfile, its
        exit status to rcfile."""
        self.start("%s --server %s --passphrase-file %s%s 2>%s; "
                   "echo $? >%s" % (sotto, client.server.addr,
                                     client.passphrase_file, extra,
                                     self.errfile, self.rcfile))

    def kill(self):
        self.tmux("kill-server", check=False)

    def exit_status(self, timeout=20):
        """What the TUI exited with (rcfile), or None if it did not."""
        end = time.time() + timeout
        while time.time() < end and not os.path.exists(self.rcfile):
            time.sleep(0.1)
        time.sleep(0.2)
        if not os.path.exists(self.rcfile):
            return None
        with open(self.rcfile) as f:
            return f.read().strip()

    def stderr(self):
        if not os.path.exists(self.errfile):
            return ""
        with open(self.errfile, errors="replace") as f:
            return f.read()

    def screen(self, esc=False):
        a = ["capture-pane", "-p", "-t", "tui"] + (["-e"] if esc else [])
        return self.tmux(*a).split("\n")[:-1]

    def wait_for(self, pred, what, timeout=15):
        """One check: pred(screen) becomes true within timeout seconds."""
        end = time.time() + timeout
        s = self.screen()
        while time.time() < end:
            s = self.screen()
            if pred(s):
                return self.t.ok(True, what)
            time.sleep(0.05)
        return self.t.ok(False, what, self.explain(s))

    def settle(self):
        """The screen once two captures 0.1 s apart agree."""
        prev = None
        for _ in range(100):
            s = self.screen()
            if s == prev:
                return s
            prev = s
            time.sleep(0.1)
        return prev

    def alive(self):
        return self.tmux("display", "-p", "-t", "tui",
                         "#{pane_dead}").strip() == "0"

    def keys(self, *k):
        self.tmux("send-keys", "-t", "tui", *k)

    def typed(self, text):
        self.tmux("send-keys", "-t", "tui", "-l", text)

    def type_line(self, text):
        self.typed(text)
        self.keys("Enter")

    def title(self, s):
        return right_of(s[0], list_width(self.cols))

    def pane(self, s):
        lw = list_width(self.cols)
        return "\n".join(right_of(l, lw) for l in s[1:-2])


def until(fn, timeout=20):
    """fn()'s first true value within timeout seconds, else its last."""
    end = time.time() + timeout
    while True:
        v = fn()
        if v or time.time() > end:
            return v
        time.sleep(0.3)
