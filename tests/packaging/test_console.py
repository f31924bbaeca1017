"""The ``querybench`` console script without the harness: one line naming the extra, exit 2."""

from __future__ import annotations

import importlib.util

import pytest

from querybench import console


@pytest.fixture
def without_harness(monkeypatch: pytest.MonkeyPatch) -> None:
    """As in a core-only install: pandas (one of the harness's modules) cannot be found."""
    real = importlib.util.find_spec
    monkeypatch.setattr(console, "find_spec", lambda name: None if name == "pandas" else real(name))


@pytest.mark.usefixtures("without_harness")
@pytest.mark.parametrize("command", ["run", "report", "check", "datasets", "scenarios"])
def test_a_harness_command_names_the_extra_and_exits_2(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert console.main(["--debug", command, "--dataset", "tiny"]) == 2
    out, err = capsys.readouterr()
    assert (out, err) == (
        "",
        f"querybench {command} needs the harness: pip install 'querybench[bench]'\n",
    )


@pytest.mark.usefixtures("without_harness")
def test_help_says_what_to_install_and_succeeds(capsys: pytest.CaptureFixture[str]) -> None:
    assert console.main(["--help"]) == 0
    out, err = capsys.readouterr()
    assert "need the harness: pip install 'querybench[bench]'" in out
    assert err == ""
    assert console.main([]) == 2
    assert "pip install 'querybench[bench]'" in capsys.readouterr().err


def test_with_the_harness_the_command_line_runs(capsys: pytest.CaptureFixture[str]) -> None:
    assert console.missing_harness() == []
    assert console.main(["--help"]) == 0
    assert "Usage: querybench" in capsys.readouterr().out
