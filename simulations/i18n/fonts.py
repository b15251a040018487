"""Chinese glyphs in every plot the project writes, on any machine.

Why: matplotlib's own font (DejaVu Sans) has no Chinese characters, and a fresh machine (a student's
laptop, CI, a container) often has no CJK font either, so a Chinese plot would show empty boxes.
The project therefore ships a font through pip: the core dependency ``pylopdf-fonts-zh-cn`` holds
Noto Sans SC (SIL Open Font License 1.1, about 8 MB). :func:`use_cjk_font` registers it with
matplotlib once and appends it to ``font.family`` after the default family: matplotlib draws each
character in the first family of that list that has it, so Latin text still uses DejaVu Sans
(English plots are unchanged) and each Chinese character is drawn in Noto Sans SC.
"""

from __future__ import annotations

from functools import cache

#: Families tried when the shipped font package is missing (a system-wide CJK font serves as well).
SYSTEM_CJK_FAMILIES: tuple[str, ...] = ("Noto Sans SC", "Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Zen Hei",
                                        "WenQuanYi Micro Hei", "Microsoft YaHei", "PingFang SC", "Hiragino Sans GB",
                                        "Heiti SC", "SimHei")
#: The pip package that ships the font (a core dependency in pyproject.toml and environment.yml).
FONT_PACKAGE = "pylopdf-fonts-zh-cn"


@cache
def use_cjk_font() -> str | None:
    """Register a Chinese font with matplotlib (once per process); return its family, or ``None`` if none exists.

    Every plotting path calls this before drawing, so the same font serves the run report, the
    experiment report and any later plot in the process.
    """
    import matplotlib
    from matplotlib import font_manager

    family = None
    try:
        from pylopdf_fonts_zh_cn import sans_path
    except ImportError:
        installed = {f.name for f in font_manager.fontManager.ttflist}
        family = next((name for name in SYSTEM_CJK_FAMILIES if name in installed), None)
    else:
        path = sans_path()
        font_manager.fontManager.addfont(str(path))
        family = font_manager.FontProperties(fname=str(path)).get_name()
    if family is None:
        return None
    families = [name for name in matplotlib.rcParams["font.family"] if name != family]
    matplotlib.rcParams["font.family"] = [*families, family]
    return family


def require_cjk_font() -> str:
    """:func:`use_cjk_font`, or a :class:`UserError` saying how to install the font (before a Chinese run starts)."""
    from simulations.errors import UserError
    from simulations.i18n import _

    family = use_cjk_font()
    if family is None:
        raise UserError(_("Chinese plots need a Chinese font and none is installed: "
                          "pip install {package} (it comes with the project's own install)").format(package=FONT_PACKAGE))
    return family
