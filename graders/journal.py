"""Resuming an interrupted batch: each finished stage-A run is journalled, so a re-run skips it.

Why: stage A costs seconds to minutes per notebook, so a batch of a few hundred stopped by a
reboot, Ctrl-C or a full disk should not start again from zero. Each run's result is written
(atomically) beside the output folder as soon as it is known, keyed by a fingerprint of
everything that decides it: the lab, the limits, the isolation, the student's files and the
dataset. Running the same ``crm-sandbox grade`` again reuses every entry whose fingerprint still
matches (a re-submitted notebook is run again) and the journal is removed once the reports are in
place. Stage B is cheap and always recomputed.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

from graders.sandbox import Limits, RunResult


def folder_for(out: Path) -> Path:
    """The journal of a batch writing to ``out``: a hidden folder beside it."""
    out = Path(out)
    return out.parent / f".{out.name}.journal"


def fingerprint(lab: str, folder: Path, dataset: Path | None, limits: Limits, isolate: bool | str) -> str:
    """A digest of everything a stage-A result depends on (file contents, not modification times)."""
    h = hashlib.sha256(json.dumps([lab, dataclasses.asdict(limits), isolate, str(dataset)]).encode())
    for path in sorted(p for p in Path(folder).rglob("*") if p.is_file() and not p.is_symlink()):
        h.update(str(path.relative_to(folder)).encode() + b"\0")
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
    return h.hexdigest()


class Journal:
    """Stage-A results of one batch, one JSON file per student, written as each run finishes."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def open(self) -> None:
        """Create the journal folder (private to this user) if it is not there yet."""
        self.folder.mkdir(parents=True, exist_ok=True)
        os.chmod(self.folder, 0o700)

    def _path(self, sid: str) -> Path:
        return self.folder / f"{hashlib.sha256(sid.encode()).hexdigest()[:32]}.json"

    def get(self, sid: str, digest: str) -> RunResult | None:
        """The journalled result of ``sid`` if it was made from the same inputs, else None."""
        try:
            entry = json.loads(self._path(sid).read_text(encoding="utf-8"))
            if entry["sid"] != sid or entry["fingerprint"] != digest:
                return None
            return RunResult(**entry["result"])
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def put(self, sid: str, digest: str, result: RunResult) -> None:
        """Record ``sid``'s result (write to a temporary file, then rename: a crash never leaves half an entry)."""
        self.open()
        body = json.dumps({"sid": sid, "fingerprint": digest, "result": dataclasses.asdict(result)})
        fd, tmp = tempfile.mkstemp(dir=self.folder, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(body)
        os.replace(tmp, self._path(sid))

    def remove(self) -> None:
        """Drop the journal (the batch's reports are complete)."""
        shutil.rmtree(self.folder, ignore_errors=True)
