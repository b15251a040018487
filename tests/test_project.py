"""The project's own promises: install files in step, README commands, CI script."""

import re
import tomllib

import yaml

from tests.conftest import REPO


def _name(req: str) -> str:
    return re.split(r"[<>=!\[ ;]", req, maxsplit=1)[0].lower().replace("_", "-")


def test_environment_yml_lists_the_same_dependencies_as_pyproject():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    wanted = {_name(r) for r in project["dependencies"] + project["optional-dependencies"]["test"]}
    env = yaml.safe_load((REPO / "environment.yml").read_text())
    listed = {_name(d) for d in env["dependencies"] if isinstance(d, str)} - {"python", "pip"}
    # conda splits dask[distributed] into dask + distributed
    wanted = (wanted - {"dask"}) | {"dask", "distributed"}
    assert listed == wanted
    versions = {_name(r): r[len(_name(r)):].replace("[distributed]", "") for r in project["dependencies"]}
    for dep in env["dependencies"]:
        if isinstance(dep, str) and _name(dep) in versions:
            assert dep[len(_name(dep)):] == versions[_name(dep)], dep


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
