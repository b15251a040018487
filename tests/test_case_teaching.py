"""Teaching material of the cases: scenes (role play, 角色模拟) with peer-scoring rubrics, script
templates and teaching notes in both languages, and the pizza shop's complaint case played live."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from simulations.classroom.case import (
    REQUIRED_ANCHORS,
    SCENE_TEMPLATES,
    TEACHING_NOTES,
    CaseError,
    Criterion,
    case_names,
    has_chinese,
    load_case,
    scene_template,
    teaching_note,
)
from simulations.classroom.rounds import advance_round, create_session
from simulations.classroom.scoring import leaderboard
from tests.conftest import REPO

#: Section headings every teaching note has, by language (objectives, plan, debrief, rubric).
HEADINGS = {
    "en": ("## Learning objectives", "## 90-minute plan", "## Debrief questions and model answers", "## Grading rubric",
           "## The class summary in the debrief"),
    "zh": ("## 学习目标", "## 90 分钟教学安排", "## 复盘问题与参考答案", "## 评分标准", "## 复盘时使用全班汇总"),
}
#: Headings of the two grading tables, by language: each table's points add up to 50.
RUBRIC_TABLES = {"en": ("### Memo (50 points)", "### Script and performance (50 points)"),
                 "zh": ("### 备忘录（50 分）", "### 剧本与表演（50 分）")}


def _section(text: str, heading: str) -> str:
    """The text under ``heading`` up to the next heading of the same or a higher level."""
    level = heading.split()[0]
    start = text.index(heading) + len(heading)
    following = re.search(rf"^#{{1,{len(level)}}} ", text[start:], flags=re.MULTILINE)
    return text[start:start + following.start()] if following else text[start:]


def _first_column_numbers(table: str) -> list[int]:
    """The numbers in the first column of a markdown table (header and rule skipped)."""
    return [int(m) for m in re.findall(r"^\| (\d+) \|", table, flags=re.MULTILINE)]


def _second_column_numbers(table: str) -> list[int]:
    return [int(m) for m in re.findall(r"^\| [^|]+ \| (\d+) \|", table, flags=re.MULTILINE)]


# ---------------------------------------------------------------------------- built-in cases
def test_every_builtin_case_has_a_scene_with_a_valid_rubric() -> None:
    names = case_names()
    assert "pizza-service-call" in names and len(names) >= 5
    for name in names:
        scene = load_case(name).scene
        assert len(scene.roles) >= 2 and len(scene.must_show) >= 2, name
        assert abs(sum(c.weight for c in scene.rubric) - 1) < 1e-9, name
        for c in scene.rubric:
            assert set(REQUIRED_ANCHORS) <= set(c.anchors), (name, c.id)
        assert scene.score({c.id: 5 for c in scene.rubric}) == pytest.approx(5.0)
        assert scene.score({c.id: 1 for c in scene.rubric}) == pytest.approx(1.0)


def test_every_builtin_case_has_teaching_notes_in_both_languages() -> None:
    for name in case_names():
        case = load_case(name)
        for lang in ("en", "zh"):
            note = teaching_note(case, lang)
            assert (REPO / "cases" / name / TEACHING_NOTES[lang]).is_file()
            chinese = len(re.findall(r"[\u4e00-\u9fff]", note)) / len(note)
            # the English note quotes the course's Chinese terms (客户终身价值 ...), no more
            assert chinese > 0.3 if lang == "zh" else chinese < 0.05, (name, lang, chinese)
            for heading in HEADINGS[lang]:
                assert heading in note, (name, lang, heading)
            plan = _section(note, HEADINGS[lang][1])
            assert sum(_first_column_numbers(plan)) == 90, (name, lang, "the plan must fill 90 minutes")
            for table in RUBRIC_TABLES[lang]:
                assert sum(_second_column_numbers(_section(note, table))) == 50, (name, lang, table)
            debrief = _section(note, HEADINGS[lang][2])
            for question in case.debrief:  # every debrief question of the case has a model answer
                assert question.get(lang) in debrief, (name, lang, question.get(lang))
        en, zh = teaching_note(case, "en"), teaching_note(case, "zh")
        assert _first_column_numbers(_section(en, HEADINGS["en"][1])) == _first_column_numbers(
            _section(zh, HEADINGS["zh"][1])), (name, "the plans differ between the languages")


def test_every_builtin_case_has_a_script_template_in_both_languages() -> None:
    for name in case_names():
        case = load_case(name)
        en, zh = scene_template(case, "en"), scene_template(case, "zh")
        assert (REPO / "cases" / name / SCENE_TEMPLATES["zh"]).is_file()
        assert not has_chinese(en) and has_chinese(zh), name
        assert f"at most {case.scene.minutes} minutes" in en and f"不超过 {case.scene.minutes} 分钟" in zh, name
        # one row per point the scene must show, and the same beats in both languages
        assert en.count("\n### ") == zh.count("\n### ") >= 3, name
        for text in (en, zh):
            rows = _section(text, "## 5.").count("\n| ") - 1  # minus the header row
            assert rows == len(case.scene.must_show), name


# ------------------------------------------------------------------------------- refusals
def _write_case(tmp_path: Path, edit, name: str = "telecom-churn") -> Path:
    data = yaml.safe_load((REPO / "cases" / name / "case.yaml").read_text(encoding="utf-8"))
    edit(data)
    folder = tmp_path / name
    folder.mkdir(parents=True)
    (folder / "case.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    for file in (REPO / "cases" / name).glob("*.md"):
        shutil.copy(file, folder / file.name)
    return folder


def test_a_rubric_whose_weights_do_not_sum_to_one_is_refused(tmp_path: Path) -> None:
    folder = _write_case(tmp_path, lambda d: d["scene"]["rubric"][0].update(weight=0.4))
    with pytest.raises(CaseError, match=r"field scene\.rubric: the weights of the criteria sum to 1\.1, "
                                        r"they must sum to 1 \(diagnosis 0\.4"):
        load_case(folder)


def test_a_scene_text_missing_a_language_is_refused_with_the_field_named(tmp_path: Path) -> None:
    edits = {
        "anchor": (lambda d: d["scene"]["rubric"][1]["anchors"][3].pop("zh"),
                   r"field scene\.rubric\[value_offer\]\.anchors\[3\]: missing the Chinese text \(zh\)"),
        "situation": (lambda d: d["scene"]["situation"].update(en=" "),
                      r"field scene\.situation: missing the English text \(en\)"),
        "must_show": (lambda d: d["scene"]["must_show"][1].pop("zh"),
                      r"field scene\.must_show\[1\]: missing the Chinese text \(zh\)"),
        "role": (lambda d: d["scene"]["roles"][1]["brief"].update(zh="Has a cheaper offer"),
                 r"field scene\.roles\[purchasing_manager\]\.brief: the Chinese text \(zh\) contains no Chinese"),
        "label": (lambda d: d["scene"]["rubric"][0].update(label="Diagnosis"),
                  r"field scene\.rubric\[diagnosis\]\.label: needs every language"),
    }
    for key, (edit, message) in edits.items():
        with pytest.raises(CaseError, match=message):
            load_case(_write_case(tmp_path / key, edit))


def test_a_criterion_without_its_anchors_or_a_case_without_a_scene_is_refused(tmp_path: Path) -> None:
    edits = {
        "anchor5": (lambda d: d["scene"]["rubric"][2]["anchors"].pop(5),
                    r"field scene\.rubric\[service_fix\]\.anchors: missing the anchor\(s\) for score 5"),
        "anchor7": (lambda d: d["scene"]["rubric"][2]["anchors"].update({7: {"en": "Beyond", "zh": "超出"}}),
                    r"field scene\.rubric\[service_fix\]\.anchors: scores \[7\] are outside the scale 1-5"),
        "no_scene": (lambda d: d.pop("scene"), r"field scene: Field required"),
        "one_criterion": (lambda d: d["scene"].update(rubric=d["scene"]["rubric"][:1]),
                          r"field scene\.rubric: Tuple should have at least 2 items"),
    }
    for key, (edit, message) in edits.items():
        with pytest.raises(CaseError, match=message):
            load_case(_write_case(tmp_path / key, edit))


@pytest.mark.parametrize("file, message", [
    ("teaching_note.zh.md", r"teaching_note\.zh\.md: missing teaching note \(Chinese\)"),
    ("teaching_note.md", r"teaching_note\.md: missing teaching note \(English\)"),
    ("scene_template.zh.md", r"scene_template\.zh\.md: missing scene template \(Chinese\)"),
])
def test_a_missing_teaching_note_or_script_template_is_refused(tmp_path: Path, file: str, message: str) -> None:
    folder = _write_case(tmp_path, lambda d: None)
    assert load_case(folder).name == "telecom-churn"
    (folder / file).unlink()
    with pytest.raises(CaseError, match=message):
        load_case(folder)


def test_a_teaching_note_in_chinese_without_chinese_is_refused(tmp_path: Path) -> None:
    folder = _write_case(tmp_path, lambda d: None)
    shutil.copy(folder / "memo_template.md", folder / "teaching_note.zh.md")
    with pytest.raises(CaseError, match=r"the Chinese teaching note contains no Chinese characters"):
        load_case(folder)


def test_scene_marks_are_weighted_and_checked() -> None:
    scene = load_case("pizza-service-call").scene
    marks = {"listening": 4, "record": 2, "offer": 5, "follow_up": 3}
    assert scene.score(marks) == pytest.approx(0.25 * 4 + 0.2 * 2 + 0.3 * 5 + 0.25 * 3)
    with pytest.raises(CaseError, match="not scored: Follow-up and root cause"):
        scene.score({k: v for k, v in marks.items() if k != "follow_up"}, "en")
    with pytest.raises(CaseError, match="未评分：跟进与根源"):
        scene.score({k: v for k, v in marks.items() if k != "follow_up"}, "zh")
    with pytest.raises(CaseError, match="unknown criterion"):
        scene.score(marks | {"charm": 5}, "en")
    with pytest.raises(CaseError, match=r"与价值相称的补救方案：分数必须是 1 到 5 的整数，实际为 6"):
        scene.score(marks | {"offer": 6}, "zh")
    with pytest.raises(CaseError, match=r"Listening and acknowledgement: .* from 1 to 5, got 4\.5"):
        scene.score(marks | {"listening": 4.5}, "en")


def test_the_rubric_example_in_the_cases_readme_is_valid() -> None:
    readme = (REPO / "cases" / "README.md").read_text(encoding="utf-8")
    example = yaml.safe_load(re.search(r"```yaml\n(rubric:.*?)```", readme, flags=re.DOTALL).group(1))
    criterion = Criterion.model_validate(example["rubric"][0])
    assert set(criterion.anchors) == set(REQUIRED_ANCHORS) and has_chinese(criterion.anchors[3].zh)


# ----------------------------------------------------------------------------- pizza case
def test_the_pizza_case_plays_two_rounds(tmp_path: Path) -> None:
    """The fifth case runs live: a team that staffs the phone and recovers complaints plays two rounds."""
    case = load_case("pizza-service-call")
    assert case.scenario == "pizza-shop" and case.customers <= 2000
    assert {d.policy for d in case.decisions} >= {"service.capacity.phone", "service.capacity.chat",
                                                 "service.recovery_effort"}
    store, token = create_session("pizza-service-call", 2, tmp_path / "pizza")
    careful, default = store.teams(token)
    plan = {"phone_capacity": 30, "chat_capacity": 15, "recovery_effort": 0.9}
    assert case.validate_decisions(plan)["recovery_effort"] == 0.9
    advance_round(store, token)  # practice
    for r in (1, 2):
        store.submit(careful.token, r, f"r{r}", plan)
        report = advance_round(store, token)
        assert report.round == r and report.submitted == 1
    rows = {(row["team"], row["round"]): row["metrics"] for row in store.results([1, 2])}
    for r in (1, 2):
        assert rows[(careful.team, r)]["cost_service"] > rows[(default.team, r)]["cost_service"]
        assert rows[(careful.team, r)]["tickets"] > 0
    # the oven fails in round 2 in every world: more service contacts than in round 1
    assert rows[(default.team, 2)]["tickets"] > rows[(default.team, 1)]["tickets"]
    assert rows[(careful.team, 2)]["complaints"] < rows[(default.team, 2)]["complaints"]
    board = leaderboard(store.results(), case, [1, 2])
    assert set(board["team"]) == {careful.team, default.team} and board["score"].notna().all()
