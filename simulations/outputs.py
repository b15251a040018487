"""Writing result folders safely: check first, stage everything, then move it into place.

Why: a run that fails half-way (a crash, Ctrl-C, a full disk) must not leave an output folder
with some files new and some old. Files are written to a hidden staging folder beside the target
and moved in only when all of them exist; a file move within one file system is atomic.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from simulations.errors import UserError
from simulations.i18n import N_, _


def check_writable(folder: Path) -> None:
    """Fail before any work if ``folder`` (and a staging folder beside it) cannot be written."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise UserError(_("{folder}: exists and is not a folder").format(folder=folder))
    for ancestor in folder.parents:  # `--out notes.txt/run` must say which part is a file, not "File exists"
        if ancestor.exists():
            if not ancestor.is_dir():
                raise UserError(_("{folder}: cannot create the output folder inside {file}, which is a file")
                                .format(folder=folder, file=ancestor))
            break
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=f".{folder.name}.probe-", dir=folder.parent)
        os.close(fd)
        os.unlink(probe)
        if folder.exists():
            fd, probe = tempfile.mkstemp(prefix=".probe-", dir=folder)
            os.close(fd)
            os.unlink(probe)
    except OSError as err:
        raise UserError(_("{folder}: output folder cannot be written ({reason})").format(folder=folder, reason=err.strerror)) \
            from None


def check_not_clobbering(folder: Path, force: bool, what: str = N_("output folder")) -> None:
    """Refuse a non-empty existing ``folder`` unless ``force``: an earlier run's results are not replaced by accident.

    ``what`` names the folder in English; it is translated here (mark it with ``N_`` where written).
    """
    folder = Path(folder)
    if not force and folder.is_dir() and any(folder.iterdir()):
        raise UserError(_("{folder}: {what} exists and is not empty (an earlier run?); "
                          "pass --force to replace its files, or choose another --out").format(folder=folder, what=_(what)))


@contextmanager
def staged_folder(folder: Path, replace: bool = False) -> Iterator[Path]:
    """Yield a staging folder; on success its files replace those in ``folder``.

    With ``replace=True`` the whole target folder is swapped for the staged one (for datasets
    that must never mix two generations); otherwise files are moved in one by one, leaving
    unrelated files in the target alone.
    """
    folder = Path(folder)
    check_writable(folder)
    parent = folder.parent
    parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{folder.name}.staging-", dir=parent))
    try:
        yield stage
        if replace:
            old = None
            if folder.exists():
                old = Path(tempfile.mkdtemp(prefix=f".{folder.name}.old-", dir=parent))
                os.replace(folder, old / "x")
            os.replace(stage, folder)
            if old is not None:
                shutil.rmtree(old, ignore_errors=True)
        else:
            folder.mkdir(parents=True, exist_ok=True)
            for src in sorted(stage.rglob("*")):
                if src.is_file():
                    dst = folder / src.relative_to(stage)
                    dst.parent.mkdir(parents=True, exist_ok=True)
                    os.replace(src, dst)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
