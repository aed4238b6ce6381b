r"""
Reproduction of papers' numerical tables: ``sage-conslaw reproduce [--paper NAME]``.

- :mod:`~sage_conslaw.reproduction.sampling` -- the random architectures, as the authors drew them
- :mod:`~sage_conslaw.reproduction.tables` -- the checks of the NeurIPS 2023 paper, the report, CSV and JSON
- :mod:`~sage_conslaw.reproduction.momentum` -- the checks of the ICML 2024 paper (momentum, NMF, ICNN)

The papers that ``sage-conslaw reproduce --paper NAME`` knows are the entries
of :data:`PAPERS`; to add one, add an entry: a :class:`Paper` naming the module
that computes it and its counts.  That module provides

- ``planned_tasks(seed=..., **counts)`` -- the list of ``(check, architecture)``
  pairs, an architecture being a dict (``--list`` prints its items as a table);
- ``reproduce_tables(seed=..., workers=..., progress=..., **counts)`` -- a
  report with ``table()``, ``summary()``, ``save(directory)`` (the written
  paths), ``all_match``, ``seconds`` and ``workers``: a subclass of
  :class:`~sage_conslaw.reproduction.tables.ReproductionReport` (which writes
  its three files atomically into a locked directory), returned by
  :func:`~sage_conslaw.reproduction.tables.run_report` (the one process pool:
  workers capped by the cores, Ctrl-C and dead workers handled, the finished
  rows saved on Ctrl-C).  Check counts with
  :func:`~sage_conslaw.reproduction.sampling.sample_count` (at most
  ``MAX_SAMPLE``).

Each count becomes an option ``--NAME`` of ``sage-conslaw reproduce``.

EXAMPLES::

    sage: from sage_conslaw.reproduction import reproduce_tables, PAPERS
    sage: print(reproduce_tables(linear=1, relu=1, poly=0, progress=False).summary())
    2/2 architectures: no conservation law beyond the known ones (all certified)
    sage: PAPERS['abide']
    Paper 'abide': Abide by the Law and Follow the Flow (Marcotte, Gribonval, Peyré, NeurIPS 2023)
"""
import importlib

from sage_conslaw.reproduction.sampling import sample_architectures  # noqa: F401
from sage_conslaw.reproduction.tables import reproduce_tables, ReproductionReport  # noqa: F401


class Paper:
    r"""
    A paper whose tables ``sage-conslaw reproduce --paper NAME`` recomputes.

    INPUT:

    - ``name`` -- the value of ``--paper``
    - ``title`` -- a one-line description
    - ``module`` -- the dotted name of the module providing ``planned_tasks`` and
      ``reproduce_tables`` (imported only when the paper is run)
    - ``counts`` -- a list of ``(count, default, quick, help)``: each count is a
      keyword of both functions and an option ``--count`` of the command line;
      ``default`` is the paper's value, ``quick`` that of ``--quick``
    - ``note`` -- optional; how to read the sample, printed in the header of ``--list``

    EXAMPLES::

        sage: from sage_conslaw.reproduction import Paper
        sage: p = Paper('toy', 'a toy', 'sage_conslaw.reproduction.tables',
        ....:           [('linear', 3, 1, 'deep linear networks')])
        sage: p.defaults(), p.quick(), p.note
        ({'linear': 3}, {'linear': 1}, None)
        sage: p.module().__name__
        'sage_conslaw.reproduction.tables'
    """

    def __init__(self, name, title, module, counts, note=None):
        r"""
        TESTS::

            sage: from sage_conslaw.reproduction import PAPERS
            sage: [c[0] for c in PAPERS['abide'].counts]
            ['linear', 'relu', 'poly']
        """
        self.name = name
        self.title = title
        self.module_name = module
        self.counts = list(counts)
        self.note = note

    def __repr__(self):
        r"""
        TESTS::

            sage: from sage_conslaw.reproduction import Paper
            sage: Paper('x', 'the X paper', 'm', [])
            Paper 'x': the X paper
        """
        return "Paper %r: %s" % (self.name, self.title)

    def module(self):
        r"""
        Import and return the module that computes the paper's tables.

        EXAMPLES::

            sage: from sage_conslaw.reproduction import PAPERS
            sage: PAPERS['abide'].module().planned_tasks(linear=1, relu=0, poly=0)
            [('lie', {'bias': False, 'dims': [5, 3, 2], 'family': 'linear'})]
        """
        return importlib.import_module(self.module_name)

    def defaults(self):
        r"""
        Return the paper's counts, as a dict.

        EXAMPLES::

            sage: from sage_conslaw.reproduction import PAPERS
            sage: PAPERS['abide'].defaults()
            {'linear': 50, 'poly': 10, 'relu': 50}
        """
        return {c[0]: c[1] for c in self.counts}

    def quick(self):
        r"""
        Return the counts of a quick run (seconds), as a dict.

        EXAMPLES::

            sage: from sage_conslaw.reproduction import PAPERS
            sage: PAPERS['abide'].quick()
            {'linear': 5, 'poly': 2, 'relu': 5}
        """
        return {c[0]: c[2] for c in self.counts}


#: The papers of ``sage-conslaw reproduce --paper NAME`` (the first is the default).
PAPERS = {
    'abide': Paper('abide', "Abide by the Law and Follow the Flow (Marcotte, Gribonval, Peyré, NeurIPS 2023)",
                   'sage_conslaw.reproduction.tables',
                   [('linear', 50, 5, "deep linear networks, Lie-algebra check"),
                    ('relu', 50, 5, "deep ReLU networks, Lie-algebra check"),
                    ('poly', 10, 2, "linear and ReLU networks each, degree-2 polynomial laws")],
                   note="widths from the outputs to the inputs"),
    'transformers': Paper('transformers', "Transformative or Conservative? Conservation laws for ResNets and "
                          "Transformers (Marcotte, Peyré, Gribonval, ICML 2025): checks on random sizes",
                          'sage_conslaw.reproduction.transformers',
                          [('attention', 12, 2, "attention heads vs Prop. 4.2 on the two factorizations"),
                           ('multihead', 6, 1, "multi-head attention vs heads times one head"),
                           ('functional', 4, 1, "multi-head softmax layer: certified rank of its gradients = dim W_phi"),
                           ('conv', 8, 1, "two-layer 1-D convolutions vs one law per hidden channel"),
                           ('residual', 6, 1, "residual blocks vs the block alone"),
                           ('sequential', 6, 1, "sequences vs the sum of the blocks"),
                           ('linear_product', 4, 1, "sequences of linear layers vs the merged linear network"),
                           ('subset', 6, 1, "laws of one block's parameters in a network vs the block alone"),
                           ('conv_functional', 6, 1, "two-input-channel convolutions: exact rank of the "
                            "network's gradients = dim W_phi")]),
    'momentum': Paper('momentum', "Keep the Momentum: Conservation Laws beyond Euclidean Gradient Flows "
                      "(Marcotte, Peyré, Gribonval, ICML 2024)",
                      'sage_conslaw.reproduction.momentum',
                      [('released', 20, 2, "architectures per check of the released notebooks (6 checks)"),
                       ('ours', 20, 2, "architectures per momentum check with the friction really drawn "
                                       "(4 checks, Nesterov included)")],
                      note="first column: the released checks or our sample; linear and ReLU widths from the "
                           "outputs to the inputs, NMF and ICNN sizes (n1, n2, n3); tau '-' is a gradient flow"),
    'modern': Paper('modern', "Conservation Laws for Modern Neural Architectures (Tran et al., ICML 2026): GELU/SiLU, "
                    "SwiGLU, LayerNorm/RMSNorm, rotary attention, mixtures of experts, certified on random sizes",
                    'sage_conslaw.reproduction.modern',
                    [('analytic', 5, 1, "MLPs through GELU/SiLU/tanh/sigmoid/softplus: no law"),
                     ('mixed', 2, 1, "a ReLU layer then an analytic one: one law per ReLU neuron"),
                     ('gated', 6, 1, "SwiGLU/GEGLU: one law per unit"),
                     ('norm', 8, 2, "Linear-LayerNorm/RMSNorm-Linear, eps = 0 or 1e-5, affine or not"),
                     ('rotary', 6, 1, "rotary attention: one law per rotation plane (+ V^T O)"),
                     ('sinusoidal', 2, 1, "sinusoidal encodings: plain attention's count"),
                     ('moe', 6, 1, "mixtures of experts: router column sums + the experts' laws")],
                    note="expected = the paper's statement, found = the network's certified count; widths "
                         "in PyTorch's order (inputs first)"),
}
