"""Per-student datasets: each student's seed is an HMAC of the course secret, assignment and id.

Why an HMAC: students in one course must get different data (no copying answers), the instructor
must be able to regenerate anyone's dataset and keys from the secret alone, and a student who
knows the scenario, the code and their own id must not be able to regenerate anyone's truth. A
keyed hash gives all three; the seed is written only to the instructor's keys.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
from collections.abc import Callable
from pathlib import Path
from typing import Any

from simulations.errors import UserError
from simulations.i18n import _
from simulations.recording.generate import GeneratedDataset, check_request, generate_dataset

ROSTER_COLUMNS: tuple[str, ...] = ("student_id", "id")


def read_secret(path: Path) -> bytes:
    """The course secret (file contents without surrounding whitespace); it must not be empty."""
    try:
        secret = Path(path).read_bytes().strip()
    except FileNotFoundError:
        raise UserError(_("--secret-file {path}: file not found").format(path=path)) from None
    except OSError as err:
        raise UserError(_("--secret-file {path}: cannot read ({reason})").format(path=path, reason=err.strerror)) from None
    if not secret:
        raise UserError(_("--secret-file {path}: the secret is empty; put a long random string in it").format(path=path))
    return secret


def read_roster(path: Path) -> list[str]:
    """Student ids from a CSV with a ``student_id`` (or ``id``) column; ids must be non-empty and unique."""
    try:
        with Path(path).open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            column = next((c for c in ROSTER_COLUMNS if c in (reader.fieldnames or [])), None)
            if column is None:
                raise UserError(_("--roster {path}: needs a column 'student_id'; found {columns}").format(
                    path=path, columns=", ".join(reader.fieldnames or [])))
            ids = [(row.get(column) or "").strip() for row in reader]
    except FileNotFoundError:
        raise UserError(_("--roster {path}: file not found").format(path=path)) from None
    if not ids:
        raise UserError(_("--roster {path}: no students").format(path=path))
    seen: set[str] = set()
    for line, sid in enumerate(ids, start=2):
        if not sid:
            raise UserError(_("--roster {path}, line {line}: empty student_id").format(path=path, line=line))
        if sid in seen:
            raise UserError(_("--roster {path}, line {line}: duplicate student_id {id}").format(
                path=path, line=line, id=repr(sid)))
        if Path(sid).name != sid or sid in (".", ".."):
            raise UserError(_("--roster {path}, line {line}: student_id {id} cannot be a folder name").format(
                path=path, line=line, id=repr(sid)))
        seen.add(sid)
    return ids


def student_seed(secret: bytes, assignment: str, student_id: str) -> int:
    """A 63-bit seed: HMAC-SHA256 of the assignment and the student id under the course secret."""
    msg = f"{assignment}\x1f{student_id}".encode()
    return int.from_bytes(hmac.new(secret, msg, hashlib.sha256).digest()[:8], "big") >> 1


def issue_datasets(
    roster: Path,
    secret_file: Path,
    scenario: str,
    out: Path,
    *,
    assignment: str = "default",
    keys: Path | None = None,
    customers: int | None = None,
    weeks: int | None = None,
    force: bool = False,
    progress: Callable[[str], Any] | None = None,
    **options: Any,
) -> list[GeneratedDataset]:
    """Generate ``out/<student_id>/`` datasets and ``keys/<student_id>/`` keys (default keys: ``<out>-keys``)."""
    ids = read_roster(roster)
    secret = read_secret(secret_file)
    out = Path(out)
    keys = Path(keys) if keys is not None else out.with_name(out.name + "-keys")
    check_request(out, keys, options.get("locale", "en_US"), customers, weeks, 0, force)
    made = []
    for sid in ids:
        if progress is not None:
            progress(sid)
        made.append(generate_dataset(scenario, customers, weeks, student_seed(secret, assignment, sid), out / sid,
                                     keys / sid, force=True, assignment=assignment, public_seed=False, **options))
    return made
