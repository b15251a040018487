"""The two classroom pages as the notebooks in ``cases/app/`` call them (each notebook is two lines).

Why the notebooks only call these: the pages are library code, built and clicked in tests without
a browser (:class:`TeamPage`, :class:`InstructorPage`). Under Voila the page reads its join code
or instructor key and its language from the URL (``?code=...&lang=zh``) and polls the session
store so it updates itself; the server has already refused any request without a valid code.
"""

from __future__ import annotations

from pathlib import Path

import ipywidgets as w

from simulations.classroom.instructor_page import InstructorPage, debrief_plot
from simulations.classroom.page_parts import query_param, results_table, session_folder, weekly_plot
from simulations.classroom.team_page import TeamPage

__all__ = ["InstructorPage", "TeamPage", "debrief_plot", "instructor_page", "results_table", "session_folder",
           "team_page", "weekly_plot"]


def team_page(folder: str | Path | None = None) -> w.Widget:
    """The team page widget for the member whose join code is in the URL (``?code=...``)."""
    return TeamPage(folder, code=query_param("code"), lang=query_param("lang"), poll=True).widget


def instructor_page(folder: str | Path | None = None) -> w.Widget:
    """The instructor page widget; the key comes from the URL (``?key=...``)."""
    return InstructorPage(folder, key=query_param("key"), lang=query_param("lang"), poll=True).widget
