"""The kernel behind every classroom page: ipykernel without the parts a Voila page never uses.

Why: a class of 30 teams runs 30+ kernels on one 2-core machine within a 2 GiB budget, and each
kernel's memory is mostly IPython. A Voila page never asks for code completion, so jedi (imported
by IPython's completer when it is installed, ~5 MiB and part of the start-up time per kernel) is
kept out, and the input history database (a SQLite file and a thread per kernel) is off. The
server installs this as the ``python3`` kernelspec of its own Jupyter path (``server.py``), so the
notebooks in ``cases/app/`` stay plain.
"""

from __future__ import annotations

import sys


def main() -> None:
    """Start an IPython kernel (arguments as for ``python -m ipykernel_launcher``)."""
    sys.modules["jedi"] = None  # type: ignore[assignment] - makes `import jedi` fail: IPython runs without it
    from ipykernel import kernelapp

    kernelapp.launch_new_instance()


if __name__ == "__main__":
    main()
