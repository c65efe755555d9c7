"""The CI recipes in examples/ run as written: a list with findings fails, a list without passes."""

import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT, TEST_ENV

# Each recipe runs rsbib in child processes, as CI and pre-commit would.
pytestmark = pytest.mark.slow

EXAMPLES = ROOT / "examples"
GATE = "rsbib check --fail-on stale-venue --fail-on duplicate --source README.md"
HEADER = ("|Abbreviation|Title|Publication|Paper|Code & Weights|\n"
          "|:---:|---|:---:|:---:|:---:|\n")
GEOKR = ("|**GeoKR**|**Geographical Knowledge-Driven Representation Learning for Remote Sensing "
         "Images**|TGRS2021|[GeoKR](https://ieeexplore.ieee.org/abstract/document/9559903)|null|\n")
SECO = ("|**SeCo**|**Seasonal Contrast: Unsupervised Pre-Training From Uncurated Remote Sensing "
        "Data**|ICCV2021|[SeCo](https://openaccess.thecvf.com/content/ICCV2021/html/Manas_Seasonal_"
        "Contrast_Unsupervised_Pre-Training_From_Uncurated_Remote_Sensing_Data_ICCV_2021_paper.html)|null|\n")


def remoteclip(label: str) -> str:
    return (f"|**RemoteCLIP**|**RemoteCLIP: A Vision Language Foundation Model for Remote Sensing**|"
            f"{label}|[RemoteCLIP](https://arxiv.org/abs/2306.11029)|null|\n")


CLEAN = "# Models\n\n" + HEADER + GEOKR + SECO + remoteclip("TGRS2024")
# The same list with a stale label (RemoteCLIP is in TGRS since) and SeCo in a second table.
FINDINGS = ("# Models\n\n" + HEADER + GEOKR + SECO + remoteclip("Arxiv2023")
            + "\n# Datasets\n\n" + HEADER + SECO)


def workflow_steps() -> list[str]:
    workflow = yaml.safe_load((EXAMPLES / "rsbib-check.yml").read_text())
    steps = workflow["jobs"]["check"]["steps"]
    return [s["run"] for s in steps if "run" in s and "rsbib " in s["run"]
            and not s["run"].startswith("pip ")]


def hooks() -> dict[str, dict]:
    return {h["id"]: h for h in yaml.safe_load((EXAMPLES / ".pre-commit-hooks.yaml").read_text())}


def shell(command: str, folder: Path, api) -> subprocess.CompletedProcess:
    env = {**os.environ, **api.env, **TEST_ENV,
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    return subprocess.run(["bash", "-c", command], cwd=folder, env=env, capture_output=True,
                          text=True, timeout=120)


def repository(tmp_path: Path, name: str, text: str) -> Path:
    folder = tmp_path / name
    folder.mkdir()
    (folder / "README.md").write_text(text)
    return folder


def test_both_recipes_run_the_same_gate():
    *_, check = workflow_steps()
    assert check == GATE
    hook = hooks()["rsbib-check"]
    assert hook["pass_filenames"] and hook["files"] == r"^README\.md$"
    assert shlex.split(hook["entry"]) + ["README.md"] == shlex.split(GATE)


def test_the_workflow_fails_a_list_with_findings_and_passes_a_clean_one(api, tmp_path):
    outcomes = {}
    for name, text in (("clean", CLEAN), ("findings", FINDINGS)):
        folder = repository(tmp_path, name, text)
        results = [shell(step, folder, api) for step in workflow_steps()]
        assert all(r.returncode == 0 for r in results[:-1]), results
        outcomes[name] = results[-1]
    assert outcomes["clean"].returncode == 0, outcomes["clean"].stderr
    failed = outcomes["findings"]
    assert failed.returncode == 1, failed.stderr
    assert "line 7 RemoteCLIP: stale-venue: 'Arxiv2023' -> 'TGRS2024'" in failed.stdout
    assert "duplicate: also listed in dataset" in failed.stdout


def test_the_pre_commit_hooks_fail_a_list_with_findings_and_pass_a_clean_one(api, tmp_path):
    for name, text, expected in (("clean", CLEAN, 0), ("findings", FINDINGS, 1)):
        folder = repository(tmp_path, name, text)
        for hook_id, want in (("rsbib-sync", 0), ("rsbib-check", expected)):
            result = shell(hooks()[hook_id]["entry"] + " README.md", folder, api)
            assert result.returncode == want, (name, hook_id, result.stderr)
