#!/usr/bin/env python3
"""The README's table of supported kernels, from what the kernel matrix saw.

    kernel_table.py LOG_DIR [README]
    kernel_table.py --check LOG_DIR README

LOG_DIR holds one log per kernel (5.10.log, 6.1.log, 6.12.log, host.log),
each the output of guest-checks.sh: the line "POOLTAG-CHECK-JSON {...}" that
`pooltag check --json --pools all` printed there, and gtest's summary. It
prints the table; with README, it replaces the table between the
<!-- kernel-table --> markers there instead (make kernel-table). --check
compares the Debian kernels' rows with README's and fails, showing both,
when they differ (the host's row is shown, not compared: the machine's
kernel changes between sessions).
"""
import json
import os
import re
import sys

KERNELS = ["5.10", "6.1", "6.12", "host"]
DISTRIBUTIONS = {"bullseye": "Debian 11 (bullseye)", "bookworm": "Debian 12 (bookworm)",
                 "trixie": "Debian 13 (trixie)", "bookworm-backports": "Debian 12 backports",
                 "trixie-backports": "Debian 13 backports"}
BEGIN, END = "<!-- kernel-table -->", "<!-- /kernel-table -->"


def distribution(kernel):
    if kernel == "host":
        return "this CI machine"
    cache = os.environ.get("POOLTAG_KERNEL_CACHE", "/var/cache/pooltag/kernels")
    try:
        with open(os.path.join(cache, kernel, "info")) as f:
            info = dict(line.strip().split("=", 1) for line in f if "=" in line)
        return DISTRIBUTIONS.get(info.get("suite", ""), info.get("suite", "?"))
    except OSError:
        return "?"


def row(kernel, log):
    # Only what stays true while Debian updates a release's kernel: the
    # series, not the ABI release (5.10.0-46), and "all passed", not a count
    # that every new test changes.
    check = None
    passed = failed = 0
    for line in log.splitlines():
        if line.startswith("POOLTAG-CHECK-JSON "):
            check = json.loads(line[len("POOLTAG-CHECK-JSON "):])
        m = re.match(r"\[  PASSED  \] (\d+) tests?", line)
        if m:
            passed = int(m.group(1))
        m = re.match(r"\[  FAILED  \] (\d+) tests?, listed below", line)
        if m:
            failed = int(m.group(1))
    if kernel == "host":
        tests = "the runtime tier"
    elif failed:
        tests = f"{failed} failed"
    else:
        tests = "all passed" if passed else "not run"
    name = kernel if kernel != "host" else (check or {}).get("release", "host")
    if check is None:
        return f"| {name} | {distribution(kernel)} | (no pooltag check output) | | | | | | {tests} |"
    caps = {c["name"]: c for c in check["capabilities"]}

    def pool(name):
        c = caps.get(f"{name} pool", {})
        if not c.get("on"):
            return "no"
        return "yes (callers from the stack)" if "call_site" in c.get("detail", "") else "yes"

    missing = []
    for c in check["capabilities"]:
        if c["on"]:
            continue
        reason = re.sub(r"^this kernel (has )?", "", c.get("detail", "")).split(":")[0].split(";")[0]
        if reason.count("(") > reason.count(")"):  # the kernel's own reason, cut at its colon
            reason = reason[:reason.rfind(" (")]
        missing.append(f"{c['name']} ({reason})" if reason else c["name"])
    table = "buckets" if check["live_table"] == "buckets" else "hash map (no BPF atomics)"
    return (f"| {name} | {distribution(kernel)} | {pool('slab')} | {pool('percpu')} | "
            f"{pool('vmalloc')} | {pool('page')} | {table} | {'; '.join(missing) or 'nothing'} | {tests} |")


def table(log_dir):
    lines = ["| kernel | distribution | slab | percpu | vmalloc | page | live table | not available | runtime tests |",
             "|---|---|---|---|---|---|---|---|---|"]
    for kernel in KERNELS:
        path = os.path.join(log_dir, f"{kernel}.log")
        if os.path.exists(path):
            with open(path, errors="replace") as f:
                lines.append(row(kernel, f.read()))
    return "\n".join(lines) + "\n"


def readme_table(readme):
    if BEGIN not in readme or END not in readme:
        return None
    return readme.split(BEGIN, 1)[1].split(END, 1)[0].strip("\n") + "\n"


def check(log_dir, readme_path):
    with open(readme_path) as f:
        shown = readme_table(f.read())
    if shown is None:
        print(f"kernel_table.py: {readme_path} has no {BEGIN} ... {END} markers", file=sys.stderr)
        return 1
    seen = table(log_dir)
    vm_rows = lambda t: [l for l in t.splitlines() if l.startswith("| ") and "this CI machine" not in l]
    missing = [k for k in KERNELS[:-1] if not os.path.exists(os.path.join(log_dir, f"{k}.log"))]
    if missing:
        print(f"kernel_table.py: no log of kernels {', '.join(missing)} in {log_dir} (run ctest -L kernels)")
        return 1
    if vm_rows(seen) != vm_rows(shown):
        print("README.md's kernel table is not what the kernel matrix saw; `make kernel-table` rewrites it.")
        print("README.md:\n" + shown + "\nthe matrix:\n" + seen)
        return 1
    print(seen, end="")
    return 0


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--check":
        return check(sys.argv[2], sys.argv[3])
    if len(sys.argv) not in (2, 3):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    text = table(sys.argv[1])
    if len(sys.argv) == 2:
        sys.stdout.write(text)
        return 0
    with open(sys.argv[2]) as f:
        readme = f.read()
    if BEGIN not in readme or END not in readme:
        print(f"kernel_table.py: {sys.argv[2]} has no {BEGIN} ... {END} markers", file=sys.stderr)
        return 1
    head, rest = readme.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    with open(sys.argv[2], "w") as f:
        f.write(head + BEGIN + "\n" + text + END + tail)
    return 0


if __name__ == "__main__":
    sys.exit(main())
