"""Ctrl-F in a chat of N messages (default 1,000,000), in tmux. Prints
figures; passes or fails nothing.

  SOTTO_BUILDDIR=build PYTHONPATH=tests /usr/bin/python3 \\
      bench/tui_search_bench.py [N]

Set up as bench/tui_bench.py does (alice and bob on the real CLI against
a real sottod; bob's first message holds a word of its own, "zebra"),
then bench/tui_fill puts N more into that chat through the store, which
leaves them out of the full-text index: the store indexes lazily, on
the next search, and the TUI in the background. Figures, from the TUI's
own trace ($SOTTO_TUI_TRACE):

- a key's echo while the TUI indexes the N new messages in the
  background, in slices between loop turns;
- the first search ("zebra") a few seconds later: the index is done;
- the same search again, the index up to date;
- a word in about one message of three ("fox"): the store walks the
  index backwards and stops at the newest 200;
- showing the "zebra" hit, the oldest message of the chat: the window
  read around it (jump_us).
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests"))
from sottotest import Server, Client  # noqa: E402

BUILD = os.environ.get("SOTTO_BUILDDIR", ".")
SOTTO = os.path.abspath(os.path.join(BUILD, "sotto"))
FILL = os.path.abspath(os.path.join(BUILD, "bench", "tui_fill"))
N = int(sys.argv[1]) if len(sys.argv) > 1 else 1000000

os.environ.setdefault("SOTTO_BIN", SOTTO)
os.environ.setdefault("SOTTOD_BIN", os.path.abspath(
    os.path.join(BUILD, "sottod")))
import sottotest  # noqa: E402
sottotest.SOTTO = os.environ["SOTTO_BIN"]
sottotest.SOTTOD = os.environ["SOTTOD_BIN"]

root = tempfile.mkdtemp(prefix="sotto-search-bench-")
sock = os.path.join(root, "tmux.sock")
trace = os.path.join(root, "trace")


def tmux(*args):
    return subprocess.run(["tmux", "-S", sock, "-u", "-f", "/dev/null"] +
                          list(args), capture_output=True, text=True,
                          timeout=30).stdout


def screen():
    return tmux("capture-pane", "-p", "-t", "sotto").split("\n")[:-1]


def wait(pred, timeout=600):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        s = screen()
        if pred(s):
            return s
        time.sleep(0.01)
    raise RuntimeError("timed out:\n" + "\n".join(screen()))


def traced(what, before):
    with open(trace) as f:
        lines = f.read().split("\n")
    got = [int(l.split()[1]) for l in lines[before:] if l.startswith(what)]
    return got, len(lines)


def lines_now():
    """Lines in the trace so far (the next one written is at this index)."""
    with open(trace) as f:
        return len(f.read().split("\n")) - 1


def search(word):
    """Ctrl-F word Enter; the search's time in ms and the title line."""
    before = lines_now()
    tmux("send-keys", "-t", "sotto", "C-f")
    wait(lambda s: s[-1].startswith("search:"))
    tmux("send-keys", "-t", "sotto", "-l", word)
    tmux("send-keys", "-t", "sotto", "Enter")
    seen = []

    def done(s):
        if "searching..." in s[-1]:
            seen.append(1)
        return "Search" in s[0] and "search:" in s[-1] and \
            "searching..." not in s[-1]
    s = wait(done)
    got, _ = traced("search_us", before)
    return (got[0] / 1000.0 if got else -1), s[0].split("\u2502")[-1] + \
        (" (the screen said searching... meanwhile)" if seen else "")


srv = Server(root)
try:
    alice = Client(root, "alice", srv)
    bob = Client(root, "bob", srv, password="bobs-password-1")
    for c, args in ((alice, ("--register", "alice", "--display-name",
                             "Alice")),
                    (bob, ("--register", "bob", "--display-name", "Bob"))):
        p = c.run(*args)
        assert p.returncode == 0, p.stderr
    assert bob.run("-t", "@alice", "-m", "a zebra at the start").returncode \
        == 0
    assert alice.run("--list-chats").returncode == 0
    t0 = time.monotonic()
    p = subprocess.run([FILL, alice.passphrase_file, str(N)],
                       env=alice.env(), capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    print("fill: %d messages in %.1f s" % (N, time.monotonic() - t0))
    env = dict(alice.env(), LANG="C.UTF-8", LC_ALL="C.UTF-8",
               TERM="xterm-256color", SOTTO_TUI_TRACE=trace)
    subprocess.run(["tmux", "-S", sock, "-u", "-f", "/dev/null",
                    "new-session", "-d", "-s", "sotto", "-x", "100", "-y",
                    "30", SOTTO, "--server", srv.addr, "--passphrase-file",
                    alice.passphrase_file], env=env, timeout=30)
    wait(lambda s: len(s) >= 29 and "@alice | online" in s[28])
    # The TUI indexes in the background once online (2,000 messages a
    # slice); while it does, a key still echoes within about a slice.
    t0 = time.monotonic()
    tmux("send-keys", "-t", "sotto", "-l", "x")
    wait(lambda s: s[-1].rstrip() == "> x")
    print("a key echoed while indexing: %.0f ms" %
          ((time.monotonic() - t0) * 1000))
    tmux("send-keys", "-t", "sotto", "BSpace")
    wait(lambda s: s[-1].rstrip() == ">")
    settle = 2 + N / 200000.0
    time.sleep(settle)
    ms, title = search("zebra")
    print("first search, %.0f s after opening (%d messages indexed in the "
          "background meanwhile): %.1f ms: %s" % (settle, N, ms,
                                                 title.strip()))
    before = lines_now()
    tmux("send-keys", "-t", "sotto", "Enter")
    wait(lambda s: any("a zebra at the start" in l for l in s) and
         "Search" not in s[0])
    got, _ = traced("jump_us", before)
    print("showing it (the oldest of %d): %.2f ms" % (
        N + 1, got[0] / 1000.0 if got else -1))
    tmux("send-keys", "-t", "sotto", "Escape")
    wait(lambda s: s[-1].rstrip() == ">")
    ms, title = search("zebra")
    print("the same search again: %.2f ms: %s" % (ms, title.strip()))
    tmux("send-keys", "-t", "sotto", "Escape")
    wait(lambda s: s[-1].rstrip() == ">")
    ms, title = search("fox")
    print("a common word (fox): %.1f ms: %s" % (ms, title.strip()))
    tmux("send-keys", "-t", "sotto", "Escape")
    tmux("send-keys", "-t", "sotto", "C-q")
finally:
    subprocess.run(["tmux", "-S", sock, "kill-server"], capture_output=True)
    srv.stop()
    shutil.rmtree(root, ignore_errors=True)
