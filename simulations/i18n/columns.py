"""Plain-text columns that stay aligned when a header is Chinese.

Why: a terminal shows each Chinese character two columns wide, while ``f"{text:>10}"`` pads by
characters, so a translated header would push every column after it out of line.
"""

from __future__ import annotations

import unicodedata


def display_width(text: str) -> int:
    """Terminal columns ``text`` takes: two for each wide (CJK) character, one for any other."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def pad(text: str, width: int, align: str = "<") -> str:
    """``text`` padded with spaces to ``width`` terminal columns, left (``"<"``) or right (``">"``) aligned."""
    gap = " " * max(0, width - display_width(text))
    return text + gap if align == "<" else gap + text
