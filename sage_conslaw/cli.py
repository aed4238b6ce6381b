r"""
The command line ``sage-conslaw`` (also ``python -m sage_conslaw``; entry point :func:`main`).

- ``sage-conslaw demo`` -- the laws of two small networks, in seconds;
- ``sage-conslaw count linear|relu WIDTH ... [--bias]`` -- the number of
  independent conservation laws of one network, and why it is certified;
- ``sage-conslaw reproduce [--paper NAME] [--quick | --linear N ...] [--out DIR]`` -- a
  paper's tables, recomputed exactly (the papers are those of
  :data:`sage_conslaw.reproduction.PAPERS`);
- ``sage-conslaw jupyter install [--user | --prefix DIR]`` -- the SageMath
  Jupyter kernel for this install (see :mod:`sage_conslaw.jupyter`);
- ``sage-conslaw census --family linear|relu --max-width W --max-depth Q --out DIR`` --
  every network of a range on a Dask cluster (see :mod:`sage_conslaw.census`).

Every argument is checked before any computation: a bad one is a usage error
(exit status 2, the usage line and the reason on stderr), and the output
directory is created, or refused, first.  The progress bar is shown only when
stderr is a terminal.  A subcommand is a function of :data:`SUBCOMMANDS` that
adds its parser; add one there.

EXAMPLES::

    sage: from sage_conslaw.cli import main
    sage: main(["reproduce", "--linear", "1", "--relu", "1", "--poly", "0", "--workers", "1"])
    family check dims ...
    2/2 architectures: no conservation law beyond the known ones (all certified)
    0
    sage: main(["reproduce", "--list", "--linear", "2", "--relu", "0", "--poly", "1"])
    # paper 'abide', seed 0: 4 architectures (widths from the outputs to the inputs)
    check family dims         bias
    lie   linear [5, 3, 2]    no
    lie   linear [5, 3, 4, 2] no
    poly  linear [3, 2, 3]    no
    poly  relu   [3, 2, 3]    no
    0
"""
import argparse
import os
import signal
import sys
import warnings

from sage.misc.lazy_import import lazy_import

from sage_conslaw import jupyter
from sage_conslaw.census.cli import add_arguments as add_census_arguments, check_arguments as check_census_arguments
from sage_conslaw.census.cli import run as run_census
from sage_conslaw.core.checks import positive_integer
from sage_conslaw.files import DeferredSignals, DirectoryBusy, DirectoryLock, writable_directory
from sage_conslaw.reproduction import PAPERS
from sage_conslaw.reproduction.sampling import check_seed, sample_count
from sage_conslaw.reproduction.tables import Interrupted, WorkerDied, aligned, worker_count

# lazy: only ``demo`` and ``count`` need the architectures (and only the one they count);
# the other subcommands (and --help) start without them
lazy_import('sage_conslaw.architectures.linear', 'LinearNetwork')
lazy_import('sage_conslaw.architectures.relu', 'ReLUNetwork')

#: The name of the program in usage lines and messages, however it is started.
PROG = "sage-conslaw"


def _checked(check, what):
    r"""
    Return an argparse ``type`` that reads an integer and applies ``check`` (from
    :mod:`sage_conslaw.core.checks` or the like), turning its error into a usage error.

    TESTS::

        sage: from sage_conslaw.cli import _checked
        sage: from sage_conslaw.core.checks import positive_integer
        sage: workers = _checked(positive_integer, "the number of processes")
        sage: workers("3")
        3
        sage: workers("0")
        Traceback (most recent call last):
        ...
        argparse.ArgumentTypeError: the number of processes must be an integer >= 1, got 0
        sage: workers("two")
        Traceback (most recent call last):
        ...
        argparse.ArgumentTypeError: the number of processes must be an integer, got 'two'
    """
    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError("%s must be an integer, got %r" % (what, text))
        try:
            return check(value, what)
        except (TypeError, ValueError) as error:
            raise argparse.ArgumentTypeError(str(error))
    parse.__name__ = what   # argparse names the type in some messages
    return parse


def demo():
    r"""
    Print the conservation laws of a two-layer linear and a two-layer ReLU network.

    EXAMPLES::

        sage: from sage_conslaw.cli import demo
        sage: demo()
        Two-layer linear network [2, 2, 2] (phi = U1*U2):
        ...
          number of independent laws: 3 (certified)
        ...
    """
    for title, net in (("Two-layer linear network [2, 2, 2] (phi = U1*U2)", LinearNetwork([2, 2, 2])),
                       ("Two-layer ReLU network [2, 2, 2] without biases (path products)", ReLUNetwork([2, 2, 2]))):
        print(title + ":")
        laws = net.polynomial_conservation_laws(2)
        print("  degree-2 polynomial laws (exact basis over QQ):")
        for h in laws:
            print("    " + str(h))
        res = net.lie_trace()
        print("  number of independent laws: %s (%s)" % (res.number_of_laws,
                                                       "certified" if res.certified else "not certified"))
        print("  dim W_k(theta) for k = 0, 1, ...: %s" % res.dimensions)
        print()


def _add_demo(sub):
    r"""
    Add the subcommand ``demo``.

    TESTS::

        sage: import argparse
        sage: from sage_conslaw.cli import _add_demo
        sage: sub = argparse.ArgumentParser(prog="p").add_subparsers()
        sage: _add_demo(sub)
        sage: sub.choices['demo'].parse_args([]).run.__name__
        '_run_demo'
    """
    p = sub.add_parser("demo", help="print the laws of a two-layer linear and a two-layer ReLU network",
                       description="Print the conservation laws of two small networks (seconds).")
    p.set_defaults(run=_run_demo, subparser=p)


def _run_demo(args):
    r"""
    Run ``sage-conslaw demo``.

    TESTS::

        sage: from sage_conslaw.cli import _run_demo, build_parser
        sage: _run_demo(build_parser().parse_args(["demo"]))
        Two-layer linear network [2, 2, 2] (phi = U1*U2):
        ...
        Two-layer ReLU network [2, 2, 2] without biases (path products):
        ...
        0
    """
    demo()
    return 0


def _add_count(sub):
    r"""
    Add the subcommand ``count``.

    TESTS::

        sage: import argparse
        sage: from sage_conslaw.cli import _add_count
        sage: sub = argparse.ArgumentParser(prog="p").add_subparsers()
        sage: _add_count(sub)
        sage: a = sub.choices['count'].parse_args(["relu", "2", "3", "2", "--bias"])
        sage: a.family, a.widths, a.bias, a.run.__name__
        ('relu', [2, 3, 2], True, '_run_count')
    """
    p = sub.add_parser("count", help="the number of conservation laws of one linear or ReLU network",
                       description="Count the independent conservation laws of the gradient flow of one "
                                   "network, exactly, and say why the count is certified (or that it is not).")
    p.add_argument("family", choices=["linear", "relu"], help="the family of the network")
    p.add_argument("widths", nargs="+", type=_checked(positive_integer, "a width"), metavar="WIDTH",
                   help="the widths, from the outputs to the inputs (as LinearNetwork and ReLUNetwork take them)")
    p.add_argument("--bias", action="store_true", help="ReLU networks with biases")
    p.set_defaults(run=_run_count, subparser=p)


def _run_count(args):
    r"""
    Run ``sage-conslaw count``: one network, its number of laws and the reason it is certified.

    TESTS::

        sage: from sage_conslaw.cli import _run_count, build_parser
        sage: _run_count(build_parser().parse_args(["count", "linear", "2", "3", "2"]))
        Linear network [2, 3, 2]: D = 12 parameters, phi = U1*U2 in QQ^(2 x 2)
        6 independent conservation laws (certified: the rank 6 meets the bound D - N = 6 given by 6 conservation laws independent at theta)
        0
        sage: _run_count(build_parser().parse_args(["count", "relu", "2", "2", "--bias"]))
        ReLU network [2, 2] ... with biases: D = 6 parameters, ...
        0 independent conservation laws (certified: ...)
        0
        sage: import contextlib, io
        sage: err = io.StringIO()
        sage: with contextlib.redirect_stderr(err):
        ....:     try:
        ....:         _run_count(build_parser().parse_args(["count", "linear", "2", "2", "--bias"]))
        ....:     except SystemExit as e:
        ....:         print("exit status", e.code)
        exit status 2
        sage: print(err.getvalue().splitlines()[-1])
        sage-conslaw count: error: --bias is for relu networks (linear networks have no biases)
    """
    if args.bias and args.family == "linear":
        args.subparser.error("--bias is for relu networks (linear networks have no biases)")
    try:
        net = LinearNetwork(args.widths) if args.family == "linear" else ReLUNetwork(args.widths, bias=args.bias)
    except (TypeError, ValueError) as e:
        args.subparser.error(str(e))
    res = net.lie_trace()
    print(net)
    print("%s independent conservation law%s (%s: %s)" % (res.number_of_laws, "" if res.number_of_laws == 1 else "s",
                                                           "certified" if res.certified else "not certified",
                                                           res.reason))
    return 0


def _count_options():
    r"""
    Return ``{count: [(paper, default, help), ...]}`` over the registered papers.

    TESTS::

        sage: from sage_conslaw.cli import _count_options
        sage: _count_options()['linear'][0][:2]
        ('abide', 50)
    """
    options = {}
    for name, paper in PAPERS.items():
        for count, default, quick, text in paper.counts:
            options.setdefault(count, []).append((name, default, text))
    return options


def _add_reproduce(sub):
    r"""
    Add the subcommand ``reproduce``; its ``--paper`` choices and count options come from
    :data:`sage_conslaw.reproduction.PAPERS`.

    TESTS::

        sage: import argparse
        sage: from sage_conslaw.cli import _add_reproduce
        sage: sub = argparse.ArgumentParser(prog="p").add_subparsers()
        sage: _add_reproduce(sub)
        sage: args = sub.choices['reproduce'].parse_args(["--quick"])
        sage: args.paper, args.quick, args.linear, args.workers, args.seed, args.run.__name__
        ('abide', True, None, 2, 0, '_run_reproduce')
    """
    p = sub.add_parser("reproduce", help="recompute a paper's tables exactly",
                       description="Recompute a paper's tables exactly; exit status 1 on a mismatch.")
    p.add_argument("--paper", choices=list(PAPERS), default=next(iter(PAPERS)),
                   help="which paper (default %(default)s): " +
                   "; ".join("%s = %s" % (k, v.title) for k, v in PAPERS.items()))
    for count, uses in _count_options().items():
        p.add_argument("--" + count, type=_checked(sample_count, "the number of architectures"), default=None, metavar="N",
                       help="; ".join("%s (paper %s, default %s)" % (text, name, default)
                                      for name, default, text in uses))
    p.add_argument("--quick", action="store_true", help="the small sample of each count, seconds")
    p.add_argument("--seed", type=_checked(check_seed, "the seed"), default=0,
                   help="numpy seed of the sampling (default 0, the paper's)")
    p.add_argument("--workers", type=_checked(positive_integer, "the number of processes"), default=2,
                   help="processes (default 2, at most the cores and the tasks); the rows do not depend on it")
    p.add_argument("--out", default=None, metavar="DIR",
                   help="directory for tables.csv, tables.json, tables.txt (created first, or refused; locked "
                        "while running; on Ctrl-C the finished rows are saved)")
    p.add_argument("--list", action="store_true", help="only print the sampled architectures")
    p.add_argument("--no-progress", action="store_true",
                   help="no progress bar (there is one only when stderr is a terminal)")
    p.set_defaults(run=_run_reproduce, subparser=p)


def _format_tasks(tasks):
    r"""
    Return the ``(check, architecture)`` pairs as an aligned table with a header line.

    TESTS::

        sage: from sage_conslaw.cli import _format_tasks
        sage: print(_format_tasks([('lie', {'family': 'relu', 'dims': [2, 2], 'bias': True})]))
        check family dims   bias
        lie   relu   [2, 2] yes
        sage: print(_format_tasks([]))
        check
    """
    columns = ["check"]
    for _, arch in tasks:
        columns += [k for k in arch if k not in columns]

    def cell(value):
        if isinstance(value, bool):
            return "yes" if value else "no"
        return "-" if value is None else str(value)
    return "\n".join(aligned([columns] + [[check] + [cell(arch.get(c)) for c in columns[1:]]
                                          for check, arch in tasks]))


def _run_reproduce(args):
    r"""
    Run ``sage-conslaw reproduce``: check the combination of options, prepare the
    output directory, then compute (or only list with ``--list``).

    TESTS::

        sage: from sage_conslaw.cli import _run_reproduce, build_parser
        sage: import os
        sage: out = os.path.join(tmp_dir(), "results")
        sage: args = build_parser().parse_args(["reproduce", "--linear", "1", "--relu", "0", "--poly", "0", "--out", out])
        sage: _run_reproduce(args)
        note: 2 workers asked; 1 used (the number of tasks)
        family check dims      bias D  d  known found step certified match seconds
        linear lie   [5, 3, 2] no   21 10 6     6     1    yes       yes   ...
        written: .../tables.csv, .../tables.json, .../tables.txt
        total ... s with 1 worker
        1/1 architectures: no conservation law beyond the known ones (all certified)
        0
        sage: sorted(os.listdir(out))       # .lock: the lock of the directory while a run writes there
        ['.lock', '.sets', 'tables.csv', 'tables.json', 'tables.txt']
        sage: _run_reproduce(build_parser().parse_args(["reproduce", "--quick", "--list"]))
        # paper 'abide', seed 0: 14 architectures (widths from the outputs to the inputs)
        ...
        0
    """
    parser = args.subparser
    paper = PAPERS[args.paper]
    own = paper.defaults()
    given = {c: getattr(args, c) for c in _count_options() if getattr(args, c) is not None}
    foreign = [c for c in given if c not in own]
    if foreign:
        parser.error("--%s is not a count of the paper %r (its counts: %s)"
                     % (foreign[0], paper.name, ", ".join("--" + c for c in own)))
    if args.quick and given:
        parser.error("--quick chooses the counts itself; it cannot be combined with %s"
                     % ", ".join("--" + c for c in given))
    if args.list and args.out is not None:
        parser.error("--list only prints the sample; --out would write nothing")
    counts = paper.quick() if args.quick else dict(own, **given)
    if args.out is not None:
        problem = writable_directory(args.out)
        if problem:
            parser.error("--out %s: %s" % (args.out, problem))
    module = paper.module()
    if args.list:
        tasks = module.planned_tasks(seed=args.seed, **counts)
        print("# paper %r, seed %s: %s architectures%s"
              % (paper.name, args.seed, len(tasks), " (%s)" % paper.note if paper.note else ""))
        print(_format_tasks(tasks))
        return 0
    lock = DirectoryLock(args.out) if args.out is not None else None
    report = stop = saved = None
    # Ctrl-C or SIGTERM: the first stops the computation, the others wait until the finished rows are saved
    with DeferredSignals(interrupt=True) as signals:
        try:
            if lock is not None:
                lock.acquire()
            try:
                ntasks = len(module.planned_tasks(seed=args.seed, **counts))
                used = worker_count(args.workers, ntasks)
                if used < args.workers:
                    print("note: %s workers asked; %s used (%s)" % (
                        args.workers, used, "the cores of this machine" if used == (os.cpu_count() or 1) and
                        used < ntasks else "the number of tasks"), file=sys.stderr)
                progress = not args.no_progress and sys.stderr.isatty()
                try:
                    report = module.reproduce_tables(seed=args.seed, workers=args.workers, progress=progress, **counts)
                except (Interrupted, WorkerDied) as e:
                    report, stop = e.report, e
                if stop is None:
                    print(report.table())
                    if args.out is not None:
                        saved = report.save(args.out)
                        print("written: " + ", ".join(saved))
                    print("total %.1f s with %s worker%s" % (report.seconds, report.workers,
                                                             "" if report.workers == 1 else "s"))
                    print(report.summary())
            except KeyboardInterrupt as e:   # a stop outside the computation: before it, or while printing or saving
                stop = e
            if signals.received and stop is None:     # a stop that some code caught and went on
                stop = KeyboardInterrupt()
            if stop is not None:
                return _stopped(stop, report, saved, args.out, signals.received)
        except DirectoryBusy as e:
            print("%s reproduce: error: %s" % (PROG, e), file=sys.stderr)
            return 1
        except OSError as e:
            print("%s reproduce: error: cannot write into %s: %s (the files there are unchanged)"
                  % (PROG, args.out, e.strerror or e), file=sys.stderr)
            return 1
        finally:
            if lock is not None:
                lock.release()
    return 0 if report.all_match else 1


def _stopped(stop, report, saved, out, received):
    r"""
    The end of ``sage-conslaw reproduce`` stopped early: save the finished rows
    (``report``) into ``out`` unless they are ``saved`` already, say so in one
    line, and return the exit status: 1 for a worker that died (``stop`` a
    :class:`~sage_conslaw.reproduction.tables.WorkerDied`), else ``128 +`` the
    first signal ``received`` (130 for Ctrl-C, 143 for ``SIGTERM``).

    Call it with the signals deferred (the save completes whatever comes).

    TESTS::

        sage: import os, signal
        sage: from sage_conslaw.cli import _stopped
        sage: from sage_conslaw.reproduction import ReproductionReport
        sage: from sage_conslaw.reproduction.tables import WorkerDied
        sage: import contextlib, io
        sage: def stopped(*args):
        ....:     err = io.StringIO()
        ....:     with contextlib.redirect_stderr(err):
        ....:         status = _stopped(*args)
        ....:     print(err.getvalue().strip()); return status
        sage: d = tmp_dir(); rep = ReproductionReport([], 0.1, 1, planned=3)
        sage: stopped(KeyboardInterrupt(), rep, None, d, [signal.SIGINT])
        sage-conslaw reproduce: interrupted; the 0 finished rows are saved in .../tables.csv, .../tables.json, .../tables.txt
        130
        sage: sorted(os.listdir(d))
        ['.lock', '.sets', 'tables.csv', 'tables.json', 'tables.txt']
        sage: stopped(KeyboardInterrupt(), rep, ['a', 'b'], d, [signal.SIGTERM, signal.SIGINT])
        sage-conslaw reproduce: stopped by SIGTERM; the 0 finished rows are saved in a, b
        143
        sage: stopped(KeyboardInterrupt(), None, None, d, [signal.SIGINT])
        sage-conslaw reproduce: interrupted before any row was finished
        130
        sage: stopped(KeyboardInterrupt(), rep, None, None, [])
        sage-conslaw reproduce: interrupted
        130
        sage: stopped(WorkerDied("the worker died", [], 3), rep, None, None, [])
        sage-conslaw reproduce: the worker died
        1
    """
    if isinstance(stop, WorkerDied):
        what, status = str(stop), 1
    else:
        first = received[0] if received else signal.SIGINT
        what = "interrupted" if first == signal.SIGINT else "stopped by %s" % signal.Signals(first).name
        status = 128 + first
    if report is None:
        print("%s reproduce: %s before any row was finished" % (PROG, what), file=sys.stderr)
    elif out is None:
        print("%s reproduce: %s" % (PROG, what), file=sys.stderr)
    else:
        if saved is None:
            saved = report.save(out)
        print("%s reproduce: %s; the %s finished rows are saved in %s" % (PROG, what, len(report.rows),
                                                                          ", ".join(saved)), file=sys.stderr)
    return status


def _add_jupyter(sub):
    r"""
    Add the subcommand ``jupyter`` (``jupyter install``).

    TESTS::

        sage: import argparse
        sage: from sage_conslaw.cli import _add_jupyter
        sage: sub = argparse.ArgumentParser(prog="p").add_subparsers()
        sage: _add_jupyter(sub)
        sage: args = sub.choices['jupyter'].parse_args(["install", "--prefix", "/tmp/x"])
        sage: args.action, args.prefix, args.user, args.name, args.run.__name__
        ('install', '/tmp/x', False, 'sagemath', '_run_jupyter_install')
    """
    p = sub.add_parser("jupyter", help="the SageMath Jupyter kernel for this install",
                       description="Register the SageMath Jupyter kernel of this install "
                                   "(nothing to do on a full Sage install).")
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    inst = actions.add_parser("install", help="register the kernel %r with Jupyter" % jupyter.KERNEL_NAME,
                              description="Register the kernel %r (runs this Python). Default: in this "
                                          "environment (sys.prefix)." % jupyter.KERNEL_NAME)
    where = inst.add_mutually_exclusive_group()
    where.add_argument("--user", action="store_true", help="in the user's Jupyter data directory")
    where.add_argument("--prefix", default=None, metavar="DIR", help="in DIR/share/jupyter/kernels")
    inst.add_argument("--name", default=jupyter.KERNEL_NAME, help="the kernel name (default %(default)s)")
    inst.set_defaults(run=_run_jupyter_install, subparser=inst)


def _run_jupyter_install(args):
    r"""
    Run ``sage-conslaw jupyter install``.

    TESTS::

        sage: from sage_conslaw.cli import _run_jupyter_install, build_parser
        sage: _run_jupyter_install(build_parser().parse_args(["jupyter", "install", "--prefix", tmp_dir()]))
        Installed the Jupyter kernel 'sagemath' (SageMath (passagemath)) in .../share/jupyter/kernels/sagemath
        It runs ... -m sage_conslaw.jupyter; start Jupyter with: jupyter lab  (pip install 'sage_conslaw[jupyter]')
        0

    A place that cannot be written is a usage error, before anything is written::

        sage: import contextlib, io
        sage: err = io.StringIO()
        sage: with contextlib.redirect_stderr(err):
        ....:     try:
        ....:         _run_jupyter_install(build_parser().parse_args(["jupyter", "install", "--prefix", "/proc/x"]))
        ....:     except SystemExit as e:
        ....:         print("exit status", e.code)
        exit status 2
        sage: print(err.getvalue())
        usage: sage-conslaw jupyter install [-h] [--user | --prefix DIR] [--name NAME]
        sage-conslaw jupyter install: error: cannot write the kernel under /proc/x (cannot create the directory: ...); use --user or --prefix DIR

    An empty prefix (``/share/jupyter/kernels``, the system's), a name that is a path::

        sage: for argv in (["--prefix", ""], ["--prefix", tmp_dir(), "--name", "../../evil"]):
        ....:     err = io.StringIO()
        ....:     with contextlib.redirect_stderr(err):
        ....:         try:
        ....:             _run_jupyter_install(build_parser().parse_args(["jupyter", "install"] + argv))
        ....:         except SystemExit as e:
        ....:             print("exit status", e.code)
        ....:     print(err.getvalue().splitlines()[-1])
        exit status 2
        sage-conslaw jupyter install: error: --prefix is empty (it would install into the system's kernels); give a directory
        exit status 2
        sage-conslaw jupyter install: error: --name: the kernel name '../../evil' is not a name: use letters, digits, '.', '_' and '-' (not starting with '.')
        sage: _run_jupyter_install(build_parser().parse_args(["jupyter", "install", "--prefix", tmp_dir(),
        ....:                                                 "--name", "MyKernel"]))
        Installed the Jupyter kernel 'mykernel' (SageMath (passagemath)) in .../kernels/mykernel (Jupyter's kernel names are lower case: 'MyKernel' is 'mykernel')
        It runs ...
        0
    """
    if jupyter.full_sage():
        print("This is a full SageMath install: its own 'sagemath' kernel works; nothing changed.")
        return 0
    if args.prefix is not None and not args.prefix.strip():
        args.subparser.error("--prefix is empty (it would install into the system's kernels); give a directory")
    try:
        name = jupyter.check_kernel_name(args.name)
    except ValueError as e:
        args.subparser.error("--name: %s" % e)
    if not args.user:     # the environment or --prefix: checked first (the user's directory is Jupyter's)
        prefix = sys.prefix if args.prefix is None else args.prefix
        problem = writable_directory(os.path.join(prefix, "share", "jupyter", "kernels"))
        if problem:
            args.subparser.error("cannot write the kernel under %s (%s); use --user or --prefix DIR"
                                 % (prefix, problem))
    path = jupyter.install(prefix=args.prefix, user=args.user, name=name)
    print("Installed the Jupyter kernel %r (%s) in %s%s" % (name, jupyter.DISPLAY_NAME, path,
          "" if name == args.name else " (Jupyter's kernel names are lower case: %r is %r)" % (args.name, name)))
    print("It runs %s -m sage_conslaw.jupyter; start Jupyter with: jupyter lab  "
          "(pip install 'sage_conslaw[jupyter]')" % sys.executable)
    return 0


def _add_census(sub):
    r"""
    Add ``sage-conslaw census`` (see :mod:`sage_conslaw.census.cli`).

    TESTS::

        sage: import argparse
        sage: from sage_conslaw.cli import _add_census
        sage: sub = argparse.ArgumentParser(prog="p").add_subparsers()
        sage: _add_census(sub)
        sage: a = sub.choices['census'].parse_args(["--family", "relu", "--max-width", "2", "--max-depth", "2", "--out", "d"])
        sage: a.family, a.run.__name__
        ('relu', '_run_census')
    """
    p = sub.add_parser("census", help="every network of a range, one certified count each, on a Dask cluster",
                       description="Census of linear or ReLU networks on a Dask cluster (local by default); "
                                   "resumable: run the same command again after an interruption.")
    add_census_arguments(p)
    p.set_defaults(run=_run_census, subparser=p)


def _run_census(args):
    r"""
    Run ``sage-conslaw census``: check the values (usage error, status 2), then the census.

    TESTS::

        sage: from sage_conslaw.cli import _run_census, build_parser
        sage: args = build_parser().parse_args(["census", "--family", "linear", "--max-width", "1",
        ....:                                   "--max-depth", "1", "--out", "d"])
        sage: try:
        ....:     _run_census(args)
        ....: except SystemExit as e:
        ....:     print("exit status", e.code)
        usage: sage-conslaw census ...
        sage-conslaw census: error: --max-depth must be at least 2 ...
        exit status 2
    """
    check_census_arguments(args.subparser, args)
    return run_census(args)


#: The subcommands: each function adds one subparser, which sets ``run`` (called with
#: the parsed arguments, returns the exit status) and ``subparser`` (for usage errors).
SUBCOMMANDS = [_add_demo, _add_count, _add_reproduce, _add_jupyter, _add_census]


def build_parser():
    r"""
    Return the argument parser of ``sage-conslaw``.

    EXAMPLES::

        sage: from sage_conslaw.cli import build_parser
        sage: parser = build_parser()
        sage: parser.prog
        'sage-conslaw'
        sage: parser.format_usage()
        'usage: sage-conslaw [-h] COMMAND ...\n'
    """
    parser = argparse.ArgumentParser(prog=PROG, description="Exact conservation laws of gradient flows: "
                                     "a demo, the count of one network, the paper's tables, the Jupyter "
                                     "kernel, censuses.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add in SUBCOMMANDS:
        add(sub)
    return parser


def main(argv=None):
    r"""
    Run the command line on ``argv`` (default ``sys.argv[1:]``); return the exit status
    (usage errors exit with status 2 before any computation; a Ctrl-C that the
    subcommand does not handle itself -- ``reproduce`` and ``census`` save and
    say what they finished -- is one line and status 130).

    A Ctrl-C cannot be made clean before this function runs: ``sage-conslaw``
    and ``python -m sage_conslaw`` import the package, hence Sage, first (about
    a second); a Ctrl-C then is Python's own (a ``KeyboardInterrupt``
    traceback, the process ended by the signal), with nothing written yet.

    EXAMPLES::

        sage: from sage_conslaw.cli import main
        sage: import contextlib, io
        sage: def run(argv):
        ....:     err = io.StringIO()
        ....:     with contextlib.redirect_stderr(err):
        ....:         try:
        ....:             status = main(argv)
        ....:         except SystemExit as e:
        ....:             status = e.code
        ....:     print(err.getvalue().strip())
        ....:     return status
        sage: run(["reproduce", "--workers", "0"])
        usage: sage-conslaw reproduce [-h] ...
        sage-conslaw reproduce: error: argument --workers: the number of processes must be an integer >= 1, got 0
        2
        sage: run(["reproduce", "--quick", "--linear", "1"])
        usage: sage-conslaw reproduce [-h] ...
        sage-conslaw reproduce: error: --quick chooses the counts itself; it cannot be combined with --linear
        2
        sage: run(["reproduce", "--out", "/proc/no_such_dir"])
        usage: sage-conslaw reproduce [-h] ...
        sage-conslaw reproduce: error: --out /proc/no_such_dir: cannot create the directory: ...
        2
        sage: run(["reproduce", "--list", "--out", "x"])
        usage: sage-conslaw reproduce [-h] ...
        sage-conslaw reproduce: error: --list only prints the sample; --out would write nothing
        2
        sage: run(["jupyter", "install", "--user", "--prefix", "x"])
        usage: sage-conslaw jupyter install [-h] [--user | --prefix DIR] [--name NAME]
        sage-conslaw jupyter install: error: argument --prefix: not allowed with argument --user
        2

    A Ctrl-C (here while ``reproduce --list`` lists a sample of 200,000, about 3 s)::

        sage: import os, signal, threading
        sage: timer = threading.Timer(0.5r, os.kill, (os.getpid(), signal.SIGINT))
        sage: timer.start(); run(["reproduce", "--list", "--linear", "100000", "--relu", "100000", "--poly", "0"])  # long time
        ...sage-conslaw reproduce: interrupted
        130
        sage: timer.join()  # long time
    """
    args = None
    try:
        args = build_parser().parse_args(argv)
        with warnings.catch_warnings():
            warnings.showwarning = _show_warning
            return args.run(args)
    except KeyboardInterrupt:    # a Ctrl-C that no subcommand handles (before its work, or in demo, count)
        print("%s: interrupted" % (PROG if args is None else "%s %s" % (PROG, args.command)), file=sys.stderr)
        return 128 + signal.SIGINT


def _show_warning(message, category, filename, lineno, file=None, line=None):
    r"""
    Print a warning on the command line as a line of its own,
    ``sage-conslaw: warning: ...``: a user of the command reads what
    happened, not a file and a line of the package.

    TESTS::

        sage: from sage_conslaw.cli import _show_warning
        sage: import contextlib, io
        sage: err = io.StringIO()
        sage: with contextlib.redirect_stderr(err):
        ....:     _show_warning(RuntimeWarning("a worker died"), RuntimeWarning, "x.py", 3)
        sage: err.getvalue()
        'sage-conslaw: warning: a worker died\n'
    """
    print("%s: warning: %s" % (PROG, message), file=sys.stderr if file is None else file)


if __name__ == "__main__":
    sys.exit(main())
