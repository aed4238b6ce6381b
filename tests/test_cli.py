"""The command line ``sage-conslaw`` checks before it computes.

Each bad argument is an argparse usage error: exit status 2, the usage line and
the reason on stderr, nothing on stdout, and -- checked in-process with the
computing functions replaced by tripwires -- no computation started.
"""
import fcntl
import os
import pty
import struct
import subprocess
import sys
import termios

import pytest

import sage_conslaw.jupyter as jupyter
import sage_conslaw.reproduction.sampling as sampling
import sage_conslaw.reproduction.tables as tables
from sage_conslaw import cli
from sage_conslaw.reproduction import PAPERS, Paper

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPT = os.path.join(os.path.dirname(sys.executable), "sage-conslaw")
ENV = dict(os.environ, PYTHONPATH=os.pathsep.join([ROOT] + [p for p in [os.environ.get("PYTHONPATH")] if p]))


def run(*args, **kwds):
    """Run ``python -m sage_conslaw ARGS`` (the working tree) and return the completed process."""
    return subprocess.run([sys.executable, "-m", "sage_conslaw"] + list(args), capture_output=True, text=True,
                          env=ENV, cwd=ROOT, timeout=600, **kwds)


@pytest.fixture
def tripwire(monkeypatch):
    """Replace every computing function of the reproduction by one that records its call."""
    calls = []

    def trip(name):
        def f(*a, **k):
            calls.append(name)
            raise AssertionError("%s was called" % name)
        return f
    for module, name in ((tables, "reproduce_tables"), (tables, "planned_tasks"), (tables, "check_lie"),
                         (tables, "check_poly"), (sampling, "sample_architectures"), (cli, "demo"),
                         (jupyter, "install")):
        monkeypatch.setattr(module, name, trip(name))
    return calls


BAD = [
    (["reproduce", "--workers", "0"], "argument --workers: the number of processes must be an integer >= 1, got 0"),
    (["reproduce", "--workers", "-3"], "argument --workers: the number of processes must be an integer >= 1, got -3"),
    (["reproduce", "--workers", "two"], "argument --workers: the number of processes must be an integer, got 'two'"),
    (["reproduce", "--linear", "-1"], "argument --linear: the number of architectures must be an integer >= 0, got -1"),
    (["reproduce", "--relu", "-2"], "argument --relu: the number of architectures must be an integer >= 0, got -2"),
    (["reproduce", "--poly", "-1"], "argument --poly: the number of architectures must be an integer >= 0, got -1"),
    (["reproduce", "--seed", "-1"], "argument --seed: the seed must be an integer in [0, 2^32 - 1]"),
    (["reproduce", "--seed", str(2**32)], "argument --seed: the seed must be an integer in [0, 2^32 - 1]"),
    (["reproduce", "--seed", "1.5"], "argument --seed: the seed must be an integer, got '1.5'"),
    (["reproduce", "--quick", "--linear", "1"], "--quick chooses the counts itself; it cannot be combined with --linear"),
    (["reproduce", "--quick", "--relu", "3", "--poly", "0"],
     "--quick chooses the counts itself; it cannot be combined with --relu, --poly"),
    (["reproduce", "--list", "--out", "results"], "--list only prints the sample; --out would write nothing"),
    (["reproduce", "--out", "/proc/sage_conslaw_x"], "--out /proc/sage_conslaw_x: cannot create the directory"),
    (["reproduce", "--paper", "nope"], "argument --paper: invalid choice: 'nope'"),
    (["jupyter", "install", "--user", "--prefix", "x"], "argument --prefix: not allowed with argument --user"),
    (["jupyter", "install", "--prefix", "/proc/x"], "cannot write the kernel under /proc/x (cannot create the directory"),
    (["jupyter"], "the following arguments are required: ACTION"),
    ([], "the following arguments are required: COMMAND"),
]


@pytest.mark.parametrize("argv,message", BAD, ids=[" ".join(a) or "(none)" for a, _ in BAD])
def test_usage_error_in_process_before_any_computation(argv, message, tripwire, capsys):
    with pytest.raises(SystemExit) as exit:
        cli.main(argv)
    assert exit.value.code == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("usage: sage-conslaw"), err
    assert message in err, err
    assert tripwire == []


@pytest.mark.parametrize("argv,message", [BAD[0], BAD[3], BAD[12]],    # the others: in-process above
                         ids=lambda x: " ".join(x) if isinstance(x, list) else "")
def test_usage_error_from_the_shell(argv, message):
    proc = run(*argv)
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == ""
    assert proc.stderr.startswith("usage: sage-conslaw"), proc.stderr
    assert "sage-conslaw %s: error: " % " ".join(argv[:1]) in proc.stderr
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr


def test_out_is_a_file(tmp_path, tripwire, capsys):
    f = tmp_path / "a_file"
    f.write_text("x")
    with pytest.raises(SystemExit) as exit:
        cli.main(["reproduce", "--out", str(f)])
    assert exit.value.code == 2
    assert "--out %s: it exists and is not a directory" % f in capsys.readouterr().err
    assert tripwire == []


def test_out_is_created_before_the_computation(tmp_path, monkeypatch, capsys):
    out = tmp_path / "new" / "results"
    seen = []

    def fake(**kwds):
        seen.append((out.is_dir(), kwds))
        return tables.ReproductionReport([], 0.0, kwds["workers"])
    monkeypatch.setattr(tables, "reproduce_tables", fake)
    assert cli.main(["reproduce", "--quick", "--out", str(out), "--workers", "1"]) == 0
    assert seen == [(True, dict(linear=5, relu=5, poly=2, seed=0, workers=1, progress=False))]
    assert sorted(os.listdir(out)) == [".lock", ".sets", "tables.csv", "tables.json", "tables.txt"]   # .lock: the lock of --out, .sets: the published generation
    assert "written: " in capsys.readouterr().out


def test_counts_of_another_paper_are_refused(monkeypatch, tripwire, capsys):
    monkeypatch.setitem(PAPERS, "toy", Paper("toy", "a toy paper", "sage_conslaw.reproduction.tables",
                                             [("nets", 3, 1, "toy networks")]))
    with pytest.raises(SystemExit) as exit:
        cli.main(["reproduce", "--nets", "2"])       # --nets belongs to 'toy', the default is 'abide'
    assert exit.value.code == 2
    err = capsys.readouterr().err
    assert "--nets is not a count of the paper 'abide' (its counts: --linear, --relu, --poly)" in err
    with pytest.raises(SystemExit):
        cli.main(["reproduce", "--paper", "toy", "--linear", "2"])
    assert "--linear is not a count of the paper 'toy' (its counts: --nets)" in capsys.readouterr().err
    assert tripwire == []


def test_explicit_counts_are_used_and_defaults_kept(monkeypatch, capsys):
    seen = []
    monkeypatch.setattr(tables, "planned_tasks", lambda **k: seen.append(k) or [])
    assert cli.main(["reproduce", "--list", "--relu", "3", "--seed", "7"]) == 0
    assert seen == [dict(linear=50, relu=3, poly=10, seed=7)]
    assert capsys.readouterr().out.startswith("# paper 'abide', seed 7: 0 architectures")


def test_list_has_a_header_and_the_paper_sample(capsys):
    assert cli.main(["reproduce", "--quick", "--list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "# paper 'abide', seed 0: 14 architectures (widths from the outputs to the inputs)"
    assert lines[1].split() == ["check", "family", "dims", "bias"]
    assert len(lines) == 2 + 14
    assert [line.split()[0] for line in lines[2:]] == ["lie"] * 10 + ["poly"] * 4
    # the degree-2 ReLU networks draw no bias coin (the released notebook)
    assert all(line.endswith(" no") for line in lines[2:] if line.startswith("poly  relu"))


@pytest.mark.parametrize("entry", ["script", "module"])
def test_program_name(entry):
    cmd = [SCRIPT] if entry == "script" else [sys.executable, "-m", "sage_conslaw"]
    if entry == "script" and not os.path.exists(SCRIPT):
        pytest.fail("the console script %s is not installed (pip install .)" % SCRIPT)
    proc = subprocess.run(cmd + ["--help"], capture_output=True, text=True, env=ENV, cwd=ROOT, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("usage: sage-conslaw [-h] COMMAND ..."), proc.stdout
    for command in ("demo", "reproduce", "jupyter"):
        assert command in proc.stdout
    proc = subprocess.run(cmd + ["reproduce", "--help"], capture_output=True, text=True, env=ENV, cwd=ROOT,
                          timeout=300)
    assert proc.stdout.startswith("usage: sage-conslaw reproduce"), proc.stdout
    assert "--paper {abide" in proc.stdout


ONE = ["reproduce", "--linear", "1", "--relu", "0", "--poly", "0", "--workers", "1"]


def test_no_progress_bar_in_a_log_file():
    proc = run(*ONE)
    assert proc.returncode == 0, proc.stderr
    assert "\r" not in proc.stderr and "architectures:" not in proc.stderr, proc.stderr
    assert "1/1 architectures: no conservation law beyond the known ones (all certified)" in proc.stdout


def stderr_on_a_terminal(argv):
    """Run ``python -m sage_conslaw ARGV`` with stderr on a pseudo-terminal of 24 x 100; return (status, stderr)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    try:
        proc = subprocess.Popen([sys.executable, "-m", "sage_conslaw"] + argv, stdout=subprocess.DEVNULL,
                                stderr=slave, env=ENV, cwd=ROOT)
        os.close(slave)
        chunks = []
        while True:
            try:
                data = os.read(master, 4096)
            except OSError:      # the terminal is closed when the process ends
                break
            if not data:
                break
            chunks.append(data)
        status = proc.wait(timeout=600)
    finally:
        os.close(master)
    return status, b"".join(chunks).decode("utf-8", "replace")


def test_progress_bar_on_a_terminal():
    status, err = stderr_on_a_terminal(ONE)
    assert status == 0
    assert "architectures: 100%" in err, err
    status, err = stderr_on_a_terminal(ONE + ["--no-progress"])     # silenced even on a terminal
    assert status == 0
    assert "architectures" not in err, err


def test_demo(capsys):
    assert cli.main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "Two-layer linear network [2, 2, 2]" in out and "number of independent laws: 3 (certified)" in out
    assert "number of independent laws: 2 (certified)" in out      # ReLU [2, 2, 2]: one law per hidden neuron


def test_jupyter_install_into_a_prefix(tmp_path):
    proc = subprocess.run([SCRIPT, "jupyter", "install", "--prefix", str(tmp_path)], capture_output=True,
                          text=True, env=ENV, cwd=ROOT, timeout=300)
    assert proc.returncode == 0, proc.stderr
    spec = tmp_path / "share" / "jupyter" / "kernels" / "sagemath" / "kernel.json"
    assert spec.exists()
    assert "Installed the Jupyter kernel 'sagemath'" in proc.stdout


@pytest.mark.parametrize("argv", [["linear", "2", "3", "2"], ["linear", "3", "2", "4", "2"], ["relu", "2", "3", "2"],
                                  ["relu", "3", "4", "2", "--bias"], ["linear", "4", "1", "3"]])
def test_count_prints_the_certified_count_of_the_model(argv, capsys):
    from sage_conslaw.architectures import LinearNetwork, ReLUNetwork
    widths = [int(a) for a in argv[1:] if a != "--bias"]
    net = LinearNetwork(widths) if argv[0] == "linear" else ReLUNetwork(widths, bias="--bias" in argv)
    res = net.lie_trace()
    assert cli.main(["count"] + argv) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == str(net)
    assert out[1].startswith("%s independent conservation law" % res.number_of_laws)
    assert ("(certified: " if res.certified else "(not certified: ") + res.reason in out[1]
    # the known laws are all the laws for these shapes (the paper's theorems): an independent check
    assert res.certified and res.number_of_laws == net.number_of_known_laws()


def test_count_refuses_bad_widths_and_loads_only_what_it_computes():
    proc = run("count", "linear", "2", "0")
    assert proc.returncode == 2 and "a width must be an integer >= 1, got 0" in proc.stderr
    proc = run("count", "linear", "2", "2", "--bias")
    assert proc.returncode == 2 and "--bias is for relu networks" in proc.stderr
    code = ("import sys; from sage_conslaw.cli import main; main(['count', 'linear', '2', '3', '2']); "
            "print(sorted(m for m in ('torch', 'sage_conslaw.architectures.attention', 'sage_conslaw.architectures.conv', "
            "'sage_conslaw.flows.train', 'dask', 'distributed') if m in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=ENV, cwd=ROOT, timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[-1] == "[]"
