r"""
Reproduction of the paper's tables: ``python -m sage_conslaw reproduce``.

- :mod:`~sage_conslaw.reproduction.sampling` -- the random architectures, as the authors drew them
- :mod:`~sage_conslaw.reproduction.tables` -- the checks, the report, CSV and JSON

EXAMPLES::

    sage: from sage_conslaw.reproduction import reproduce_tables
    sage: print(reproduce_tables(linear=1, relu=1, poly=0, progress=False).summary())
    2/2 architectures: no conservation law beyond the known ones (all certified)
"""
from sage_conslaw.reproduction.sampling import sample_architectures  # noqa: F401
from sage_conslaw.reproduction.tables import reproduce_tables, ReproductionReport  # noqa: F401
