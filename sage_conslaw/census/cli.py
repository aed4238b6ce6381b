r"""
The command line of a census: ``python -m sage_conslaw census ...`` (also
``python -m sage_conslaw.census ...``).

Arguments are checked before anything is computed or written: a bad value,
an output directory that cannot be written or a missing Dask exits with
status 2 and a message naming it.  Ctrl-C stops the census cleanly at any
moment once the command runs, the start of the cluster included (one line
saying how many finished rows are kept, status 130; ``SIGTERM``: 143, no
traceback from any process, nothing left running), and a second one waits
until it has stopped; running the same command again resumes it.  A census that cannot go on
(a scheduler that cannot be reached or went away, a disk full, another census
writing into the same directory) is one line on standard error and status 1,
the finished rows kept.

EXAMPLES::

    sage: from sage_conslaw.census.cli import main
    sage: try:
    ....:     main(["--family", "linear", "--max-width", "0", "--max-depth", "2", "--out", "x"])
    ....: except SystemExit as e:
    ....:     print("exit status", e.code)
    usage: ...
    ...error: --max-width must be at least 1, got 0
    exit status 2
    sage: main(["--family", "relu", "--max-width", "1", "--max-depth", "2", "--bias",  # long time, optional - dask
    ....:       "--workers", "1", "--no-progress", "--out", tmp_dir()])
    Census of 1 ReLU networks with biases (widths <= 1, depth 2..2): 1 rows, 1 certified (100.0 %), 1 matching the known laws
    computed 1 rows in ... s on 1 core (local cluster); files: .../census.csv, .../rows.csv, .../summary.json
    0
"""
import argparse
import logging
import os
import signal
import sys

from sage_conslaw.census.run import CensusError, CensusInterrupted, census, check_dask, check_scheduler_address
from sage_conslaw.census.tasks import check_census_size
from sage_conslaw.core.thresholds import CENSUS_SECONDS
from sage_conslaw.files import DeferredSignals, DirectoryBusy, writable_directory


def add_arguments(parser):
    r"""
    Add the census options to an ``argparse`` parser (or subcommand parser).

    EXAMPLES::

        sage: import argparse
        sage: from sage_conslaw.census.cli import add_arguments
        sage: p = argparse.ArgumentParser(); add_arguments(p)
        sage: a = p.parse_args(["--family", "relu", "--max-width", "2", "--max-depth", "3", "--out", "d"])
        sage: a.family, a.max_width, a.max_depth, a.bias, a.scheduler
        ('relu', 2, 3, False, None)
    """
    parser.add_argument("--family", required=True, choices=("linear", "relu"), help="the family of networks")
    parser.add_argument("--max-width", type=int, required=True, help="widths from 1 to this")
    parser.add_argument("--max-depth", type=int, required=True, help="depths from 2 to this")
    parser.add_argument("--bias", action="store_true", help="ReLU networks with biases")
    parser.add_argument("--scheduler", default=None,
                        help="address of a running Dask scheduler (default: a local cluster on this machine's cores)")
    parser.add_argument("--workers", type=int, default=None,
                        help="worker processes of the local cluster (default and at most: the number of cores)")
    parser.add_argument("--out", required=True, help="output directory (rows.csv, census.csv, summary.json)")
    parser.add_argument("--budget", type=int, default=None,
                        help="seconds allowed to the trace of one network (default %s)" % CENSUS_SECONDS)
    parser.add_argument("--redo-uncertified", action="store_true",
                        help="compute again the rows of --out that are not certified")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument("--delay", type=float, default=0.0, help=argparse.SUPPRESS)   # tests: slow tasks down
    # tests: the task of this network (FAMILY:WxWxW[:bias]) kills its process every time
    parser.add_argument("--crash", default=None, help=argparse.SUPPRESS)


def check_arguments(parser, args):
    r"""
    Check the values of the parsed arguments; ``parser.error`` (exit status 2) on a bad one.

    EXAMPLES::

        sage: import argparse
        sage: from sage_conslaw.census.cli import add_arguments, check_arguments
        sage: p = argparse.ArgumentParser(prog="census"); add_arguments(p)
        sage: try:
        ....:     check_arguments(p, p.parse_args(["--family", "linear", "--max-width", "2", "--max-depth", "1", "--out", "d"]))
        ....: except SystemExit as e:
        ....:     print("exit status", e.code)
        usage: ...
        census: error: --max-depth must be at least 2 (a depth-1 network is a single matrix, without conservation law), got 1
        exit status 2
        sage: check_arguments(p, p.parse_args(["--family", "linear", "--max-width", "2",  # optional - dask
        ....:                                  "--max-depth", "2", "--out", tmp_dir()]))
        sage: try:  # optional - dask
        ....:     check_arguments(p, p.parse_args(["--family", "linear", "--max-width", "1", "--max-depth", "2",
        ....:                                      "--out", "/proc/x"]))
        ....: except SystemExit as e:
        ....:     print("exit status", e.code)
        usage: ...
        census: error: --out /proc/x: cannot create the directory: ...
        exit status 2
        sage: try:
        ....:     check_arguments(p, p.parse_args(["--family", "linear", "--max-width", "100000", "--max-depth", "100", "--out", "d"]))
        ....: except SystemExit as e:
        ....:     print("exit status", e.code)
        usage: ...
        census: error: widths 1..100000 and depths 2..100 give more than 1000000 networks, the limit MAX_CENSUS_NETWORKS (sage_conslaw.core.thresholds)
        exit status 2
    """
    if args.max_width < 1:
        parser.error("--max-width must be at least 1, got %s" % args.max_width)
    if args.max_depth < 2:
        parser.error("--max-depth must be at least 2 (a depth-1 network is a single matrix, without "
                     "conservation law), got %s" % args.max_depth)
    if args.bias and args.family == "linear":
        parser.error("--bias is for --family relu (linear networks have no biases)")
    try:
        check_census_size(args.max_width, args.max_depth)
    except ValueError as e:
        parser.error(str(e))
    if args.budget is not None and args.budget < 1:
        parser.error("--budget must be at least 1 second, got %s" % args.budget)
    if args.workers is not None and args.workers < 1:
        parser.error("--workers must be at least 1, got %s" % args.workers)
    if args.workers is not None and args.scheduler is not None:
        parser.error("--workers sizes the local cluster; with --scheduler the cluster's workers are used")
    if args.scheduler is not None:
        try:
            check_scheduler_address(args.scheduler)
        except ValueError as e:
            parser.error(str(e))
    if os.path.exists(args.out) and not os.path.isdir(args.out):
        parser.error("--out %s exists and is not a directory" % args.out)
    try:
        check_dask()
    except CensusError as e:
        parser.error(str(e))
    problem = writable_directory(args.out)
    if problem:
        parser.error("--out %s: %s" % (args.out, problem))


def run(args):
    r"""
    Run the census of parsed and checked arguments; return the exit status.

    EXAMPLES::

        sage: import argparse
        sage: from sage_conslaw.census.cli import run
        sage: a = argparse.Namespace(family="linear", max_width=1, max_depth=2, bias=False, scheduler=None,
        ....:                        workers=1, out=tmp_dir(), no_progress=True, delay=0.0, budget=None,
        ....:                        redo_uncertified=False)
        sage: run(a)  # long time, optional - dask
        Census of 1 linear networks (widths <= 1, depth 2..2): 1 rows, 1 certified (100.0 %), 1 matching the known laws
        computed 1 rows in ... s on 1 core (local cluster); files: ...
        0
    """
    crash = getattr(args, "crash", None)
    if crash:
        family, dims, *bias = crash.split(":")
        crash = (family, tuple(int(n) for n in dims.split("x")), bias == ["bias"])
    # Ctrl-C or SIGTERM: the first stops the census, the others wait until it has stopped cleanly
    with DeferredSignals(interrupt=True) as signals:
        try:
            with DeferredSignals():   # an import cut halfway would leave Dask's exit hooks to fail
                import distributed  # noqa: F401  (configures its loggers on import; checked by check_arguments)
            # the client's own reports of a lost scheduler (tracebacks): this command says it in one line
            logging.getLogger("distributed.client").setLevel(logging.CRITICAL)
            res = census(args.family, args.max_width, args.max_depth, bias=args.bias, out=args.out,
                         scheduler=args.scheduler, workers=args.workers,
                         progress=False if args.no_progress else None, budget=args.budget,
                         redo_uncertified=getattr(args, "redo_uncertified", False),
                         _delay=getattr(args, "delay", 0.0), _crash=crash)
        except KeyboardInterrupt as e:
            return interrupted(e, signals.received)
        except (CensusError, DirectoryBusy, ValueError) as e:
            print("sage-conslaw census: error: %s" % e, file=sys.stderr)
            return 1
        except OSError as e:
            print("sage-conslaw census: error: cannot write into %s: %s (the rows already in %s are kept)"
                  % (args.out, e.strerror or e, os.path.join(args.out, "rows.csv")), file=sys.stderr)
            return 1
    for note in res.notes:
        print("note: " + note, file=sys.stderr)
    print(res)
    where = "local cluster" if args.scheduler is None else args.scheduler
    print("computed %s rows in %.1f s on %s core%s (%s); files: %s"
          % (res.computed, res.seconds, res.cores or 0, "" if res.cores == 1 else "s", where,
             ", ".join(os.path.join(args.out, f) for f in ("census.csv", "rows.csv", "summary.json"))))
    return 0


def interrupted(stop, received):
    r"""
    Say in one line on standard error that the census was stopped (by the
    first signal ``received``: Ctrl-C, or ``SIGTERM``) and how many finished
    rows are kept, and return the exit status ``128 +`` that signal (130 for
    Ctrl-C), as a shell reports a signal.

    ``stop`` is the ``KeyboardInterrupt`` caught: a
    :class:`~sage_conslaw.census.run.CensusInterrupted` knows the rows kept;
    another one came before the census opened its journal.

    EXAMPLES::

        sage: import signal
        sage: from sage_conslaw.census.cli import interrupted
        sage: from sage_conslaw.census.run import CensusInterrupted
        sage: interrupted(CensusInterrupted(4, 'out/rows.csv'), [signal.SIGINT])
        sage-conslaw census: interrupted; the 4 finished rows are kept in out/rows.csv: run the same command again to resume
        130
        sage: interrupted(CensusInterrupted(0, 'out/rows.csv'), [signal.SIGTERM, signal.SIGINT])
        sage-conslaw census: stopped by SIGTERM before any row was finished
        143
        sage: interrupted(KeyboardInterrupt(), [])
        sage-conslaw census: interrupted before the census started
        130
    """
    first = received[0] if received else signal.SIGINT
    what = "interrupted" if first == signal.SIGINT else "stopped by %s" % signal.Signals(first).name
    rows = getattr(stop, "rows", 0)
    if rows:
        message = "%s; the %s finished rows are kept in %s: run the same command again to resume" % (
            what, rows, stop.path)
    elif isinstance(stop, CensusInterrupted):
        message = "%s before any row was finished" % what
    else:
        message = "%s before the census started" % what
    print("sage-conslaw census: %s" % message, file=sys.stderr)
    return 128 + first


def main(argv=None):
    r"""
    Parse, check and run (``python -m sage_conslaw.census``); return the exit status.

    EXAMPLES::

        sage: from sage_conslaw.census.cli import main
        sage: try:
        ....:     main(["--family", "linear", "--max-width", "2", "--max-depth", "2", "--bias", "--out", "x"])
        ....: except SystemExit as e:
        ....:     print("exit status", e.code)
        usage: ...
        ...error: --bias is for --family relu (linear networks have no biases)
        exit status 2
    """
    parser = argparse.ArgumentParser(prog="sage-conslaw census",
                                     description="Census of architectures on a Dask cluster.")
    add_arguments(parser)
    try:
        args = parser.parse_args(argv)
        check_arguments(parser, args)
    except KeyboardInterrupt as e:     # before the census: nothing written
        return interrupted(e, [])
    return run(args)
