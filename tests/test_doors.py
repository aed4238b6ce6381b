"""The three doors a user comes in by: the Sage shell, plain Python and Jupyter.

- the README's "Ten lines" are fed, verbatim, to the ``sage`` REPL of the
  install and its plain-Python version to ``python``; the outputs must be
  the README's;
- ``from sage_conslaw.all import *`` gives the Sage basics and every public
  name of the package (lazily); the families are importable from the top level;
- the kernel of ``sage-conslaw jupyter install`` runs Sage syntax;
- the paper's sampling is the released notebook's, draw for draw.
"""
import os
import re
import subprocess
import sys

import numpy as np
import pytest

import sage_conslaw
from sage_conslaw.reproduction.sampling import sample_architectures

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.dirname(sys.executable)
README = os.path.join(ROOT, "README.md")


def env(tmp_path):
    """The environment of a child process: the working tree first, Sage's dot-directory in ``tmp_path``."""
    return dict(os.environ, PYTHONPATH=os.pathsep.join([ROOT] + [p for p in [os.environ.get("PYTHONPATH")] if p]),
                DOT_SAGE=str(tmp_path / "dot_sage"), MPLBACKEND="Agg")


def readme_blocks(section):
    """The fenced code blocks of a section (``## TITLE``) of the README, as (language, text) pairs."""
    text = open(README, encoding="utf-8").read()
    start = text.index("\n## %s\n" % section)
    end = text.find("\n## ", start + 1)
    body = text[start:end if end >= 0 else len(text)]
    return re.findall(r"```(\w*)\n(.*?)```", body, re.S)


def sage_session(block):
    """Split a ``sage:`` transcript into (inputs, expected outputs)."""
    inputs, outputs = [], []
    for line in block.splitlines():
        if line.startswith("sage: "):
            inputs.append(line[len("sage: "):])
            outputs.append([])
        else:
            assert not line.startswith("....:"), "keep the README's sessions one line per input"
            outputs[-1].append(line.rstrip())
    return inputs, ["\n".join(o).strip() for o in outputs]


def test_ten_lines_in_the_sage_repl(tmp_path):
    sage = os.path.join(BIN, "sage")
    assert os.path.exists(sage), "the install has no sage REPL at %s" % sage
    (lang, block), = [b for b in readme_blocks("Ten lines") if b[1].startswith("sage: ")]
    inputs, expected = sage_session(block)
    assert inputs[0] == "from sage_conslaw.all import *"      # the one documented first line
    proc = subprocess.run([sage], input="\n".join(inputs) + "\n", capture_output=True, text=True,
                          env=env(tmp_path), cwd=str(tmp_path), timeout=600)
    assert proc.returncode == 0, proc.stderr
    transcript = proc.stdout[proc.stdout.index("sage: "):]    # after the banner
    got = [chunk.strip() for chunk in transcript.split("sage: ")[1:len(inputs) + 1]]
    assert "Error" not in proc.stdout, proc.stdout
    assert got == expected, "\n".join(["README:"] + expected + ["REPL:"] + got)


def test_ten_lines_in_plain_python(tmp_path):
    blocks = readme_blocks("Ten lines")
    (code,) = [text for lang, text in blocks if lang == "python" and not text.startswith("sage: ")]
    (printed,) = [text for lang, text in blocks if lang == ""]
    assert code.startswith("from sage_conslaw.all import *\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env(tmp_path),
                          cwd=str(tmp_path), timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == printed.strip()


def test_the_readme_shows_the_commands():
    text = open(README, encoding="utf-8").read()
    for command in ("sage-conslaw jupyter install", "sage-conslaw demo", "sage-conslaw reproduce",
                    "from sage_conslaw.all import *", "pip install '.[jupyter]'", "bash tests/run_all.sh"):
        assert command in text, command
    from sage_conslaw.reproduction import PAPERS
    assert "--paper %s" % "|".join(PAPERS) in text, "list every registered paper in the README's layout"
    main_section = text[:text.index("\n## Ten lines")]
    assert "sage-conslaw jupyter install" in main_section
    assert "python -m sage.repl" not in text
    tutorial = open(os.path.join(ROOT, "doc", "tutorial.rst"), encoding="utf-8").read()
    assert "python -m sage.repl" not in tutorial and "from sage_conslaw.all import *" in tutorial
    assert "outputs" in tutorial and "inputs" in tutorial     # the orientation of the widths


def test_all_gives_sage_basics_and_the_package_lazily(tmp_path):
    code = """
import sys
from sage_conslaw.all import *
import sage_conslaw.all as a
for name in ("QQ", "ZZ", "GF", "PolynomialRing", "matrix", "vector", "random_matrix", "latex"):
    assert name in dir(), name
assert "sage_conslaw.flows.train" not in sys.modules, "the package names must load lazily"
assert product.__module__ != "sage_conslaw.architectures.toy" and a.SHADOWED == ["product"]
print(type(LinearNetwork).__name__, type(train).__name__)
print(LinearNetwork([2, 2, 2]).number_of_conservation_laws(), random_matrix(GF(5), 2, 2).parent())
print(isinstance(ReLUNetwork([2, 2, 2]), ReLUNetwork))
print(sorted(set(sage_conslaw.available_names()) - set(dir()) - set(a.SHADOWED)))
"""
    proc = subprocess.run([sys.executable, "-c", "import sage_conslaw\n" + code], capture_output=True,
                          text=True, env=env(tmp_path), cwd=str(tmp_path), timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split("\n") == ["LazyImport LazyImport",
                                       "3 Full MatrixSpace of 2 by 2 dense matrices over Finite Field of size 5",
                                       "True", "[]", ""]


def test_every_catalog_name_resolves():
    """Every public name whose module is installed really is in it (catches a wrong catalog line)."""
    names = sage_conslaw.available_names()
    assert set(names) <= set(sage_conslaw.CATALOG) and set(names) == set(sage_conslaw.__all__)
    clash = [n for n in sage_conslaw.CATALOG if sage_conslaw.module_available("sage_conslaw." + n)]
    assert not clash, "%s: a submodule, once imported, hides the top-level name" % clash
    for name in names:
        try:
            value = getattr(sage_conslaw, name)
        except ModuleNotFoundError as error:    # an optional extra (torch) that is not installed
            assert not error.name.startswith("sage_conslaw"), error
            continue
        assert getattr(value, "__name__", name) == name, (name, value)
        assert getattr(value, "__module__", None) == sage_conslaw.CATALOG[name], "point the catalog at %s" % name
    missing = [n for n, m in sage_conslaw.CATALOG.items() if not sage_conslaw.module_available(m)]
    for name in missing:
        with pytest.raises(AttributeError):
            getattr(sage_conslaw, name)


def test_families_at_the_top_level():
    from sage_conslaw import LinearNetwork, ReLUNetwork, MatrixFactorization, Reparametrization, lie_trace
    from sage_conslaw.architectures import LinearNetwork as L2, ReLUNetwork as R2, MatrixFactorization as M2
    assert (LinearNetwork, ReLUNetwork, MatrixFactorization) == (L2, R2, M2)
    assert MatrixFactorization(3, 2, 2).lie_trace().number_of_laws == 3
    assert callable(lie_trace) and issubclass(LinearNetwork, Reparametrization)
    with pytest.raises(ImportError):
        exec("from sage_conslaw import NoSuchFamily")



def documented_names():
    """The package names the documentation imports from ``sage_conslaw`` or ``sage_conslaw.all``: those of
    every ``from sage_conslaw[.all] import a, b`` line (README, doc, worksheets), and every class of the
    package the README shows in backticks (```Name(``` or ```Name```: the families of its tables, used after
    ``from sage_conslaw.all import *``), found by parsing the package without importing it."""
    import ast
    import glob
    files = [README] + sorted(glob.glob(os.path.join(ROOT, "doc", "*.rst"))) + \
        sorted(glob.glob(os.path.join(ROOT, "worksheets", "*.ipynb")))
    names = set()
    for f in files:
        text = open(f, encoding="utf-8").read()
        for line in re.findall(r"from sage_conslaw(?:\.all)? import ([\w, ]+)", text):
            names.update(n.strip() for n in line.split(",") if n.strip())
    classes = set()
    for f in glob.glob(os.path.join(ROOT, "sage_conslaw", "**", "*.py"), recursive=True):
        tree = ast.parse(open(f, encoding="utf-8").read())
        classes.update(n.name for n in tree.body if isinstance(n, ast.ClassDef) and not n.name.startswith("_"))
    shown = set(re.findall(r"`([A-Z]\w*)[(`]", open(README, encoding="utf-8").read()))
    return sorted(names | (shown & classes))


def test_every_documented_name_is_importable():
    """What the README and the documentation import from the top level really is there (``TinyGPT`` was not)."""
    names = documented_names()
    assert {"TinyGPT", "MLP", "GatedMLP", "NormalizedMLP", "RotaryAttention", "MixtureOfExperts",
            "LinearNetwork", "lie_trace"} <= set(names), names
    missing = [n for n in names if n not in sage_conslaw.available_names()]
    assert not missing, "add %s to sage_conslaw.CATALOG" % missing
    from sage_conslaw import TinyGPT
    from sage_conslaw.architectures.gpt import TinyGPT as T2
    assert TinyGPT is T2
    for name in names:
        try:
            exec("from sage_conslaw import %s" % name, {})
        except ModuleNotFoundError as error:    # an optional extra (torch) that is not installed
            assert not error.name.startswith("sage_conslaw"), error
    import sage_conslaw.all as a
    assert not [n for n in names if n not in dir(a) and n not in a.SHADOWED]

def test_the_kernel_runs_sage_syntax(tmp_path):
    """``sage-conslaw jupyter install`` then a kernel started by Jupyter: Sage syntax and the package work."""
    jupyter_client = pytest.importorskip("jupyter_client")
    script = os.path.join(BIN, "sage-conslaw")
    e = env(tmp_path)
    proc = subprocess.run([script, "jupyter", "install", "--prefix", str(tmp_path)], capture_output=True,
                          text=True, env=e, timeout=300)
    assert proc.returncode == 0, proc.stderr
    from jupyter_client.kernelspec import KernelSpecManager
    ksm = KernelSpecManager(kernel_dirs=[str(tmp_path / "share" / "jupyter" / "kernels")])
    km = jupyter_client.KernelManager(kernel_name="sagemath", kernel_spec_manager=ksm)
    km.start_kernel(env=e, cwd=str(tmp_path))
    try:
        kc = km.client()
        kc.start_channels()
        kc.wait_for_ready(timeout=180)
        outputs = []

        def hook(msg):
            if msg["msg_type"] in ("execute_result", "stream"):
                content = msg["content"]
                outputs.append(content["data"]["text/plain"] if "data" in content else content["text"])
            elif msg["msg_type"] == "error":
                outputs.append("ERROR " + msg["content"]["ename"])
        for cell in ("R.<x> = QQ[]; (x + 1)^2",
                     "from sage_conslaw.all import *; LinearNetwork([2, 2, 2]).number_of_conservation_laws()"):
            kc.execute_interactive(cell, output_hook=hook, timeout=300)
        kc.stop_channels()
    finally:
        km.shutdown_kernel(now=True)
    assert [o.strip() for o in outputs] == ["x^2 + 2*x + 1", "3"]


def released_notebook_sample(count, depth_high, width_high, bias_coin):
    """The loop of the authors' ``main.ipynb``, written again independently: numpy's global
    generator, ``randint`` with the upper bound excluded, ``random()`` for the bias coin."""
    np.random.seed(0)
    out = []
    for _ in range(count):
        depth = np.random.randint(2, depth_high)
        dims = np.empty(depth + 1, dtype=int)
        for j in range(depth + 1):
            dims[j] = np.random.randint(2, width_high)
        bias = bool(np.random.random() < 0.5) if bias_coin else False
        out.append(([int(n) for n in dims], bias))
    return out


@pytest.mark.parametrize("sample,count,depth_high,width_high,bias_coin", [
    ("linear", 50, 5, 6, False), ("relu", 50, 5, 10, True),
    ("poly-linear", 10, 4, 5, False), ("poly-relu", 10, 4, 5, False)])
def test_sampling_is_the_released_notebook(sample, count, depth_high, width_high, bias_coin):
    state = np.random.get_state()
    ours = [(a["dims"], a["bias"]) for a in sample_architectures(sample, count)]
    assert np.random.get_state()[1].tolist() == state[1].tolist()   # the user's generator is left alone
    assert ours == released_notebook_sample(count, depth_high, width_high, bias_coin)
