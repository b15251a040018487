"""The glossary: one source, current docs page, stages from STAGE_LABELS, every term used and every lab term covered."""

from __future__ import annotations

import re

from simulations.glossary import STAGE_GROUP, glossary_markdown, terms
from simulations.labs.helpers import glossary
from simulations.stages import STAGE_LABELS

from .conftest import REPO

NOT_TERMS = {"盐城铁通"}  # the telecom firm of the course's case, a name rather than a term
DOMAIN_TERMS = ("客户关系生命周期", "客户终身价值", "维系", "拓展", "危险期", "客户价值", "客户金字塔")


def _has_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def test_docs_page_is_current() -> None:
    text = (REPO / "docs" / "GLOSSARY.md").read_text(encoding="utf-8")
    assert text == glossary_markdown(), "regenerate: python -m simulations.glossary docs/GLOSSARY.md"


def test_entries_are_complete_and_stages_come_from_stage_labels() -> None:
    all_terms = terms()
    stages = [t for t in all_terms if (t.group, t.group_zh) == STAGE_GROUP]
    assert [(t.term, t.zh) for t in stages] == list(STAGE_LABELS.values())
    for t in all_terms:
        assert t.term and len(t.definition) > 20 and not _has_cjk(t.definition), t.term
        assert _has_cjk(t.zh) and _has_cjk(t.definition_zh) and len(t.definition_zh) > 8, t.term
    assert len({t.term.lower() for t in all_terms}) == len(all_terms)
    assert len({t.zh for t in all_terms}) == len(all_terms)
    zh = {t.zh for t in all_terms}
    assert all(any(d == z or z.startswith(d) for z in zh) for d in DOMAIN_TERMS)


def test_every_term_is_used_by_labs_or_cases() -> None:
    files = [*REPO.glob("labs/*/master.py"), *REPO.glob("cases/*/*.yaml"), *REPO.glob("cases/*/*.md"),
             *REPO.glob("cases/app/*.py"), *REPO.glob("instructor/specs/*.py"), REPO / "simulations/recording/dictionary.py"]
    corpus = "\n".join(f.read_text(encoding="utf-8") for f in files).lower()
    unused = [t.term for t in terms() if (t.group, t.group_zh) != STAGE_GROUP
              and not any(w.lower() in corpus for w in (t.term, *t.aliases))]
    assert not unused, f"glossary terms no lab or case uses: {unused}"


def test_every_chinese_term_of_the_labs_is_in_the_glossary() -> None:
    zh = {t.zh for t in terms()}
    missing = []
    for master in sorted(REPO.glob("labs/*/master.py")):
        concepts = re.search(r"\*\*Concepts.*?\n#\s*\n", master.read_text(encoding="utf-8"), re.S)
        assert concepts, f"{master}: no Concepts paragraph"
        for chunk in re.findall(r"\(([^()]*[\u4e00-\u9fff][^()]*)\)", concepts.group(0)):
            for word in re.findall(r"[\u4e00-\u9fff0-9A-Za-z]*[\u4e00-\u9fff][\u4e00-\u9fff0-9A-Za-z]*", chunk):
                if word not in NOT_TERMS and not any(word in z for z in zh):
                    missing.append(f"{master.parent.name}: {word}")
    assert not missing, missing


def test_lab_helper_returns_the_same_entries() -> None:
    frame = glossary()
    assert list(frame.columns) == ["term", "中文", "definition", "释义", "group"]
    assert len(frame) == len(terms()) and frame["term"].iloc[0] == STAGE_LABELS[next(iter(STAGE_LABELS))][0]
    assert glossary("zh")["中文"].is_monotonic_increasing
