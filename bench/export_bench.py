#!/usr/bin/python3
"""What ExportMyData costs as an account grows, with a real sottod and a
raw device (tests/noiseclient.py): for each size N, an account whose chat
with another holds N messages of 100 characters (written straight into the
stopped server's database with the sqlcipher shell, with their update log
entries, as N sends would leave them), exported page by page until the
last. Prints the pages, rows, bytes and time of the whole export and the
median and slowest page; passes or fails nothing.

    ./bench/export_bench.py [N ...]   (default 1000 10000 50000; run from
                                       the build directory, or set
                                       SOTTOD_BIN)
"""
import os
import statistics
import sys
import time

import benchenv  # noqa: F401,E402  (sys.path, SOTTOD_BIN)

import sottotest  # noqa: E402
import noiseclient as nc  # noqa: E402

EXPORT = 90


def fill(srv, me, peer, n):
    """n messages between me and peer in one new private chat."""
    srv.stop()
    lo, hi = min(me, peer), max(me, peer)
    sql = (
        "BEGIN;"
        "INSERT INTO chats (kind, created, last_message_id) VALUES (2, 1, %d);"
        "INSERT INTO pair_chats VALUES (%d, %d, last_insert_rowid());"
        "INSERT INTO chat_members (chat_id, user_id) SELECT chat_id, %d"
        " FROM pair_chats WHERE user_lo = %d AND user_hi = %d;"
        "INSERT INTO chat_members (chat_id, user_id) SELECT chat_id, %d"
        " FROM pair_chats WHERE user_lo = %d AND user_hi = %d;"
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c"
        " WHERE x < %d) INSERT INTO messages (chat_id, id, sender_id,"
        " random_id, text, date, pts) SELECT p.chat_id, x, CASE x %% 2 WHEN 0"
        " THEN %d ELSE %d END, x, printf('%%0100d', x), 1000 + x, x"
        " FROM c, pair_chats p WHERE p.user_lo = %d AND p.user_hi = %d;"
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c"
        " WHERE x < %d) INSERT INTO updates (user_id, pts, kind, chat_id,"
        " message_id) SELECT %d, 1000000 + x, 1, p.chat_id, x FROM c,"
        " pair_chats p WHERE p.user_lo = %d AND p.user_hi = %d;"
        "UPDATE users SET pts = 1000000 + %d WHERE id = %d;"
        "COMMIT" % (n, lo, hi, me, lo, hi, peer, lo, hi, n, me, peer, lo, hi,
                    n, me, lo, hi, n, me))
    _, err = srv.sql(sql)
    if err:
        raise RuntimeError(err)
    srv.start()


def export(addr, name):
    d = nc.Device(addr)
    err, _ = d.call(12, nc.B(1, name) + nc.B(2, "password-" + name) +
                    nc.B(3, "bench"))
    if err:
        raise RuntimeError("login: %d" % err)
    pages, rows, size, cursor = [], 0, 0, b""
    t0 = time.perf_counter()
    while True:
        t = time.perf_counter()
        err, res = d.call(EXPORT, nc.B(1, cursor) if cursor else b"")
        pages.append(time.perf_counter() - t)
        if err:
            raise RuntimeError("export: %d" % err)
        rows += len(res.get(1, []))
        size += sum(len(r) for r in res.get(1, []))
        cursor = nc.get(res, 3, b"")
        if not nc.get(res, 2):
            break
    total = time.perf_counter() - t0
    d.peer.close()
    return total, pages, rows, size


def main():
    sizes = [int(a) for a in sys.argv[1:]] or [1000, 10000, 50000]
    with sottotest.Scenario("export-bench") as sc:
        for n in sizes:
            srv = sc.server(name="srv%d" % n)
            _, me, _ = nc.register(srv.addr, "alice")
            _, peer, _ = nc.register(srv.addr, "bob")
            fill(srv, me, peer, n)
            total, pages, rows, size = export(srv.addr, "alice")
            print("%6d messages: %4d pages, %6d rows, %8d bytes of rows in"
                  " %7.3f s (%6.0f rows/s); page median %6.1f ms, slowest"
                  " %6.1f ms" % (n, len(pages), rows, size, total,
                                 rows / total, statistics.median(pages) * 1e3,
                                 max(pages) * 1e3))
            sys.stdout.flush()
            srv.stop()
        sc.t.ok(True, "benchmark ran")
        sc.t.done()


if __name__ == "__main__":
    main()
