"""From one master notebook per lab to the student notebook and the instructor's grading files.

Why generated: a student version edited by hand drifts from the master (a fixed typo, a changed
question id) and nobody notices until grading. Here the master (``labs/Lxx_*/master.py``, a jupytext
``py:percent`` file paired with ``master.ipynb``) is the only source; this module removes its
solutions and writes the student version, so the two can never disagree.

Markers in a master:

* code lines between ``# BEGIN SOLUTION`` and ``# END SOLUTION`` become ``# your code here``
  (indentation kept); a code cell tagged ``solution`` is emptied the same way;
* markdown lines between ``<!-- BEGIN SOLUTION -->`` and ``<!-- END SOLUTION -->`` (a model answer to a
  reflection question) become ``*Your answer here.*``;
* a cell tagged ``answer`` holds only one-line assignments, ``lab.answer(...)`` and ``lab.check(...)``
  calls: every assignment becomes ``name = None  # your answer`` and every ``lab.answer(qid, name, ...)``
  runs only once ``name`` is no longer ``None``, so an unanswered question is simply missing from the
  submission (it grades to zero with "no answer submitted") and the notebook still runs to the end.

Everything else (text, guided analysis, plots, check cells, ``lab.submit()``) is kept as written,
which is why solution blocks must only feed answer cells: a later cell that used a solution variable
would fail in the student version (the tests run every released notebook to catch exactly that).

Languages (``release(..., lang="zh")``): ONE master per lab holds both languages. A cell whose
metadata says ``lang: zh`` is the Chinese twin of the cell right before it (English, with no
``lang`` or ``lang: en``); a release in one language keeps that language's cells and drops the
other's. Markdown is twinned cell by cell; a code cell is twinned only when it shows prose (a
comment, a printed sentence, the ``LANG`` parameter), and its twin must be the same code apart
from string constants and comments, so both languages compute and answer exactly the same (same
question ids, same keys: a class may mix languages). Why twins in one file and not one master per
language: a fixed typo, a changed question or a new hint in one language is next to its twin in
the same diff, and the release refuses a master in which an English cell lacks its Chinese twin,
naming the lab and the cell, so a half-translated lab is never released in Chinese.
"""

from __future__ import annotations

import ast
import copy
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jupytext
import nbformat

from simulations.errors import UserError
from simulations.i18n import DEFAULT_LANGUAGE, N_, gettext, normalise_language

REPO = Path(__file__).resolve().parents[2]
LABS_DIR = REPO / "labs"
MASTER = "master.py"
BEGIN_CODE, END_CODE = "# BEGIN SOLUTION", "# END SOLUTION"
BEGIN_MD, END_MD = "<!-- BEGIN SOLUTION -->", "<!-- END SOLUTION -->"
# The texts the release itself writes into a student notebook (translated per release language).
CODE_PLACEHOLDER = N_("# your code here")
MD_PLACEHOLDER = N_("*Your answer here.*")
ANSWER_COMMENT = "  " + N_("# your answer")
LANG_KEY = "lang"  # cell metadata naming a twin's language
_LAB_FOLDER = re.compile(r"^(L\d\d)_[a-z0-9_]+$")


@dataclass(frozen=True)
class LabInfo:
    """One lab folder: its id (``L03``), folder, master file and title (first heading of the master)."""

    lab_id: str
    folder: Path
    title: str

    @property
    def master(self) -> Path:
        """The jupytext master (the file authors edit)."""
        return self.folder / MASTER

    @property
    def name(self) -> str:
        """Folder name, e.g. ``L03_customer_value``: also the student notebook's name."""
        return self.folder.name


def _title(master: Path) -> str:
    for line in master.read_text(encoding="utf-8").splitlines():
        if line.startswith("# # "):
            return line[4:].strip()
    return master.parent.name


def list_labs(root: Path = LABS_DIR) -> list[LabInfo]:
    """Every lab folder under ``root`` that holds a master, in order."""
    labs = []
    for folder in sorted(Path(root).iterdir()) if Path(root).is_dir() else []:
        match = _LAB_FOLDER.match(folder.name)
        if match and (folder / MASTER).is_file():
            labs.append(LabInfo(match.group(1), folder, _title(folder / MASTER)))
    return labs


def find_lab(lab_id: str, root: Path = LABS_DIR) -> LabInfo:
    """The lab with id ``lab_id`` (case-insensitive), or a clear error listing the known ones."""
    labs = list_labs(root)
    for lab in labs:
        if lab.lab_id == lab_id.upper():
            return lab
    raise UserError(f"--lab {lab_id!r}: no such lab (known: {', '.join(lab.lab_id for lab in labs) or 'none'})")


def read_master(path: Path) -> nbformat.NotebookNode:
    """The master as a notebook (jupytext reads the ``py:percent`` file)."""
    try:
        return jupytext.read(Path(path))
    except (OSError, ValueError) as err:
        raise UserError(f"{path}: cannot read the master notebook ({err})") from None


def _strip_blocks(lines: list[str], begin: str, end: str, placeholder: str, where: str) -> list[str]:
    """Replace each marked block by one placeholder line (indented like the begin marker)."""
    out: list[str] = []
    inside = False
    for line in lines:
        marker = line.strip()
        if marker == begin:
            if inside:
                raise UserError(f"{where}: {begin!r} inside another solution block")
            inside = True
            indent = line[: len(line) - len(line.lstrip())]
            out.append(indent + placeholder)
        elif marker == end:
            if not inside:
                raise UserError(f"{where}: {end!r} without a matching {begin!r}")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise UserError(f"{where}: {begin!r} is never closed by {end!r}")
    return out


def _is_lab_call(node: ast.stmt, method: str) -> bool:
    call = getattr(node, "value", None)
    return (isinstance(node, ast.Expr) and isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)
            and call.func.attr == method and isinstance(call.func.value, ast.Name) and call.func.value.id == "lab")


def _target_names(node: ast.Assign, where: str) -> list[str]:
    if len(node.targets) != 1:
        raise UserError(f"{where}: use one target per assignment in an answer cell")
    target = node.targets[0]
    elts = target.elts if isinstance(target, ast.Tuple) else [target]
    if not all(isinstance(e, ast.Name) for e in elts):
        raise UserError(f"{where}: answer cells may only assign plain names (got {ast.unparse(target)!r})")
    return [e.id for e in elts]


def blank_answer_cell(source: str, where: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """The student form of an answer cell: assignments set to None, answers recorded only when given."""
    comment = "  " + gettext(ANSWER_COMMENT.strip(), lang)
    try:
        tree = ast.parse(source)
    except SyntaxError as err:
        raise UserError(f"{where}: not valid Python ({err.msg}, line {err.lineno})") from None
    lines = source.splitlines()
    out: list[str] = []
    for node in tree.body:
        text = "\n".join(lines[node.lineno - 1: node.end_lineno])
        if isinstance(node, ast.Assign):
            names = _target_names(node, where)
            out.append(f"{', '.join(names)} = {', '.join(['None'] * len(names))}{comment}")
        elif _is_lab_call(node, "answer"):
            args = node.value.args
            if len(args) < 2 or not isinstance(args[1], ast.Name):
                raise UserError(f"{where}: lab.answer(qid, value) must pass the value as a variable assigned in this cell")
            out.append(f"if {args[1].id} is not None:")
            out.extend("    " + line for line in text.splitlines())
        elif _is_lab_call(node, "check"):
            out.append(text)
        else:
            raise UserError(f"{where}: an answer cell may hold only assignments, lab.answer(...) and lab.check(...) "
                            f"(found {ast.unparse(node).splitlines()[0]!r})")
    return "\n".join(out)


def answered_questions(nb: nbformat.NotebookNode) -> list[str]:
    """Question ids the notebook answers (``lab.answer("qid", ...)`` in answer cells), in order."""
    qids = []
    for cell in nb.cells:
        if cell.cell_type == "code" and "answer" in cell.metadata.get("tags", []):
            for node in ast.parse(cell.source).body:
                if _is_lab_call(node, "answer") and isinstance(node.value.args[0], ast.Constant):
                    qids.append(str(node.value.args[0].value))
    return qids


def cell_language(cell: nbformat.NotebookNode) -> str:
    """The language of a master cell: its ``lang`` metadata, English when it has none."""
    return str(cell.metadata.get(LANG_KEY, DEFAULT_LANGUAGE))


def _without_text(source: str) -> str:
    """The code of a cell with every string constant emptied (comments are not in the AST anyway)."""
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            node.value = ""
        elif isinstance(node, ast.JoinedStr):  # f"..." text parts and format specs
            node.values = [v for v in node.values if isinstance(v, ast.FormattedValue)]
            for v in node.values:
                v.format_spec = None
    return ast.dump(tree)


def translated_languages(master: nbformat.NotebookNode) -> list[str]:
    """Languages other than English that have a twin of every English markdown cell and prose code cell."""
    found = {cell_language(c) for c in master.cells} - {DEFAULT_LANGUAGE}
    return [lang for lang in sorted(found) if not twin_problems(master, lang)]


def twin_problems(master: nbformat.NotebookNode, lang: str) -> list[str]:
    """Why ``master`` cannot be released in ``lang`` (empty when it can): cells lacking or breaking their twin."""
    if lang == DEFAULT_LANGUAGE:
        return []
    problems = []
    cells = master.cells
    for i, cell in enumerate(cells):
        nxt = cells[i + 1] if i + 1 < len(cells) else None
        if cell_language(cell) == lang:
            prev = cells[i - 1] if i else None
            if prev is None or cell_language(prev) != DEFAULT_LANGUAGE or prev.cell_type != cell.cell_type:
                problems.append(f"cell {i + 1}: a {lang} cell must follow the English {cell.cell_type} cell it translates")
            elif cell.cell_type == "code":
                try:
                    same = _without_text(prev.source) == _without_text(cell.source)
                except SyntaxError as err:
                    problems.append(f"cell {i + 1}: not valid Python ({err.msg}, line {err.lineno})")
                    continue
                if not same or prev.metadata.get("tags", []) != cell.metadata.get("tags", []):
                    problems.append(f"cell {i + 1}: a {lang} code twin must be the English cell {i} with only its "
                                    "texts (strings, comments) translated and the same tags")
            continue
        if cell_language(cell) != DEFAULT_LANGUAGE:
            continue
        twinned = nxt is not None and cell_language(nxt) == lang
        explicit = LANG_KEY in cell.metadata  # an English code cell marked lang: en promises a twin
        if (cell.cell_type == "markdown" or explicit) and not twinned:
            first = cell.source.strip().splitlines()[0][:60] if cell.source.strip() else ""
            problems.append(f"cell {i + 1} ({cell.cell_type} {first!r}) has no {lang} twin after it")
    return problems


def in_language(master: nbformat.NotebookNode, lang: str = DEFAULT_LANGUAGE, name: str = "master"
                ) -> nbformat.NotebookNode:
    """The master in one language: the other language's twins dropped, solutions kept.

    Refuses (naming ``name`` and the first cells at fault) a master whose English cells lack
    their ``lang`` twins, so a half-translated lab never reaches students.
    """
    lang = normalise_language(lang)
    problems = twin_problems(master, lang)
    if problems:
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        raise UserError(f"{name}: cannot be released in {lang!r}: " + "; ".join(problems[:3]) + more +
                        f"; translate every cell (a cell with metadata {LANG_KEY}: {lang} after each) or release it in "
                        f"{DEFAULT_LANGUAGE!r}")
    nb = copy.deepcopy(master)
    cells = nb.cells
    nb.cells = [c for i, c in enumerate(cells) if cell_language(c) == lang or (
        cell_language(c) == DEFAULT_LANGUAGE and not (i + 1 < len(cells) and cell_language(cells[i + 1]) == lang))]
    for cell in nb.cells:
        cell.metadata.pop(LANG_KEY, None)
    nb.metadata["language"] = lang
    return nb


def student_notebook(master: nbformat.NotebookNode, name: str = "master", lang: str = DEFAULT_LANGUAGE
                     ) -> nbformat.NotebookNode:
    """The student version of a master in ``lang``: solutions removed, answers blank, outputs cleared."""
    nb = in_language(master, lang, name)
    code_placeholder = gettext(CODE_PLACEHOLDER, lang)
    md_placeholder = gettext(MD_PLACEHOLDER, lang)
    for i, cell in enumerate(nb.cells, start=1):
        where = f"{name}, cell {i}"
        tags = list(cell.metadata.get("tags", []))
        if cell.cell_type == "code":
            if "solution" in tags:
                cell.source = code_placeholder
            else:
                cell.source = "\n".join(_strip_blocks(cell.source.splitlines(), BEGIN_CODE, END_CODE, code_placeholder,
                                                      where))
            if "answer" in tags:
                cell.source = blank_answer_cell(cell.source, where, lang)
            cell.outputs = []
            cell.execution_count = None
        elif cell.cell_type == "markdown":
            if "solution" in tags:
                cell.source = md_placeholder
            else:
                cell.source = "\n".join(_strip_blocks(cell.source.splitlines(), BEGIN_MD, END_MD, md_placeholder, where))
        tags = [t for t in tags if t != "solution"]
        if tags:
            cell.metadata["tags"] = tags
        else:
            cell.metadata.pop("tags", None)
    return nb


def _jsonable(value: Any) -> Any:
    try:
        json.dumps(value)
        return value
    except TypeError:
        return repr(value)


def grading_spec(lab_id: str) -> dict:
    """The instructor's description of how a lab is graded (no functions, no expected values)."""
    from graders import specs  # instructor-side only: never imported by the student notebook

    spec = specs.get(lab_id)
    return {
        "lab": spec.lab_id, "title": spec.title, "title_zh": spec.title_zh, "default_dataset": spec.default_dataset,
        "spec_module": f"{specs.module_name(spec.lab_id)}.py (instructor/specs/, or the course folder of --spec)",
        "keys_needed": list(spec.keys_needed),
        "questions": [{"qid": q.qid, "kind": q.kind, "mode": q.mode, "points": q.points, "prompt": q.prompt,
                       "checks": _jsonable(dict(q.checks)), "params": {k: _jsonable(v) for k, v in q.params.items()},
                       "misconceptions": [m.name for m in q.misconceptions]} for q in spec.questions],
        "wrong_methods": {name: qid for name, (qid, _) in spec.wrong_methods.items()},
        "grade": f"crm-sandbox grade --lab {spec.lab_id} --submissions SUBMISSIONS --keys KEYS --out GRADES",
        "validate": f"crm-sandbox grade validate {spec.lab_id}",
    }


def write_notebook_pair(nb: nbformat.NotebookNode, ipynb: Path) -> list[Path]:
    """Write ``nb`` as ``.ipynb`` and as the paired ``py:percent`` file; returns both paths."""
    nb = copy.deepcopy(nb)
    nb.metadata.setdefault("jupytext", {})["formats"] = "ipynb,py:percent"
    py = ipynb.with_suffix(".py")
    jupytext.write(nb, ipynb, fmt="ipynb")
    jupytext.write(nb, py, fmt="py:percent")
    return [ipynb, py]


def release(out: Path, lab_ids: list[str] | None = None, root: Path = LABS_DIR, force: bool = False,
            lang: str = DEFAULT_LANGUAGE) -> list[Path]:
    """Write student notebooks to ``out/student/`` and grading files to ``out/instructor/``; returns the files.

    The student folder gets ``<lab>/<lab>.ipynb`` and ``.py`` only (no spec, no solution) in ``lang``;
    the instructor folder gets the master notebook in ``lang`` (solutions kept) and
    ``grading_spec.json`` per lab. Every master is converted before anything is written, so a
    marker error or a lab not translated into ``lang`` leaves ``out`` untouched.
    """
    out = Path(out)
    lang = normalise_language(lang)
    labs = [find_lab(x, root) for x in lab_ids] if lab_ids else list_labs(root)
    if not labs:
        raise UserError(f"{root}: no labs found (expected folders like L01_meet_the_customers/master.py)")
    if out.exists() and not out.is_dir():
        raise UserError(f"--out {out}: exists and is not a folder")
    targets = [out / part / lab.name for lab in labs for part in ("student", "instructor")]
    existing = [t for t in targets if t.exists()]
    if existing and not force:
        raise UserError(f"--out {out}: {existing[0].relative_to(out)} already exists; use --force to replace it")
    prepared = []
    for lab in labs:
        master = read_master(lab.master)
        name = str(lab.master.relative_to(root.parent) if root.parent in lab.master.parents else lab.master)
        prepared.append((lab, in_language(master, lang, f"lab {lab.lab_id} ({name})"),
                         student_notebook(master, name, lang), grading_spec(lab.lab_id)))
    written: list[Path] = []
    for lab, master, student, spec in prepared:
        s_dir, i_dir = out / "student" / lab.name, out / "instructor" / lab.name
        s_dir.mkdir(parents=True, exist_ok=True)
        i_dir.mkdir(parents=True, exist_ok=True)
        written += write_notebook_pair(student, s_dir / f"{lab.name}.ipynb")
        master_copy = i_dir / "master.ipynb"
        jupytext.write(master, master_copy, fmt="ipynb")
        spec_file = i_dir / "grading_spec.json"
        spec_file.write_text(json.dumps(spec, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        written += [master_copy, spec_file]
    return written


def cell_contents(nb: nbformat.NotebookNode) -> list[tuple[str, str, tuple[str, ...]]]:
    """What a pairing must agree on: each cell's type, source, tags and language (cell ids and outputs aside)."""
    return [(c.cell_type, c.source.strip(), tuple(c.metadata.get("tags", [])), c.metadata.get(LANG_KEY))
            for c in nb.cells]


def sync(root: Path = LABS_DIR, check: bool = False) -> list[Path]:
    """Regenerate each ``master.ipynb`` whose cells differ from its ``master.py`` (``check``: only list them)."""
    stale = []
    for lab in list_labs(root):
        master = read_master(lab.master)
        ipynb = lab.folder / "master.ipynb"
        if not ipynb.is_file() or cell_contents(jupytext.read(ipynb)) != cell_contents(master):
            stale.append(ipynb)
            if not check:
                jupytext.write(master, ipynb, fmt="ipynb")
    return stale
