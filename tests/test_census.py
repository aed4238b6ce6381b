"""Census of architectures on a Dask cluster: rows, resumption after kills, and
output independent of the number of workers.

Every test that runs a census starts (or connects to) a real
``dask.distributed`` cluster of worker processes on this machine.
"""
import csv
import os
import signal
import subprocess
import sys
import time

import pytest

pytest.importorskip("distributed")      # the census runs on Dask: pip install '.[census]'

from sage_conslaw.census import architectures, census, census_row
from sage_conslaw.census.journal import JOURNAL_COLUMNS, Journal, key_of
from sage_conslaw.census.cli import main as census_main

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RANGE = dict(family='linear', max_width=2, max_depth=3)   # 8 + 16 = 24 networks
N_RANGE = 24


def _journal(path):
    with open(path, newline='') as f:
        return list(csv.DictReader(f))


def _keys(rows):
    return [key_of(r) for r in rows]


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The canonical table of RANGE computed by one worker, without interruption."""
    out = tmp_path_factory.mktemp("ref")
    res = census(out=str(out), workers=1, progress=False, **RANGE)
    assert res.computed == N_RANGE and len(res.rows) == N_RANGE
    with open(out / "census.csv", "rb") as f:
        return f.read()


def test_architectures_of_the_ranges():
    assert len(architectures('linear', 5, 4)) == 3875
    assert len(architectures('relu', 4, 4)) == 4 ** 3 + 4 ** 4 + 4 ** 5
    keys = architectures('relu', 3, 3, bias=True)
    assert len(set(keys)) == len(keys) and all(k[2] for k in keys)
    assert all(1 <= n <= 3 and 2 <= len(d) - 1 <= 3 for _, d, _ in keys for n in d)


@pytest.mark.parametrize("key", [('linear', (1, 2, 3, 1), False), ('linear', (2, 1, 2), False),
                                 ('linear', (3, 2, 2, 3), False), ('relu', (2, 3, 2), True),
                                 ('relu', (1, 2, 2, 1), False)])
def test_rows_agree_with_the_engine(key):
    from sage_conslaw.census.tasks import build_model
    row = census_row(*key)
    net = build_model(*key)
    res = net.lie_trace()
    assert row['laws'] == res.number_of_laws and row['certified'] == res.certified
    assert row['D'] == net.D and row['match'] == (row['laws'] == row['known'])
    assert row['known'] <= row['laws'] or not row['certified']
    assert row['reason'] and not row['reason'].startswith('error')
    # degree-2 laws: as many as the exact kernel gives, all conserved
    laws2 = net.polynomial_conservation_laws(2)
    assert row['deg2'] == len(laws2) and all(net.is_conservation_law(h) for h in laws2)


def test_scalar_output_has_more_laws_than_known():
    row = census_row('linear', (1, 2, 3, 1), False)
    assert (row['D'], row['laws'], row['known'], row['match']) == (11, 10, 9, False)
    assert row['extra_poly'] == 0   # the tenth law is not a polynomial of degree <= 4


def test_bad_values_exit_2_before_computing(tmp_path, capsys):
    out = tmp_path / "never"
    for argv in (["--family", "linear", "--max-width", "0", "--max-depth", "3"],
                 ["--family", "linear", "--max-width", "2", "--max-depth", "1"],
                 ["--family", "linear", "--max-width", "2", "--max-depth", "2", "--bias"],
                 ["--family", "relu", "--max-width", "2", "--max-depth", "2", "--workers", "0"],
                 ["--family", "relu", "--max-width", "2", "--max-depth", "2", "--workers", "2",
                  "--scheduler", "tcp://127.0.0.1:1"],
                 ["--family", "conv", "--max-width", "2", "--max-depth", "2"],
                 ["--family", "relu", "--max-width", "two", "--max-depth", "2"]):
        with pytest.raises(SystemExit) as e:
            census_main(argv + ["--out", str(out)])
        assert e.value.code == 2, argv
        assert "error" in capsys.readouterr().err
    assert not out.exists()
    from sage_conslaw.__main__ import main
    with pytest.raises(SystemExit) as e:
        main(["census", "--family", "linear", "--max-width", "2", "--max-depth", "1", "--out", str(out)])
    assert e.value.code == 2


def test_journal_drops_cut_lines_and_duplicates(tmp_path):
    path = tmp_path / "rows.csv"
    J = Journal(str(path))
    J.load()
    rows = [census_row('linear', d, False) for d in [(1, 1, 1), (1, 2, 1), (2, 1, 1)]]
    for r in rows:
        J.append(r)
    J.close()
    text = path.read_text()
    lines = text.splitlines(keepends=True)
    # a duplicate line, a malformed line and a line cut in the middle (no newline)
    path.write_text(text + lines[2] + "linear,no,2,garbage\n" + lines[3][:25])
    loaded = Journal(str(path)).load()
    assert list(loaded) == _keys(_journal(path)) == [('linear', (1, 1, 1), False), ('linear', (1, 2, 1), False),
                                                     ('linear', (2, 1, 1), False)]
    assert path.read_text() == text   # rewritten clean


def test_same_output_whatever_the_number_of_workers(tmp_path, reference):
    res = census(out=str(tmp_path), workers=2, progress=False, **RANGE)
    assert res.cores == 2 and res.computed == N_RANGE
    assert (tmp_path / "census.csv").read_bytes() == reference
    journal = _journal(tmp_path / "rows.csv")
    assert len(journal) == N_RANGE and len(set(_keys(journal))) == N_RANGE
    assert len({r['worker'] for r in journal}) == 2    # both workers computed rows


def test_worker_killed_mid_task_is_retried(tmp_path, reference):
    from distributed import Client, LocalCluster
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                           dashboard_address=":0")
    killed = {}

    def kill_one_worker(n, client):
        if n == 3 and not killed:
            pids = client.run(os.getpid)
            address = sorted(pids)[0]
            killed['address'] = address
            killed['tasks'] = set(client.processing(workers=[address])[address])
            os.kill(pids[address], signal.SIGKILL)

    try:
        res = census(out=str(tmp_path), scheduler=cluster.scheduler_address, progress=False, _delay=0.4,
                     _on_row=kill_one_worker, **RANGE)
        with Client(cluster) as client:   # the cluster was used unchanged: its nanny replaced the worker
            client.wait_for_workers(2, timeout=60)
    finally:
        cluster.close()
    assert killed and killed['tasks'], "the killed worker was running a task"
    assert res.computed == N_RANGE
    assert (tmp_path / "census.csv").read_bytes() == reference
    journal = _journal(tmp_path / "rows.csv")
    assert len(journal) == N_RANGE and len(set(_keys(journal))) == N_RANGE
    by_key = {key_of(r): r for r in journal}
    from sage_conslaw.census.run import _task_key
    retried = [k for k in by_key if _task_key(k) in killed['tasks']]
    assert retried and all(by_key[k]['worker'] != killed['address'] for k in retried)


def _start_cli(out, delay, workers=2):
    cmd = [sys.executable, "-m", "sage_conslaw", "census", "--family", RANGE['family'],
           "--max-width", str(RANGE['max_width']), "--max-depth", str(RANGE['max_depth']),
           "--workers", str(workers), "--out", str(out), "--no-progress", "--delay", str(delay)]
    return subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)


def _wait_rows(path, n, proc, timeout=240):
    t0 = time.time()
    while time.time() - t0 < timeout:
        if path.exists() and len(path.read_text().splitlines()) > n:
            return
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.2)
    raise AssertionError("no %s rows after %s s" % (n, timeout))


def _kill_group(proc):
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


def test_killed_client_resumes_without_recomputing(tmp_path, reference):
    out = tmp_path / "out"
    proc = _start_cli(out, delay=0.5)
    try:
        _wait_rows(out / "rows.csv", 5, proc)
    finally:
        _kill_group(proc)   # the client, its local cluster and their helpers: the whole session
    before = _journal(out / "rows.csv")
    assert 5 <= len(before) < N_RANGE
    with open(out / "rows.csv", "a") as f:   # a row cut in the middle of its line by the kill
        f.write('linear,no,3,"[2, 2, 2, 2]",12,4,6,')
    proc = _start_cli(out, delay=0.0)
    stdout, stderr = proc.communicate(timeout=600)
    assert proc.returncode == 0, stderr
    assert "computed %s rows" % (N_RANGE - len(before)) in stdout
    after = _journal(out / "rows.csv")
    assert after[:len(before)] == before          # finished rows kept as they were, not recomputed
    assert len(after) == N_RANGE and len(set(_keys(after))) == N_RANGE
    assert (out / "census.csv").read_bytes() == reference


def test_ctrl_c_stops_cleanly_and_resumes(tmp_path, reference):
    out = tmp_path / "out"
    proc = _start_cli(out, delay=0.5)
    try:
        _wait_rows(out / "rows.csv", 3, proc)
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=120)
    finally:
        _kill_group(proc)
    assert proc.returncode == 130, stderr
    assert "run the same command again to resume" in stderr
    before = _journal(out / "rows.csv")
    res = census(out=str(out), workers=2, progress=False, **RANGE)
    assert res.computed == N_RANGE - len(before)
    assert (out / "census.csv").read_bytes() == reference
    assert JOURNAL_COLUMNS[-3:] == ['seconds', 'worker', 'digest']


def test_a_huge_census_is_refused_before_any_work():
    # review: --max-width 100000 --max-depth 100 built its whole task list (MemoryError)
    import subprocess
    import sys
    proc = subprocess.run([sys.executable, "-m", "sage_conslaw", "census", "--family", "linear", "--max-width",
                           "100000", "--max-depth", "100", "--out", "/nonexistent-dir-never-created"],
                          capture_output=True, text=True, timeout=120,
                          cwd=__import__("os").path.dirname(__import__("os").path.dirname(__file__)))
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "MAX_CENSUS_NETWORKS" in proc.stderr
