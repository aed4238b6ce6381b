#!/usr/bin/env python3
r"""
Doctest coverage of ``sage_conslaw``: which functions, classes and methods lack
an ``EXAMPLES::`` block (or a docstring).

Two measures are printed:

1. **Sage's score**, from Sage's own ``sage-coverage`` script (shipped by
   passagemath in the ``bin/`` of the environment, like ``sage -coverage``
   on a classic install): every ``def``/``class`` of every file counts,
   private ones included, and an ``EXAMPLES::`` or ``TESTS::`` block with a
   ``sage:`` prompt makes it covered.  Skipped (with a note) if the script is
   not found.
2. **The public API**, by an AST walk that needs nothing: the public
   functions and classes of each module and their public methods and
   properties (names without a leading underscore, plus ``__call__``),
   covered when their docstring has ``EXAMPLES::`` (or ``EXAMPLES:`` followed
   by examples) with a ``sage:`` prompt.

Usage::

    python doc/coverage.py [--fail-under PERCENT] [PATH ...]   # default PATH: sage_conslaw/

Exit status 1 if the public-API percentage is below ``--fail-under`` (default 0).
"""
import argparse
import ast
import os
import re
import shutil
import subprocess
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), os.pardir))
EXAMPLES = re.compile(r"^\s*(EXAMPLES?|TESTS)::?\s*$", re.M)


def has_examples(doc):
    """Whether a docstring has an EXAMPLES/TESTS block with a ``sage:`` prompt."""
    return bool(doc) and bool(EXAMPLES.search(doc)) and "sage:" in doc


def python_files(paths):
    for path in paths:
        if os.path.isfile(path):
            yield path
            continue
        for d, dirs, files in os.walk(path):
            dirs[:] = sorted(x for x in dirs if not x.startswith((".", "__pycache__")))
            for f in sorted(files):
                # Sage's doctester skips __main__.py files (they hold no library code here)
                if f.endswith(".py") and f != "__main__.py":
                    yield os.path.join(d, f)


def public_items(filename):
    """Yield ``(qualified name, line, docstring)`` of the public API of a file."""
    tree = ast.parse(open(filename, encoding="utf-8").read(), filename)
    yield "<module>", 1, ast.get_docstring(tree)

    def public(name):
        return not name.startswith("_") or name == "__call__"

    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and public(node.name):
            yield node.name, node.lineno, ast.get_docstring(node)
        elif isinstance(node, ast.ClassDef) and public(node.name):
            yield node.name, node.lineno, ast.get_docstring(node)
            for sub in node.body:
                if isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef)) and public(sub.name):
                    yield "%s.%s" % (node.name, sub.name), sub.lineno, ast.get_docstring(sub)


def public_coverage(paths):
    total, missing = 0, []
    for f in python_files(paths):
        rel = os.path.relpath(f, ROOT)
        for name, line, doc in public_items(f):
            total += 1
            if not has_examples(doc):
                missing.append("%s:%s: %s%s" % (rel, line, name, "" if doc else "  (no docstring)"))
    return total, missing


def sage_score(paths):
    """Run Sage's sage-coverage on every file; return (covered, total, report lines) or None."""
    script = os.path.join(os.path.dirname(sys.executable), "sage-coverage")
    if not os.path.exists(script):
        script = shutil.which("sage-coverage")
    if not script:
        return None
    covered = total = 0
    lines = []
    for f in python_files(paths):
        out = subprocess.run([sys.executable, script, os.path.relpath(f, ROOT)], capture_output=True, text=True,
                             cwd=ROOT).stdout
        m = re.search(r"SCORE (.*): ([\d.]+)% \((\d+) of (\d+)\)", out)
        if m:
            covered += int(m.group(3))
            total += int(m.group(4))
            if m.group(3) != m.group(4):
                lines.append(out.strip().replace("-" * 72, "").strip())
    return covered, total, lines


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0].strip())
    parser.add_argument("paths", nargs="*", default=[os.path.join(ROOT, "sage_conslaw")])
    parser.add_argument("--fail-under", type=float, default=0.0)
    parser.add_argument("--no-sage", action="store_true", help="skip Sage's sage-coverage score")
    args = parser.parse_args(argv)

    if not args.no_sage:
        res = sage_score(args.paths)
        if res is None:
            print("Sage's sage-coverage was not found; skipping its score")
        else:
            covered, total, lines = res
            print("== Sage's doctest coverage (sage-coverage, all defs incl. private) ==")
            for block in lines:
                print(block)
                print()
            print("SCORE sage_conslaw: %.1f%% (%s of %s)\n" % (100.0 * covered / max(total, 1), covered, total))

    total, missing = public_coverage(args.paths)
    pct = 100.0 * (total - len(missing)) / max(total, 1)
    print("== public API (modules, public functions, classes, methods) ==")
    for m in missing:
        print("  missing EXAMPLES:: " + m)
    print("PUBLIC SCORE sage_conslaw: %.1f%% (%s of %s have EXAMPLES::)" % (pct, total - len(missing), total))
    return 1 if pct < args.fail_under else 0


if __name__ == "__main__":
    sys.exit(main())
