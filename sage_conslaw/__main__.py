r"""
``python -m sage_conslaw``: the command line ``sage-conslaw``, defined in :mod:`sage_conslaw.cli`
(Sage's doctest runner skips ``__main__.py`` files, so the code and its doctests live there).
"""
import sys

from sage_conslaw.cli import main

if __name__ == "__main__":
    sys.exit(main())
