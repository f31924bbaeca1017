"""``querybench datasets``: list the specs, build one, and refuse bad input in one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from querybench.cli import main
from querybench.datasets.catalog import PACKAGED_SPECS


def test_without_arguments_it_lists_the_specs(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["datasets"]) == 0
    out = capsys.readouterr().out
    lines = {line.split()[1]: line for line in out.splitlines() if line.startswith("│")}
    assert list(lines) == ["tiny", "small", "medium", "large"]
    assert [cell.strip() for cell in lines["tiny"].split("│")[1:6]] == [
        "tiny",
        "200",
        "1,000",
        "1, 10, 100",
        str(PACKAGED_SPECS / "tiny.toml"),
    ]
    assert "100,000" in lines["large"]
    assert "1,000,000" in lines["large"]


def test_with_a_name_it_builds_and_reports(
    capsys: pytest.CaptureFixture[str], tiny_digest: str
) -> None:
    assert main(["datasets", "tiny"]) == 0
    first = capsys.readouterr().out
    assert main(["datasets", "tiny"]) == 0
    second = capsys.readouterr().out
    for out in (first, second):
        assert "dataset tiny" in out
        assert f"content digest  {tiny_digest}" in out
        rows = {line.split()[1]: line.split()[3] for line in out.splitlines() if "│" in line}
        assert rows == {
            "payments": "1,000",
            "pricing_plans": "5",
            "users": "200",
            "total": "1,205",
        }
    assert "cached          no: built" in first
    assert "cached          yes: copied from the build cache" in second


def test_db_names_the_database_to_build_into(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'mine.sqlite'}"
    assert main(["datasets", "tiny", "--db", url]) == 0
    assert f"database        {url}" in capsys.readouterr().out
    assert (tmp_path / "mine.sqlite").is_file()


ONE_LINE_REFUSALS = [
    pytest.param(
        ["datasets", "nope"],
        "unknown dataset 'nope': known datasets are large, medium, small, tiny"
        " (or give the path of a .toml spec)",
        id="unknown-name",
    ),
    pytest.param(
        ["datasets", "tiny", "--db", "not a url:s3cret"],
        "cannot parse the database URL: expected dialect+driver://user:password@host/database",
        id="malformed-url",
    ),
    pytest.param(
        ["datasets", "tiny", "--db", "nosuch://u:s3cret@h/x"],
        "nosuch://u:***@h/x: no SQLAlchemy dialect 'nosuch' is installed",
        id="unknown-dialect",
    ),
]


@pytest.mark.parametrize(("argv", "message"), ONE_LINE_REFUSALS)
def test_bad_input_exits_2_with_one_line(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    argv: list[str],
    message: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert (captured.out, captured.err) == ("", f"querybench: error: {message}\n")


def test_a_malformed_spec_exits_2_with_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    spec = tmp_path / "bad.toml"
    spec.write_text('name = "bad"\nusers = -3\n')
    assert main(["datasets", str(spec)]) == 2
    captured = capsys.readouterr()
    assert captured.err == f"querybench: error: {spec}: key 'seed': missing\n"


def test_an_unreachable_server_exits_2_without_the_password(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["datasets", "tiny", "--db", "postgresql+psycopg://u:s3cret@127.0.0.1:1/x"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(
        "querybench: error: postgresql+psycopg://u:***@127.0.0.1:1/x: cannot build:"
        " OperationalError: connection failed:"
    )
    assert err.count("\n") == 1
    assert "s3cret" not in err
    assert "Traceback" not in err


def test_db_without_a_dataset_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["datasets", "--db", "sqlite://"]) == 2
    assert capsys.readouterr().err == (
        "querybench: error: --db needs a dataset to build: querybench datasets NAME --db URL"
        " (see 'querybench datasets --help')\n"
    )


def test_help_pins_the_interface(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["datasets", "--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Usage: querybench datasets [OPTIONS] [NAME|PATH]\n")
    assert "  List the dataset specs, or build one and print its rows, digest" in out
    assert "--db URL" in out
