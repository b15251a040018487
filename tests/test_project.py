"""The project's own promises: install files in step, README commands, CI script."""

import re
import tomllib

import yaml

from tests.conftest import REPO


def _name(req: str) -> str:
    return re.split(r"[<>=!\[ ;]", req, maxsplit=1)[0].lower().replace("_", "-")


def _requirements(project: dict, extra: str | None = None) -> list[str]:
    """Requirements of the core (``extra=None``) or of an extra, self-references (``crm-sandbox[all]``) expanded."""
    reqs = project["dependencies"] if extra is None else project["optional-dependencies"][extra]
    out: list[str] = []
    for req in reqs:
        if _name(req) == project["name"]:
            for inner in req.split("[", 1)[1].split("]", 1)[0].split(","):
                out += _requirements(project, inner.strip())
        else:
            out.append(req)
    return out


def test_environment_yml_lists_the_core_and_every_extra_of_pyproject():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    everything = _requirements(project) + _requirements(project, "test")
    wanted = {_name(r) for r in everything}
    env = yaml.safe_load((REPO / "environment.yml").read_text())
    # packages conda-forge lacks are listed under `pip:` (beside `-e .`)
    from_pip = [req for section in env["dependencies"] if isinstance(section, dict)
                for req in section.get("pip", []) if not req.startswith("-")]
    listed = {_name(d) for d in [*env["dependencies"], *from_pip] if isinstance(d, str)} - {"python", "pip"}
    # conda splits dask[distributed] into dask + distributed
    wanted = (wanted - {"dask"}) | {"dask", "distributed"}
    assert listed == wanted
    versions = {_name(r): r[len(_name(r)):].replace("[distributed]", "") for r in everything}
    versions["distributed"] = versions["dask"]
    for dep in [*env["dependencies"], *from_pip]:
        if isinstance(dep, str) and _name(dep) in versions:
            assert dep[len(_name(dep)):] == versions[_name(dep)], dep


def test_the_core_install_leaves_notebooks_voila_dask_and_networkx_to_extras():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    core = {_name(r) for r in _requirements(project)}
    assert not core & {"jupyterlab", "voila", "dask", "ipywidgets", "ipykernel", "nbclient", "jupytext", "networkx"}
    assert {_name(r) for r in _requirements(project, "test")} >= {_name(r) for r in _requirements(project, "all")}


def test_each_extra_provides_the_modules_the_cli_checks_for():
    from simulations.extras import EXTRAS

    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    for extra, modules in EXTRAS.items():
        provided = {_name(r).replace("-", "_") for r in _requirements(project, extra)}
        if "dask" in provided:
            provided.add("distributed")  # dask[distributed]
        assert provided == set(modules), extra


def test_readme_quick_start_has_exactly_two_commands_and_ci_runs_the_test_one():
    readme = (REPO / "README.md").read_text()
    quick = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```bash\n(.*?)```", quick, re.S)
    commands = [line for b in blocks for line in b.strip().splitlines()]
    assert len(commands) == 2
    assert "crm-sandbox simulate" in commands[0]
    assert "pytest" in commands[1]
    ci = (REPO / ".ci/run").read_text()
    assert commands[1] in ci


def test_required_top_level_folders_exist():
    for name in ("simulations", "labs", "cases", "datasets", "graders", "tests"):
        assert (REPO / name).is_dir(), name


def test_the_tree_is_ruff_clean():
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", str(REPO)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:]
