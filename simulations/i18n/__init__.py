"""One language switch for every user-facing text: English (the default) or Chinese.

Why: the course is taught in Chinese, the code and its messages are written in English. Every text
a user sees (CLI messages, reports, plot labels, classroom pages, grader feedback) is written once
in English inside ``_()`` and translated in a gettext catalog per language (``zh.po`` next to this
file), so a missing translation is caught by a test instead of showing English on a Chinese page.

The language is chosen, most specific first, by an explicit ``lang`` argument (a page's selector, a
student's grading language), by :func:`set_language` (``--lang`` on the command line), by the
``CRM_LANG`` environment variable, and otherwise English.

Messages with values use named ``str.format`` fields, ``_("{n} customers").format(n=n)``, so a
translation may put them in another order. ``N_`` marks a text for translation where it is defined
(a table of labels) when it is only translated where it is shown.
"""

from __future__ import annotations

import os
from contextvars import ContextVar
from functools import cache
from pathlib import Path

from simulations.errors import UserError

#: Languages with a catalog; English is the source language and needs none.
LANGUAGES: tuple[str, ...] = ("en", "zh")
DEFAULT_LANGUAGE = "en"
#: Environment variable that sets the language for every command and page.
ENV_VAR = "CRM_LANG"
#: Folder of the catalogs: ``<lang>.po`` per language other than English.
CATALOG_DIR = Path(__file__).parent

_ALIASES = {"zh_cn": "zh", "zh-cn": "zh", "zh_hans": "zh", "cn": "zh", "chinese": "zh", "中文": "zh",
            "english": "en", "en_us": "en", "en-us": "en", "en_gb": "en"}
_chosen: ContextVar[str | None] = ContextVar("crm_language", default=None)


def normalise_language(value: str, source: str = "--lang") -> str:
    """``value`` as one of :data:`LANGUAGES`, or a :class:`UserError` naming where it came from."""
    key = _known(value)
    if key is None:
        message = gettext("{source}: unknown language {value}; allowed: {allowed}", _language_of_the_refusal())
        raise UserError(message.format(source=source, value=repr(value), allowed=", ".join(LANGUAGES)))
    return key


def _known(value: str) -> str | None:
    key = str(value).strip().lower()
    key = _ALIASES.get(key, key)
    return key if key in LANGUAGES else None


def _language_of_the_refusal() -> str:
    """The language to refuse an unknown language in: the one chosen, else a valid ``CRM_LANG``, else English.

    Why not :func:`current_language`: it normalises ``CRM_LANG`` and would recurse while refusing it.
    """
    return _chosen.get() or _known(os.environ.get(ENV_VAR, "")) or DEFAULT_LANGUAGE


def current_language() -> str:
    """The language now in force: :func:`set_language`, else ``CRM_LANG``, else English."""
    chosen = _chosen.get()
    if chosen is not None:
        return chosen
    env = os.environ.get(ENV_VAR, "").strip()
    return normalise_language(env, ENV_VAR) if env else DEFAULT_LANGUAGE


def _language_for_text() -> str:
    """:func:`current_language`, or English while ``CRM_LANG`` is invalid.

    Why: the error that says ``CRM_LANG`` is invalid must itself be printable.
    """
    try:
        return current_language()
    except UserError:
        return DEFAULT_LANGUAGE


def text_language() -> str:
    """The language texts are shown in now: :func:`current_language`, or English while ``CRM_LANG`` is invalid.

    Why public: code that picks a whole text by language (a stage's Chinese term kept beside its
    English label) must agree with :func:`gettext` on which language is in force.
    """
    return _language_for_text()


def set_language(lang: str | None) -> str:
    """Make ``lang`` the language of this process (or context); ``None`` goes back to ``CRM_LANG``."""
    _chosen.set(None if lang is None else normalise_language(lang))
    return current_language()


@cache
def catalog(lang: str) -> dict[str, str]:
    """Each English text → its translation for ``lang`` (empty for English); untranslated entries are left out."""
    lang = normalise_language(lang)
    if lang == DEFAULT_LANGUAGE:
        return {}
    from babel.messages.pofile import read_po

    with open(CATALOG_DIR / f"{lang}.po", "rb") as handle:
        po = read_po(handle)
    table: dict[str, str] = {}
    for message in po:
        if not message.id or message.fuzzy:
            continue
        if isinstance(message.id, tuple):  # plural forms: keep singular and plural under each id
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            for msgid, text in zip(message.id, (strings[0], strings[-1]), strict=True):
                if text:
                    table[msgid] = text
        elif message.string:
            table[message.id] = message.string
    return table


def gettext(message: str, lang: str | None = None) -> str:
    """``message`` in ``lang`` (default: :func:`current_language`); English when not translated."""
    lang = _language_for_text() if lang is None else normalise_language(lang)
    if lang == DEFAULT_LANGUAGE:
        return message
    return catalog(lang).get(message, message)


def ngettext(singular: str, plural: str, n: int, lang: str | None = None) -> str:
    """Singular or plural by ``n`` (Chinese has one form; the catalog gives it under both ids)."""
    return gettext(singular if n == 1 else plural, lang)


def translator(lang: str | None = None):
    """A ``_`` bound to ``lang`` (pages and feedback that serve one user in a given language)."""
    fixed = current_language() if lang is None else normalise_language(lang)
    return lambda message: gettext(message, fixed)


def N_(message: str) -> str:  # noqa: N802 - the gettext convention for "mark, translate later"
    """Mark ``message`` for the catalog without translating it here."""
    return message


_ = gettext
