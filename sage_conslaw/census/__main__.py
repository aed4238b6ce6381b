r"""
``python -m sage_conslaw.census``: the census command line (see :mod:`~sage_conslaw.census.cli`).

EXAMPLES::

    sage: import sage_conslaw.census.__main__
"""
import sys

from sage_conslaw.census.cli import main

if __name__ == "__main__":
    sys.exit(main())
