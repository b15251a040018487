"""The course notes the labs cite are in the repository, and the course map covers every lab and case."""

from __future__ import annotations

import re

from tests.conftest import REPO

NOTES = {"COURSE.md": REPO / "docs" / "COURSE.md", "COURSE.zh.md": REPO / "docs" / "COURSE.zh.md"}


def _sections(path) -> set[str]:
    return set(re.findall(r"(?m)^## (\d+)\. ", path.read_text(encoding="utf-8")))


def test_both_languages_have_the_same_sections():
    assert _sections(NOTES["COURSE.md"]) == _sections(NOTES["COURSE.zh.md"]) == {str(i) for i in range(1, 8)}


def test_every_section_a_lab_cites_exists():
    cited = 0
    for master in sorted((REPO / "labs").glob("L*/master.py")):
        text = master.read_text(encoding="utf-8")
        assert "DOMAIN.md" not in text, f"{master.parent.name} cites a file that is not in the repository"
        for name, refs in re.findall(r"(COURSE(?:\.zh)?\.md) (§\d+(?:[,、] ?§\d+)*)", text):
            for number in re.findall(r"§(\d+)", refs):
                assert number in _sections(NOTES[name]), f"{master.parent.name} cites {name} §{number}"
                cited += 1
    assert cited >= 10


def test_code_and_scenarios_cite_the_course_notes_in_the_repository():
    """A researcher following a comment's citation must find the section: DOMAIN.md is not shipped."""
    files = [*(REPO / "simulations").rglob("*.py"), *(REPO / "simulations").rglob("*.yaml"), *(REPO / "cases").rglob("*.md")]
    stale = [str(f.relative_to(REPO)) for f in files if "DOMAIN.md" in f.read_text(encoding="utf-8")]
    assert not stale, f"cite docs/COURSE.md instead of DOMAIN.md in: {', '.join(stale)}"


def test_course_map_names_every_lab_and_case():
    readme = (REPO / "labs" / "README.md").read_text(encoding="utf-8")
    course_map = readme.split("## Course map", 1)[1].split("\n## ", 1)[0]
    header = next(line for line in course_map.splitlines() if line.startswith("| chapter"))
    labs = {p.name[:3] for p in (REPO / "labs").glob("L*") if p.is_dir()}
    cases = {p.parent.name for p in (REPO / "cases").glob("*/case.yaml")}
    assert labs | cases <= {c.strip() for c in header.split("|")}
    rows = [line for line in course_map.splitlines() if re.match(r"\| \d ", line)]
    assert [r.split()[1] for r in rows] == [str(i) for i in range(1, 8)]


def test_no_lab_uses_a_lifetime_model_before_l04_teaches_it():
    """BG/NBD, Gamma-Gamma and Kaplan-Meier are taught in L04: earlier labs and their specs do not use them."""
    models = ("BetaGeoFitter", "GammaGammaFitter", "KaplanMeierFitter", "customer_lifetime_value")
    for lab in ("L01", "L02", "L03"):
        master = next((REPO / "labs").glob(f"{lab}_*/master.py")).read_text(encoding="utf-8")
        spec = (REPO / "instructor" / "specs" / f"{lab.lower()}.py").read_text(encoding="utf-8")
        for model in models:
            assert model not in master and model not in spec, f"{lab} uses {model} before L04 teaches it"
    l04 = next((REPO / "labs").glob("L04_*/master.py")).read_text(encoding="utf-8")
    assert all(model in l04 for model in models[:3])
