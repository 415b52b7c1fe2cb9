"""The TUI with a profile of a million messages, beside another terminal
client (irssi), in tmux. Prints figures; passes or fails nothing.

  SOTTO_BUILDDIR=build PYTHONPATH=tests /usr/bin/python3 bench/tui_bench.py [N]

Set up with the real CLI against a real sottod: alice and bob, one
message from bob; then bench/tui_fill puts N (default 1,000,000) more
into that chat of alice's profile through the store. Figures:

- first frame after unlock: from ui_app_run() (the profile is unlocked,
  the engine made) to the end of the first doupdate(), as the TUI's own
  trace ($SOTTO_TUI_TRACE) says;
- start to first paint under tmux: from starting the process until tmux
  shows the status line, Argon2id unlock included, for sotto and irssi;
- redraw while paging up: each frame's layout + doupdate() while PgUp is
  pressed 400 times (reading older pages is timed apart, page_us);
- resident memory (VmRSS, VmHWM from /proc) after paging, and irssi's
  after its first paint.
"""
import os
import shutil
import statistics
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
PAGES = 400

os.environ.setdefault("SOTTO_BIN", SOTTO)
os.environ.setdefault("SOTTOD_BIN", os.path.abspath(
    os.path.join(BUILD, "sottod")))
import sottotest  # noqa: E402
sottotest.SOTTO = os.environ["SOTTO_BIN"]
sottotest.SOTTOD = os.environ["SOTTOD_BIN"]

root = tempfile.mkdtemp(prefix="sotto-tui-bench-")
sock = os.path.join(root, "tmux.sock")


def tmux(*args):
    return subprocess.run(["tmux", "-S", sock, "-u", "-f", "/dev/null"] +
                          list(args), capture_output=True, text=True,
                          timeout=30).stdout


def screen(target):
    return tmux("capture-pane", "-p", "-t", target).split("\n")[:-1]


def rss(pid):
    got = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("VmRSS", "VmHWM"):
                got[k] = int(v.split()[0]) / 1024.0
    return got


def child_of(target):
    pid = tmux("display", "-p", "-t", target, "#{pane_pid}").strip()
    kids = subprocess.run(["pgrep", "-P", pid], capture_output=True,
                          text=True).stdout.split()
    return int(kids[0]) if kids else int(pid)


def start_and_wait(name, argv, env, pred, timeout=120):
    """Starts argv in a new tmux session; seconds until pred(screen)."""
    t0 = time.monotonic()
    subprocess.run(["tmux", "-S", sock, "-u", "-f", "/dev/null",
                    "new-session", "-d", "-s", name, "-x", "100", "-y",
                    "30"] + argv, env=env, timeout=30)
    end = t0 + timeout
    while time.monotonic() < end:
        if pred(screen(name)):
            return time.monotonic() - t0
        time.sleep(0.002)
    raise RuntimeError("%s did not paint:\n%s" % (name,
                                                   "\n".join(screen(name))))


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(len(v) * p / 100))]


srv = Server(root)     # started by its constructor
try:
    alice = Client(root, "alice", srv)
    bob = Client(root, "bob", srv, password="bobs-password-1")
    for c, args in ((alice, ("--register", "alice", "--display-name",
                             "Alice")),
                    (bob, ("--register", "bob", "--display-name", "Bob"))):
        p = c.run(*args)
        assert p.returncode == 0, p.stderr
    assert bob.run("-t", "@alice", "-m", "hi").returncode == 0
    assert alice.run("--list-chats").returncode == 0
    t0 = time.monotonic()
    p = subprocess.run([FILL, alice.passphrase_file, str(N)],
                       env=alice.env(), capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    print("fill: %d messages in %.1f s (%s)" % (N, time.monotonic() - t0,
                                                 p.stdout.strip()))
    db = os.path.join(alice.profile_dir, "sotto.db")
    if os.path.exists(db):
        print("profile database: %.0f MiB" % (os.path.getsize(db) / 2**20))

    trace = os.path.join(root, "trace")
    env = dict(alice.env(), LANG="C.UTF-8", LC_ALL="C.UTF-8",
               TERM="xterm-256color", SOTTO_TUI_TRACE=trace)
    cmd = [SOTTO, "--server", srv.addr, "--passphrase-file",
           alice.passphrase_file]
    paint = start_and_wait("sotto", cmd, env, lambda s: len(s) >= 29 and
                           "@alice" in s[28])
    time.sleep(1.0)
    with open(trace) as f:
        lines = f.read().split("\n")
    first = [int(l.split()[1]) for l in lines if l.startswith("first_frame")]
    pid = child_of("sotto")
    mem0 = rss(pid)
    print("sotto: first frame %.1f ms after unlock (ui_app_run to the "
          "first doupdate)" % (first[0] / 1000.0 if first else -1))
    print("sotto: start to first paint under tmux %.0f ms (Argon2id "
          "unlock included)" % (paint * 1000))
    print("sotto: RSS after the first frame %.1f MiB (peak %.1f)" % (
        mem0["VmRSS"], mem0["VmHWM"]))

    before = len(lines)
    for _ in range(PAGES):
        tmux("send-keys", "-t", "sotto", "PPage")
        time.sleep(0.01)
    time.sleep(1.5)
    with open(trace) as f:
        lines = f.read().split("\n")[before:]
    frames = [int(l.split()[1]) for l in lines if l.startswith("frame_us")]
    pages = [int(l.split()[1]) for l in lines if l.startswith("page_us")]
    skips = [int(l.split()[5]) for l in lines if l.startswith("frame_us")]
    mem = rss(pid)
    if frames:
        print("sotto: redraw while paging up: %d frames, median %.2f ms, "
              "p99 %.2f ms, max %.2f ms (%d of the window below the "
              "screen at the end)" % (
                  len(frames), statistics.median(frames) / 1000.0,
                  pct(frames, 99) / 1000.0, max(frames) / 1000.0,
                  max(skips) if skips else 0))
    if pages:
        print("sotto: %d older pages of 100 read, median %.2f ms, max "
              "%.2f ms" % (len(pages), statistics.median(pages) / 1000.0,
                           max(pages) / 1000.0))
    print("sotto: RSS after paging %.1f MiB (peak %.1f)" % (
        mem["VmRSS"], mem["VmHWM"]))
    tmux("send-keys", "-t", "sotto", "C-q")

    # irssi beside it: same terminal size, no server, a fresh home.
    irssi = shutil.which("irssi")
    if irssi is None:
        print("irssi: not installed (apt-get install irssi)")
    else:
        home = os.path.join(root, "irssi")
        os.makedirs(home)
        ienv = dict(os.environ, LANG="C.UTF-8", LC_ALL="C.UTF-8",
                    TERM="xterm-256color", HOME=home)
        paint = start_and_wait("irssi", [irssi, "--home=" + home, "-n",
                                         "bench"], ienv,
                               lambda s: len(s) >= 29 and "[" in s[28])
        time.sleep(1.0)
        mem = rss(child_of("irssi"))
        print("irssi %s: start to first paint under tmux %.0f ms; RSS "
              "%.1f MiB (peak %.1f)" % (
                  subprocess.run([irssi, "--version"], capture_output=True,
                                 text=True).stdout.split()[1],
                  paint * 1000, mem["VmRSS"], mem["VmHWM"]))
finally:
    subprocess.run(["tmux", "-S", sock, "kill-server"], capture_output=True)
    srv.stop()
    shutil.rmtree(root, ignore_errors=True)
