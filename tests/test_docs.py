"""Build the Sphinx documentation (``doc/``) with warnings as errors, and run
the doctest-coverage report of ``doc/coverage.py``.

The HTML goes to a temporary directory; any Sphinx warning (a broken
docstring, an unknown reference, a failed autodoc import) fails the test.
"""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOC = os.path.join(ROOT, "doc")


def test_docs_build_without_warnings(tmp_path):
    import sphinx  # noqa: F401  (in the test extra: a missing sphinx is a failure, not a skip)
    out = tmp_path / "html"
    proc = subprocess.run([sys.executable, "-m", "sphinx", "-W", "--keep-going", "-b", "html", "-q",
                           "-d", str(tmp_path / "doctrees"), DOC, str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, "sphinx failed:\n%s\n%s" % (proc.stdout[-5000:], proc.stderr[-5000:])
    assert "WARNING" not in proc.stderr, proc.stderr[-5000:]
    for page in ("index", "introduction", "tutorial", "worksheets", "reproduction", "api"):
        assert (out / (page + ".html")).exists(), page
    api = (out / "api.html").read_text(encoding="utf-8")
    for name in ("sage_conslaw.core.trace.lie_trace", "sage_conslaw.architectures.linear.LinearNetwork",
                 "sage_conslaw.reproduction.tables.reproduce_tables", "sage_conslaw.flows.train.train"):
        assert 'id="%s"' % name in api, "%s missing from the API reference" % name


def test_coverage_report_runs():
    proc = subprocess.run([sys.executable, os.path.join(DOC, "coverage.py"), "--no-sage"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "PUBLIC SCORE sage_conslaw:" in proc.stdout
