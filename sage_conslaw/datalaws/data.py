r"""
The data of the laws of a data set, read exactly: :func:`exact_data`.

EXAMPLES::

    sage: from sage_conslaw.datalaws.data import exact_data
    sage: exact_data([[0.5, 1]], 2)
    [1/2   1]
"""
import numpy as np

from sage.matrix.constructor import matrix
from sage.rings.rational_field import QQ

from sage_conslaw.core.thresholds import MAX_DATA_ENTRIES   # the most entries read exactly (one home)


def exact_data(X, n_inputs):
    r"""
    Return the data set ``X`` as an exact matrix over `\QQ`, one row per point.

    INPUT:

    - ``X`` -- a Sage matrix, a list of rows, a numpy array or a PyTorch tensor
      of shape `N \times n` (a flat list is one point); floats are converted
      exactly (a double is a dyadic rational)
    - ``n_inputs`` -- the number `n` of inputs of the network

    EXAMPLES::

        sage: import numpy as np
        sage: from sage_conslaw.datalaws.data import exact_data
        sage: exact_data([[1, 1/2], [0, 3]], 2)
        [  1 1/2]
        [  0   3]
        sage: exact_data(np.array([[float(0.1), float(2)]]), 2)[0, 0], exact_data([[0.1, 2]], 2)[0, 0]
        (3602879701896397/36028797018963968, 3602879701896397/36028797018963968)
        sage: exact_data([1, 2], 2)
        [1 2]
        sage: exact_data([[1, 2, 3]], 2)
        Traceback (most recent call last):
        ...
        ValueError: the data points have 3 coordinates, but the network has 2 inputs
        sage: exact_data("x", 2)
        Traceback (most recent call last):
        ...
        TypeError: the data X must be a matrix, a list of rows, a numpy array or a tensor of numbers, got 'x' (str)
        sage: exact_data([[float('nan'), 1]], 2)
        Traceback (most recent call last):
        ...
        ValueError: the data X has a non-finite entry (nan or inf)
        sage: exact_data([], 2)
        Traceback (most recent call last):
        ...
        ValueError: the data X has no point
    """
    if isinstance(X, (str, bytes)) or X is None:
        raise TypeError("the data X must be a matrix, a list of rows, a numpy array or a tensor of numbers, "
                        "got %r (%s)" % (X, type(X).__name__))
    if hasattr(X, "detach") and hasattr(X, "cpu"):        # a PyTorch tensor
        X = X.detach().cpu().double().numpy()
    if hasattr(X, "nrows") and hasattr(X, "ncols"):       # a Sage matrix
        rows = [list(r) for r in X.rows()]
    else:
        arr = np.asarray(X, dtype=object)
        if arr.ndim == 1 and arr.size and not isinstance(arr[0], (list, tuple, np.ndarray)):
            arr = arr.reshape(1, -1)
        if arr.ndim != 2:
            if arr.size == 0:
                raise ValueError("the data X has no point")
            raise ValueError("the data X must be 2-dimensional (N points x %s inputs), got shape %s"
                             % (n_inputs, arr.shape))
        rows = arr.tolist()
    if not rows:
        raise ValueError("the data X has no point")
    if len(rows[0]) != n_inputs or any(len(r) != n_inputs for r in rows):
        raise ValueError("the data points have %s coordinates, but the network has %s inputs"
                         % (sorted({len(r) for r in rows})[-1 if len(rows[0]) == n_inputs else 0], n_inputs))
    if len(rows) * n_inputs > MAX_DATA_ENTRIES:
        raise ValueError("the data X has %s entries, above the limit %s read exactly"
                         % (len(rows) * n_inputs, MAX_DATA_ENTRIES))
    try:
        entries = [_exact_entry(x) for r in rows for x in r]
    except (TypeError, ValueError) as e:
        raise type(e)(str(e)) from None
    return matrix(QQ, len(rows), n_inputs, entries)


def _exact_entry(x):
    r"""
    One entry of the data as an exact rational (floats exactly).

    TESTS::

        sage: from sage_conslaw.datalaws.data import _exact_entry
        sage: _exact_entry(0.5), _exact_entry(3), _exact_entry(2/3), _exact_entry(0.1) == QQ(0.1)
        (1/2, 3, 2/3, False)
        sage: _exact_entry(float('inf'))
        Traceback (most recent call last):
        ...
        ValueError: the data X has a non-finite entry (nan or inf)
        sage: _exact_entry('1')
        Traceback (most recent call last):
        ...
        TypeError: the data X must hold numbers, got '1' (str)
    """
    if isinstance(x, (str, bytes)):
        raise TypeError("the data X must hold numbers, got %r (%s)" % (x, type(x).__name__))
    inexact = isinstance(x, (float, np.floating)) or (
        hasattr(x, "parent") and callable(x.parent) and hasattr(x.parent(), "is_exact") and not x.parent().is_exact())
    if inexact:
        f = float(x)
        if not np.isfinite(f):
            raise ValueError("the data X has a non-finite entry (nan or inf)")
        n, d = f.as_integer_ratio()          # exactly the double
        return QQ(n) / QQ(d)
    try:
        return QQ(x)
    except (TypeError, ValueError):
        raise TypeError("the data X must hold numbers, got %r (%s)" % (x, type(x).__name__)) from None
