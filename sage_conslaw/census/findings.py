r"""
The findings page of the documentation, generated from census outputs.

:func:`findings_page` reads the output directories of one or more censuses
(``census.csv``, ``rows.csv``, ``summary.json``) and writes a
reStructuredText page: for each census, how many networks, the certified
share, the time and the cores; where the known laws are all the laws and
where they are not (with the rule the mismatches follow, checked on the
data); the extra polynomial laws found; and every uncertified row with its
reason.  ``python -m sage_conslaw.census.findings DIR... --out PAGE``
regenerates it (see ``benchmarks/census_findings.sh``).

EXAMPLES::

    sage: import os
    sage: from sage_conslaw.census import census
    sage: from sage_conslaw.census.findings import findings_page
    sage: out = tmp_dir()
    sage: _ = census('linear', 2, 2, out=out, workers=1, progress=False, budget=300)  # long time, optional - dask
    sage: page = findings_page([out])  # long time, optional - dask
    sage: print(page[:15]); '* 8 networks: 8 certified (100.0 %)' in page  # long time, optional - dask
    Census findings
    True
"""
import argparse
import json
import os
import sys
from collections import Counter, defaultdict

from sage_conslaw.census.journal import parse_dims, read_table
from sage_conslaw.files import atomic_write


def _load(directory):
    r"""
    Read a census output directory: ``(rows, journal rows, summary)``.

    TESTS::

        sage: from sage_conslaw.census.findings import _load
        sage: _load('/nonexistent')
        Traceback (most recent call last):
        ...
        ValueError: /nonexistent is not a census output (no census.csv)
    """
    table = os.path.join(directory, 'census.csv')
    if not os.path.exists(table):
        raise ValueError("%s is not a census output (no census.csv)" % directory)
    rows = read_table(table)
    journal_path = os.path.join(directory, 'rows.csv')   # the canonical tables alone have no timings
    journal = read_table(journal_path) if os.path.exists(journal_path) else []
    with open(os.path.join(directory, 'summary.json')) as f:
        summary = json.load(f)
    return rows, journal, summary


def _title(summary):
    r"""
    The section title of a census.

    TESTS::

        sage: from sage_conslaw.census.findings import _title
        sage: _title({'family': 'relu', 'bias': True, 'max_width': 4, 'max_depth': 4})
        'ReLU networks with biases, widths 1..4, depth 2..4'
    """
    what = "Linear networks" if summary['family'] == 'linear' else "ReLU networks %s biases" % (
        "with" if summary['bias'] else "without")
    return "%s, widths 1..%s, depth 2..%s" % (what, summary['max_width'], summary['max_depth'])


def _heading(text, char):
    r"""
    A reStructuredText heading.

    TESTS::

        sage: from sage_conslaw.census.findings import _heading
        sage: _heading("Title", "=")
        ['Title', '=====', '']
    """
    return [text, char * len(text), ""]


def _table(header, rows):
    r"""
    A reStructuredText ``list-table`` (an empty list if there is no row).

    TESTS::

        sage: from sage_conslaw.census.findings import _table
        sage: print("\n".join(_table(["a", "b"], [[1, "x"]])))
        .. list-table::
           :header-rows: 1
        <BLANKLINE>
           * - a
             - b
           * - 1
             - x
        <BLANKLINE>
    """
    if not rows:
        return []
    out = [".. list-table::", "   :header-rows: 1", ""]
    for row in [header] + list(rows):
        cells = [str(c) if str(c) else " " for c in row]
        out.append("   * - " + cells[0])
        out += ["     - " + c for c in cells[1:]]
    out.append("")
    return out


def _literal(text):
    r"""
    Inline literal text (backquotes removed from inside).

    TESTS::

        sage: from sage_conslaw.census.findings import _literal
        sage: _literal("U1_0_0^2 - U2_0_0^2")
        '``U1_0_0^2 - U2_0_0^2``'
    """
    return "``%s``" % text.replace("`", "'")


#: The rules tested on the networks whose known laws are not all the laws:
#: a name and a predicate on the widths `[n_0, \dots, n_q]`.
RULES = [
    ("a single output (n_0 = 1)", lambda d: d[0] == 1),
    ("a single input (n_q = 1)", lambda d: d[-1] == 1),
    ("a single output or a single input", lambda d: d[0] == 1 or d[-1] == 1),
    ("a hidden layer of width 1", lambda d: 1 in d[1:-1]),
    ("a hidden layer narrower than both ends", lambda d: min(d[1:-1]) < min(d[0], d[-1])),
]


def _rule_lines(rows):
    r"""
    Sentences telling which rules of :data:`RULES` the mismatching rows follow,
    and whether the matching rows avoid them (so that a rule characterizes the range).

    TESTS::

        sage: from sage_conslaw.census.findings import _rule_lines
        sage: rows = [{'dims': '[1, 2, 1]', 'match': 'no', 'certified': 'yes'},
        ....:         {'dims': '[2, 2, 2]', 'match': 'yes', 'certified': 'yes'}]
        sage: print("\n".join(_rule_lines(rows)))
        * a single output (n_0 = 1): all 1 networks with more laws than known have it, and so do 0 of the 1 others -- **it characterizes them in this range**.
        ...
    """
    bad = [parse_dims(r['dims']) for r in rows if r['match'] != 'yes']
    good = [parse_dims(r['dims']) for r in rows if r['match'] == 'yes']
    out = []
    for name, rule in RULES:
        nb, ng = sum(map(rule, bad)), sum(map(rule, good))
        verdict = ""
        if nb == len(bad) and ng == 0:
            verdict = " -- **it characterizes them in this range**"
        out.append("* %s: %s %s networks with more laws than known have it, and so do %s of the %s others%s."
                   % (name, "all" if nb == len(bad) else "%s of the" % nb, len(bad), ng, len(good), verdict))
    return out


def census_section(directory):
    r"""
    Return the lines of the findings of one census output directory.

    EXAMPLES::

        sage: from sage_conslaw.census import census
        sage: from sage_conslaw.census.findings import census_section
        sage: out = tmp_dir()
        sage: _ = census('relu', 1, 2, out=out, workers=1, progress=False, budget=300)  # long time, optional - dask
        sage: print("\n".join(census_section(out)))  # long time, optional - dask
        ReLU networks without biases, widths 1..1, depth 2..2
        -----------------------------------------------------
        <BLANKLINE>
        * 1 networks: 1 certified (100.0 %); the known laws are all the laws for 1 of them.
        ...
    """
    rows, journal, summary = _load(directory)
    n = len(rows)
    cert = [r for r in rows if r['certified'] == 'yes']
    match = [r for r in rows if r['match'] == 'yes']
    runs = summary.get('runs', [])
    wall = sum(r['seconds'] for r in runs)
    cores = sorted({r['cores'] for r in runs if r.get('cores')})
    cpu = sum(float(r['seconds'] or 0) for r in journal)
    out = _heading(_title(summary), "-")
    out.append("* %s networks: %s certified (%.1f %%); the known laws are all the laws for %s of them."
               % (n, len(cert), 100.0 * len(cert) / max(n, 1), len(match)))
    out.append("* time: %.0f s of wall time in %s run%s on %s core%s (Dask local cluster), %.0f s of task time "
               "in total (%.2f s per network)." % (wall, len(runs), "" if len(runs) == 1 else "s",
                                                   " and ".join(map(str, cores)) or "?",
                                                   "" if cores == [1] else "s", cpu, cpu / max(n, 1)))
    methods = Counter(r['method'] for r in rows)
    out.append("* method that gave the count: %s." % ", ".join("%s %s" % (v, k or "none (no count: budget or error)")
                                                            for k, v in sorted(methods.items())))
    out.append("")
    out += _heading("Where the known laws are not all the laws", "~")
    bad = [r for r in rows if r['match'] != 'yes' and r['laws'] != '']
    nocount = [r for r in rows if r['laws'] == '']
    if nocount:
        out.append("%s networks have no count (see the uncertified rows below); %s of them have a single output "
                   "or a single input.  The rest of this section is about the networks with a count."
                   % (len(nocount), sum(RULES[2][1](parse_dims(r['dims'])) for r in nocount)))
        out.append("")
    if not bad:
        out += ["Nowhere: for every network of the range the count of laws equals the number of independent "
                "known laws.", ""]
    else:
        excess = Counter(int(r['laws'] or 0) - int(r['known'] or 0) for r in bad if r['laws'])
        nb_cert = sum(r['certified'] == 'yes' for r in bad)
        out.append("%s networks have more laws than known laws (%s of these counts certified; laws minus known: "
                   "%s). Rules tested on the data:"
                   % (len(bad), nb_cert, ", ".join("%s for %s" % (k, v) for k, v in sorted(excess.items()))))
        out.append("")
        out += _rule_lines([r for r in rows if r['laws'] != ''])
        out.append("")
        by_depth = defaultdict(list)
        for r in bad:
            by_depth[r['depth']].append(r)
        table = []
        for depth in sorted(by_depth):
            group = by_depth[depth]
            shown = ", ".join(r['dims'] for r in group[:8]) + (", ..." if len(group) > 8 else "")
            table.append([depth, len(group), shown])
        out += _table(["depth", "networks", "examples (widths)"], table)
    out += _heading("Extra laws found", "~")
    deg2 = [r for r in rows if r['deg2_extra'] not in ('', '0')]
    small = [r for r in rows if r['deg2'] != '']
    out.append("Homogeneous degree-2 laws were computed for the %s networks with D <= 30: %s."
               % (len(small), "they all lie in the span of the known laws" if not deg2 else
                  "%s networks have degree-2 laws outside the span of the known laws" % len(deg2)))
    if deg2:
        dependent = [r for r in deg2 if r['match'] == 'yes' and r['certified'] == 'yes']
        out.append("For %s of them the certified count equals the number of known laws, so these extra "
                   "degree-2 laws are functionally dependent on the known ones (for [1, 2, 1], "
                   "``U1_0_0*U2_1_0 - U1_0_1*U2_0_0`` is not a combination of the balancedness laws, but a "
                   "function of them).  Examples:" % len(dependent))
        out.append("")
        out += _table(["widths", "D", "laws", "known", "degree-2 laws", "outside the known span"],
                      [[r['dims'], r['D'], r['laws'], r['known'], r['deg2'], r['deg2_extra']] for r in deg2[:12]])
    searched = [r for r in rows if r['extra_poly'] != '']
    found = [r for r in searched if int(r['extra_poly']) > 0]
    if searched:
        out.append("Where the known laws are not all the laws and D <= 12 (%s networks), polynomial laws of degree "
                   "at most 4 were searched: %s." % (len(searched), "none is independent of the known laws, so "
                                                   "the missing laws are not polynomials of degree <= 4" if not found
                                                   else "%s networks have extra ones" % len(found)))
    out.append("")
    out += _table(["widths", "D", "laws", "known", "extra law (shortest)"],
                  [[r['dims'], r['D'], r['laws'], r['known'], _literal(r['extra_example'])]
                   for r in found[:20]])
    out += _heading("Uncertified rows", "~")
    unc = [r for r in rows if r['certified'] != 'yes']
    if not unc:
        out += ["None: every count of this census is certified.", ""]
    else:
        out.append("%s rows, each with the reason the engine gives:" % len(unc))
        out.append("")
        out += _table(["widths", "D", "laws", "known", "method", "reason"],
                      [[r['dims'], r['D'], r['laws'], r['known'], r['method'], r['reason']] for r in unc])
    return out


def findings_page(directories, command=None):
    r"""
    Return the findings page (reStructuredText) of census output directories.

    INPUT:

    - ``directories`` -- census output directories (see :func:`~sage_conslaw.census.run.census`)
    - ``command`` -- the command that regenerates the page, shown on it

    EXAMPLES::

        sage: from sage_conslaw.census.findings import findings_page
        sage: findings_page([])
        Traceback (most recent call last):
        ...
        ValueError: findings_page needs at least one census output directory
    """
    directories = list(directories)
    if not directories:
        raise ValueError("findings_page needs at least one census output directory")
    out = _heading("Census findings", "=")
    out.append("Generated from census outputs by :mod:`sage_conslaw.census.findings`%s. Each network is one "
               "task: the count of laws from ``model.lie_trace()`` (certified or not, as the engine says), "
               "the number of known laws independent at the same point, and the degree-2 laws when D <= 30."
               % (" (``%s``)" % command if command else ""))
    out.append("")
    for d in directories:
        out += census_section(d)
    return "\n".join(out).rstrip() + "\n"


def main(argv=None):
    r"""
    ``python -m sage_conslaw.census.findings DIR... --out PAGE``: write the page.

    EXAMPLES::

        sage: from sage_conslaw.census.findings import main
        sage: try:
        ....:     main(['/nonexistent', '--out', '/dev/null'])
        ....: except SystemExit as e:
        ....:     print("exit status", e.code)
        usage: ...
        ...error: /nonexistent is not a census output (no census.csv)
        exit status 2
    """
    parser = argparse.ArgumentParser(prog="python -m sage_conslaw.census.findings")
    parser.add_argument("directories", nargs="+", help="census output directories")
    parser.add_argument("--out", required=True, help="the .rst page to write")
    args = parser.parse_args(argv)
    for d in args.directories:
        if not os.path.exists(os.path.join(d, 'census.csv')):
            parser.error("%s is not a census output (no census.csv)" % d)
    page = findings_page(args.directories, command="python -m sage_conslaw.census.findings %s --out %s"
                         % (" ".join(os.path.basename(d.rstrip('/')) for d in args.directories),
                            os.path.basename(args.out)))
    atomic_write(args.out, page)
    return 0


if __name__ == "__main__":
    sys.exit(main())
