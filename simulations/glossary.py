"""The CRM glossary (English <-> 中文) from one source: ``glossary.yaml`` plus the stage labels.

Why one source: the docs page, the labs' lookup table and any later translation must use the same
Chinese term for the same idea (the domain notes' 生命周期, 客户终身价值, 维系, 拓展, 危险期 ...).
Stage names and their Chinese labels are not written twice: they come from
:data:`simulations.stages.STAGE_LABELS`, and the YAML file only adds their definitions.

``docs/GLOSSARY.md`` is rendered by :func:`glossary_markdown`; a test keeps the committed file
current. Regenerate with ``python -m simulations.glossary docs/GLOSSARY.md``.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from functools import cache
from importlib import resources
from itertools import groupby
from pathlib import Path

import yaml

from simulations.stages import STAGE_LABELS, Stage

STAGE_GROUP = ("Lifecycle stages", "生命周期阶段")


@dataclass(frozen=True)
class Term:
    """One glossary entry: the English term, its Chinese term and a one-line definition in each language."""

    term: str
    zh: str
    definition: str
    definition_zh: str
    group: str
    group_zh: str
    aliases: tuple[str, ...] = ()


@cache
def _source() -> dict:
    text = resources.files("simulations").joinpath("glossary.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def terms() -> tuple[Term, ...]:
    """All entries: the lifecycle stages first (labels from ``STAGE_LABELS``), then the YAML groups in file order."""
    src = _source()
    missing = {s.name for s in Stage} ^ set(src["stages"])
    if missing:
        raise ValueError(f"glossary.yaml: stage definitions do not match simulations.stages.Stage: {sorted(missing)}")
    out = [Term(en, zh, src["stages"][s.name]["en"], src["stages"][s.name]["zh_def"], *STAGE_GROUP)
           for s, (en, zh) in STAGE_LABELS.items()]
    for group in src["groups"]:
        out += [Term(t["term"], t["zh"], t["en"], t["zh_def"], group["name"], group["zh"], tuple(t.get("aliases", ())))
                for t in group["terms"]]
    return tuple(out)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def glossary_markdown() -> str:
    """The docs page: one table per group, term | 中文 | definition | 释义."""
    lines = ["# Glossary 术语表 (English ↔ 中文)", "",
             "Generated from `simulations/glossary.yaml` and the stage labels in `simulations/stages.py` by",
             "`python -m simulations.glossary docs/GLOSSARY.md`; do not edit by hand. In a lab:",
             "`from simulations.labs.helpers import glossary; glossary()`.", "",
             "由 `simulations/glossary.yaml` 与 `simulations/stages.py` 中的阶段名称自动生成，请勿手工修改。", ""]
    for (name, name_zh), group in groupby(terms(), key=lambda t: (t.group, t.group_zh)):
        lines += [f"## {name} {name_zh}", "", "| term | 中文 | definition | 释义 |", "|---|---|---|---|"]
        lines += [f"| {_cell(t.term)} | {_cell(t.zh)} | {_cell(t.definition)} | {_cell(t.definition_zh)} |" for t in group]
        lines.append("")
    return "\n".join(lines)


def write_glossary(path: Path | str) -> Path:
    """Write :func:`glossary_markdown` to ``path`` (UTF-8)."""
    path = Path(path)
    path.write_text(glossary_markdown(), encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    """``python -m simulations.glossary PATH``: write the glossary page (default ``docs/GLOSSARY.md``)."""
    args = sys.argv[1:] if argv is None else argv
    print(write_glossary(args[0] if args else "docs/GLOSSARY.md"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
