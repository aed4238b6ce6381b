"""The README's "Your own network" section: its Python block, run as it is,
prints what the README shows."""
import os
import subprocess
import sys

import pytest

pytest.importorskip("torch")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _blocks(title):
    text = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
    section = text.split("## %s\n" % title, 1)[1].split("\n## ", 1)[0]
    out, lang, buf = [], None, None
    for line in section.split("\n"):
        if line.startswith("```") and buf is None:
            lang, buf = line[3:].strip(), []
        elif line.startswith("```"):
            out.append((lang, "\n".join(buf)))
            buf = None
        elif buf is not None:
            buf.append(line)
    return out


def test_readme_own_network_block_prints_what_is_shown():
    blocks = _blocks("Your own network")
    code = [b for lang, b in blocks if lang == "python"][0]
    shown = [b for lang, b in blocks if lang == ""][0]
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    got = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=600)
    assert got.returncode == 0, got.stderr
    assert got.stdout.strip() == shown.strip()
