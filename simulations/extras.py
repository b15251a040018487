"""Optional parts of the install and the check that names the extra a command needs.

Why: ``pip install crm-sandbox`` brings only what the engine, the main job, datasets and the CLI
need. Notebooks, the classroom's Voila pages and Dask are extras (``pyproject.toml``). A command
that needs one must say which, before it writes anything, instead of failing deep inside with
``ModuleNotFoundError: No module named 'voila'``.
"""

from __future__ import annotations

import importlib.util

from simulations.errors import UserError
from simulations.i18n import _

#: Import names each extra provides (kept in step with ``[project.optional-dependencies]`` by a test).
EXTRAS: dict[str, tuple[str, ...]] = {
    # lifetimes: only for the CDNOW file it ships, which L06's real-data step reads (never imported)
    "labs": ("jupyterlab", "jupytext", "nbclient", "nbformat", "ipykernel", "lifetimes"),
    "classroom": ("voila", "ipywidgets", "ipykernel"),
    "experiments": ("dask", "distributed"),
}


class MissingExtra(UserError):
    """A command needs packages of an extra that is not installed (the CLI exits with 2)."""


def missing_modules(extra: str, modules: tuple[str, ...] | None = None) -> list[str]:
    """Import names of ``extra`` (or just ``modules`` of it) that cannot be imported here."""
    names = EXTRAS[extra] if modules is None else modules
    return [name for name in names if importlib.util.find_spec(name) is None]


def require_extra(extra: str, what: str, modules: tuple[str, ...] | None = None) -> None:
    """Raise :class:`MissingExtra` naming ``extra`` when ``what`` cannot run for want of its packages.

    ``modules`` narrows the check to the packages ``what`` imports (``labs release`` needs jupytext
    but not JupyterLab), so a partial install is not refused for a package it does not use.
    """
    missing = missing_modules(extra, modules)
    if missing:
        raise MissingExtra(
            _("{what} needs the optional package(s) {packages}, which are not installed; "
              "install the [{extra}] extra: pip install 'crm-sandbox[{extra}]' "
              "(in a clone of the repository: pip install -e '.[{extra}]')").format(
                what=what, packages=", ".join(missing), extra=extra)
        )
