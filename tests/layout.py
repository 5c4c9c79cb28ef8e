#!/usr/bin/env python3
"""Checks that every `# Layout` section of a crate root (or module root) matches its files.

A Layout section is the part of a file's `//!` doc comment under the heading `# Layout`, up to
the next heading or the end of the comment. It must name every module the file declares
(`mod x;`), and every lowercase name it shows in backticks must be one of those modules or a
name the file re-exports (`pub use … as x;`, `pub use …::x;`) or a function it defines. Names with a `/` or a `.`
(paths, files) and CamelCase names (types) are prose, not modules, and are not checked.

Run from the repository root: `python3 tests/layout.py`. Exits 1 and lists every mismatch.
"""

import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent

DECLARED = re.compile(r"^(?:pub(?:\([a-z]+\))?\s+)?mod\s+([a-z_][a-z0-9_]*)\s*;", re.M)
FUNCTION = re.compile(r"^(?:pub(?:\([a-z]+\))?\s+)?(?:async\s+)?fn\s+([a-z_][a-z0-9_]*)", re.M)
PUB_USE = re.compile(r"^pub(?:\([a-z]+\))?\s+use\s+([^;]+);", re.M | re.S)
# `name`, [`name`], [`name`](…): a lowercase identifier in backticks.
NAMED = re.compile(r"`([a-z_][a-z0-9_]*)`")


def reexported(text):
    """The names a file re-exports: the last segment (or alias) of every `pub use` item."""
    names = set()
    for tree in PUB_USE.findall(text):
        for item in re.split(r"[{},]", tree):
            item = item.strip()
            if not item:
                continue
            alias = re.search(r"\bas\s+([A-Za-z_][A-Za-z0-9_]*)$", item)
            names.add(alias.group(1) if alias else item.split("::")[-1].strip())
    return names


def layout_section(text):
    """The lines of the `# Layout` section, or None if the file has none."""
    lines = []
    inside = False
    for line in text.splitlines():
        if not line.startswith("//!"):
            if inside:
                break
            continue
        body = line[3:].strip()
        if body.startswith("#"):
            if inside:
                break
            inside = body.lstrip("#").strip().lower() == "layout"
            continue
        if inside:
            lines.append(body)
    return lines if inside or lines else None


def check(path):
    text = path.read_text(encoding="utf-8")
    section = layout_section(text)
    if section is None:
        return []
    declared = set(DECLARED.findall(text))
    exported = reexported(text) | set(FUNCTION.findall(text))
    named = set(NAMED.findall("\n".join(section)))
    rel = path.relative_to(ROOT)
    problems = []
    for module in sorted(declared - named):
        problems.append(f"{rel}: module `{module}` is not listed in its Layout section")
    for name in sorted(named - declared - exported):
        problems.append(
            f"{rel}: Layout lists `{name}`, which is no module, re-export or function of this file"
        )
    return problems


def main():
    files = sorted(
        p
        for p in (ROOT / "crates").rglob("*.rs")
        if "target" not in p.parts and "# Layout" in p.read_text(encoding="utf-8")
    )
    roots = sorted((ROOT / "crates").glob("*/src/lib.rs")) + sorted(
        (ROOT / "crates").glob("*/src/main.rs")
    )
    problems = []
    for root in roots:
        text = root.read_text(encoding="utf-8")
        if DECLARED.search(text) and layout_section(text) is None:
            problems.append(f"{root.relative_to(ROOT)}: a crate root without a Layout section")
    for path in files:
        problems.extend(check(path))
    for p in problems:
        print(p)
    print(f"{len(files)} Layout sections checked, {len(problems)} mismatches")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
