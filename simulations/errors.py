"""Errors that are the user's to fix: the CLI prints their message and exits with status 2."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class UserError(ValueError):
    """Bad input from a person (file, field, value, folder); the message says what was expected.

    Raised either with a finished message, or with an English template marked ``N_(...)`` and its
    named values: ``UserError(N_("round {n} is closed"), n=3)``. The second form lets a page show
    the message in its own language (:meth:`translated`), whatever the language of the process that
    raised it (the classroom's store serves pages in several languages at once).
    """

    def __init__(self, message: str = "", **values: Any) -> None:
        self.template = message
        self.values = values
        super().__init__(message.format(**values) if values else message)

    def translated(self, translate: Callable[[str], str]) -> str:
        """The message in the language of ``translate`` (a ``simulations.i18n.translator``)."""
        text = translate(self.template)
        return text.format(**self.values) if self.values else text
