"""Refresh the catalogs from the source: ``python -m simulations.i18n.update``.

Why: a text added in ``_()`` must reach every catalog with an empty translation (which the
catalog-completeness test then reports) and a text removed from the code must leave the catalogs,
without losing any translation already written. This is ``pybabel extract`` + ``update`` with the
project's settings, so nobody has to remember them.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from simulations.i18n import CATALOG_DIR, DEFAULT_LANGUAGE, LANGUAGES

ROOT = Path(__file__).resolve().parents[2]
#: Folders whose Python files hold user-facing texts.
SOURCE_DIRS: tuple[str, ...] = ("simulations", "graders", "cases/app")
#: Written as the catalogs' dates, so a refresh changes only what changed in the texts (the
#: catalogs are in git, which keeps their history).
STABLE_DATE = datetime(2026, 1, 1, tzinfo=UTC)
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}


def extract(root: Path = ROOT) -> Catalog:
    """Every ``_()``/``N_()``/``ngettext()`` text in the source folders, with where it is used."""
    template = Catalog(project="crm-sandbox", fuzzy=False)
    for folder in SOURCE_DIRS:
        base = root / folder
        if not base.is_dir():
            continue
        for filename, lineno, message, comments, context in extract_from_dir(
            base, keywords=KEYWORDS, comment_tags=("TRANSLATORS:",), strip_comment_tags=True,
            directory_filter=lambda path: "__pycache__" not in path and "/tests" not in path,
        ):
            template.add(message, None, [(f"{folder}/{filename}", lineno)], auto_comments=comments,
                         context=context)
    return template


def update(root: Path = ROOT) -> list[str]:
    """Merge the extracted texts into each ``<lang>.po``; returns the languages' untranslated counts."""
    template = extract(root)
    report = []
    for lang in LANGUAGES:
        if lang == DEFAULT_LANGUAGE:
            continue
        path = CATALOG_DIR / f"{lang}.po"
        if path.exists():
            with open(path, "rb") as handle:
                po = read_po(handle, locale=lang)
        else:
            po = Catalog(locale=lang, project="crm-sandbox", version="", fuzzy=False,
                         copyright_holder="crm-sandbox contributors", msgid_bugs_address="",
                         last_translator="crm-sandbox contributors", language_team="zh")
        po.update(template, no_fuzzy_matching=True, update_creation_date=False)
        po.obsolete.clear()
        po.creation_date = po.revision_date = STABLE_DATE
        with open(path, "wb") as handle:
            write_po(handle, po, width=100, sort_output=True, ignore_obsolete=True, include_previous=False,
                     include_lineno=False)
        missing = sum(1 for m in po if m.id and not m.string)
        report.append(f"{lang}.po: {len(po)} texts, {missing} untranslated")
    return report


if __name__ == "__main__":
    for line in update():
        print(line)
    sys.exit(0)
