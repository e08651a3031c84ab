"""datasketch MinHashLSH on the same persona file as bench/dedup.ts, for a side-by-side number.

Usage: python bench/dedup_datasketch.py <personas.txt> [bands rows]
One persona per line, already lower-case words separated by single spaces (the bench writes it so), so
str.split() tokenises exactly as personahub's normalize() does. Per item: MinHash(128) over the distinct words,
lsh.query, and lsh.insert when no candidate came back (the usual datasketch dedup loop; datasketch does not verify
candidates). Prints one JSON line: items, kept, seconds, items_per_s, rss_bytes_per_item.
"""
import json
import sys
import time

from datasketch import MinHash, MinHashLSH


def rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    import resource  # noqa: F401  (page size from os)
    import os

    return pages * os.sysconf("SC_PAGE_SIZE")


def main() -> None:
    path = sys.argv[1]
    bands, rows = (int(sys.argv[2]), int(sys.argv[3])) if len(sys.argv) > 3 else (16, 8)
    with open(path, encoding="utf-8") as f:
        lines = [line.rstrip("\n") for line in f]
    lsh = MinHashLSH(threshold=0.9, num_perm=128, params=(bands, rows))
    base_rss = rss_bytes()
    kept = 0
    start = time.perf_counter()
    for i, line in enumerate(lines):
        m = MinHash(num_perm=128)
        m.update_batch([w.encode("utf-8") for w in set(line.split())])
        if not lsh.query(m):
            lsh.insert(i, m)
            kept += 1
    seconds = time.perf_counter() - start
    grown = rss_bytes() - base_rss
    print(json.dumps({
        "impl": "datasketch MinHashLSH (16x8, no verification)",
        "items": len(lines),
        "kept": kept,
        "seconds": round(seconds, 2),
        "items_per_s": round(len(lines) / seconds),
        "bytes_per_stored": round(grown / max(kept, 1)),
    }))


if __name__ == "__main__":
    main()
