"""``normalize_phone`` with and without the plain-number shortcut, our five markets.

Times ``crmkit._normalize.normalize_phone`` beside ``_normalize_phone_slow`` (the same checks,
always through ``phonenumbers.parse``) in one process, alternating rounds so that load from
elsewhere falls on both alike, and prints the best round of each in µs per call.

Usage:
    python benchmarks/bench_phone.py [--rounds 7] [--number 20000]
"""

from __future__ import annotations

import argparse
import functools
import os
import timeit

from crmkit._normalize import _normalize_phone_slow, normalize_phone

CASES = [
    ("AL", "069 123 4567", "+355 69 123 4567"),
    ("PH", "0917 123 4567", "+63 917 123 4567"),
    ("BG", "087 287 7101", "+359 87 287 7101"),
    ("IR", "۰۹۱۲ ۳۴۵ ۶۷۸۹", "+98 912 345 6789"),
    ("PL", "601 234 567", "+48 601 234 567"),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--number", type=int, default=20_000)
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f}; best of {args.rounds} x {args.number} calls")
    print(f"{'region':6} {'style':13} {'parse µs':>9} {'shortcut µs':>12} {'speed-up':>9}")
    for region, national, international in CASES:
        for style, text in (("national", national), ("international", international)):
            assert normalize_phone(text, region) == _normalize_phone_slow(text, region)
            best = {"slow": float("inf"), "fast": float("inf")}
            for _ in range(args.rounds):
                for name, func in (("slow", _normalize_phone_slow), ("fast", normalize_phone)):
                    call = functools.partial(func, text, region)
                    seconds = timeit.timeit(call, number=args.number)
                    best[name] = min(best[name], seconds / args.number * 1e6)
            print(
                f"{region:6} {style:13} {best['slow']:9.2f} {best['fast']:12.2f}"
                f" {best['slow'] / best['fast']:8.1f}x"
            )


if __name__ == "__main__":
    main()
