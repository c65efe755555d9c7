"""The README opens with the two set-up commands, CI runs the second one verbatim, and its command
reference is what `--help` prints."""

import functools
import os
import re
import subprocess
import sys
from pathlib import Path

import click
import pytest

from tests.conftest import ROOT


def setup_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"```sh\n(.*?)```", readme, re.S).group(1)
    return [line for line in block.splitlines() if line.strip()]


def test_readme_opens_with_two_commands():
    install_and_run, install_and_test = setup_commands()
    assert "rsbib sync" in install_and_run and "rsbib export" in install_and_run
    assert install_and_test.endswith("pytest")


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert ci[-1] == setup_commands()[1]


def test_every_command_is_documented():
    from rsbib.cli import cli

    readme = (ROOT / "README.md").read_text()
    for name in cli.commands:
        assert f"rsbib {name}" in readme, name


@pytest.mark.slow
def test_the_two_commands_in_order_on_a_fresh_clone(tmp_path):
    """Command 1 verbatim in a scratch clone leaves library.db untouched; command 2's tests that
    it used to break then pass (the whole suite is what CI runs; here only those, to stay quick)."""
    import os
    import subprocess
    import sys

    clone = tmp_path / "clone"
    files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                           capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, files):  # the working tree as it is, committed in a fresh repository
        if (ROOT / name).is_file():
            (clone / name).parent.mkdir(parents=True, exist_ok=True)
            (clone / name).write_bytes((ROOT / name).read_bytes())
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@rsbib.invalid"]
    subprocess.run(["git", "init", "-q"], cwd=clone, check=True)
    subprocess.run(["git", "add", "-A"], cwd=clone, check=True)
    subprocess.run([*git, "commit", "-qm", "fresh clone"], cwd=clone, check=True)
    env = {**os.environ, "RSBIB_ARXIV_URL": "http://127.0.0.1:9/api/query",
           "RSBIB_CROSSREF_URL": "http://127.0.0.1:9"}  # the shipped library needs no request
    env.pop("VIRTUAL_ENV", None)
    install_and_run, _ = setup_commands()
    done = subprocess.run(["bash", "-c", install_and_run.replace("python3", sys.executable, 1)],
                          cwd=clone, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "the library was not written" in done.stderr
    assert subprocess.run(["git", "status", "--porcelain", "library.db"], cwd=clone,
                          capture_output=True, text=True, check=True).stdout == ""
    assert not list(clone.glob("library.db-*")) and not list(clone.glob("library.db.lock"))
    assert (clone / "refs.bib").read_text().count("\n@") >= 70
    tests = ["tests/test_shipped_library.py::test_shipped_library_is_sound",
             "tests/test_cli.py::test_read_only_commands_never_write_to_the_library"]
    second = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *tests],
                            cwd=clone, env=env, capture_output=True, text=True, timeout=600)
    assert second.returncode == 0, second.stdout[-2000:]


RSBIB = Path(sys.executable).parent / "rsbib"
REGENERATE = ".venv/bin/cog -r README.md"


def command_paths(command: click.Command, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """The path of every command under `command` (itself first), subcommands included."""
    paths = [path]
    if isinstance(command, click.Group):
        for name in sorted(command.commands):
            paths += command_paths(command.commands[name], (*path, name))
    return paths


def reference(readme: str) -> dict[tuple[str, ...], str]:
    """The README's command reference: command path -> the text of its block (between the cog markers)."""
    region = re.search(r"<!-- \[\[\[cog\n.*?\]\]\] -->\n(.*?)<!-- \[\[\[end\]\]\] -->", readme, re.S)
    assert region, "the README has no cog-generated command reference"
    blocks = re.findall(r"^### `rsbib([^`]*)`\n\n```\n(.*?)^```$", region.group(1), re.S | re.M)
    return {tuple(name.split()): text for name, text in blocks}


def drift(readme: str, helps: dict[tuple[str, ...], str]) -> list[str]:
    """Where the README's reference and `--help` disagree, one line each (empty when they agree)."""
    documented = reference(readme)
    found = [f"rsbib {' '.join(p)}: no block in the README" for p in helps if p not in documented]
    found += [f"rsbib {' '.join(p)}: a block for no command" for p in documented if p not in helps]
    for path in helps.keys() & documented.keys():
        if helps[path] != documented[path]:
            line = next(a or b for a, b in zip(helps[path].splitlines() + [""], documented[path].splitlines() + [""])
                        if a != b)
            found.append(f"rsbib {' '.join(path)}: differs from --help at {line!r}")
    return found


@functools.cache
def helps() -> dict[tuple[str, ...], str]:
    """What `rsbib ... --help` prints for every command, run as a user runs it in an 80-column terminal."""
    from rsbib.cli import cli

    env = {**os.environ, "COLUMNS": "80"}
    running = {path: subprocess.Popen([str(RSBIB), *path, "--help"], env=env, stdout=subprocess.PIPE, text=True)
               for path in command_paths(cli)}  # side by side: a dozen interpreter start-ups
    printed = {path: process.communicate()[0] for path, process in running.items()}
    assert all(process.returncode == 0 for process in running.values())
    return printed


def test_the_command_reference_is_what_help_prints():
    found = drift((ROOT / "README.md").read_text(), helps())
    assert found == [], f"run `{REGENERATE}`: " + "; ".join(found)


def test_a_reference_that_drifted_from_help_is_found():
    """The check above can fail: a changed option line, a missing command and a stale one are each named."""
    readme = (ROOT / "README.md").read_text()
    now = reference(readme)
    assert drift(readme, now) == [] and len(now) >= 12
    changed = readme.replace("  --prune ", "  --purge ", 1)
    assert drift(changed, now) == ["rsbib sync: differs from --help at "
                                   "'  --prune            Delete the rows no longer in the list (kept and marked by'"]
    assert drift(readme, {**now, ("merge",): "Usage: rsbib merge\n"}) == ["rsbib merge: no block in the README"]
    del now[("upgrade",)]
    assert drift(readme, now) == ["rsbib upgrade: a block for no command"]


def test_cog_regenerates_the_reference_unchanged():
    """The README's regeneration command (cog) is installed by the test extra and would change nothing."""
    assert f"`{REGENERATE}`" in (ROOT / "README.md").read_text()
    cog = [str(RSBIB.parent / "cog"), "--check", "--check-fail-msg", f"run `{REGENERATE}`", "README.md"]
    done = subprocess.run(cog, cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
