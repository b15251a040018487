"""A scenario as YAML with every field filled in *and* the comments of the file it came from.

Why: the built-in scenarios cite their sources (published churn rates, the 90-9-1 rule) in YAML
comments, next to the values they justify. ``crm-sandbox scenario show NAME > mine.yaml`` is how a
user starts an edited copy, so the comments must travel with their fields instead of being lost
when the scenario is re-serialised from the validated object.

Comments are matched to fields by their dotted path (list items by position), which works for the
block-style YAML that scenario files and PyYAML use; a comment whose field is not in the output is
kept at the end rather than dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import yaml

from simulations.config import Scenario
from simulations.i18n import _

_KEY = re.compile(r"^(?P<indent>[ ]*)(?P<dash>-[ ]+)?(?P<key>[A-Za-z_][\w.-]*)[ ]*:(?=[ ]|$)")
_INLINE = re.compile(r"[ ]+(#.*)$")

Path = tuple[str, ...]


@dataclass
class _PathTracker:
    """Follows the dotted path of each ``key:`` line of block-style YAML, by indentation."""

    stack: list[tuple[int, str]] = field(default_factory=list)
    items: dict[Path, int] = field(default_factory=dict)

    def path(self, match: re.Match[str]) -> Path:
        indent, dash = len(match["indent"]), match["dash"]
        if dash:  # a new list item: leave the previous item, number this one under its list
            while self.stack and (self.stack[-1][0] > indent or (self.stack[-1][0] == indent and self.stack[-1][1][0] == "[")):
                self.stack.pop()
            parent = tuple(name for _, name in self.stack)
            self.items[parent] = self.items.get(parent, -1) + 1
            self.stack.append((indent, f"[{self.items[parent]}]"))
            indent += len(dash)
        while self.stack and self.stack[-1][0] >= indent:  # leave deeper keys, siblings and finished lists
            self.stack.pop()
        self.stack.append((indent, match["key"]))
        return tuple(name for _, name in self.stack)


def _inline_comment(rest: str) -> str | None:
    """A trailing ``# comment`` of a value, unless the ``#`` may be inside a quoted string."""
    found = _INLINE.search(rest)
    if found is None or "'" in rest[: found.start()] or '"' in rest[: found.start()]:
        return None
    return found.group(1)


def collect_comments(text: str) -> tuple[dict[Path, list[str]], dict[Path, str], list[str]]:
    """Comment lines above each field, trailing comments per field, and comments after the last field."""
    above: dict[Path, list[str]] = {}
    inline: dict[Path, str] = {}
    pending: list[str] = []
    tracker = _PathTracker()
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            pending.append(stripped)
            continue
        match = _KEY.match(line)
        if match is None:
            continue
        path = tracker.path(match)
        if pending:
            above[path] = pending
            pending = []
        comment = _inline_comment(line[match.end():])
        if comment:
            inline[path] = comment
    return above, inline, pending


def commented_yaml(scenario: Scenario, source_text: str | None, source_name: str) -> str:
    """``scenario`` as YAML (defaults filled in) with the comments of ``source_text`` beside their fields."""
    body = yaml.safe_dump(scenario.model_dump(mode="json"), sort_keys=False, allow_unicode=True, width=100)
    header = ["# " + _("scenario {name}: every field, defaults filled in; comments from {source}").format(
                  name=scenario.name, source=source_name),
              "# " + _("(crm-sandbox scenario fields lists each field's range and meaning)")]
    if not source_text:
        return "\n".join(header) + "\n" + body
    above, inline, trailing = collect_comments(source_text)
    out = list(header)
    tracker = _PathTracker()
    placed: set[Path] = set()
    for line in body.splitlines():
        match = _KEY.match(line)
        if match is not None:
            path = tracker.path(match)
            pad = " " * (len(match["indent"]) + len(match["dash"] or ""))
            out += [pad + c for c in above.get(path, [])]
            if path in inline:
                line = f"{line}  {inline[path]}"
            placed.add(path)
        out.append(line)
    lost = [c for path, cs in above.items() if path not in placed for c in cs]
    lost += [c for path, c in inline.items() if path not in placed]
    if lost or trailing:
        out += ["# " + _("comments from {source} whose field is not shown above:").format(source=source_name),
                *lost, *trailing]
    return "\n".join(out) + "\n"
