"""``crm-sandbox``: a thin command line. Each sub-command module parses, calls one library
function and reports. A user's mistake (``UserError``) prints one message and exits with 2.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import sys

from simulations import __version__
from simulations.errors import UserError
from simulations.i18n import _, set_language

#: Sub-command modules; each defines ``register(subparsers)`` and sets ``func`` on its parsers.
COMMAND_MODULES: tuple[str, ...] = (
    "simulations.cli.simulate",
    "simulations.cli.bench",
    "simulations.cli.datasets",
    "simulations.cli.experiment",
    "simulations.cli.classroom",
    "simulations.cli.grade",
    "simulations.cli.labs",
    "simulations.cli.validate",
)


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser (also used by the docs test)."""
    from simulations.cli import argparse_text

    argparse_text.install()
    parser = argparse_text.Parser(prog="crm-sandbox", description=_("CRM Lifecycle Sandbox"))
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}",
                        help=_("show the program's version number and exit"))
    _add_lang_option(parser, argparse.SUPPRESS)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    _describe_from_help(parser)
    return parser


def _add_lang_option(parser: argparse.ArgumentParser, default: object) -> None:
    parser.add_argument("--lang", default=default, metavar="{en,zh}",
                        help=_("language of messages, reports and plots (default: $CRM_LANG, else en)"))


def _language_from_argv(argv: list[str]) -> str | None:
    """The value of ``--lang`` anywhere in ``argv``, read before the parser is built.

    Why: help texts and messages are translated when the parser is built, so the language must be
    known first; the parser still checks the option properly afterwards.
    """
    for index, item in enumerate(argv):
        if item == "--lang" and index + 1 < len(argv):
            return argv[index + 1]
        if item.startswith("--lang="):
            return item.split("=", 1)[1]
    return None


def _describe_from_help(parser: argparse.ArgumentParser) -> None:
    """Give every sub-command without a description its one-line help as description.

    Why: ``crm-sandbox simulate --help`` otherwise shows only the usage and options, never what the
    command does; the line written for the command list is the least that should appear.
    """
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for choice in action._choices_actions:
                child = action.choices[choice.dest]
                if child.description is None and choice.help:
                    child.description = choice.help[0].upper() + choice.help[1:] + _(".")
                if not any("--lang" in a.option_strings for a in child._actions):
                    _add_lang_option(child, argparse.SUPPRESS)
                _describe_from_help(child)


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``crm-sandbox``.

    Everything, parsing and the lazy imports of the command modules included, runs inside the
    handlers, so Ctrl-C at any moment of start-up ends with one line and status 130, not a traceback.
    ``--lang`` holds for this call only: the language goes back to ``CRM_LANG`` when it returns.
    """
    try:
        arguments = sys.argv[1:] if argv is None else list(argv)
        set_language(_language_from_argv(arguments))
        parser = build_parser()
        args = parser.parse_args(arguments)
        if not getattr(args, "func", None):
            parser.print_help()
            return 2
        return int(args.func(args) or 0)
    except UserError as err:
        print(_("crm-sandbox: error: {message}").format(message=err.translated(_)), file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into a reader that stopped early (e.g. `| head`)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        return _interrupted()
    except ImportError as err:
        if _caused_by_ctrl_c(err):  # Ctrl-C while a C extension initialises surfaces as ImportError
            return _interrupted()
        raise
    finally:  # a caller that runs several commands in one process (tests) starts each afresh
        with contextlib.suppress(UserError):  # an invalid CRM_LANG is reported above, not here again
            set_language(None)


def run() -> None:
    """Console entry point (``crm-sandbox``, ``python -m simulations.cli``): :func:`main`, then exit.

    After Ctrl-C the process ends at once with 130 (``os._exit``): an interrupt while a C extension
    initialises (matplotlib's ft2font) can leave it half-built, and the interpreter's own shutdown
    then aborts with "Fatal Python error". Nothing is left to clean up by then: staging folders are
    removed while the interrupt unwinds, and the message is already printed.
    """
    code = main()
    if code == 130:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        os._exit(130)
    sys.exit(code)


def _interrupted() -> int:
    print(_("crm-sandbox: interrupted; output folders keep their previous contents (experiments resume)"),
          file=sys.stderr)
    return 130


def _caused_by_ctrl_c(err: BaseException) -> bool:
    """True when a KeyboardInterrupt is in the cause/context chain of ``err``."""
    seen: set[int] = set()
    current: BaseException | None = err
    while current is not None and id(current) not in seen:
        if isinstance(current, KeyboardInterrupt):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False

if __name__ == "__main__":
    run()
