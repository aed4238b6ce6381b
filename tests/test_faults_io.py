"""Faults, concurrency and hostile input at the doors: each reproducer of the
fault report, run as a user would (subprocesses with timeouts), must answer
or refuse clearly, never hang, never lose data, never follow a planted link.

The census tests start real ``dask.distributed`` clusters; the pool tests kill
real worker processes.
"""
import csv
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest

from sage_conslaw.census.journal import (JOURNAL_COLUMNS, ROW_COLUMNS, Journal, _line, digest, encode,
                                         number_of_parameters, write_table)
from sage_conslaw.census.tasks import architectures, build_model, census_row

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ENV = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
CLI = [sys.executable, "-m", "sage_conslaw"]

needs_dask = pytest.mark.skipif(__import__("importlib").util.find_spec("distributed") is None,
                                reason="the census needs dask (pip install '.[census]')")


def run(args, timeout=120, **kw):
    """Run the command line; return the CompletedProcess (text)."""
    return subprocess.run(CLI + list(args), capture_output=True, text=True, timeout=timeout, env=ENV, **kw)


def no_traceback(proc):
    assert "Traceback" not in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stdout, proc.stdout


# ---------------------------------------------------------------------------------------------
# The journal: rows read back are not trusted
# ---------------------------------------------------------------------------------------------

RANGE = ('linear', 2, 2)     # 8 networks, computed in a second without Dask (census_row is deterministic)


@pytest.fixture(scope="module")
def clean():
    """The clean rows of RANGE (encoded, with their check sums) and the canonical table."""
    keys = architectures(*RANGE)
    rows = {}
    for k in keys:
        e = encode(census_row(*k))
        e['digest'] = digest(e)
        rows[k] = e
    return keys, rows


def _journal_bytes(rows):
    header = _line({c: c for c in JOURNAL_COLUMNS}, JOURNAL_COLUMNS)
    return (header + "".join(_line(r, JOURNAL_COLUMNS) for r in rows)).encode("utf-8")


def _table(path_dir, keys, rows):
    path = os.path.join(path_dir, "census.csv")
    write_table(rows, keys, path)
    with open(path, "rb") as f:
        return f.read()


def _resume_table(tmp_path, keys, clean_rows, data):
    """Load a damaged journal, 'recompute' what it does not trust (the clean rows: census_row
    is deterministic), and return the canonical table and what was kept."""
    path = tmp_path / "rows.csv"
    path.write_bytes(data)
    J = Journal(str(path))
    kept = J.load()
    for k, r in kept.items():      # nothing damaged is ever trusted
        assert {c: r[c] for c in ROW_COLUMNS} == {c: clean_rows[k][c] for c in ROW_COLUMNS}, (k, r)
    merged = dict(kept)
    for k in keys:
        merged.setdefault(k, clean_rows[k])
    return _table(str(tmp_path), keys, merged), kept, J


def test_parameter_count_of_the_journal_agrees_with_the_models():
    for family, W, Q, bias in (('linear', 3, 3, False), ('relu', 2, 3, False), ('relu', 2, 3, True)):
        for k in architectures(family, W, Q, bias):
            assert number_of_parameters(*k) == build_model(*k).D


@pytest.mark.parametrize("damage", ["laws 9 -> 14 still certified", "NUL byte", "invalid UTF-8", "CRLF",
                                    "damaged header", "conflicting duplicates", "identical duplicates"])
def test_resumed_rows_are_not_trusted(tmp_path, clean, damage):
    keys, rows = clean
    reference = _table(str(tmp_path), keys, rows)
    lines = [_line(rows[k], JOURNAL_COLUMNS).encode() for k in keys]
    header = _line({c: c for c in JOURNAL_COLUMNS}, JOURNAL_COLUMNS).encode()
    victim = 5           # linear [1, 2, 2, ...]: a row with laws > 0
    if damage == "laws 9 -> 14 still certified":
        row = dict(rows[keys[victim]])
        row['laws'] = str(int(row['laws']) + 1)
        row['dimensions'] = '[%s]' % (int(row['D']) - int(row['laws']))
        row['match'] = 'yes' if row['laws'] == row['known'] else 'no'
        lines[victim] = _line(row, JOURNAL_COLUMNS).encode()     # consistent, but the check sum is not
    elif damage == "NUL byte":
        lines[victim] = lines[victim].replace(b"meets", b"me\x00ets")
    elif damage == "invalid UTF-8":
        lines[victim] = lines[victim].replace(b"meets", b"me\xff\xfeets")
    elif damage == "CRLF":
        lines = [line[:-1] + b"\r\n" for line in lines]
        header = header[:-1] + b"\r\n"
    elif damage == "damaged header":
        header = b"fam\x00ily,bi" + header[10:]
    elif damage == "conflicting duplicates":
        row = dict(rows[keys[victim]])
        row['reason'] = 'another reason'
        row['digest'] = digest(row)     # well-formed, and its own check sum: two versions of one network
        lines.append(_line(row, JOURNAL_COLUMNS).encode())
    elif damage == "identical duplicates":
        lines.append(lines[victim])
    table, kept, J = _resume_table(tmp_path, keys, rows, header + b"".join(lines))
    assert table == reference
    if damage in ("CRLF", "identical duplicates", "damaged header"):
        assert len(kept) == len(keys)            # nothing lost
    else:
        assert keys[victim] not in kept and J.dropped >= 1    # recomputed, not copied


def _damage(rng, data):
    """One random damage of a journal (bytes)."""
    lines = data.splitlines(keepends=True)
    kind = rng.randrange(12)
    i = rng.randrange(len(lines))
    line = bytearray(lines[i])
    if kind == 0 and len(line) > 1:                            # flip a byte
        j = rng.randrange(len(line) - 1)
        line[j] = rng.randrange(256)
        lines[i] = bytes(line)
    elif kind == 1:                                             # a NUL byte
        j = rng.randrange(len(line))
        lines[i] = bytes(line[:j]) + b"\x00" + bytes(line[j:])
    elif kind == 2:                                             # invalid UTF-8
        j = rng.randrange(len(line))
        lines[i] = bytes(line[:j]) + bytes([0xc3, 0x28]) + bytes(line[j:])
    elif kind == 3:                                             # CRLF
        lines[i] = lines[i].replace(b"\n", b"\r\n")
    elif kind == 4:                                             # a line cut
        lines[i] = bytes(line[:rng.randrange(len(line))])
    elif kind == 5:                                             # a line duplicated
        lines.insert(rng.randrange(len(lines) + 1), lines[i])
    elif kind == 6:                                             # a line deleted
        del lines[i]
    elif kind == 7:                                             # a digit changed in a field
        digits = [j for j, b in enumerate(line) if 48 <= b <= 57]
        if digits:
            j = rng.choice(digits)
            line[j] = 48 + (line[j] - 48 + rng.randrange(1, 10)) % 10
            lines[i] = bytes(line)
    elif kind == 8:                                             # yes <-> no
        lines[i] = lines[i].replace(b",yes,", b",no,", 1) if rng.random() < 0.5 else lines[i].replace(b",no,", b",yes,", 1)
    elif kind == 9:                                             # two lines swapped
        j = rng.randrange(len(lines))
        lines[i], lines[j] = lines[j], lines[i]
    elif kind == 10:                                            # a field deleted
        fields = lines[i].split(b",")
        if len(fields) > 1:
            del fields[rng.randrange(len(fields))]
        lines[i] = b",".join(fields)
    else:                                                       # random garbage line
        lines.insert(i, bytes(rng.randrange(256) for _ in range(rng.randrange(1, 80))) + b"\n")
    return b"".join(lines)


def test_property_random_damaged_journals_give_the_canonical_table(tmp_path, clean):
    """600 journals with 1 to 4 random damages each: the table after resuming is the
    table of an undamaged census, and no damaged row is trusted (checked in _resume_table)."""
    keys, rows = clean
    reference = _table(str(tmp_path), keys, rows)
    data = _journal_bytes([rows[k] for k in keys])
    for seed in range(600):
        rng = random.Random(seed)
        damaged = data
        for _ in range(rng.randint(1, 4)):
            damaged = _damage(rng, damaged)
        d = tmp_path / str(seed)
        d.mkdir()
        try:
            table, kept, J = _resume_table(d, keys, rows, damaged)
        except ValueError as e:      # only a file that is no journal at all is refused
            assert "is not a census journal" in str(e), (seed, e)
            assert not damaged.startswith(b"family,"), seed
            continue
        assert table == reference, seed
        # the file was rewritten clean: loading it again keeps the same rows and drops nothing
        again = Journal(str(d / "rows.csv"))
        assert again.load() == kept and again.dropped == 0, seed


# ---------------------------------------------------------------------------------------------
# The census at the command line
# ---------------------------------------------------------------------------------------------

CENSUS = ["census", "--family", "linear", "--max-width", "2", "--max-depth", "2", "--no-progress"]


@needs_dask
def test_two_censuses_on_one_out_the_second_is_refused(tmp_path):
    out = str(tmp_path / "out")
    first = subprocess.Popen(CLI + CENSUS + ["--out", out, "--workers", "1", "--delay", "1"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV)
    try:
        deadline = time.time() + 120
        while not os.path.exists(os.path.join(out, "rows.csv")) and time.time() < deadline:
            time.sleep(0.2)
        second = run(CENSUS + ["--out", out, "--workers", "1"], timeout=120)
        assert second.returncode == 1
        assert "another run (process %s) is writing into" % first.pid in second.stderr
        no_traceback(second)
        assert first.wait(timeout=300) == 0, first.stderr.read()
    finally:
        first.kill()
        first.wait()
    with open(os.path.join(out, "census.csv")) as f:
        assert len(list(csv.DictReader(f))) == 8
    assert json.load(open(os.path.join(out, "summary.json")))["networks"] == 8


@needs_dask
def test_census_resumes_a_damaged_journal_end_to_end(tmp_path, clean):
    keys, rows = clean
    reference = _table(str(tmp_path), keys, rows)
    out = tmp_path / "out"
    out.mkdir()
    data = _journal_bytes([rows[k] for k in keys])
    lines = data.splitlines(keepends=True)
    lines[3] = lines[3].replace(b"meets", b"me\x00ets")
    lines[4] = lines[4].replace(b"meets", b"m\xffeets")
    lines[5] = lines[5].replace(b"\n", b"\r\n")
    (out / "rows.csv").write_bytes(b"".join(lines))
    proc = run(CENSUS + ["--out", str(out), "--workers", "1"], timeout=300)
    assert proc.returncode == 0, proc.stderr
    no_traceback(proc)
    assert "2 lines of" in proc.stderr and "computed again" in proc.stderr
    assert (out / "census.csv").read_bytes() == reference


@needs_dask
def test_a_network_that_kills_its_worker_is_a_failed_row_and_the_census_goes_on(tmp_path):
    out = tmp_path / "out"
    proc = run(CENSUS + ["--out", str(out), "--workers", "1", "--crash", "linear:1x2x1"], timeout=600)
    # (the crashed helper's own crash report, from cysignals, is on stderr: a real segmentation fault)
    assert proc.returncode == 0, proc.stderr
    assert "1 network failed" in proc.stderr
    with open(out / "census.csv") as f:
        table = {r['dims']: r for r in csv.DictReader(f)}
    assert len(table) == 8
    bad = table['[1, 2, 1]']
    assert bad['certified'] == 'no' and bad['laws'] == '' and "worker died on every try" in bad['reason']
    assert all(r['certified'] == 'yes' for d, r in table.items() if d != '[1, 2, 1]')


def test_hangs_before_refusal_are_refused_at_once(tmp_path):
    for args in (["census", "--family", "linear", "--max-width", "1", "--max-depth", "1000000"],
                 ["census", "--family", "linear", "--max-width", "1000", "--max-depth", "1000"],
                 ["census", "--family", "relu", "--max-width", "1000000000", "--max-depth", "1000000000"]):
        t0 = time.time()
        proc = run(args + ["--out", str(tmp_path / "never")], timeout=60)
        assert proc.returncode == 2 and time.time() - t0 < 30
        assert "MAX_CENSUS" in proc.stderr
        assert not re.search(r"[0-9]{12}", proc.stderr), proc.stderr    # "more than 1000000", no 3,004 digits
        no_traceback(proc)
    assert not os.path.exists(tmp_path / "never")
    t0 = time.time()
    proc = run(["reproduce", "--list", "--linear", "100000000"], timeout=60)
    assert proc.returncode == 2 and time.time() - t0 < 30
    assert "MAX_SAMPLE" in proc.stderr
    no_traceback(proc)


@needs_dask
def test_census_errors_are_one_clear_line(tmp_path):
    # an output that cannot be created
    proc = run(CENSUS + ["--out", "/proc/x"])
    assert proc.returncode == 2 and "--out /proc/x: cannot create the directory" in proc.stderr
    no_traceback(proc)
    # not a scheduler address
    proc = run(CENSUS + ["--out", str(tmp_path / "a"), "--scheduler", "http://example.org"])
    assert proc.returncode == 2 and "is not a Dask scheduler address" in proc.stderr
    # nobody there
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    t0 = time.time()
    proc = run(CENSUS + ["--out", str(tmp_path / "b"), "--scheduler", "tcp://127.0.0.1:%s" % port])
    assert proc.returncode == 1 and "cannot reach the Dask scheduler" in proc.stderr and time.time() - t0 < 60
    no_traceback(proc)
    # a server that is not Dask (an SSH banner read as a length asks Dask for exabytes)
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]

    def serve():
        for _ in range(3):
            try:
                conn, _ = server.accept()
            except OSError:
                return
            conn.sendall(b"SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13\r\n")
            time.sleep(0.5)
            conn.close()
    t = threading.Thread(target=serve, daemon=True)
    t.start()
    proc = run(CENSUS + ["--out", str(tmp_path / "c"), "--scheduler", "tcp://127.0.0.1:%s" % port])
    server.close()
    assert proc.returncode == 1 and "is not a Dask scheduler" in proc.stderr, proc.stderr
    no_traceback(proc)


@needs_dask
def test_census_disk_full_leaves_no_temporary_file(tmp_path):
    """A file size limit (what a full disk does to a write) hit while writing the journal."""
    out = tmp_path / "out"
    code = ("import resource, signal, sys; signal.signal(signal.SIGXFSZ, signal.SIG_IGN); "
            "resource.setrlimit(resource.RLIMIT_FSIZE, (1500, 1500)); "
            "from sage_conslaw.cli import main; sys.exit(main(sys.argv[1:]))")
    proc = subprocess.run([sys.executable, "-c", code] + CENSUS + ["--out", str(out), "--workers", "1"],
                          capture_output=True, text=True, timeout=300, env=ENV)
    no_traceback(proc)
    assert proc.returncode == 1 and "cannot write into" in proc.stderr, proc.stderr
    assert not [f for f in os.listdir(out) if f.endswith(".tmp")]
    kept = Journal(str(out / "rows.csv")).load()           # the rows written are kept, and resume
    proc = run(CENSUS + ["--out", str(out), "--workers", "1"], timeout=300)
    assert proc.returncode == 0 and "computed %s rows" % (8 - len(kept)) in proc.stdout


@needs_dask
def test_scheduler_dying_mid_run_is_one_line_and_keeps_the_rows(tmp_path):
    bindir = os.path.dirname(sys.executable)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    address = "tcp://127.0.0.1:%s" % port
    sched = subprocess.Popen([os.path.join(bindir, "dask"), "scheduler", "--host", "127.0.0.1", "--port", str(port),
                              "--dashboard-address", "127.0.0.1:0"], env=ENV, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    worker = subprocess.Popen([os.path.join(bindir, "dask"), "worker", address, "--nthreads", "1", "--nworkers", "1",
                               "--no-dashboard"], env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    out = tmp_path / "out"
    try:
        census = subprocess.Popen(CLI + CENSUS + ["--out", str(out), "--scheduler", address, "--delay", "1.5"],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV)
        deadline = time.time() + 180
        while time.time() < deadline:
            try:       # read only: loading a Journal would rewrite the file under the census
                if (out / "rows.csv").read_bytes().count(b"\n") >= 3 or census.poll() is not None:
                    break
            except OSError:
                pass
            time.sleep(0.5)
        sched.kill()
        stdout, stderr = census.communicate(timeout=120)
    finally:
        for p in (sched, worker):
            p.kill()
            p.wait()
    assert census.returncode == 1, stderr
    assert "went away" in stderr and "run the same command again to resume" in stderr
    assert "Traceback" not in stderr
    with open(out / "census.csv") as f:
        assert len(list(csv.DictReader(f))) >= 2


@needs_dask
def test_local_dashboard_listens_on_localhost_only():
    from sage_conslaw.census.run import connect
    client, cluster = connect(workers=1)
    try:
        assert cluster.dashboard_link.startswith("http://127.0.0.1:")
        assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
    finally:
        client.close()
        cluster.close()


def test_census_without_dask_names_the_extra_and_writes_nothing(tmp_path):
    code = ("import sys; sys.modules['distributed'] = None; "        # as if dask were not installed
            "from sage_conslaw.cli import main; sys.exit(main(sys.argv[1:]))")
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-c", code] + CENSUS + ["--out", str(out)],
                          capture_output=True, text=True, timeout=120, env=ENV)
    assert proc.returncode == 2 and "pip install '.[census]'" in proc.stderr
    no_traceback(proc)
    assert not os.path.exists(out)


@needs_dask
def test_census_workers_are_capped_and_said_so(tmp_path):
    proc = run(["census", "--family", "linear", "--max-width", "1", "--max-depth", "3", "--no-progress",
                "--workers", "100000", "--out", str(tmp_path / "o")], timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "100000 workers asked; 2 used (the networks left to compute)" in proc.stderr or \
        "100000 workers asked; %s used" % os.cpu_count() in proc.stderr


# ---------------------------------------------------------------------------------------------
# reproduce
# ---------------------------------------------------------------------------------------------

def _children(pid):
    try:
        with open("/proc/%s/task/%s/children" % (pid, pid)) as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return []


def test_reproduce_does_not_follow_planted_links_and_writes_a_consistent_set(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    target = tmp_path / "precious"
    target.write_text("precious")
    for name in ("tables.csv", "tables.json", "tables.txt"):
        os.symlink(target, out / name)
    proc = run(["reproduce", "--linear", "2", "--relu", "1", "--poly", "0", "--workers", "1", "--out", str(out)])
    assert proc.returncode == 0, proc.stderr
    assert target.read_text() == "precious"
    # each name is now the fixed link into the published generation, not the planted one
    assert all(os.readlink(out / n) == os.path.join(".sets", "tables", n) for n in ("tables.csv", "tables.json",
                                                                                   "tables.txt"))
    rows = json.load(open(out / "tables.json"))["rows"]
    with open(out / "tables.csv") as f:
        assert [r['dims'] for r in csv.DictReader(f)] == [str(r['dims']) for r in rows]


NAMES = ("tables.csv", "tables.json", "tables.txt")


def _one_set(out):
    """The contents of the three files, asserting they are all there and of one run (json rows =
    csv rows, the text table has the json's summary and rows)."""
    data = json.load(open(out / "tables.json"))
    with open(out / "tables.csv") as f:
        csv_dims = [r['dims'] for r in csv.DictReader(f)]
    txt = (out / "tables.txt").read_text()
    assert csv_dims == [str(r['dims']) for r in data["rows"]]
    assert data["summary"] in txt
    assert all(str(r['dims']) in txt for r in data["rows"])
    return data


def test_reproduce_killed_never_leaves_a_mixed_set(tmp_path):
    """Kill reproduce at random moments (computing or saving): the three files are always those of
    one run.  The invariant does not depend on when the kill lands (the set is switched by one
    rename), so the test is deterministic whatever the load."""
    out = tmp_path / "out"
    rng = random.Random(1)
    base = ["reproduce", "--linear", "3", "--relu", "2", "--poly", "0", "--workers", "1", "--out", str(out)]
    assert run(base + ["--seed", "0"], timeout=600).returncode == 0
    for seed in (1, 2, 3, 4):
        p = subprocess.Popen(CLI + base + ["--seed", str(seed)], env=ENV, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(1.0, 6.0))
        p.kill()
        p.wait()
        _one_set(out)


#: A child that publishes two sets, A and B, alternately as fast as it can; it imports files.py by
#: its path (standard library only), so that it starts in milliseconds and the kills land in
#: publish_set itself.
_PUBLISHER = """
import importlib.util, sys
spec = importlib.util.spec_from_file_location("files", sys.argv[1])
files = importlib.util.module_from_spec(spec); spec.loader.exec_module(files)
sets = [{n: "A " + n for n in %r}, {n: "B " + n for n in %r}]
print("ready", flush=True)
i = 0
while True:
    files.publish_set(sys.argv[2], "tables", sets[i %% 2]); i += 1
    print(i, flush=True)
""" % (NAMES, NAMES)


def test_publish_set_killed_at_random_instants_leaves_one_complete_set(tmp_path):
    """Property: SIGKILL at 60 random instants of a process publishing sets A and B in a loop (the
    first publication of half the trials migrates an older layout of regular files): every name is
    there and all three are of A or all of B; the next publication removes what the kill left.
    The kill comes a random 0-3 ms after the k-th publication (k random), so it lands at varied
    steps of the next one; the invariant holds whatever the timing (no assertion on where it landed)."""
    spec = __import__("importlib.util").util.spec_from_file_location(
        "files_under_test", os.path.join(ROOT, "sage_conslaw", "files.py"))
    files = __import__("importlib.util").util.module_from_spec(spec)
    spec.loader.exec_module(files)
    rng = random.Random(21)
    for trial in range(60):
        out = tmp_path / ("t%s" % trial)
        out.mkdir()
        if trial % 2:           # an older layout: regular files of set A
            for n in NAMES:
                (out / n).write_text("A " + n)
        else:
            files.publish_set(str(out), "tables", {n: "A " + n for n in NAMES})
        p = subprocess.Popen([sys.executable, "-c", _PUBLISHER, os.path.join(ROOT, "sage_conslaw", "files.py"),
                              str(out)], stdout=subprocess.PIPE, text=True)
        assert p.stdout.readline().strip() == "ready"
        for _ in range(rng.randint(0, 3)):
            assert p.stdout.readline().strip()
        time.sleep(rng.uniform(0, 0.003))
        p.kill()
        p.wait()
        p.stdout.close()
        contents = [(out / n).read_text() for n in NAMES]
        tags = {c.split()[0] for c in contents}
        assert len(tags) == 1, contents
        tag = tags.pop()
        assert contents == ["%s %s" % (tag, n) for n in NAMES], contents
        files.publish_set(str(out), "tables", {n: "C " + n for n in NAMES})
        assert [(out / n).read_text() for n in NAMES] == ["C " + n for n in NAMES]
        assert sorted(os.listdir(out / ".sets"))[0] == "tables" and len(os.listdir(out / ".sets")) == 2
        assert not [f for f in os.listdir(out) if f.endswith(".tmp")]


# ---------------------------------------------------------------------------------------------
# A read-only --out, tried as an unprivileged user (root writes through any mode)
# ---------------------------------------------------------------------------------------------

#: Run as the user nobody, keeping only CAP_DAC_READ_SEARCH (read any file, write none that the
#: modes refuse): the interpreter of this environment may live where nobody cannot read.
AS_NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=+dac_read_search",
             "--ambient-caps=+dac_read_search"]


def _nobody_available():
    """Why the tests as nobody cannot run here, or None."""
    if os.geteuid() != 0:
        return "not root: the modes already bind this user (the tests need root to become nobody)"
    if not __import__("shutil").which("setpriv"):
        return "setpriv (util-linux) is not installed"
    probe = subprocess.run(AS_NOBODY + [sys.executable, "-c", "import os; print(os.getuid())"],
                           capture_output=True, text=True, timeout=60)
    if probe.returncode != 0 or probe.stdout.strip() != "65534":
        return "setpriv cannot drop to nobody here: %s" % probe.stderr.strip()[:200]
    return None


def run_as_nobody(args, timeout=300):
    """Run the command line as nobody; return the CompletedProcess (text).  The working directory
    is ``/`` (readable by nobody): ``python -m`` puts it first on ``sys.path``, and a shared
    directory such as ``/tmp`` may hold a script named like a module of the standard library
    (a ``/tmp/nt.py`` broke ``import pathlib``)."""
    return subprocess.run(AS_NOBODY + ["env", "HOME=/tmp"] + CLI + list(args), capture_output=True, text=True,
                          timeout=timeout, env=ENV, cwd="/")


def _snapshot(directory):
    """Every entry of a directory tree: its kind and, for a file or a link, its content or target."""
    snap = {}
    for root, dirs, names in os.walk(directory):
        for n in dirs + names:
            p = os.path.join(root, n)
            rel = os.path.relpath(p, directory)
            if os.path.islink(p):
                snap[rel] = ("link", os.readlink(p))
            elif os.path.isdir(p):
                snap[rel] = ("dir", None)
            else:
                snap[rel] = ("file", open(p, "rb").read())
    return snap


def _one_error_line(proc):
    no_traceback(proc)
    assert proc.returncode != 0, proc.stdout
    errors = [line for line in proc.stderr.splitlines() if "error" in line]
    assert len(errors) == 1, proc.stderr
    return errors[0]


@pytest.fixture(scope="module")
def as_nobody():
    why = _nobody_available()
    if why:
        pytest.skip(why)


def _hostile_outs(tmp_path, previous):
    """The --out values a user may give that cannot be written, with the error each must say; a
    read-only directory holding ``previous`` (a complete earlier output) is the first."""
    ro_parent = tmp_path / "ro_parent"
    ro_parent.mkdir()
    os.chmod(ro_parent, 0o555)
    a_file = tmp_path / "a_file"
    a_file.write_text("precious")
    os.chmod(previous, 0o555)
    return [(previous, "the directory is not writable: Permission denied"),
            (ro_parent / "new", "cannot create the directory: Permission denied"),
            (a_file, "exists and is not a directory"),
            ("/proc/x", "cannot create the directory"),
            (a_file / "sub", "cannot create the directory")]


def test_reproduce_read_only_out_as_nobody(tmp_path, as_nobody):
    out = tmp_path / "out"
    base = ["reproduce", "--linear", "1", "--relu", "0", "--poly", "0", "--workers", "1"]
    assert run(base + ["--out", str(out)]).returncode == 0
    before = _snapshot(out)
    for target, said in _hostile_outs(tmp_path, out):
        proc = run_as_nobody(base + ["--out", str(target)])
        line = _one_error_line(proc)
        assert proc.returncode == 2 and said in line, (target, proc.stderr)
    assert _snapshot(out) == before and (tmp_path / "a_file").read_text() == "precious"
    # a writable directory whose earlier files (the lock, the generations) belong to another user:
    # refused before computing, one line, nothing lost
    os.chmod(out, 0o777)
    t0 = time.time()
    proc = run_as_nobody(base + ["--out", str(out)])
    line = _one_error_line(proc)
    assert proc.returncode == 1 and "cannot write into" in line and "unchanged" in line, proc.stderr
    assert _snapshot(out) == before and time.time() - t0 < 120
    _one_set(out)
    assert not (tmp_path / "ro_parent" / "new").exists()


@needs_dask
def test_census_read_only_out_as_nobody(tmp_path, as_nobody):
    out = tmp_path / "out"
    assert run(CENSUS + ["--out", str(out), "--workers", "1"], timeout=300).returncode == 0
    before = _snapshot(out)
    for target, said in _hostile_outs(tmp_path, out):
        proc = run_as_nobody(CENSUS + ["--out", str(target), "--workers", "1"])
        line = _one_error_line(proc)
        assert proc.returncode == 2 and said in line, (target, proc.stderr)
    assert _snapshot(out) == before and (tmp_path / "a_file").read_text() == "precious"
    # writable directory, files of another user: one line, the journal kept as it was
    os.chmod(out, 0o777)
    proc = run_as_nobody(CENSUS[:-2] + ["3", "--no-progress", "--out", str(out), "--workers", "1"])
    line = _one_error_line(proc)
    assert proc.returncode == 1 and "cannot write into" in line, proc.stderr
    assert _snapshot(out) == before


def test_reproduce_ctrl_c_to_the_group_stops_and_keeps_the_finished_rows(tmp_path):
    out = tmp_path / "out"
    p = subprocess.Popen(CLI + ["reproduce", "--paper", "momentum", "--released", "200", "--ours", "200", "--workers", "2",
                                "--out", str(out)], env=ENV,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        deadline = time.time() + 60
        while len(_children(p.pid)) < 2 and time.time() < deadline:
            time.sleep(0.1)
        time.sleep(2)      # the pool is at work: some rows are finished, most not (the run takes ~20 s of work)
        os.killpg(p.pid, signal.SIGINT)              # a terminal's Ctrl-C: the whole group
        stdout, stderr = p.communicate(timeout=60)
    finally:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
    assert p.returncode == 130, stderr
    assert "interrupted" in stderr and "finished rows are saved" in stderr
    no_traceback(subprocess.CompletedProcess([], 130, stdout, stderr))
    data = json.load(open(out / "tables.json"))
    assert data["complete"] is False and 0 < len(data["rows"]) < data["planned"]
    assert "INCOMPLETE" in (out / "tables.txt").read_text()


def test_reproduce_survives_a_killed_pool_worker(tmp_path):
    out = tmp_path / "out"
    # the whole run takes about a second of work: to kill a worker while tasks are surely left, the
    # parent is stopped (SIGSTOP: it can hand out no more task) once its two workers exist, one worker
    # is killed, and the parent goes on (SIGCONT) to find its pool broken
    p = subprocess.Popen(CLI + ["reproduce", "--linear", "150", "--relu", "150", "--poly", "8", "--workers", "2",
                                "--out", str(out)], env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
    try:
        deadline = time.time() + 120
        killed = False
        while time.time() < deadline and p.poll() is None and not killed:
            if len(_children(p.pid)) >= 2:
                os.kill(p.pid, signal.SIGSTOP)
                try:
                    kids = _children(p.pid)
                    if len(kids) >= 2:
                        os.kill(kids[0], signal.SIGKILL)   # the memory killer, or a crash in a library
                        killed = True
                finally:
                    os.kill(p.pid, signal.SIGCONT)
            time.sleep(0.01)
        stdout, stderr = p.communicate(timeout=600)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    assert killed
    assert p.returncode == 0, stderr
    assert "316/316 architectures" in stdout
    assert "sage-conslaw: warning: a worker process died" in stderr and "run again in a new pool" in stderr
    assert "Traceback" not in stderr and "tables.py" not in stderr


def test_reproduce_workers_are_capped_and_said_so():
    proc = run(["reproduce", "--linear", "2", "--relu", "1", "--poly", "0", "--workers", "100000"])
    assert proc.returncode == 0, proc.stderr
    n = min(os.cpu_count(), 3)
    assert "100000 workers asked; %s used" % n in proc.stderr
    assert "with %s worker" % n in proc.stdout


def test_reproduce_pool_names_a_task_that_kills_its_worker():
    from sage_conslaw.reproduction.tables import WorkerDied, run_tasks
    with pytest.raises(WorkerDied, match=r"task 2 of 3 \(0\) died every time") as info:
        run_tasks(_exit_on_zero, [-1, 0, -1], workers=2)
    assert info.value.rows == [1, 1]        # the others are finished


def _exit_on_zero(x):
    if x == 0:
        os._exit(3)
    return abs(x)


# ---------------------------------------------------------------------------------------------
# jupyter install
# ---------------------------------------------------------------------------------------------

def test_jupyter_install_refuses_empty_prefix_and_path_names(tmp_path):
    proc = run(["jupyter", "install", "--prefix", ""])
    assert proc.returncode == 2 and "--prefix is empty" in proc.stderr
    proc = run(["jupyter", "install", "--prefix", str(tmp_path), "--name", "../../evil"])
    assert proc.returncode == 2 and "is not a name" in proc.stderr
    no_traceback(proc)
    assert not os.path.exists(tmp_path / "share" / "evil") and not os.path.exists(tmp_path.parent / "evil")
    proc = run(["jupyter", "install", "--prefix", str(tmp_path), "--name", "MyKernel"])
    assert proc.returncode == 0 and "lower case: 'MyKernel' is 'mykernel'" in proc.stdout
    path = tmp_path / "share" / "jupyter" / "kernels" / "mykernel"
    assert os.stat(path).st_mode & 0o777 == 0o755
    assert os.stat(path / "kernel.json").st_mode & 0o777 == 0o644


# ---------------------------------------------------------------------------------------------
# Plots, the Sage namespace, the documentation's Makefile
# ---------------------------------------------------------------------------------------------

def test_a_bare_plot_is_a_picture_with_unambiguous_legends():
    import matplotlib
    matplotlib.use("Agg")
    from sage_conslaw.architectures import LinearNetwork
    from sage_conslaw.flows import train
    traj = train(LinearNetwork([2, 3, 2]), method='gd', eta=0.05, steps=20)
    fig = traj.plot()
    assert fig._repr_png_().startswith(b"\x89PNG")          # what a notebook shows for a bare `traj.plot()`
    labels = fig.axes[1].get_legend_handles_labels()[1]
    assert len(set(labels)) == len(labels)
    for label in labels:
        k, law = label.split(": ", 1)
        full = str(traj.law_polynomials[int(k[2:])])
        assert full.startswith(law.rstrip("\u2026")) and (law == full or law.endswith("\u2026"))
    assert any(label.endswith("\u2026") for label in labels)    # these laws are longer than the legend


def test_drift_plot_labels_are_inside_the_figure():
    torch = pytest.importorskip("torch")
    from sage_conslaw.torch import LawMonitor, plot_drift
    m = LawMonitor(torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2)))
    m()
    m()
    fig = m.plot()
    assert fig._repr_png_().startswith(b"\x89PNG")          # a figure, shown inline, not Axes
    ax = plot_drift({'SGD': m})
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    renderer = FigureCanvasAgg(ax.figure).get_renderer()
    ax.figure.draw(renderer)
    box = ax.figure.bbox
    for label in (ax.xaxis.label, ax.yaxis.label):
        extent = label.get_window_extent(renderer)
        assert box.x0 <= extent.x0 and extent.x1 <= box.x1 and box.y0 <= extent.y0 and extent.y1 <= box.y1


def test_sage_namespace_has_no_deprecated_aliases():
    import warnings
    import sage_conslaw.all as namespace
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for name in ("trace", "verbose", "Profiler", "banner", "installed_packages", "is_package_installed",
                     "package_versions", "runsnake", "set_edit_template"):
            assert callable(getattr(namespace, name)) or getattr(namespace, name) is not None
    # the symbolic ring: there with its wheel, else the module says why
    if __import__("importlib").util.find_spec("sage.all__sagemath_symbolics") is None:
        assert "passagemath-symbolics" in namespace.__doc__
    else:
        assert all(hasattr(namespace, n) for n in ("var", "SR", "pi", "solve"))


def test_doc_makefile_uses_a_given_python():
    proc = subprocess.run(["make", "-n", "-C", os.path.join(ROOT, "doc"), "html", "PYTHON=/opt/x/bin/python"],
                          capture_output=True, text=True, timeout=60)
    assert "/opt/x/bin/python -m sphinx" in proc.stdout


# ---------------------------------------------------------------------------------------------
# A second Ctrl-C (or SIGTERM) while reproduce saves its finished rows waits for the save
# ---------------------------------------------------------------------------------------------

#: A momentum run of ~100 quick checks: a few seconds of computation after the start-up.
_MOMENTUM = ["reproduce", "--paper", "momentum", "--released", "8", "--ours", "8"]


def _lock_owner(out):
    """The process id written in ``out/.lock`` by the run holding it ('' before)."""
    try:
        return (out / ".lock").read_text().strip()
    except OSError:
        return ""


def _readable_set(out):
    """The three files of ``out`` read as a user reads them: all there, and of one run (the JSON's
    rows are the CSV's, the text holds the JSON's summary); return the JSON."""
    data = json.load(open(out / "tables.json"))
    with open(out / "tables.csv") as f:
        csv_rows = list(csv.DictReader(f))
    assert [(r["check"], r["model"]) for r in csv_rows] == [(r["check"], r["model"]) for r in data["rows"]]
    assert data["summary"] in (out / "tables.txt").read_text()
    assert data["complete"] == (len(data["rows"]) == data["planned"])
    return data


def _interrupt_twice(out, workers, first, second, via_timeout=False, seed=1):
    """Start reproduce in a process group of its own; once it has locked ``out`` (a new process id
    in ``.lock``: it computes from then on), wait ``first`` s and send SIGINT to the group, then
    ``second`` s later another one.  ``via_timeout``: under ``timeout 120``, one SIGINT to the
    group, which ``timeout`` forwards: Python receives two at once (the reproducer as measured)."""
    before = _lock_owner(out)
    argv = CLI + _MOMENTUM + ["--workers", str(workers), "--seed", str(seed), "--out", str(out)]
    p = subprocess.Popen((["timeout", "120"] if via_timeout else []) + argv, env=ENV, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        deadline = time.time() + 120
        while _lock_owner(out) in ("", before) and p.poll() is None and time.time() < deadline:
            time.sleep(0.01)
        time.sleep(first)
        os.killpg(p.pid, signal.SIGINT)
        if not via_timeout:
            time.sleep(second)
            try:
                os.killpg(p.pid, signal.SIGINT)
            except ProcessLookupError:       # already done: the second came too late to matter
                pass
        stdout, stderr = p.communicate(timeout=120)
    finally:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
    return p.returncode, stdout, stderr


def test_reproduce_second_interrupt_while_saving_waits_for_the_save(tmp_path):
    """Two SIGINTs to the process group (a terminal's double Ctrl-C; ``timeout`` forwarding one) at
    several moments -- both at once, a few milliseconds apart while the finished rows are saved,
    with 1 and 2 workers, near the end of the computation when the complete tables are saved --
    and the invariant every time: exit status 130 (or 0 when the run had finished, or the end by
    the signal itself when it lands as the finished process exits: a shell's 130), one clear line
    and no traceback, and ``--out`` holds one complete set of the three files, the old one or the
    new one with exactly the rows the message counts, published to the end (no generation or
    temporary file left over), never only ``.lock``."""
    old = tmp_path / "old"
    t0 = time.time()
    assert run(_MOMENTUM + ["--workers", "1", "--seed", "0", "--out", str(old)]).returncode == 0
    whole = time.time() - t0                     # start-up included: late trials land near the final save
    old_data = _readable_set(old)
    trials = [(1, 0.3, 0.0, False), (1, 0.5, 0.002, False), (1, 0.8, 0.02, False), (1, 0.5, 0.0, True),
              (2, 1.0, 0.0, False), (2, 1.0, 0.01, False), (2, 0.5, 0.0, True),
              (1, 0.6 * whole, 0.005, False), (1, 0.8 * whole, 0.0, True)]
    for n, (workers, first, second, via_timeout) in enumerate(trials):
        out = tmp_path / ("t%s" % n)
        if n:
            shutil.copytree(old, out, symlinks=True)
        else:
            out.mkdir()
        status, stdout, stderr = _interrupt_twice(out, workers, first, second, via_timeout)
        trial = "trial %s %s: status %s\n%s" % (n, (workers, first, second, via_timeout), status, stderr)
        # -SIGINT: a signal landing after the command's block, once everything was saved and the
        # previous handlers were back (the process ending), ends it by the signal, silently: what a
        # shell reports as 130; the run had finished, so the new complete set must be there
        assert status in (0, 130, -signal.SIGINT), trial
        no_traceback(subprocess.CompletedProcess([], status, stdout, stderr))
        assert sorted(os.listdir(out)) == [".lock", ".sets", "tables.csv", "tables.json", "tables.txt"], trial
        assert len(os.listdir(out / ".sets")) == 2, trial           # the link and its one generation
        data = _readable_set(out)
        if status in (0, -signal.SIGINT):
            assert data["complete"] and data != old_data, trial
            continue
        lines = [line for line in stderr.splitlines() if "reproduce:" in line]
        assert len(lines) == 1 and "interrupted" in lines[0], trial
        saved = re.search(r"the (\d+) finished rows are saved in", lines[0])
        if saved:
            assert len(data["rows"]) == int(saved.group(1)) and data != old_data, trial
        else:
            assert "before any row was finished" in lines[0] and data == old_data, trial


def _session_pids(sid):
    """The processes still alive in session ``sid`` (a census started with ``start_new_session``:
    its client, Dask's scheduler, nannies and workers, the workers' helpers), zombies excluded."""
    pids = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % name) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z" and int(fields[3]) == sid:       # state, ppid, pgrp, session
            pids.append(int(name))
    return pids


@needs_dask
def test_census_ctrl_c_to_the_group_one_line_from_every_process(tmp_path):
    """A terminal's Ctrl-C (SIGINT to the whole process group: the client, Dask's nannies and
    workers, and the workers' helper processes) once rows are being computed: exit status 130, one
    line from the package, no traceback from any process, the finished rows kept, and no process of
    the census left 10 s later."""
    out = tmp_path / "out"
    rows = out / "rows.csv"

    def stage(p):
        return {"rows": len(rows.read_text().splitlines()) if rows.exists() else 0}
    # header + 2 rows: at work
    status, stdout, stderr, reached, left = _interrupt_when(
        CLI + CENSUS + ["--out", str(out), "--workers", "2", "--delay", "0.5"], lambda s: s["rows"] > 2, 0.0,
        stage)
    assert reached, stderr
    assert status == 130, stderr
    no_traceback(subprocess.CompletedProcess([], 130, stdout, stderr))
    lines = [line for line in stderr.splitlines() if line.strip()]
    kept = re.fullmatch(r"sage-conslaw census: interrupted; the (\d+) finished rows are kept in (.*): run the "
                        r"same command again to resume", lines[0])
    assert len(lines) == 1 and kept and kept.group(2) == str(rows), stderr
    journal = rows.read_text().splitlines()
    assert journal[0].split(",") == JOURNAL_COLUMNS and len(journal) > 2
    assert len(journal) - 1 == int(kept.group(1)), (journal, stderr)
    assert all(len(next(csv.reader([line]))) == len(JOURNAL_COLUMNS) for line in journal[1:]), journal
    assert not left, left


# ---------------------------------------------------------------------------------------------
# Ctrl-C during the start-up of census and reproduce (a cluster, a pool, helpers that import Sage)
# ---------------------------------------------------------------------------------------------

def _processes(sid):
    """``{pid: (ppid, command line)}`` of the live processes of session ``sid``."""
    found = {}
    for pid in _session_pids(sid):
        try:
            with open("/proc/%s/stat" % pid) as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                cmdline = f.read().replace(b"\0", b" ").decode("utf-8", "replace")
        except OSError:
            continue
        found[pid] = (ppid, cmdline)
    return found


def _census_stage(p, out):
    """The stages of a census's start-up reached so far, as observed from outside: ``locked`` (the
    main process holds ``out/.lock``: Sage imported, arguments checked), ``workers`` (the number of
    Dask worker processes started: multiprocessing's spawn), ``helpers`` (the number of the workers'
    helper processes started), ``rows`` (rows in the journal)."""
    procs = _processes(p.pid)
    try:
        rows = max(0, len((out / "rows.csv").read_text().splitlines()) - 1)
    except OSError:
        rows = 0
    return {"locked": _lock_owner(out) == str(p.pid),
            "workers": sum("spawn_main" in cmdline for _, cmdline in procs.values()),
            "helpers": sum("sage_conslaw.census.child" in cmdline for _, cmdline in procs.values()),
            "rows": rows}


def _interrupt_when(argv, ready, after, stage, timeout=120):
    """Start ``argv`` in a session of its own, wait until ``ready(stage(p))`` (polled every few
    milliseconds: events, not fixed sleeps, so a fast and a slow machine are interrupted at the same
    moment of the start-up), then ``after`` s more, send SIGINT to the group (a terminal's Ctrl-C),
    and wait for the end.  Return ``(status, stdout, stderr, reached, left)``: ``reached`` is whether
    the event was seen before the command ended, ``left`` the processes of the session still alive
    10 s after the end (none expected)."""
    p = subprocess.Popen(argv, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         start_new_session=True)
    try:
        deadline = time.time() + timeout
        reached = False
        while time.time() < deadline and p.poll() is None:
            if ready(stage(p)):
                reached = True
                break
            time.sleep(0.003)
        time.sleep(after)
        try:
            os.killpg(p.pid, signal.SIGINT)
        except ProcessLookupError:
            pass
        stdout, stderr = p.communicate(timeout=timeout)
        deadline = time.time() + 10
        while _session_pids(p.pid) and time.time() < deadline:
            time.sleep(0.2)
        left = _processes(p.pid)
    finally:
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        p.wait()
    return p.returncode, stdout, stderr, reached, left


#: The moments of a census's start-up where a Ctrl-C used to give a traceback (from the client:
#: ``Status.init``, ``Nanny failed to start``; from a worker or a helper importing Sage before it
#: ignores SIGINT), and one at work: (name, event, seconds after it).
_CENSUS_MOMENTS = [
    ("output locked, cluster not yet started", lambda s: s["locked"], 0.0),
    ("first worker process just spawned", lambda s: s["workers"] >= 1, 0.0),
    ("workers importing Sage", lambda s: s["workers"] >= 1, 0.3),
    ("all workers spawned", lambda s: s["workers"] >= 2, 0.05),
    ("first helper just started", lambda s: s["helpers"] >= 1, 0.0),
    ("helpers importing Sage", lambda s: s["helpers"] >= 1, 0.2),
    ("first row written", lambda s: s["rows"] >= 1, 0.0),
]


@needs_dask
@pytest.mark.parametrize("moment", _CENSUS_MOMENTS, ids=[m[0] for m in _CENSUS_MOMENTS])
def test_census_ctrl_c_at_any_moment_of_the_start_up(tmp_path, moment):
    """A terminal's Ctrl-C (SIGINT to the whole process group) at each moment of a census's start-up,
    each found by watching the processes (not by a fixed sleep): exit status 130, one line saying it
    was interrupted (with the rows kept, if any), no traceback from the client, a Dask worker or a
    helper, no process of the census left, and the output directory usable: the same command
    completes the census (the lock was released, the journal's rows are all trusted).

    Not covered: a Ctrl-C while Python imports Sage, before the command's own code runs (about a
    second): it is Python's own (a traceback, the process ended by SIGINT), with nothing started
    or written yet (see ``sage_conslaw.cli.main``)."""
    name, event, after = moment
    out = tmp_path / "out"
    argv = CLI + CENSUS + ["--out", str(out), "--workers", "2", "--delay", "0.5"]
    status, stdout, stderr, reached, left = _interrupt_when(argv, event, after, lambda p: _census_stage(p, out))
    trial = "%s: status %s, event seen %s\n%s" % (name, status, reached, stderr)
    assert reached, trial       # 8 networks of 0.5 s each on 2 workers: the Ctrl-C comes before the end
    assert status == 130, trial
    assert "Traceback" not in stderr and "Traceback" not in stdout, trial
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("sage-conslaw census: interrupted"), trial
    kept = re.search(r"the (\d+) finished rows are kept in", lines[0])
    journal = out / "rows.csv"
    rows = len(journal.read_text().splitlines()) - 1 if journal.exists() else 0
    assert (int(kept.group(1)) if kept else 0) == rows, trial
    assert not left, (trial, left)
    again = run(CENSUS + ["--out", str(out), "--workers", "2"])
    assert again.returncode == 0, (trial, again.stderr)
    assert "Census of 8 linear networks" in again.stdout and ": 8 rows" in again.stdout, (trial, again.stdout)
    assert "computed %s rows" % (8 - rows) in again.stdout, (trial, again.stdout)
    assert "not trusted" not in again.stderr and "Traceback" not in again.stderr, (trial, again.stderr)


#: The moments of reproduce's start-up: its pool is forked from the command (no import: quick).
_REPRODUCE_MOMENTS = [
    ("output locked", lambda s: s["locked"], 0.0),
    ("first pool worker just forked", lambda s: s["workers"] >= 1, 0.0),
    ("pool workers forked", lambda s: s["workers"] >= 2, 0.001),
]


def test_reproduce_ctrl_c_at_any_moment_of_the_start_up(tmp_path):
    """A group Ctrl-C at each moment of reproduce's start-up (found by watching the lock and the pool's
    processes): status 130, one line, no traceback (a pool worker forked before it ignores SIGINT used
    to be a window), nothing left running, the three files a consistent set, and the same command
    then completes.  A Ctrl-C just after the lock lands, about half the time, while ``numpy.random``
    is first imported, whose Cython initialization swallows the ``KeyboardInterrupt``: the pool then
    stops at its first row (``DeferredSignals.stop_requested``), not after all of them (the set must
    be incomplete)."""
    for n, (name, event, after) in enumerate(_REPRODUCE_MOMENTS):
        out = tmp_path / ("t%s" % n)
        out.mkdir()
        argv = CLI + _MOMENTUM + ["--workers", "2", "--out", str(out)]

        def stage(p):
            return {"locked": _lock_owner(out) == str(p.pid), "workers": len(_children(p.pid))}
        status, stdout, stderr, reached, left = _interrupt_when(argv, event, after, stage)
        trial = "%s: status %s, event seen %s\n%s" % (name, status, reached, stderr)
        # 130, or ended by the SIGINT itself once its one line is said (what a shell reports as 130)
        assert reached and status in (130, -signal.SIGINT), trial
        assert "Traceback" not in stderr and "Traceback" not in stdout, trial
        lines = [line for line in stderr.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("sage-conslaw reproduce: interrupted"), trial
        assert not left, (trial, left)
        if "saved in" in lines[0]:
            assert not _readable_set(out)["complete"], trial
        again = run(_MOMENTUM + ["--workers", "2", "--out", str(out)])
        assert again.returncode == 0 and "Traceback" not in again.stderr, (trial, again.stderr)
        assert _readable_set(out)["complete"], trial


def test_ci_refuses_a_full_disk_by_name_and_leaves_no_environment(tmp_path):
    """``.ci/run`` makes its two environments (about 5 GB) in a temporary directory: it is removed however the run
    ends (a CI machine filled up with one pair per run), and ``tests/run_all.sh`` refuses a disk without room for them
    before pip starts, with the free and the needed megabytes."""
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    out = subprocess.run(["bash", os.path.join(ROOT, ".ci", "run")], capture_output=True, text=True, timeout=60,
                         env=dict(os.environ, TMPDIR=str(scratch), SAGE_CONSLAW_NEED_MB=str(10 ** 12)))
    assert out.returncode == 1
    assert re.search(r"run_all\.sh: \d+ MB free on the disk of .*; the two environments need 1000000000000 MB",
                     out.stderr), out.stderr
    assert os.listdir(scratch) == []
