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
