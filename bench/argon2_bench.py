#!/usr/bin/python3
"""Times the two Argon2id costs Sotto uses, through libsodium (python3-nacl
calls the same crypto_pwhash as crypto/vault.c and crypto/pwhash.c):

  vault   3 passes, 64 MiB  - unlocking a profile (client, once per command)
  server  INTERACTIVE       - an account password hash (sottod, thread pool)

Prints figures; passes or fails nothing.   ./bench/argon2_bench.py [N]
"""
import os
import statistics
import sys
import time

from nacl import pwhash

N = int(sys.argv[1]) if len(sys.argv) > 1 else 10


def bench(name, fn):
    times = []
    for _ in range(N):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    print("%-7s n=%d  median %7.1f ms   min %7.1f ms   max %7.1f ms" %
          (name, N, statistics.median(times), min(times), max(times)))


salt = os.urandom(pwhash.argon2id.SALTBYTES)
print("Argon2id13 through libsodium, one thread, %d runs each" % N)
bench("vault", lambda: pwhash.argon2id.kdf(
    32, b"correct horse battery", salt, opslimit=3, memlimit=64 << 20))
bench("server", lambda: pwhash.argon2id.str(
    b"s3cret-passw0rd",
    opslimit=pwhash.argon2id.OPSLIMIT_INTERACTIVE,
    memlimit=pwhash.argon2id.MEMLIMIT_INTERACTIVE))
print("server INTERACTIVE = %d passes, %d MiB" %
      (pwhash.argon2id.OPSLIMIT_INTERACTIVE,
       pwhash.argon2id.MEMLIMIT_INTERACTIVE >> 20))
