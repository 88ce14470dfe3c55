#!/usr/bin/env python3
"""Counts individual test cases over one or more meson build directories.

meson counts executables; this reads each build's meson-logs/testlog.junit.xml, where meson lists
every GoogleTest case of executables registered with protocol 'gtest', and testlog.json for the
outcome of each executable. An executable that failed (crash, timeout, sanitizer report at exit)
without a failed case in the JUnit log counts as one failed case, so nothing is hidden.

Arguments that are files instead of build directories hold one result per line, "<name> ok" or
"<name> <anything else>" (scripts/fuzz.sh's per-target lines): each line counts as one case.

Prints the failed cases, then the last line: "N passed, M failed". Exit status 1 if M > 0.
"""
import json
import sys
import xml.etree.ElementTree as ET
from pathlib import Path


def failure_excerpt(output: str, limit: int = 10):
    """The lines that say why an executable failed: GoogleTest's failure reports (the line naming
    the file and the lines after it), sanitizer headlines, or else the last lines it printed."""
    lines = [l.rstrip() for l in output.splitlines() if l.strip()]
    picked = []
    for i, l in enumerate(lines):
        if ": Failure" in l or "ERROR: AddressSanitizer" in l or "runtime error" in l or \
                "terminate called" in l or l.startswith("[  FAILED  ] ") and "ms)" in l:
            picked += lines[i:i + 7] if ": Failure" in l else [l]
    return (picked or lines[-limit:])[:limit]


details = []  # (test, its output) of every executable that failed


def count(build: Path):
    passed, failed, skipped, failures = 0, 0, 0, []
    cases_by_exe = {}  # test name -> [passed, failed]
    junit = build / "meson-logs" / "testlog.junit.xml"
    if junit.exists():
        for suite in ET.parse(junit).getroot().iter("testsuite"):
            # meson names a gtest suite "<project>.<test name>.<gtest suite>"; a test without gtest
            # cases (not gtest, or died before writing them) is a case of the suite "<project>":
            # testlog.json counts those, once.
            parts = suite.get("name", "").split(".")
            if len(parts) <= 2:
                continue
            exe = parts[1]
            for case in suite.iter("testcase"):
                bucket = cases_by_exe.setdefault(exe, [0, 0])
                if case.find("failure") is not None or case.find("error") is not None:
                    failed += 1
                    bucket[1] += 1
                    failures.append(f"{build.name}: {suite.get('name')}.{case.get('name')}")
                elif case.find("skipped") is not None:
                    skipped += 1
                else:
                    passed += 1
                    bucket[0] += 1
    log = build / "meson-logs" / "testlog.json"
    if log.exists():
        for line in log.read_text().splitlines():
            if not line.strip():
                continue
            result = json.loads(line)
            name, outcome = result["name"], result["result"]
            seen = cases_by_exe.get(name)
            ok = outcome in ("OK", "EXPECTEDFAIL", "SKIP")
            if not ok:
                details.append((f"{build.name}: {name} ({outcome})", result.get("stdout", "")))
            if outcome == "SKIP":
                skipped += 1
            elif seen is None:  # not a gtest executable (or it died before writing its cases)
                if ok:
                    passed += 1
                else:
                    failed += 1
                    failures.append(f"{build.name}: {name} ({outcome})")
            elif not ok and seen[1] == 0:
                failed += 1
                failures.append(f"{build.name}: {name} ({outcome} after its cases passed)")
    return passed, failed, skipped, failures


def count_result_lines(path: Path):
    passed, failed, failures = 0, 0, []
    for line in path.read_text().splitlines():
        words = line.split()
        if len(words) < 2 or line.startswith(" "):
            continue
        if words[1] == "ok":
            passed += 1
        else:
            failed += 1
            failures.append(f"{path.name}: {words[0]} ({words[1]})")
    return passed, failed, 0, failures


def main():
    total_p, total_f, total_s, all_failures = 0, 0, 0, []
    for arg in sys.argv[1:]:
        path = Path(arg)
        p, f, s, fl = count(path) if path.is_dir() else count_result_lines(path)
        print(f"{arg}: {p} passed, {f} failed, {s} skipped")
        total_p, total_f, total_s = total_p + p, total_f + f, total_s + s
        all_failures += fl
    # Why, for the first failing executables (CI shows only the end of the output).
    for test, output in details[:3]:
        print(f"--- {test}:")
        for l in failure_excerpt(output):
            print(f"    {l[:160]}")
    for name in all_failures:
        print(f"FAILED: {name}")
    print(f"{total_p} passed, {total_f} failed")
    return 1 if total_f else 0


if __name__ == "__main__":
    sys.exit(main())
