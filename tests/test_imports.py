"""
The import graph of sage_conslaw: floors that only go down.

Parses (``ast``) every module of the package, without importing it, and checks

- no cycle among the modules at module level;
- no import of a higher floor (core <- dynamics <- architectures <- numerics
  (flows) <- reproduction, census, torch bridge <- doors), at module level or
  inside a function;
- no import inside a function of anything but the optional extras
  (``OPTIONAL``), in the whole package (``STRICT``), except the few listed in
  ``EXCEPTIONS`` with their reason.  What a module needs only sometimes is a
  module-level Sage ``lazy_import``, which this test sees as a call, not an import.
"""
import ast
import os
import sys

ROOT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "sage_conslaw")

#: The floor of each part of the package (a module imports only its floor and below).
FLOORS = [
    ("sage_conslaw.core", 0),
    ("sage_conslaw.files", 0),
    ("sage_conslaw.dynamics", 1),
    ("sage_conslaw.architectures", 2),
    ("sage_conslaw.flows", 3),
    ("sage_conslaw.network", 3),
    ("sage_conslaw.datalaws", 3),
    ("sage_conslaw.datalaws", 3),
    ("sage_conslaw.reproduction", 4),
    ("sage_conslaw.census", 4),
    ("sage_conslaw.torch", 4),
    ("sage_conslaw.cli", 5),
    ("sage_conslaw.jupyter", 5),
    ("sage_conslaw.all", 5),
    ("sage_conslaw.__main__", 5),
    ("sage_conslaw", 5),
]

#: The optional extras of pyproject.toml (torch, census, jupyter), which may be imported inside a
#: function where they are needed.  The core dependencies (numpy, scipy, tqdm, matplotlib) and Sage
#: are imported at module level, through Sage's ``lazy_import`` when they are costly and rarely used.
OPTIONAL = {"torch", "sklearn", "dask", "distributed", "ipykernel", "jupyter_client"}

#: Where each optional extra comes from: ``(extra of pyproject.toml, its distribution)``.
OPTIONAL_FROM = {"torch": ("torch", "torch"), "sklearn": ("torch", "scikit-learn"),
                 "dask": ("census", "dask[distributed]"), "distributed": ("census", "dask[distributed]"),
                 "ipykernel": ("jupyter", "ipykernel"), "jupyter_client": ("jupyter", "jupyterlab")}

#: The parts whose function-level imports are only optional extras: the whole package.
STRICT = ("sage_conslaw",)

#: Imports inside a function that are not optional extras, each with its reason: ``(module, imported)``.
EXCEPTIONS = {
    ("sage_conslaw.jupyter", "sage.repl.ipython_kernel.kernel"):
        "Sage's kernel needs ipykernel (the jupyter extra) and must be imported after "
        "provide_all_cmdline() has put sage.all_cmdline in place, inside the kernel process",
}


def modules():
    """The modules of the package: dotted name -> path."""
    found = {}
    for folder, _, files in os.walk(ROOT):
        for f in files:
            if f.endswith(".py"):
                path = os.path.join(folder, f)
                rel = os.path.relpath(path, os.path.dirname(ROOT))[:-3].replace(os.sep, ".")
                found[rel[:-len(".__init__")] if rel.endswith(".__init__") else rel] = path
    return found


MODULES = modules()


def catalog():
    """``sage_conslaw.CATALOG`` (name -> module), read from the source without importing it."""
    path = MODULES["sage_conslaw"]
    for node in ast.parse(open(path, encoding="utf-8").read(), path).body:
        if isinstance(node, ast.Assign) and [t.id for t in node.targets if isinstance(t, ast.Name)] == ["CATALOG"]:
            return ast.literal_eval(node.value)
    raise AssertionError("no CATALOG in sage_conslaw/__init__.py")


#: The packages that load their names lazily from the catalog (PEP 562): an import of
#: such a name is an import of the module that defines it.
LAZY_PACKAGES = ("sage_conslaw", "sage_conslaw.architectures")
CATALOG = catalog()


def floor(module):
    """The floor of a module of the package (the longest matching prefix of FLOORS)."""
    for prefix, level in FLOORS:
        if module == prefix or module.startswith(prefix + "."):
            return level
    raise AssertionError("%s has no floor in FLOORS: add its part" % module)


def resolve(name):
    """The module of the package a dotted name lives in (None outside the package)."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def imports(module):
    """``(line, imported dotted name, inside a function)`` for every import of ``module``."""
    path = MODULES[module]
    tree = ast.parse(open(path, encoding="utf-8").read(), path)
    package = module if path.endswith("__init__.py") else module.rpartition(".")[0]
    found = []

    def visit(node, inside):
        for child in ast.iter_child_nodes(node):
            deeper = inside or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            if isinstance(child, ast.Import):
                found.extend((child.lineno, a.name, inside) for a in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    parts = package.split(".")
                    parts = parts[:len(parts) - child.level + 1]
                    base = ".".join(parts + ([base] if base else []))
                for a in child.names:
                    full = base + "." + a.name
                    if full not in MODULES and base in LAZY_PACKAGES and CATALOG.get(a.name, "").startswith(base):
                        full = CATALOG[a.name]
                    found.append((child.lineno, full if full in MODULES else base, inside))
            visit(child, deeper)
    visit(tree, False)
    return found


GRAPH = {m: imports(m) for m in MODULES}


def test_every_module_has_a_floor():
    for m in MODULES:
        floor(m)


def test_no_cycle_at_module_level():
    edges = {m: {resolve(n) for _, n, inside in GRAPH[m] if not inside and resolve(n) not in (None, m)}
             for m in MODULES}
    # a package's __init__ runs before its submodules: an edge into one's own parent package is no cycle
    edges = {m: {n for n in targets if not m.startswith(n + ".")} for m, targets in edges.items()}
    index, low, stack, on, cycles = {}, {}, [], set(), []
    sys.setrecursionlimit(max(10000, sys.getrecursionlimit()))

    def connect(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in edges[v]:
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            scc = []
            while True:
                w = stack.pop()
                on.discard(w)
                scc.append(w)
                if w == v:
                    break
            if len(scc) > 1:
                cycles.append(sorted(scc))
    for v in sorted(edges):
        if v not in index:
            connect(v)
    assert cycles == [], "import cycles: %s" % cycles


def test_no_upward_import():
    up = ["%s:%s imports %s" % (m, line, n) for m in MODULES for line, n, _ in GRAPH[m]
          if resolve(n) and not m.startswith(resolve(n) + ".") and floor(resolve(n)) > floor(m)
          and resolve(n) != "sage_conslaw"]
    assert up == [], "imports of a higher floor:\n" + "\n".join(up)


def test_no_function_level_import_of_the_package():
    inner = ["%s:%s imports %s" % (m, line, n) for m in MODULES for line, n, inside in GRAPH[m]
             if inside and resolve(n) and (m, n) not in EXCEPTIONS]
    strict = [x for x in inner if x.split(":")[0].startswith(STRICT)]
    assert strict == [], "imports of the package inside a function:\n" + "\n".join(strict)


def test_strict_parts_import_only_optional_extras_in_functions():
    bad = ["%s:%s imports %s" % (m, line, n) for m in MODULES if m.startswith(STRICT)
           for line, n, inside in GRAPH[m]
           if inside and n.split(".")[0] not in OPTIONAL and (m, n) not in EXCEPTIONS]
    assert bad == [], "imports inside a function (only optional extras may be lazy):\n" + "\n".join(bad)


def test_the_twins_are_registered_from_the_numeric_floor():
    # the architectures ask the registry of the bottom floor; no architecture names flows/
    for m in MODULES:
        if m.startswith("sage_conslaw.architectures") or m.startswith("sage_conslaw.dynamics"):
            assert not any(n.startswith("sage_conslaw.flows") for _, n, _ in GRAPH[m]), m


def test_every_exception_is_still_needed():
    used = {(m, n) for m in MODULES for _, n, inside in GRAPH[m] if inside}
    assert set(EXCEPTIONS) <= used, "stale EXCEPTIONS: %s" % sorted(set(EXCEPTIONS) - used)


def test_optional_holds_only_optional_extras():
    import tomllib
    with open(os.path.join(os.path.dirname(ROOT), "pyproject.toml"), "rb") as f:
        project = tomllib.load(f)["project"]

    def name(requirement):
        return requirement.split(";")[0].split(">")[0].split("=")[0].split("<")[0].strip()
    core = {name(r).lower() for r in project["dependencies"]}
    assert set(OPTIONAL_FROM) == OPTIONAL
    for module, (extra, dist) in OPTIONAL_FROM.items():
        assert dist in {name(r) for r in project["optional-dependencies"][extra]}, (module, extra, dist)
        assert name(dist).split("[")[0].lower() not in core and module.lower() not in core, module

