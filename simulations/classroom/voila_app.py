"""The classroom's Voila server: Voila with a gate before every kernel, no listings, and a download route.

Why a subclass and not only a config file: three things the classroom needs are not settings.
1. A page request without a valid join code (team page) or instructor key (instructor page) must
   not start a kernel (each costs ~60-170 MiB and about a CPU-second): the prelaunch hook checks
   the code against the session store and answers 403 before any kernel exists.
2. No URL may list the notebooks: Voila's directory mode serves a tree at ``/`` and
   ``/voila/tree`` and a contents API; those handlers are left out, and ``/`` answers a short
   page telling students to use the link from their instructor.
3. The instructor downloads the export from the page: the instructor's kernel writes the zip into
   the session folder (never into the served folder), and ``/classroom/download/ID.zip?key=...``
   streams it to whoever holds the instructor key.

Run as ``python -m simulations.classroom.voila_app NOTEBOOK_DIR`` (``server.start_server`` does).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import tornado.web
from voila.app import Voila
from voila.tornado.contentshandler import VoilaContentsHandler
from voila.tornado.treehandler import TornadoVoilaTreeHandler

from simulations.classroom.store import SESSION_ENV, AccessError, Store

#: Folder (inside the session folder) where the instructor's kernel leaves export zips.
DOWNLOADS = "downloads"
DOWNLOAD_ROUTE = "/classroom/download/"
_ID = re.compile(r"^[0-9a-f]{32}$")
_store: Store | None = None


def session_store() -> Store:
    """The session store of this server (opened once: the gate runs on every page request)."""
    global _store
    if _store is None:
        _store = Store(os.environ[SESSION_ENV])
    return _store


def allowed(path: str, arguments: dict[str, str]) -> bool:
    """Whether a page request may start a kernel: a team page with a valid code, the instructor page with the key."""
    store = session_store()
    name = path.rstrip("/").rsplit("/", 1)[-1]
    if name == "team.ipynb":
        return store.valid_code(arguments.get("code", ""))
    if name == "instructor.ipynb":
        try:
            store.check_instructor(arguments.get("key", ""))
        except AccessError:
            return False
        return True
    return False


def gate(req: tornado.web.RequestHandler, notebook: Any = None, cwd: str = "") -> None:
    """Voila's prelaunch hook: refuse (403) before a kernel starts unless :func:`allowed`."""
    arguments = {k: req.get_argument(k, "") for k in ("code", "key")}
    if not allowed(req.request.path, arguments):
        raise tornado.web.HTTPError(403, reason="A valid join code or instructor key is needed")


class NoListingHandler(tornado.web.RequestHandler):
    """``/``: a short note instead of a listing of the notebooks."""

    def get(self) -> None:
        """Answer 404 with where to go instead."""
        self.set_status(404)
        self.finish("<p>Open the link with your join code that your instructor gave you.</p>"
                    "<p>请使用老师提供的带加入码的链接。</p>")


class DownloadHandler(tornado.web.RequestHandler):
    """``/classroom/download/ID.zip?key=...``: an export zip the instructor's page prepared."""

    def get(self, file_id: str) -> None:
        """Stream the zip to the holder of the instructor key; 403 or 404 otherwise."""
        try:
            session_store().check_instructor(self.get_argument("key", ""))
        except AccessError as err:
            raise tornado.web.HTTPError(403) from err
        path = Path(os.environ[SESSION_ENV]) / DOWNLOADS / f"{file_id}.zip"
        if not _ID.match(file_id) or not path.is_file():
            raise tornado.web.HTTPError(404)
        name = re.sub(r"[^\w.-]", "_", self.get_argument("name", "export"))[:80] or "export"
        self.set_header("Content-Type", "application/zip")
        self.set_header("Content-Disposition", f'attachment; filename="{name}.zip"')
        self.finish(path.read_bytes())


class ClassroomVoila(Voila):
    """Voila serving the two classroom pages behind :func:`gate`, without tree or contents listings."""

    def init_settings(self) -> dict:
        """Voila's settings, with the gate installed as the prelaunch hook."""
        self.voila_configuration.prelaunch_hook = gate
        return super().init_settings()

    def init_handlers(self) -> list:
        """Voila's handlers without the listings, plus the root note and the download route."""
        hidden = (TornadoVoilaTreeHandler, VoilaContentsHandler)
        kept = [h for h in super().init_handlers() if not (len(h) > 1 and h[1] in hidden)]
        root = self.server_url.rstrip("/")
        return [(root + "/", NoListingHandler), (root + r"/voila/tree.*", NoListingHandler),
                (root + DOWNLOAD_ROUTE + r"([0-9a-f]+)\.zip", DownloadHandler), *kept]


def main() -> None:
    """Start the server (command-line arguments as for ``voila``)."""
    ClassroomVoila.launch_instance()


if __name__ == "__main__":
    main()
