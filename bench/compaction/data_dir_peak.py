#!/usr/bin/env python3
"""Samples the data directory of a running `drover bench compaction` (or any coordinator) and
reports its peak: the whole directory, journal.sqlite, its WAL, the snapshot (and its .tmp), and
the free pages inside journal.sqlite (its header: page count at byte 28, freelist count at 36 —
as of the last checkpoint, which runs every 50 ms).

  bench/compaction/data_dir_peak.py [DATA_DIR_GLOB] [--every 0.05] [--trace FILE]

DATA_DIR_GLOB defaults to the bench's directory, /tmp/drover-bench-compaction-*/data. Runs until
interrupted (SIGINT/SIGTERM) or until the directory has been gone for 30 s once seen, then
prints one line of peaks. --trace writes every sample (t, dir, journal, free pages, wal, snapshot).
"""
import glob
import os
import signal
import struct
import sys
import time

pattern = "/tmp/drover-bench-compaction-*/data"
every = 0.05
trace = None
args = sys.argv[1:]
while args:
    a = args.pop(0)
    if a == "--every":
        every = float(args.pop(0))
    elif a == "--trace":
        trace = open(args.pop(0), "w")
    else:
        pattern = a

stop = False


def on_signal(*_):
    global stop
    stop = True


signal.signal(signal.SIGINT, on_signal)
signal.signal(signal.SIGTERM, on_signal)


def size(path):
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


def header(path):
    """(pages, free pages) from the database header, or (0, 0)."""
    try:
        with open(path, "rb") as f:
            h = f.read(100)
        page = struct.unpack(">H", h[16:18])[0]
        page = 65536 if page == 1 else page
        return struct.unpack(">I", h[28:32])[0], struct.unpack(">I", h[36:40])[0], page
    except (OSError, struct.error):
        return 0, 0, 4096


MiB = 1 << 20
peak = dict(dir=0, journal=0, free=0, wal=0, snapshot=0, journal_live=0)
seen_at = None
start = time.monotonic()
while not stop:
    dirs = glob.glob(pattern)
    now = time.monotonic()
    if not dirs:
        if seen_at is not None and now - seen_at > 30:
            break
        time.sleep(every)
        continue
    seen_at = now
    d = dirs[0]
    total = 0
    try:
        names = os.listdir(d)
    except OSError:
        names = []
    for n in names:
        total += size(os.path.join(d, n))
    j = os.path.join(d, "journal.sqlite")
    journal = size(j)
    pages, free, page = header(j)
    wal = size(j + "-wal")
    snap = size(j + ".snapshot") + size(j + ".snapshot.tmp")
    sample = dict(dir=total, journal=journal, free=free * page, wal=wal, snapshot=snap,
                  journal_live=max(pages - free, 0) * page)
    for k, v in sample.items():
        peak[k] = max(peak[k], v)
    if trace:
        trace.write("%.2f %s\n" % (now - start, " ".join("%.1f" % (sample[k] / MiB) for k in
                                                          ("dir", "journal", "free", "wal", "snapshot"))))
    time.sleep(every)

print("peak MiB: data directory %.1f, journal.sqlite %.1f (free pages %.1f, rows %.1f), WAL %.1f, snapshot(s) %.1f"
      % tuple(peak[k] / MiB for k in ("dir", "journal", "free", "journal_live", "wal", "snapshot")))
