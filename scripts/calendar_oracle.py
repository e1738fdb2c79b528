#!/usr/bin/env python3
"""Check opsclock's Chinese calendars day by day against the `chinese-calendar` package.

    python3 scripts/calendar_oracle.py [--opsclock PATH] [--calendar-dir DIR] [--calendar NAME]...

For every date of every year a calendar publishes (its `covers`, as `opsclock sla calendars --json`
reports it), asks `opsclock sla days` what kind of day it is and compares with chinese_calendar
(the PyPI package chinese-calendar, maintained independently from the same State Council
notices, 2004 onwards):

- working: opsclock's "working" must equal chinese_calendar's is_workday, and not-working its
  is_holiday;
- kind: a date is an opsclock "holiday" exactly when chinese_calendar lists it among its holidays
  (weekends are not listed, by either), and "makeup" exactly when it lists it among its make-up
  working days;
- name, loosely: where chinese_calendar names the holiday a date belongs to, opsclock's name must
  contain its Chinese short name (春节, 清明, 中秋 in 国庆节、中秋节, 国庆节 in 国庆节调休).

A year chinese_calendar has no data for is a mismatch too (it cannot vouch for it). Prints every
mismatch and exits 1 if there is any; 0 with a one-line summary per calendar otherwise.
Defaults: the debug binary, config/calendars, calendars cn-5x8 and cn-7x24.
"""

import argparse
import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import chinese_calendar as cc

ROOT = Path(__file__).resolve().parents[1]


def opsclock(binary, *args):
    # Run where no config/opsclock.toml is found: only the calendar files given are checked.
    done = subprocess.run([binary, *args], capture_output=True, text=True, cwd=Path(binary).parent)
    if done.returncode != 0:
        sys.exit(f"calendar_oracle: opsclock {' '.join(args)} failed:\n{done.stderr}")
    return done.stdout


def published_years(binary, calendar_dir, name):
    rows = json.loads(opsclock(binary, "sla", "calendars", "--json", "--calendar-dir", calendar_dir))
    for row in rows:
        if row["name"] == name:
            return row["first_year"], row["last_year"]
    sys.exit(f"calendar_oracle: no calendar {name!r} in {calendar_dir}")


def days(binary, calendar_dir, name, first, last):
    out = opsclock(
        binary, "sla", "days", "--calendar", name, "--calendar-dir", calendar_dir,
        "--from", first.isoformat(), "--to", last.isoformat(),
    )
    return [json.loads(line) for line in out.splitlines()]


def chinese_name(english):
    try:
        return cc.Holiday(english).chinese
    except ValueError:
        return None


def compare(day):
    """Every disagreement between one line of `opsclock sla days` and chinese_calendar."""
    date = dt.date.fromisoformat(day["date"])
    try:
        workday = cc.is_workday(date)
        holiday = cc.is_holiday(date)
        _, cc_name = cc.get_holiday_detail(date)
    except NotImplementedError as e:
        return [f"chinese_calendar has no data: {e}"]
    problems = []
    if day["working"] != workday:
        problems.append(f"opsclock working={day['working']}, chinese_calendar is_workday={workday}")
    if (not day["working"]) != holiday:
        problems.append(f"opsclock working={day['working']}, chinese_calendar is_holiday={holiday}")
    listed_holiday = date in cc.holidays
    listed_makeup = date in cc.workdays
    if (day["kind"] == "holiday") != listed_holiday:
        problems.append(
            f"opsclock kind={day['kind']}, chinese_calendar {'lists' if listed_holiday else 'does not list'} "
            f"it as a holiday"
        )
    if (day["kind"] == "makeup") != listed_makeup:
        problems.append(
            f"opsclock kind={day['kind']}, chinese_calendar {'lists' if listed_makeup else 'does not list'} "
            f"it as a make-up working day"
        )
    zh = chinese_name(cc_name) if cc_name else None
    if zh and day.get("name") and zh not in day["name"]:
        problems.append(f"opsclock name {day['name']!r}, chinese_calendar {cc_name!r} ({zh})")
    return problems


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--opsclock", default=str(ROOT / "target/debug/opsclock"), help="the opsclock binary")
    ap.add_argument("--calendar-dir", default=str(ROOT / "config/calendars"), help="directory of calendar files")
    ap.add_argument("--calendar", action="append", dest="calendars", metavar="NAME",
                    help="calendar to check (repeat); default cn-5x8 and cn-7x24")
    args = ap.parse_args()
    args.opsclock = str(Path(args.opsclock).resolve())
    args.calendar_dir = str(Path(args.calendar_dir).resolve())
    mismatches = 0
    for name in args.calendars or ["cn-5x8", "cn-7x24"]:
        first_year, last_year = published_years(args.opsclock, args.calendar_dir, name)
        first, last = dt.date(first_year, 1, 1), dt.date(last_year, 12, 31)
        answers = days(args.opsclock, args.calendar_dir, name, first, last)
        expected = (last - first).days + 1
        if len(answers) != expected:
            print(f"{name}: opsclock answered {len(answers)} dates from {first} to {last}, expected {expected}")
            mismatches += 1
        bad = 0
        for day in answers:
            for problem in compare(day):
                print(f"{name} {day['date']}: {problem}")
                bad += 1
        mismatches += bad
        if bad == 0:
            print(f"{name}: {len(answers)} days {first} .. {last} agree with chinese_calendar")
    if mismatches:
        print(f"calendar_oracle: {mismatches} mismatch(es)", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
