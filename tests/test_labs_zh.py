"""Labs in Chinese: one master holds both languages; a zh release shows no English prose; answers,
keys and scores are the same in both languages; check messages, grader feedback and hints follow
the student's language."""

from __future__ import annotations

import io
import json
import re
import tokenize

import nbformat
import pytest

from graders import Lab, datasets, reports, scoring
from graders import keys as answer_keys
from graders.scoring.modes import as_answer
from graders.specs import get
from simulations import i18n
from simulations.cli import main
from simulations.errors import UserError
from simulations.labs import execute, release
from tests.conftest import REPO

LABS = release.list_labs()
ZH_LABS = [lab for lab in LABS if "zh" in release.translated_languages(release.read_master(lab.master))]
HAN = re.compile(r"[\u4e00-\u9fff]")
#: four or more English words in a row: prose, not an identifier or a term in brackets
ENGLISH_PROSE = re.compile(r"[A-Za-z]{2,}(?:[ ,'’-]+[A-Za-z]{2,}){3,}")
#: what is not prose in Chinese text: code spans, HTML comments (solution markers), links' targets
NOT_PROSE = re.compile(r"`[^`]*`|<!--.*?-->|\]\([^)]*\)", re.S)


def _nb(*cells: tuple[str, str, dict]) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    for kind, source, metadata in cells:
        cell = nbformat.v4.new_code_cell(source) if kind == "code" else nbformat.v4.new_markdown_cell(source)
        cell.metadata.update(metadata)
        nb.cells.append(cell)
    return nb


def english_prose(text: str) -> list[str]:
    """Runs of English words left in a text meant to be Chinese."""
    return ENGLISH_PROSE.findall(NOT_PROSE.sub(" ", text))


def _code_texts(source: str) -> list[str]:
    """Comments and string constants of a code cell (what a student reads besides identifiers)."""
    out = []
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.COMMENT:
            out.append(tok.string)
        elif tok.type == tokenize.STRING or tok.type == getattr(tokenize, "FSTRING_MIDDLE", -1):
            out.append(tok.string)
    return out


@pytest.fixture(autouse=True)
def _english_afterwards():
    yield
    i18n.set_language(None)


# --- the master format ------------------------------------------------------------------------
def test_release_keeps_one_language_and_twins_must_match():
    master = _nb(("markdown", "# Title", {}), ("markdown", "# 标题", {"lang": "zh"}),
                 ("code", 'x = 1  # one\nprint("x is", x)', {}), ("code", 'x = 1  # 一\nprint("x 是", x)', {"lang": "zh"}),
                 ("code", "y = x + 1", {}))
    zh = release.student_notebook(master, "t", "zh")
    en = release.student_notebook(master, "t", "en")
    assert [c.source for c in zh.cells] == ["# 标题", 'x = 1  # 一\nprint("x 是", x)', "y = x + 1"]
    assert [c.source for c in en.cells] == ["# Title", 'x = 1  # one\nprint("x is", x)', "y = x + 1"]
    assert zh.metadata["language"] == "zh" and all("lang" not in c.metadata for c in zh.cells)
    changed = _nb(("code", "x = 1", {}), ("code", "x = 2  # 二", {"lang": "zh"}))
    with pytest.raises(UserError, match="only its texts"):
        release.student_notebook(changed, "t", "zh")


def test_release_refuses_a_lab_without_chinese_naming_it(tmp_path):
    folder = tmp_path / "labs" / "L07_half_done"
    folder.mkdir(parents=True)
    master = _nb(("markdown", "# L07 Half done", {}), ("markdown", "# L07 一半", {"lang": "zh"}),
                 ("markdown", "## Only English here", {}), ("code", "x = 1", {}))
    import jupytext

    jupytext.write(master, folder / "master.py", fmt="py:percent")
    with pytest.raises(UserError, match=r"L07.*cannot be released in 'zh'.*Only English here"):
        release.release(tmp_path / "out", ["L07"], root=tmp_path / "labs", lang="zh")
    assert not (tmp_path / "out").exists()
    assert release.translated_languages(release.read_master(folder / "master.py")) == []


def test_student_placeholders_are_in_the_release_language():
    master = _nb(("code", "# BEGIN SOLUTION\nv = 1\n# END SOLUTION", {}),
                 ("code", 'a = v\nlab.answer("q", a)', {"tags": ["answer"]}),
                 ("markdown", "Why?\n<!-- BEGIN SOLUTION -->\nBecause.\n<!-- END SOLUTION -->", {}),
                 ("markdown", "为什么？\n<!-- BEGIN SOLUTION -->\n因为。\n<!-- END SOLUTION -->", {"lang": "zh"}))
    zh = release.student_notebook(master, "t", "zh")
    assert [c.source for c in zh.cells] == ["# 在这里写你的代码",
                                            'a = None  # 你的答案\nif a is not None:\n    lab.answer("q", a)',
                                            "为什么？\n*在这里写下你的回答。*"]


# --- the labs ---------------------------------------------------------------------------------
def test_every_lab_is_translated():
    assert [lab.lab_id for lab in ZH_LABS] == [lab.lab_id for lab in LABS]


@pytest.mark.parametrize("lab", ZH_LABS, ids=lambda lab: lab.lab_id)
def test_zh_release_shows_no_english_prose_and_asks_the_same_questions(lab):
    master = release.read_master(lab.master)
    zh, en = release.student_notebook(master, lab.name, "zh"), release.student_notebook(master, lab.name, "en")
    assert release.answered_questions(release.in_language(master, "zh")) == release.answered_questions(
        release.in_language(master, "en"))
    assert sorted(release.answered_questions(master)) == sorted(q.qid for q in get(lab.lab_id).questions)
    assert [c.cell_type for c in zh.cells] == [c.cell_type for c in en.cells]
    for zc, ec in zip(zh.cells, en.cells, strict=True):
        if zc.cell_type == "markdown":
            assert HAN.search(zc.source), zc.source
            assert not english_prose(zc.source), (english_prose(zc.source), zc.source)
        else:  # same code apart from texts; no English sentence in a comment or a printed string
            assert release._without_text(zc.source) == release._without_text(ec.source)
            left = [t for t in _code_texts(zc.source) if english_prose(t)]
            assert not left, left
    body = "\n".join(c.source for c in zh.cells)
    assert "LANG = \"zh\"" in body and "lang=LANG" in body


@pytest.mark.parametrize("lab_id", ["DEMO", *(lab.lab_id for lab in LABS)])
def test_spec_hints_and_title_have_chinese(lab_id):
    spec = get(lab_id)
    assert HAN.search(spec.title_zh)
    for q in spec.questions:
        for m in q.misconceptions:
            assert HAN.search(m.hint_zh), (q.qid, m.name)


def test_cli_release_in_chinese_and_refusal(tmp_path, capsys):
    assert main(["labs", "release", "--lab", "L01", "--out", str(tmp_path / "zh"), "--lang", "zh"]) == 0
    nb = nbformat.read(tmp_path / "zh" / "student" / "L01_meet_the_customers" / "L01_meet_the_customers.ipynb", 4)
    assert nb.metadata["language"] == "zh" and HAN.search(nb.cells[0].source)
    master = nbformat.read(tmp_path / "zh" / "instructor" / "L01_meet_the_customers" / "master.ipynb", 4)
    assert "BEGIN SOLUTION" in "".join(c.source for c in master.cells) and HAN.search(master.cells[0].source)
    assert "已发布" in capsys.readouterr().out
    assert main(["labs", "release", "--lab", "L01", "--out", str(tmp_path / "x"), "--lang", "xx"]) == 2
    assert "xx" in capsys.readouterr().err and not (tmp_path / "x").exists()


# --- the student side and grading -------------------------------------------------------------
def test_lab_messages_follow_its_language(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    lab = Lab("L01", lang="zh")
    lab.check("active_end")
    assert "尚未作答" in capsys.readouterr().out
    lab.answer("active_end", 2.5)
    lab.check("active_end")
    assert "应为整数" in capsys.readouterr().out
    with pytest.raises(UserError, match="应为数字"):
        lab.answer("active_end", "many")
    lab.submit()
    assert json.loads((tmp_path / "submission.json").read_text())["lang"] == "zh"
    assert Lab("L01", lang="en").submission()["lang"] == "en"


@pytest.fixture(scope="module")
def l01():
    spec = get("L01")
    data = datasets.load(spec.default_dataset)
    prepared = scoring.prepare(spec, data, answer_keys.load(REPO / "keys" / spec.default_dataset, spec.keys_needed))
    return spec, data, prepared


def test_same_answers_same_score_in_both_languages_feedback_in_chinese(l01):
    spec, data, prepared = l01
    solution = {q: as_answer(spec.question(q).kind, v) for q, v in spec.solution(data).items()}
    wrong = {qid: as_answer(spec.question(qid).kind, method(data)) for qid, method in
             (spec.wrong_methods[name] for name in ("flow_transposed", "profit_other_seed", "referral_with_initial_base"))}
    wrong["active_end"] = {"kind": "scalar", "value": 1.5}
    for answers in (solution, wrong):
        en = scoring.score(spec, answers, prepared, data, lang="en")
        zh = scoring.score(spec, answers, prepared, data, lang="zh")
        assert [(q.qid, q.points, q.status) for q in en.questions] == [(q.qid, q.points, q.status) for q in zh.questions]
        assert zh.lang == "zh" and all(HAN.search(q.message) for q in zh.questions)
        assert not any(HAN.search(q.message) for q in en.questions)
    zh = scoring.score(spec, wrong, prepared, data, lang="zh")
    by = {q.qid: q.message for q in zh.questions}
    assert "迁移矩阵的行是迁出的阶段" in by["growth_to_maturity"] and "提示" in by["growth_to_maturity"]
    assert "同一个种子" in by["profit_change"]
    assert by["any_stage"] == "未提交答案"
    page = reports.feedback_markdown(spec, "s1", zh)
    assert "得分" in page and spec.title_zh in page and "| 题目 | 得分 | 反馈 |" in page
    assert not english_prose(page.replace("s1", ""))
    assert "得分" in reports.feedback_html(spec, "s1", zh)


def test_grader_reads_the_language_of_the_submission():
    from graders import sandbox

    doc = {"lab": "L01", "dataset_id": "x", "lang": "zh", "answers": {"active_end": {"kind": "scalar", "value": 3}}}
    assert sandbox.answers_from_bytes(json.dumps(doc).encode(), {"active_end": "scalar"}).lang == "zh"
    doc["lang"] = "tlh"  # unknown: the grader's language is used
    assert sandbox.answers_from_bytes(json.dumps(doc).encode(), {"active_end": "scalar"}).lang is None


@pytest.mark.slow
@pytest.mark.parametrize("lab", ZH_LABS, ids=lambda lab: lab.lab_id)
def test_zh_student_notebook_runs_and_zh_master_earns_full_marks(lab, tmp_path):
    """Each released Chinese notebook runs end to end (nbclient) in Chinese; its master's answers earn full marks."""
    spec = get(lab.lab_id)
    data = datasets.load(spec.default_dataset)
    prepared = scoring.prepare(spec, data, answer_keys.load(REPO / "keys" / spec.default_dataset, spec.keys_needed))
    release.release(tmp_path / "out", [lab.lab_id], lang="zh")
    student = tmp_path / "out" / "student" / lab.name / f"{lab.name}.ipynb"
    (tmp_path / "s").mkdir()
    executed = execute.execute(student, tmp_path / "s", timeout=300)
    outputs = "".join(o.get("text", "") for c in executed.cells if c.cell_type == "code" for o in c.get("outputs", []))
    assert "尚未作答" in outputs and "not answered" not in outputs
    assert not [t for t in outputs.splitlines() if english_prose(t) and "def " not in t and not t.startswith(" ")]
    submitted = json.loads((tmp_path / "s" / "submission.json").read_text())
    assert submitted["lang"] == "zh" and submitted["answers"] == {}
    (tmp_path / "m").mkdir()
    master = execute.execute(release.in_language(release.read_master(lab.master), "zh"), tmp_path / "m", timeout=300)
    # every figure is drawn with a Chinese font: no label left as empty boxes
    boxes = [o.get("text", "") for c in master.cells if c.cell_type == "code" for o in c.get("outputs", [])
             if "missing from font" in o.get("text", "")]
    assert not boxes, boxes[0][:300]
    submitted = json.loads((tmp_path / "m" / "submission.json").read_text())
    result = scoring.score(spec, submitted["answers"], prepared, data, lang=submitted["lang"])
    assert result.total == result.max_total and result.lang == "zh", [q.message for q in result.questions]
    # a simulated policy's message goes on with the policy's own gains (L10), after the verdict
    assert {q.message.split("；在 ")[0] for q in result.questions} <= {
        "与题目要求的方法在你的数据上得出的结果一致", "正确", "与参考分析一样好", "接近真实值",
        "与题目要求的方法在你的数据上得出的结果一致；你的标准误与你的数据相符", "接近真实值；你的标准误与你的数据相符",
        "与真实值的差距在预期的抽样误差之内", "你的区间覆盖了真实值", "胜过基准策略，且差距超出随机波动"}


def test_a_mixed_class_is_graded_alike_each_student_in_their_language(tmp_path, l01):
    """Same answers handed in from a Chinese and an English notebook: same points, feedback in each one's language."""
    from graders import batch

    spec, data, _ = l01
    answers = {q: as_answer(spec.question(q).kind, v) for q, v in spec.solution(data).items()}
    answers["growth_to_maturity"]["value"] += 7  # one wrong answer, so a message is more than "correct"
    for student, lang in (("li", "zh"), ("ann", "en")):
        (tmp_path / "subs" / student).mkdir(parents=True)
        doc = {"lab": "L01", "dataset_id": data.dataset_id, "lang": lang, "answers": answers}
        (tmp_path / "subs" / student / "submission.json").write_text(json.dumps(doc), encoding="utf-8")
    run = batch.grade("L01", tmp_path / "subs", REPO / "keys" / spec.default_dataset, tmp_path / "out",
                      isolation="none")
    li, ann = run.scores["li"], run.scores["ann"]
    assert [q.points for q in li.questions] == [q.points for q in ann.questions] and li.total == ann.total == 5
    zh_page = (tmp_path / "out" / "students" / "li" / "feedback.md").read_text(encoding="utf-8")
    en_page = (tmp_path / "out" / "students" / "ann" / "feedback.md").read_text(encoding="utf-8")
    assert "得分：5 / 6" in zh_page and "不一致" in zh_page and not english_prose(zh_page)
    assert "Score: 5 / 6" in en_page and not HAN.search(en_page)


def test_reasons_are_shown_in_the_student_language_and_kept_for_the_gradebook():
    why = "a cell raised NameError: name 'x' is not defined; the notebook did not write submission.json " \
          "(call lab.submit() at the end)"
    assert reports.student_reason(why, "zh") == ("某个单元格出错：NameError: name 'x' is not defined；"
                                                 "笔记本没有写出 submission.json（请在最后调用 lab.submit()）")
    assert reports.student_reason(why, "en") == why
    assert reports.student_reason("the notebook did not finish within 600 s", "zh") == "笔记本未能在 600 秒内运行完毕"
    assert reports.student_reason("something new", "zh") == "something new"  # unknown: shown as written


@pytest.mark.slow
def test_a_chinese_notebook_that_crashes_gets_chinese_feedback(tmp_path):
    """No submission.json to say the language: the released notebook's metadata does."""
    from graders import batch

    release.release(tmp_path / "rel", ["L01"], lang="zh")
    nb = nbformat.read(tmp_path / "rel" / "student" / "L01_meet_the_customers" / "L01_meet_the_customers.ipynb", 4)
    nb.cells.insert(4, nbformat.v4.new_code_cell('raise ValueError("boom")'))
    (tmp_path / "subs" / "li").mkdir(parents=True)
    nbformat.write(nb, tmp_path / "subs" / "li" / "L01.ipynb")
    run = batch.grade("L01", tmp_path / "subs", REPO / "keys" / "retail-default", tmp_path / "out", isolation="none")
    assert run.runs["li"].status == "crashed" and run.runs["li"].lang == "zh"
    assert "ValueError" in run.runs["li"].reason and "the notebook did not write submission.json" in run.runs["li"].reason
    page = (tmp_path / "out" / "students" / "li" / "feedback.md").read_text(encoding="utf-8")
    assert "说明：某个单元格出错：ValueError: boom；笔记本没有写出 submission.json" in page and "未提交答案" in page
    gradebook = (tmp_path / "out" / "gradebook.csv").read_text(encoding="utf-8")
    assert "a cell raised ValueError: boom" in gradebook  # the instructor's gradebook keeps the English


def test_parameters_are_injected_after_both_twins_of_the_parameters_cell():
    master = _nb(("code", "A = 1", {"tags": ["parameters"]}), ("code", "A = 1  # 一", {"tags": ["parameters"], "lang": "zh"}),
                 ("code", "print(A)", {}))
    out = execute.inject_parameters(master, {"A": 2})
    assert [c.source for c in out.cells][2] == "# injected parameters\nA = 2"
