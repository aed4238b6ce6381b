r"""
Watching conservation laws along a PyTorch training run: :class:`LawMonitor`.

A law `h` is exactly conserved by the gradient *flow*; a training loop takes
discrete, stochastic, possibly preconditioned steps.  Plain SGD with step
`\eta` changes `h` by `O(\eta^2)` per step (the first-order term is
`-\eta \langle \nabla h, \nabla L\rangle = 0`); momentum adds a memory of
past gradients, and Adam rescales every coordinate, which breaks the
orthogonality `\nabla h \perp \nabla L` already at first order.  The monitor
records the laws at every step, without any change to the loop: attach it to
the optimizer (a step hook), or call it once per step.

EXAMPLES::

    sage: import torch  # optional - torch
    sage: from sage_conslaw.torch import LawMonitor  # optional - torch
    sage: torch.manual_seed(0); net = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU(), torch.nn.Linear(3, 1))  # optional - torch
    <torch._C.Generator object at ...>
    sage: opt = torch.optim.SGD(net.parameters(), lr=float(1e-3))  # optional - torch
    sage: monitor = LawMonitor(net); monitor  # optional - torch
    LawMonitor of 3 laws on Network model: input x (2), 4 parameters (D = 13), 3 ops (linear, relu, linear), output 1 node: 0 records
    sage: handle = monitor.attach(opt)          # records now, then after every opt.step()  # optional - torch
    sage: X, Y = torch.randn(16, 2), torch.randn(16, 1)  # optional - torch
    sage: for _ in range(20):  # optional - torch
    ....:     opt.zero_grad(); ((net(X) - Y)**2).mean().backward(); opt.step()
    sage: len(monitor.steps), bool(monitor.drift()[-1] < 1e-4)  # optional - torch
    (21, True)
"""
import copy
import warnings

import numpy as np

from sage_conslaw.core.points import to_exact_polynomial
from sage_conslaw.datalaws.network import data_lie_trace
from sage_conslaw.flows.plots import new_figure
from sage_conslaw.network.symmetries import scaling_laws
from sage_conslaw.torch.mapping import TorchMap, from_torch


def _compile(laws, D):
    r"""
    Arrays to evaluate polynomials at a float vector: for every term, its
    coefficient, its law and the (padded) indices of its factors.

    TESTS::

        sage: import numpy as np
        sage: from sage_conslaw.torch.monitor import _compile, _evaluate  # optional - torch
        sage: R.<a,b> = QQ[]
        sage: C = _compile([a^2 - 3*b, a*b + 1], 2)  # optional - torch
        sage: _evaluate(C, np.array([2.0, 5.0]), 2)  # optional - torch
        array([-11.,  11.])
    """
    coeffs, owner, factors = [], [], []
    for k, h in enumerate(laws):
        for exps, c in h.dict().items():
            idx = [i for i, e in enumerate(exps) for _ in range(e)]
            coeffs.append(float(c))
            owner.append(k)
            factors.append(idx)
    width = max([len(f) for f in factors] + [1])
    F = np.full((len(factors), width), D, dtype=np.int64)      # index D holds the constant 1
    for r, f in enumerate(factors):
        F[r, :len(f)] = f
    return np.array(coeffs), np.array(owner, dtype=np.int64), F


def _evaluate(compiled, theta, n):
    """The values of the ``n`` compiled polynomials at ``theta``.

    TESTS::

        sage: import numpy as np
        sage: from sage_conslaw.torch.monitor import _compile, _evaluate  # optional - torch
        sage: R.<x> = PolynomialRing(QQ, 1)
        sage: _evaluate(_compile([x^3], 1), np.array([2.0]), 1)  # optional - torch
        array([8.])
    """
    coeffs, owner, F = compiled
    ext = np.append(theta, 1.0)
    terms = coeffs * np.prod(ext[F], axis=1)
    return np.bincount(owner, weights=terms, minlength=n)


def _frozen_note(model):
    r"""
    A sentence when frozen parameters break rescaling laws the network would
    have with them trained (``None`` otherwise).

    TESTS::

        sage: import torch  # optional - torch
        sage: from torch import nn  # optional - torch
        sage: from sage_conslaw.torch import from_torch  # optional - torch
        sage: from sage_conslaw.torch.monitor import _frozen_note  # optional - torch
        sage: net = nn.Sequential(nn.Linear(2r, 3r), nn.ReLU(), nn.Linear(3r, 1r))  # optional - torch
        sage: _frozen_note(from_torch(net).model) is None  # optional - torch
        True
        sage: with torch.no_grad(): _ = net[0].bias.fill_(0.5r)  # optional - torch
        sage: net[0].bias.requires_grad_(False); _frozen_note(from_torch(net).model)  # optional - torch
        Parameter containing:
        tensor([0.5000, 0.5000, 0.5000])
        'the frozen parameter 0.bias (a constant) breaks 3 of the 3 rescaling laws the network has with it trained; the laws monitored are those of the network as it is trained'
    """
    net = getattr(model, 'network', None)
    if net is None or not net.parameters(trainable=False):
        return None
    free = copy.deepcopy(net)
    for n in free.nodes:
        if n.role == 'parameter':
            n.trainable = True
    free._layout = None
    lost = len(scaling_laws(free)) - len(model.scaling_matrix())
    if lost <= 0:
        return None
    names = [n.name for n in net.parameters(trainable=False)]
    return ("the frozen parameter%s %s (%s) break%s %s of the %s rescaling laws the network has with %s trained; "
            "the laws monitored are those of the network as it is trained" % (
                "s" if len(names) > 1 else "", ", ".join(names), "constants" if len(names) > 1 else "a constant",
                "" if len(names) > 1 else "s", lost, len(scaling_laws(free)), "them" if len(names) > 1 else "it"))


class LawMonitor:
    r"""
    Records conservation laws evaluated on a PyTorch module's parameters.

    INPUT:

    - ``model_or_module`` -- a ``torch.nn.Module`` (mapped by
      :func:`~sage_conslaw.torch.mapping.from_torch`) or a
      :class:`~sage_conslaw.torch.mapping.TorchMap`
    - ``laws`` -- polynomials of the model's ring (default: its known laws)
    - ``data`` -- (optional) the training set `X`: watch the laws of the
      gradient flows on that data set at the module's current weights (the
      explicit data laws of :func:`~sage_conslaw.datalaws.network.data_lie_trace`:
      frozen directions, dead neurons, balancedness and cross laws), after
      ``laws`` if given; :attr:`kinds` says the kind of each law,
      :attr:`data_result` holds the certified count, and :meth:`law_drifts`
      and :meth:`held` give the drift of each law
    - ``masks`` -- with ``data`` and Dropout: ``'all'`` (default: the laws of
      training with every mask), ``'eval'`` or given masks (see
      :mod:`~sage_conslaw.datalaws.graph`)

    Use :meth:`attach` (a hook on the optimizer's ``step``) or call the monitor
    (``monitor()``) once per step.  :attr:`steps` and :meth:`values` hold the
    records; :meth:`drift` and :meth:`plot` show how far the laws moved.

    EXAMPLES::

        sage: import torch  # optional - torch
        sage: from sage_conslaw.torch import LawMonitor, from_torch  # optional - torch
        sage: net = torch.nn.Linear(2, 2, bias=False)  # optional - torch
        sage: LawMonitor(net)  # optional - torch
        Traceback (most recent call last):
        ...
        ValueError: no law to monitor: the model has no known conservation law; pass laws=[...]
        sage: tm = from_torch(torch.nn.Sequential(torch.nn.Linear(2, 2, bias=False), torch.nn.Linear(2, 1, bias=False)))  # optional - torch
        sage: U1 = tm.model.parameters()['U1']  # optional - torch
        sage: m = LawMonitor(tm, laws=[U1[0, 0]^2]); m(); m.values().shape  # optional - torch
        (1, 1)
        sage: LawMonitor(3)  # optional - torch
        Traceback (most recent call last):
        ...
        TypeError: LawMonitor needs a torch.nn.Module or the TorchMap of from_torch, got 3 (Integer)

    The laws of the training set: an input feature that is always `0` freezes
    the weights that read it::

        sage: torch.manual_seed(1); net = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 1))  # optional - torch
        <torch._C.Generator object at ...>
        sage: X = torch.randn(32, 3); X[:, 2r] = 0r; Y = torch.randn(32, 1)  # optional - torch
        sage: m = LawMonitor(net, data=X); m.data_result.number_of_laws, m.data_result.certified  # optional - torch
        (8, True)
        sage: sorted(set(m.kinds))  # optional - torch
        ['balancedness', 'frozen']
        sage: opt = torch.optim.SGD(net.parameters(), lr=float(1e-2)); _ = m.attach(opt)  # optional - torch
        sage: for _ in range(10):  # optional - torch
        ....:     opt.zero_grad(); ((net(X) - Y)**2).mean().backward(); opt.step()
        sage: d = m.law_drifts(); bool(max(d[k] for k in range(len(d)) if m.kinds[k] == 'frozen') == 0)  # optional - torch
        True
        sage: m.held(1e-8) >= 4  # optional - torch
        True

    Trained with Dropout: the laws of every mask (those of tied units are lost,
    the frozen directions stay)::

        sage: torch.manual_seed(2); net = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.ReLU(), torch.nn.Dropout(0.5r), torch.nn.Linear(2, 1))  # optional - torch
        <torch._C.Generator object at ...>
        sage: X = torch.randn(4, 3); X[:, 0r] = 0r  # optional - torch
        sage: m = LawMonitor(net, data=X); m.data_result.certified, m.data_result.data_model.pairs  # optional - torch
        (True, 16)
        sage: 'frozen' in m.kinds and 'cross' not in m.kinds  # optional - torch
        True
    """

    def __init__(self, model_or_module, laws=None, data=None, masks=None):
        r"""
        TESTS::

            sage: import torch  # optional - torch
            sage: from sage_conslaw.torch import LawMonitor  # optional - torch
            sage: m = LawMonitor(torch.nn.Sequential(torch.nn.Linear(1, 2), torch.nn.ReLU(), torch.nn.Linear(2, 1)))  # optional - torch
            sage: len(m.laws), m.steps  # optional - torch
            (2, [])
        """
        import torch
        if isinstance(model_or_module, TorchMap):
            self.map = model_or_module
        elif isinstance(model_or_module, torch.nn.Module):
            self.map = from_torch(model_or_module)
        else:
            raise TypeError("LawMonitor needs a torch.nn.Module or the TorchMap of from_torch, got %r (%s)"
                            % (model_or_module, type(model_or_module).__name__))
        model = self.map.model
        self.frozen_note = _frozen_note(model)
        if self.frozen_note:
            warnings.warn(self.frozen_note, stacklevel=2)
        self.data_result, kinds = None, []
        if data is not None:
            self.data_result = data_lie_trace(self.map, data, **({} if masks is None else {'masks': masks}))
            found = self.data_result.laws_by_kind()
            given = [] if laws is None else list(laws)
            kinds = ['given'] * len(given)
            laws = given
            for kind in found:          # frozen, dead, balancedness, cross (and rescaling, translation on a graph)
                laws += found[kind]
                kinds += [kind] * len(found[kind])
            if not laws:
                raise ValueError("no law to monitor: the gradient flows on this data set have no explicit law "
                                 "(%s laws, certified: %s)" % (self.data_result.number_of_laws,
                                                              self.data_result.certified))
        if laws is None:
            laws = model.known_conservation_laws()
            if not laws:
                raise ValueError("no law to monitor: the model has no known conservation law; pass laws=[...]")
        R = model.polynomial_ring()
        self.laws = [to_exact_polynomial(h, R, "the law") for h in laws]
        #: the kind of each law with ``data`` (``'given'`` for the laws passed), else ``None``
        self.kinds = kinds or None
        self._compiled = _compile(self.laws, model.D)
        self.steps = []
        self._values = []
        self._scale = None

    def __repr__(self):
        r"""
        TESTS::

            sage: import torch  # optional - torch
            sage: from sage_conslaw.torch import LawMonitor  # optional - torch
            sage: m = LawMonitor(torch.nn.Sequential(torch.nn.Linear(1, 1, bias=False), torch.nn.Linear(1, 1, bias=False)))  # optional - torch
            sage: m(); m  # optional - torch
            LawMonitor of 1 law on Network model: input x (1), 2 parameters (D = 2), 2 ops (linear, linear), output 1 node: 1 record
        """
        return "LawMonitor of %s law%s on %s: %s record%s" % (
            len(self.laws), "s" if len(self.laws) != 1 else "", self.map.model, len(self.steps),
            "s" if len(self.steps) != 1 else "")

    def evaluate(self, theta=None):
        r"""
        Return the values of the laws at `\theta` (default: the module's current parameters).

        EXAMPLES::

            sage: import torch  # optional - torch
            sage: from sage_conslaw.torch import LawMonitor  # optional - torch
            sage: net = torch.nn.Sequential(torch.nn.Linear(1, 1, bias=False), torch.nn.Linear(1, 1, bias=False))  # optional - torch
            sage: LawMonitor(net).evaluate([3.0, 2.0])       # U2^2 - U1^2 with U1 the last layer  # optional - torch
            array([-5.])
        """
        theta = self.map.theta() if theta is None else np.asarray(theta, dtype=float)
        return _evaluate(self._compiled, theta, len(self.laws))

    def record(self, step=None):
        r"""
        Evaluate the laws on the module's parameters now and record them (at
        ``step``, default: the number of records so far).

        EXAMPLES::

            sage: import torch  # optional - torch
            sage: from sage_conslaw.torch import LawMonitor  # optional - torch
            sage: m = LawMonitor(torch.nn.Sequential(torch.nn.Linear(1, 2), torch.nn.ReLU(), torch.nn.Linear(2, 1)))  # optional - torch
            sage: m.record(); m.record(10); m.steps  # optional - torch
            [0, 10]
        """
        theta = self.map.theta()
        if self._scale is None:
            self._scale = max(float(theta @ theta), 1e-300)
        self.steps.append(len(self.steps) if step is None else step)
        self._values.append(_evaluate(self._compiled, theta, len(self.laws)))

    __call__ = record

    def attach(self, optimizer):
        r"""
        Record now and after every ``optimizer.step()`` (a post-step hook; the
        training loop is unchanged).  Return the hook's handle (``handle.remove()`` detaches).

        EXAMPLES::

            sage: import torch  # optional - torch
            sage: from sage_conslaw.torch import LawMonitor  # optional - torch
            sage: net = torch.nn.Sequential(torch.nn.Linear(1, 2), torch.nn.ReLU(), torch.nn.Linear(2, 1))  # optional - torch
            sage: opt = torch.optim.SGD(net.parameters(), lr=float(0.1))  # optional - torch
            sage: m = LawMonitor(net); h = m.attach(opt); opt.step(); h.remove(); opt.step()  # optional - torch
            sage: m.steps  # optional - torch
            [0, 1]
        """
        import torch
        if not isinstance(optimizer, torch.optim.Optimizer):
            raise TypeError("attach needs a torch.optim.Optimizer, got %r" % (optimizer,))
        if not self.steps:
            self.record()
        return optimizer.register_step_post_hook(lambda opt, args, kwargs: self.record())

    def values(self):
        r"""
        Return the recorded values, one row per record, one column per law.

        EXAMPLES::

            sage: import torch  # optional - torch
            sage: from sage_conslaw.torch import LawMonitor  # optional - torch
            sage: m = LawMonitor(torch.nn.Sequential(torch.nn.Linear(1, 2), torch.nn.ReLU(), torch.nn.Linear(2, 1)))  # optional - torch
            sage: m.values().shape  # optional - torch
            (0, 2)
        """
        return np.array(self._values).reshape(len(self._values), len(self.laws))

    def law_drifts(self):
        r"""
        Return, for every law, `\max_t |h(\theta_t) - h(\theta_0)|` over the
        records (absolute).

        EXAMPLES::

            sage: import torch  # optional - torch
            sage: from sage_conslaw.torch import LawMonitor  # optional - torch
            sage: net = torch.nn.Sequential(torch.nn.Linear(1, 1, bias=False), torch.nn.Linear(1, 1, bias=False))  # optional - torch
            sage: m = LawMonitor(net); m.map.load([1.0, 1.0]); m()  # optional - torch
            sage: m.map.load([2.0, 1.0]); m(); m.law_drifts()  # optional - torch
            array([3.])
        """
        V = self.values()
        if not len(V):
            return np.zeros(len(self.laws))
        return np.abs(V - V[0]).max(axis=0)

    def held(self, tol=1e-8):
        r"""
        Return how many laws moved by at most ``tol`` (absolute) over the records.

        EXAMPLES::

            sage: import torch  # optional - torch
            sage: from sage_conslaw.torch import LawMonitor  # optional - torch
            sage: net = torch.nn.Sequential(torch.nn.Linear(1, 1, bias=False), torch.nn.Linear(1, 1, bias=False))  # optional - torch
            sage: m = LawMonitor(net); m(); m(); m.held()  # optional - torch
            1
        """
        return int((self.law_drifts() <= tol).sum())

    def drift(self, relative=True):
        r"""
        Return, for every record, `\max_k |h_k(\theta_t) - h_k(\theta_0)|`,
        divided by `\|\theta_0\|^2` if ``relative`` (the laws are quadratic).

        EXAMPLES::

            sage: import torch  # optional - torch
            sage: from sage_conslaw.torch import LawMonitor  # optional - torch
            sage: net = torch.nn.Sequential(torch.nn.Linear(1, 1, bias=False), torch.nn.Linear(1, 1, bias=False))  # optional - torch
            sage: m = LawMonitor(net); m.map.load([1.0, 1.0]); m()  # optional - torch
            sage: m.map.load([2.0, 1.0]); m(); m.drift()  # optional - torch
            array([0. , 1.5])
        """
        V = self.values()
        if not len(V):
            return np.zeros(0)
        d = np.abs(V - V[0]).max(axis=1)
        return d / self._scale if relative else d

    def plot(self, ax=None, relative=True, label=None):
        r"""
        Plot the drift against the steps (logarithmic scale); return the figure
        (shown inline in a notebook), or ``ax`` if given.

        EXAMPLES::

            sage: import torch, matplotlib  # optional - torch
            sage: matplotlib.use('Agg')  # optional - torch
            sage: from sage_conslaw.torch import LawMonitor  # optional - torch
            sage: m = LawMonitor(torch.nn.Sequential(torch.nn.Linear(1, 2), torch.nn.ReLU(), torch.nn.Linear(2, 1)))  # optional - torch
            sage: m(); m(); fig = m.plot(); fig._repr_png_()[:4]  # optional - torch
            b'\x89PNG'
        """
        axes = plot_drift({label or "laws": self}, ax=ax, relative=relative)
        return axes if ax is not None else axes.figure


def plot_drift(monitors, ax=None, relative=True, title=None):
    r"""
    Plot the drift of several monitors (e.g. SGD, SGD with momentum, Adam) on one axes.

    INPUT:

    - ``monitors`` -- a dict ``{label: LawMonitor}``
    - ``ax`` -- matplotlib axes (default: a new figure)
    - ``relative`` -- divide by `\|\theta_0\|^2`

    EXAMPLES::

        sage: import torch, matplotlib  # optional - torch
        sage: matplotlib.use('Agg')  # optional - torch
        sage: from sage_conslaw.torch import LawMonitor, plot_drift  # optional - torch
        sage: m = LawMonitor(torch.nn.Sequential(torch.nn.Linear(1, 2), torch.nn.ReLU(), torch.nn.Linear(2, 1)))  # optional - torch
        sage: m(); m()  # optional - torch
        sage: plot_drift({'SGD': m}).get_ylabel()  # optional - torch
        'max_k |h_k(t) - h_k(0)| / ||theta(0)||^2'
        sage: plot_drift({})  # optional - torch
        Traceback (most recent call last):
        ...
        ValueError: plot_drift needs at least one monitor
    """
    if not monitors:
        raise ValueError("plot_drift needs at least one monitor")
    if ax is None:       # a figure shown inline in a notebook, its labels never clipped
        ax = new_figure(figsize=(6, 3.5)).subplots()
    for label, m in monitors.items():
        d = m.drift(relative)
        # the first record has drift 0: plotted from the second one on a log scale
        ax.semilogy(m.steps[1:], np.maximum(d[1:], 1e-18), label=label)
    ax.set_xlabel("training step")
    ax.set_ylabel("max_k |h_k(t) - h_k(0)|" + (" / ||theta(0)||^2" if relative else ""))
    ax.set_title(title or "drift of the conservation laws")
    ax.legend()
    return ax
