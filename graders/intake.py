"""Taking in a class's submissions folder: only plain files and plain names go any further.

Why: the submissions folder is filled by students (or by an LMS export of what students
uploaded), so it can hold a symlink to another student's notebook, a device or FIFO that hangs
a reader, a file of many gigabytes, or a folder name made to break a report or a path. Each
entry is judged here with ``lstat`` (links are never followed); anything not plain becomes that
student's "refused" row with the reason, and the files the grader does use are later opened
with ``O_NOFOLLOW`` so a link swapped in afterwards is not followed either.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

#: a student id as it may appear in a folder name, a report path and a CSV cell
SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}")
MAX_FILE_BYTES = 64 << 20
MAX_FOLDER_BYTES = 256 << 20
MAX_ENTRIES = 2_000


@dataclass(frozen=True)
class Entry:
    """One entry of the submissions folder: the student id used in reports, its folder, and why it is refused."""

    sid: str
    folder: Path
    refused: str = ""


def display_name(name: str) -> str:
    """A folder name made safe for reports and paths: unusual characters become ``_``."""
    safe = re.sub(r"[^A-Za-z0-9._@+-]", "_", name)[:128].lstrip(".-") or "_"
    return safe


def _problem(folder: Path) -> str:
    """Why ``folder`` (a student's folder, already known to be a real directory) is refused, or ''."""
    total = count = 0
    stack = [folder]
    while stack:
        current = stack.pop()
        with os.scandir(current) as it:
            for item in it:
                count += 1
                if count > MAX_ENTRIES:
                    return f"the submission holds more than {MAX_ENTRIES} files"
                info = item.stat(follow_symlinks=False)
                rel = display_name(str(Path(item.path).relative_to(folder)).replace(os.sep, "/"))
                if stat.S_ISLNK(info.st_mode):
                    return f"{rel} is a symbolic link (only plain files are accepted)"
                if stat.S_ISDIR(info.st_mode):
                    stack.append(Path(item.path))
                    continue
                if not stat.S_ISREG(info.st_mode):
                    return f"{rel} is not a plain file (a device, pipe or socket)"
                if info.st_size > MAX_FILE_BYTES:
                    return f"{rel} is larger than {MAX_FILE_BYTES >> 20} MiB"
                total += info.st_size
                if total > MAX_FOLDER_BYTES:
                    return f"the submission is larger than {MAX_FOLDER_BYTES >> 20} MiB in all"
    return ""


def scan(submissions: Path) -> list[Entry]:
    """Every non-hidden entry of ``submissions``, in name order, each accepted or refused with a reason."""
    entries: list[Entry] = []
    used: set[str] = set()
    for path in sorted(Path(submissions).iterdir()):
        name = path.name
        if name.startswith("."):
            continue
        sid = name if SAFE_NAME.fullmatch(name) else display_name(name)
        while sid in used:
            sid += "_"
        used.add(sid)
        mode = path.lstat().st_mode
        if stat.S_ISLNK(mode):
            why = "the submission is a symbolic link (only plain folders are accepted)"
        elif not stat.S_ISDIR(mode):
            why = "expected a folder per student, found a file"
        elif not SAFE_NAME.fullmatch(name):
            why = "the folder name may hold only letters, digits and . _ @ + - (at most 128, not starting with . or -)"
        else:
            try:
                why = _problem(path)
            except OSError as err:
                why = f"the submission cannot be read ({err.strerror})"
        entries.append(Entry(sid, path, why))
    return entries


def read_plain(path: Path, limit: int) -> bytes:
    """The bytes of ``path``, refusing a symlink or non-regular file (``O_NOFOLLOW``) and anything over ``limit``."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise OSError(f"{path.name} is not a plain file")
        if info.st_size > limit:
            raise OSError(f"{path.name} is larger than {limit >> 20} MiB")
        with os.fdopen(fd, "rb", closefd=False) as f:
            data = f.read(limit + 1)
        if len(data) > limit:
            raise OSError(f"{path.name} is larger than {limit >> 20} MiB")
        return data
    finally:
        os.close(fd)
