"""argparse's own words ("usage:", "options", "invalid choice ...") in the chosen language.

Why: argparse writes its headings and error messages through its module-level ``_`` and
``ngettext`` (GNU gettext with the ``argparse`` domain, which no system ships in Chinese), so a
Chinese ``--help`` would still say "usage:" and "options". :func:`install` points both at the
project's catalog; the texts below are argparse's, marked so that the catalog holds them.
"""

from __future__ import annotations

import argparse

from simulations.i18n import N_, _, gettext, ngettext

#: The user-facing texts of argparse (Python 3.11+), exactly as argparse writes them.
ARGPARSE_TEXTS: tuple[str, ...] = (
    N_("usage: "),
    N_("options"),
    N_("positional arguments"),
    N_("show this help message and exit"),
    N_("%(prog)s: error: %(message)s\n"),
    N_("argument %(argument_name)s: %(message)s"),
    N_("expected one argument"),
    N_("expected at least one argument"),
    N_("expected at most one argument"),
    N_("expected %s argument"),
    N_("expected %s arguments"),
    N_("invalid %(type)s value: %(value)r"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("not allowed with argument %s"),
    N_("one of the arguments %s is required"),
    N_("the following arguments are required: %s"),
    N_("unrecognized arguments: %s"),
    N_("ambiguous option: %(option)s could match %(matches)s"),
    N_("ignored explicit argument %r"),
)


def install() -> None:
    """Make argparse translate its texts with the project's catalog (in the language then in force)."""
    argparse._ = gettext
    argparse.ngettext = ngettext


class Parser(argparse.ArgumentParser):
    """An argument parser whose section headings end in the language's colon ("选项：", not "选项:").

    Why: argparse appends an ASCII ":" to each heading outside any translatable text; sub-command
    parsers are made of the same class, so one override serves every ``--help``.
    """

    def format_help(self) -> str:
        """The help argparse writes, with the headings' colons in the current language."""
        text = super().format_help()
        colon = _(":")
        if colon != ":":
            for heading in (_("options"), _("positional arguments")):
                text = text.replace(f"\n{heading}:\n", f"\n{heading}{colon}\n")
        return text
