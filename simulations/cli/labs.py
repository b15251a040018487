"""``labs``: list the labs, release student notebooks and grading files, keep master pairs in sync.

Thin layer: parsing here, the work in :mod:`simulations.labs.release`.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from simulations.errors import UserError
from simulations.extras import require_extra
from simulations.i18n import _


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``labs list``, ``labs release`` and ``labs sync``."""
    p = sub.add_parser("labs", help=_("progressive notebook labs: list, release student versions, sync masters"))
    labs_sub = p.add_subparsers(dest="labs_command", metavar="ACTION")
    p.set_defaults(func=lambda args: p.print_help() or 2)
    ls = labs_sub.add_parser("list", help=_("the labs in order, with their titles"))
    ls.set_defaults(func=cmd_list)
    rel = labs_sub.add_parser("release", help=_("write student notebooks (solutions removed) and instructor grading files"))
    rel.add_argument("--lab", action="append", metavar="ID", help=_("lab id, e.g. L03 (repeatable; default: all labs)"))
    rel.add_argument("--out", required=True, type=Path, help=_("folder for student/ and instructor/"))
    rel.add_argument("--force", action="store_true", help=_("replace labs already released into --out"))
    rel.set_defaults(func=cmd_release)
    syn = labs_sub.add_parser("sync", help=_("regenerate each master.ipynb from its master.py"))
    syn.add_argument("--check", action="store_true", help=_("only report masters whose .ipynb is out of date (exit 1)"))
    syn.set_defaults(func=cmd_sync)


def cmd_list(args: argparse.Namespace) -> int:
    """Print one line per lab."""
    require_extra("labs", "`crm-sandbox labs`", ("jupytext", "nbformat"))
    from simulations.labs import release  # lazy: jupytext takes seconds to import

    labs = release.list_labs()
    if not labs:
        raise UserError(_("{folder}: no labs found").format(folder=release.LABS_DIR))
    for lab in labs:
        languages = ", ".join(["en", *release.translated_languages(release.read_master(lab.master))])
        print(f"{lab.lab_id}  {lab.title}  (labs/{lab.name}/; {languages})")
    return 0


def cmd_release(args: argparse.Namespace) -> int:
    """Release in the command's language (``--lang``, else ``$CRM_LANG``, else English) and report what was written.

    Why the global language switch and no option of its own: ``--lang zh`` already means "in
    Chinese" on every command, so ``labs release --lang zh`` writes Chinese student notebooks.
    """
    require_extra("labs", "`crm-sandbox labs release`", ("jupytext", "nbformat"))
    from simulations.i18n import current_language
    from simulations.labs import release  # lazy: jupytext takes seconds to import

    lang = current_language()
    files = release.release(args.out, args.lab, force=args.force, lang=lang)
    students = sorted({f.parent.name for f in files if f.parent.parent.name == "student"})
    print(_("released {n} lab(s) in {lang} into {out}: {labs}").format(n=len(students), lang=lang, out=args.out,
                                                                       labs=", ".join(students)))
    print(_("  give students  {folder}/ (notebooks only)").format(folder=args.out / "student"))
    print(_("  keep private   {folder}/ (master notebooks and grading_spec.json)").format(folder=args.out / "instructor"))
    return 0


def cmd_sync(args: argparse.Namespace) -> int:
    """Sync or check the master pairs."""
    require_extra("labs", "`crm-sandbox labs sync`", ("jupytext", "nbformat"))
    from simulations.labs import release  # lazy: jupytext takes seconds to import

    stale = release.sync(check=args.check)
    for path in stale:
        print((_("out of date: ") if args.check else _("rewrote: ")) + str(path.relative_to(release.REPO)))
    if not stale:
        print(_("all master notebooks are in sync"))
    return 1 if args.check and stale else 0
