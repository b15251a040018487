"""`--lang zh` gives a Chinese run report, Chinese plots whose characters all exist in the font, and Chinese help."""

import os
import re
import subprocess
import sys
import warnings

import pytest

from simulations.cli import main

HAN = re.compile(r"[\u4e00-\u9fff]")
#: Words that stay as written in a Chinese page: names of files, commands, scenarios, units and distributions.
KEPT = {"crm", "sandbox", "retail", "telecom", "show", "scenario", "MiB", "gamma", "beta", "NBD", "top", "uplift"}


#: A source cited in brackets with its year ("（Parasuraman, Zeithaml & Berry 1988；...）"): Chinese text keeps
#: authors' names and journals in Latin letters, as Chinese papers do, so a citation is not untranslated text.
CITATION = re.compile(r"[（(][^（）()]*\b(?:19|20)\d{2}\b[^（）()]*[）)]")


def _english_words(text: str) -> list[str]:
    return [w for w in re.findall(r"[A-Za-z]{3,}", CITATION.sub(" ", text)) if w not in KEPT]


@pytest.fixture(scope="module")
def zh_run(tmp_path_factory):
    """One small Chinese run in a fresh interpreter; a missing glyph (matplotlib's "Glyph ... missing") fails it."""
    out = tmp_path_factory.mktemp("zh") / "run"
    env = {k: v for k, v in os.environ.items() if k != "CRM_LANG"}
    proc = subprocess.run([sys.executable, "-W", "error:Glyph", "-m", "simulations.cli", "simulate", "--lang", "zh",
                           "--customers", "500", "--weeks", "60", "--out", str(out), "--no-progress"],
                          capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return out, proc


def test_chinese_run_report_has_no_english_headings_labels_or_definitions(zh_run):
    out, proc = zh_run
    page = (out / "report.html").read_text(encoding="utf-8")
    assert '<html lang="zh">' in page
    shown = re.findall(r"<(h1|h2|dt|dd|li|p class=\"note\")>(.*?)</", page, re.S)
    shown += [("th", t) for t in re.findall(r"<thead><tr>(.*?)</tr></thead>", page, re.S)]
    shown += [("stage", t) for t in re.findall(r'<table class="stages">.*?<tbody>(.*?)</tbody>', page, re.S)]
    shown += [("alt", t) for t in re.findall(r'alt="([^"]*)"', page)]
    shown += [("setting", t) for t in re.findall(r"<td class='note'>([^<]+)</td>", page)]  # scenario fields' meanings
    assert len(shown) > 20
    for where, text in shown:
        text = re.sub(r"<[^>]+>", " ", text)
        assert HAN.search(text), (where, text)
        assert not _english_words(text), (where, text)
    for term in ("开拓期", "社会化期", "成长期", "成熟期", "危险期", "解约期", "中断期", "恢复期"):
        assert f"<th>{term}</th>" in page, term
    assert "第 2 年（第 53-60 周）" in page  # the partial last year says its weeks, in Chinese


def test_chinese_console_summary(zh_run):
    _, proc = zh_run
    assert "变化最大的指标：" in proc.stdout and "利润（货币单位）" in proc.stdout and "已将 " in proc.stdout
    assert not _english_words(proc.stdout.split("\n", 1)[1].split("已将")[0]), proc.stdout


def test_chinese_plots_are_written_and_need_no_missing_glyph(zh_run):
    out, proc = zh_run
    assert "Glyph" not in proc.stderr
    for name in ("stages.png", "flows.png", "money.png"):
        assert (out / name).stat().st_size > 10_000, name


def test_the_shipped_cjk_font_is_used_for_chinese_and_dejavu_stays_for_latin(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib import font_manager

    from simulations.i18n.fonts import use_cjk_font

    family = use_cjk_font()
    assert family == "Noto Sans SC"
    path = font_manager.findfont(font_manager.FontProperties(family=family), fallback_to_default=False)
    assert "pylopdf_fonts_zh_cn" in path and path.endswith(".otf")
    assert matplotlib.rcParams["font.family"][0] == "sans-serif"  # Latin text: DejaVu Sans, as before
    fig, ax = plt.subplots()
    ax.set_title("客户生命周期：危险期（Profit −3）")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig.savefig(tmp_path / "t.png")
    plt.close(fig)


def test_english_run_is_unchanged_by_the_language_switch(tmp_path, capsys):
    assert main(["simulate", "--lang", "zh", "--customers", "100", "--weeks", "3", "--out", str(tmp_path / "zh"),
                 "--no-progress"]) == 0
    capsys.readouterr()
    assert main(["simulate", "--customers", "100", "--weeks", "3", "--out", str(tmp_path / "en"), "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "Profit (currency units)" in out and not HAN.search(out)  # --lang held for its own call only
    page = (tmp_path / "en" / "report.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in page and "<h2>What changed most</h2>" in page and not HAN.search(page)


@pytest.mark.parametrize("command", [["simulate"], ["scenario", "show"], ["generate"], ["datasets", "issue"],
                                     ["experiment", "run"], ["classroom", "start"], ["grade"], ["labs", "release"],
                                     ["bench"]])
def test_help_in_chinese(command, capsys):
    with pytest.raises(SystemExit) as done:
        main([*command, "--help", "--lang", "zh"])
    assert done.value.code == 0
    text = capsys.readouterr().out
    assert text.startswith("用法：crm-sandbox ") and "\n选项：\n" in text
    assert "show this help message" not in text and "显示此帮助信息并退出" in text
    options = text.split("\n选项：\n", 1)[1]
    helps = [line for line in options.splitlines() if re.match(r"\s+-", line) and re.search(r"\s{2,}\S", line.strip())]
    english = [line for line in helps if not HAN.search(line)]
    assert not english, english


def test_argparse_errors_in_chinese(capsys):
    with pytest.raises(SystemExit) as done:
        main(["simulate", "--no-such-option", "--lang", "zh"])
    assert done.value.code == 2
    assert "crm-sandbox：错误：无法识别的参数：--no-such-option" in capsys.readouterr().err


def test_experiment_report_in_chinese(tmp_path, capsys):
    import yaml

    file = tmp_path / "e.yaml"
    file.write_text(yaml.safe_dump({"scenario": "retail", "replications": 2, "weeks": 3, "metrics": ["profit"],
                                    "every": "week", "factors": {"world.market.customers": 200,
                                                                 "policies.marketing.retention.k": [10, 20]}}))
    assert main(["experiment", "run", str(file), "--out", str(tmp_path / "out"), "--workers", "1", "--no-progress",
                 "--lang", "zh"]) == 0
    assert "共 4 次运行（复用 0 次，本次运行 4 次，失败 0 次）" in capsys.readouterr().out
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message="Glyph")
        assert main(["experiment", "report", str(tmp_path / "out"), "--lang", "zh"]) == 0
    page = (tmp_path / "out/report/index.html").read_text(encoding="utf-8")
    assert '<html lang="zh">' in page
    for heading in ("方法", "各指标的最佳设计点", "失败的运行", "越高越好"):
        assert heading in page, heading
    assert not re.search(r"<h[123][^>]*>[^<]*\b(Method|Best|Failed|Paired)\b", page)
    assert len(list((tmp_path / "out/report").glob("*.png"))) >= 2
    file.write_text(yaml.safe_dump({"factors": {"policies.service.capcity": [1, 2]}}))
    assert main(["experiment", "run", str(file), "--out", str(tmp_path / "o2"), "--lang", "zh"]) == 2
    assert "未知字段 'policies.service.capcity'" in capsys.readouterr().err


def test_the_built_in_scenarios_descriptions_are_in_the_translated_table():
    from simulations.config import builtin_names, load_scenario
    from simulations.i18n import gettext
    from simulations.scenario_descriptions import BUILTIN_DESCRIPTIONS

    assert set(BUILTIN_DESCRIPTIONS) == set(builtin_names())
    for name in builtin_names():
        folded = " ".join(load_scenario(name).description.split())
        assert BUILTIN_DESCRIPTIONS[name] == folded, f"update simulations/scenario_descriptions.py for {name}"
        assert HAN.search(gettext(folded, lang="zh")), name


def test_without_any_chinese_font_a_chinese_run_is_refused_before_it_starts(tmp_path, monkeypatch, capsys):
    from matplotlib import font_manager

    from simulations.i18n import fonts

    installed = {f.name for f in font_manager.fontManager.ttflist}
    if installed & set(fonts.SYSTEM_CJK_FAMILIES) - {"Noto Sans SC"}:
        pytest.skip("this machine has a system CJK font")
    monkeypatch.setitem(sys.modules, "pylopdf_fonts_zh_cn", None)  # the package is not installed
    monkeypatch.setattr(font_manager.fontManager, "ttflist",
                        [f for f in font_manager.fontManager.ttflist if f.name != "Noto Sans SC"])
    fonts.use_cjk_font.cache_clear()
    try:
        assert main(["simulate", "--lang", "zh", "--out", str(tmp_path / "o"), "--no-progress"]) == 2
        assert "pip install pylopdf-fonts-zh-cn" in capsys.readouterr().err
        assert not (tmp_path / "o").exists()
        assert main(["simulate", "--customers", "100", "--weeks", "2", "--out", str(tmp_path / "en"),
                     "--no-progress"]) == 0  # English needs no Chinese font
    finally:
        fonts.use_cjk_font.cache_clear()


def test_a_scenario_mistake_is_explained_in_chinese(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("world:\n  market:\n    customers: 5\n    colour: blue\n", encoding="utf-8")
    assert main(["simulate", "--scenario", str(bad), "--out", str(tmp_path / "o"), "--lang", "zh"]) == 2
    err = capsys.readouterr().err
    assert "无效的情景" in err and "字段 world.market.customers = 5：必须 >= 10" in err
    assert "字段 world.market.colour = 'blue'：未知字段" in err and "Input should" not in err
    assert main(["simulate", "--scenario", str(bad), "--out", str(tmp_path / "o")]) == 2
    assert "Input should be greater than or equal to 10" in capsys.readouterr().err  # English: pydantic's words


def test_an_unknown_language_is_refused_in_the_language_of_crm_lang(monkeypatch, capsys):
    monkeypatch.setenv("CRM_LANG", "zh")
    assert main(["scenarios", "--lang", "fr"]) == 2
    assert "--lang：未知语言 'fr'；可选：en, zh" in capsys.readouterr().err
    monkeypatch.setenv("CRM_LANG", "xx")
    assert main(["scenarios"]) == 2
    assert "CRM_LANG: unknown language 'xx'; allowed: en, zh" in capsys.readouterr().err
