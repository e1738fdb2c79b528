#!/usr/bin/env python3
"""Time opsclock's cn-5x8 hour deadlines against pandas' CustomBusinessHour on the same cases.

    python3 crates/sla-clock/benches/pandas_compare.py [--cases 100000] [--opsclock PATH] [--check]

Generates deterministic cases (start on the minute, 2025-01-01 .. 2026-11-30 Asia/Shanghai,
1..16 hours), answers them with `opsclock sla deadline --calendar cn-5x8 --batch` (timed end to
end: process start, JSON in and out), with the library alone (the `time_deadlines` example, timed
around the arithmetic only) and with pandas (timed around the offset arithmetic only), and
compares the CLI's deadlines with pandas'.

Two known differences are accounted for, not hidden:
- pandas puts a deadline that lands exactly on 17:00 at the next opening (09:00 of the next
  business day); opsclock keeps 17:00 (the end of the interval, DESIGN.md). The pandas answer is
  mapped back to the previous close before comparing, using pandas' own calendar.
- pandas has no way to say that a Saturday or Sunday works, so cases whose span touches a make-up
  working day (调休) are timed but not compared; their count is printed.

With --check (used by scripts/test, with a debug binary) the script skips the library-only timing
and exits 1 if any comparable case differs.
"""

import argparse
import json
import random
import subprocess
import sys
import time
import tomllib
from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd
from pandas.tseries.offsets import CustomBusinessHour

ROOT = Path(__file__).resolve().parents[3]


def calendar():
    spec = tomllib.loads((ROOT / "config/calendars/cn-5x8.toml").read_text(encoding="utf-8"))
    holidays = []
    for h in spec.get("holidays", []):
        d, end = h["from"], h.get("to", h["from"])
        while d <= end:
            holidays.append(d)
            d += timedelta(days=1)
    makeup = {m["date"] for m in spec.get("makeup_days", [])}
    return holidays, makeup


def cases(n, seed=20261123):
    rnd = random.Random(seed)
    first = datetime(2025, 1, 1)
    minutes = int((datetime(2026, 11, 30) - first).total_seconds() // 60)
    return [(first + timedelta(minutes=rnd.randrange(minutes)), rnd.randint(1, 16)) for _ in range(n)]


def as_lines(todo):
    return "".join(
        json.dumps({"start": s.strftime("%Y-%m-%dT%H:%M:%S+08:00"), "duration": f"{h}h"}) + "\n" for s, h in todo
    )


def run_compute_only(todo):
    """The library's arithmetic alone (the `time_deadlines` example), like the pandas timing."""
    subprocess.run(
        ["cargo", "build", "-q", "--release", "-p", "sla-clock", "--example", "time_deadlines"], check=True, cwd=ROOT
    )
    out = subprocess.run(
        [str(ROOT / "target/release/examples/time_deadlines"), "cn-5x8"],
        input=as_lines(todo).encode(),
        capture_output=True,
        check=True,
    )
    fields = out.stdout.decode().split()
    return float(fields[fields.index("seconds") + 1])


def run_opsclock(binary, todo):
    lines = as_lines(todo)
    t0 = time.perf_counter()
    out = subprocess.run(
        [binary, "sla", "deadline", "--calendar", "cn-5x8", "--batch"],
        input=lines.encode(),
        capture_output=True,
        check=True,
        cwd=ROOT,
    )
    elapsed = time.perf_counter() - t0
    answers = [json.loads(line) for line in out.stdout.decode().splitlines()]
    if len(answers) != len(todo):
        sys.exit(f"opsclock answered {len(answers)} lines for {len(todo)}")
    bad = [a for a in answers if "deadline" not in a]
    if bad:
        sys.exit(f"opsclock refused {len(bad)} cases, e.g. {bad[0]}")
    return [datetime.fromisoformat(a["deadline"]).replace(tzinfo=None) for a in answers], elapsed


def run_pandas(holidays, todo):
    offsets = {
        h: CustomBusinessHour(n=h, start="09:00", end="17:00", weekmask="Mon Tue Wed Thu Fri", holidays=holidays)
        for h in range(1, 17)
    }
    starts = [pd.Timestamp(s) for s, _ in todo]
    t0 = time.perf_counter()
    answers = [s + offsets[h] for s, (_, h) in zip(starts, todo)]
    elapsed = time.perf_counter() - t0
    one = CustomBusinessHour(n=1, start="09:00", end="17:00", weekmask="Mon Tue Wed Thu Fri", holidays=holidays)
    # Landing exactly on a close, pandas answers with the next opening; map it back to that close.
    normalized = [
        (a - one + pd.Timedelta(hours=1)).to_pydatetime() if (a.hour, a.minute, a.second) == (9, 0, 0) else a.to_pydatetime()
        for a in answers
    ]
    return normalized, elapsed


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    ap.add_argument("--cases", type=int, default=100_000)
    ap.add_argument("--opsclock", default=str(ROOT / "target/release/opsclock"))
    ap.add_argument("--check", action="store_true", help="exit 1 if a comparable case differs")
    args = ap.parse_args()

    holidays, makeup = calendar()
    todo = cases(args.cases)
    ours, t_ours = run_opsclock(args.opsclock, todo)
    theirs, t_pandas = run_pandas(holidays, todo)
    t_compute = None if args.check else run_compute_only(todo)

    skipped = differ = 0
    first_diff = None
    for (start, h), a, b in zip(todo, ours, theirs):
        span_days = {start.date() + timedelta(days=i) for i in range((a.date() - start.date()).days + 1)}
        if span_days & makeup:
            skipped += 1
            continue
        if a != b:
            differ += 1
            first_diff = first_diff or (start, h, a, b)

    n = len(todo)
    print(f"cases:                        {n}")
    print(f"pandas CustomBusinessHour:    {t_pandas:.3f} s  ({t_pandas / n * 1e6:.2f} us/case, arithmetic only)")
    if t_compute is not None:
        print(f"sla-clock, arithmetic only:   {t_compute:.4f} s  ({t_compute / n * 1e9:.0f} ns/case)"
              f"  ratio {t_pandas / t_compute:.0f}x")
    print(f"opsclock CLI --batch, whole:  {t_ours:.3f} s  ({t_ours / n * 1e6:.2f} us/case, process + JSON in/out)"
          f"  ratio {t_pandas / t_ours:.0f}x")
    print(f"compared: {n - skipped}, identical: {n - skipped - differ}, differ: {differ}, "
          f"not comparable (touch a make-up working day): {skipped}")
    if first_diff:
        s, h, a, b = first_diff
        print(f"first difference: start {s} +{h}h: opsclock {a}, pandas {b}")
    if args.check and (differ or n - skipped == 0):
        sys.exit(1)


if __name__ == "__main__":
    main()
