"""The language switch: every text in the code has its Chinese translation, and commands obey --lang."""

import re
import subprocess
import sys

import pytest

from simulations import i18n
from simulations.i18n import update

FIELD = re.compile(r"\{[^{}]*\}")


@pytest.fixture(scope="module")
def source_texts():
    return update.extract()


@pytest.fixture(scope="module")
def zh():
    from babel.messages.pofile import read_po

    with open(i18n.CATALOG_DIR / "zh.po", "rb") as handle:
        return read_po(handle)


def test_every_text_in_the_code_has_a_chinese_translation(source_texts, zh):
    missing = [m.id for m in source_texts if m.id and (zh.get(m.id) is None or not zh.get(m.id).string)]
    assert not missing, f"{len(missing)} texts lack a Chinese translation (run python -m simulations.i18n.update " \
                        f"and translate them in simulations/i18n/zh.po): {missing[:10]}"


def test_catalog_holds_no_text_the_code_no_longer_uses(source_texts, zh):
    stale = [m.id for m in zh if m.id and source_texts.get(m.id) is None]
    assert not stale, f"zh.po has texts no longer in the code (run python -m simulations.i18n.update): {stale[:10]}"


def test_translations_keep_the_same_named_values(zh):
    wrong = []
    for message in zh:
        if not message.id or not message.string or isinstance(message.id, tuple):
            continue
        if sorted(FIELD.findall(message.id)) != sorted(FIELD.findall(message.string)):
            wrong.append((message.id, message.string))
    assert not wrong, f"translations whose {{fields}} differ from the English: {wrong[:5]}"


def test_chinese_translations_are_chinese(zh):
    """A translation that is the English text again (copied, not translated) shows English on a zh page."""
    han = re.compile(r"[\u4e00-\u9fff\u3000-\u303f\uff00-\uffef]")
    copied = [m.id for m in zh if m.id and m.string and not isinstance(m.id, tuple)
              and re.search(r"[A-Za-z]{3,}", m.id) and not han.search(m.string)]
    assert not copied, f"'translations' without any Chinese: {copied[:10]}"


def test_language_is_chosen_by_argument_then_setting_then_environment(monkeypatch):
    monkeypatch.setenv("CRM_LANG", "zh")
    i18n.set_language(None)
    assert i18n.current_language() == "zh"
    assert i18n._("CRM Lifecycle Sandbox") == "CRM 客户生命周期沙盘"
    assert i18n.gettext("CRM Lifecycle Sandbox", lang="en") == "CRM Lifecycle Sandbox"
    i18n.set_language("en")
    assert i18n._("CRM Lifecycle Sandbox") == "CRM Lifecycle Sandbox"
    i18n.set_language(None)
    monkeypatch.setenv("CRM_LANG", "klingon")
    with pytest.raises(i18n.UserError, match="CRM_LANG.*klingon.*en, zh"):
        i18n.current_language()
    assert i18n._("CRM Lifecycle Sandbox") == "CRM Lifecycle Sandbox"  # the error itself can be shown


def _cli(*args, env_lang=None):
    import os

    env = dict(os.environ)
    env.pop("CRM_LANG", None)
    if env_lang:
        env["CRM_LANG"] = env_lang
    return subprocess.run([sys.executable, "-m", "simulations.cli", *args], capture_output=True, text=True,
                          env=env, timeout=120)


def test_cli_speaks_the_chosen_language():
    zh = _cli("scenario", "show", "no-such-scenario", "--lang", "zh")
    assert zh.returncode == 2 and zh.stderr.startswith("crm-sandbox：错误：")
    env = _cli("scenario", "show", "no-such-scenario", env_lang="zh")
    assert env.returncode == 2 and env.stderr.startswith("crm-sandbox：错误：")
    en = _cli("scenario", "show", "no-such-scenario")
    assert en.returncode == 2 and en.stderr.startswith("crm-sandbox: error:")


def test_unknown_language_is_refused_with_what_is_allowed():
    bad = _cli("scenarios", "--lang", "fr")
    assert bad.returncode == 2
    assert "--lang" in bad.stderr and "'fr'" in bad.stderr and "en, zh" in bad.stderr
    bad_env = _cli("scenarios", env_lang="fr")
    assert bad_env.returncode == 2 and "CRM_LANG" in bad_env.stderr
