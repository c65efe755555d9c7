"""The README opens with the two set-up commands, and CI runs the second one verbatim."""

import re

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
