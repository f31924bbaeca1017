"""Finding suites: files, modules, module:attribute, [tool.querybench]; each failure one line."""

from __future__ import annotations

import json
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from querybench import Suite, load_suites
from querybench.cli import main
from querybench.errors import SuiteError

SUITE_FILE = """
from querybench import Suite
from sqlalchemy import MetaData

suite = Suite("{name}", models=MetaData(), dataset=lambda connection, context: None)


def naive(session, n):
    return n


def eager(session, n):
    return n


suite.scenario("Orders.{name}", naive, eager)
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty project folder as the current folder; modules it adds are forgotten after."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'shop'\n", encoding="utf-8")
    yield tmp_path
    for name, module in list(sys.modules.items()):
        if str(getattr(module, "__file__", None) or "").startswith(str(tmp_path)):
            del sys.modules[name]
    sys.modules.pop("shop", None)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def error_line(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    """Run ``argv``, which must fail with exit 2 and one stderr line; return that line."""
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert "Traceback" not in err
    return err.rstrip("\n")


def names(capsys: pytest.CaptureFixture[str], argv: list[str]) -> list[tuple[str, str]]:
    assert main([*argv, "--format", "json"]) == 0
    return [(r["suite"], r["scenario"]) for r in json.loads(capsys.readouterr().out)]


def test_a_file_a_module_and_module_attribute_are_suites(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(project / "benchmarks" / "bench_orders.py", SUITE_FILE.format(name="orders"))
    write(project / "shop" / "__init__.py", "")
    write(project / "shop" / "bench.py", SUITE_FILE.format(name="carts"))
    argv = ["scenarios", "benchmarks/bench_orders.py", "shop.bench", "shop.bench:suite"]
    assert names(capsys, argv[:3]) == [("orders", "Orders.orders"), ("carts", "Orders.carts")]
    assert names(capsys, ["scenarios", "shop.bench:suite"]) == [("carts", "Orders.carts")]


def test_module_attribute_may_be_a_function_returning_a_suite(project: Path) -> None:
    write(project / "factory.py", "from querybench.scenarios.builtin import payments_suite\n")
    (suite,) = load_suites(["factory:payments_suite"])
    assert isinstance(suite, Suite)
    assert suite.name == "payments"
    assert "QueryHelper.get_by_id" in suite.registry


def test_pyproject_names_the_default_suites_from_any_subfolder(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write(project / "bench" / "orders.py", SUITE_FILE.format(name="orders"))
    write(project / "pyproject.toml", '[tool.querybench]\nsuites = ["bench/orders.py"]\n')
    monkeypatch.chdir(project / "bench")
    assert names(capsys, ["scenarios"]) == [("orders", "Orders.orders")]


def test_without_suites_or_configuration_the_payments_suite_runs(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    listed = names(capsys, ["scenarios"])
    assert {suite for suite, _ in listed} == {"payments"}
    assert ("payments", "QueryHelper.get_by_filter") in listed


def test_a_suite_file_that_fails_to_import_is_one_line_naming_file_and_line(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(project / "bench_broken.py", "import os\nimport shop_models_not_there\n")
    line = error_line(capsys, ["scenarios", "bench_broken.py"])
    assert line == (
        f"querybench: error: bench_broken.py: ModuleNotFoundError at {path}:2: "
        "No module named 'shop_models_not_there'"
    )


def test_a_suite_file_with_a_syntax_error_names_the_line(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(project / "bench_typo.py", "x = 1\ndef broken(:\n")
    line = error_line(capsys, ["run", "bench_typo.py"])
    assert line.startswith(f"querybench: error: bench_typo.py: SyntaxError at {path}:2: ")


def test_a_broken_scenario_is_one_line_naming_the_scenario_and_where_it_was_registered(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = SUITE_FILE.format(name="orders").replace("naive, eager)", "naive, joined)")
    text = text.replace("def eager(", "def joined(")
    path = write(project / "bench_pairs.py", text)
    line_number = text.splitlines().index('suite.scenario("Orders.orders", naive, joined)') + 1
    line = error_line(capsys, ["run", "bench_pairs.py"])
    assert line == (
        "querybench: error: bench_pairs.py: scenario 'Orders.orders' has no 'eager' variant "
        "(naive and eager come as a pair; it has naive, joined) "
        f"at {path}:{line_number}"
    )


@pytest.mark.parametrize(
    ("ref", "setup", "expected"),
    [
        ("bench_absent.py", None, "bench_absent.py: no such suite file ({root}/bench_absent.py)"),
        (
            "shop_absent",
            None,
            "shop_absent: no module named 'shop_absent' (neither a file nor an importable module)",
        ),
        (
            "plain.py",
            "x = 1\n",
            "plain.py: {root}/plain.py defines no Suite at module level; write suite = "
            "Suite(...) there, or name one with module:attribute",
        ),
        ("plain.py:nothing", "x = 1\n", "plain.py:nothing: {root}/plain.py has no attribute "
         "'nothing'"),
        ("plain.py:x", "x = 1\n", "plain.py:x: x is int, not a querybench Suite"),
    ],
)  # fmt: skip
def test_unusable_references_are_one_line(
    project: Path,
    capsys: pytest.CaptureFixture[str],
    ref: str,
    setup: str | None,
    expected: str,
) -> None:
    if setup is not None:
        write(project / ref.partition(":")[0], setup)
    line = error_line(capsys, ["scenarios", ref])
    assert line == "querybench: error: " + expected.format(root=project.resolve())


def test_two_suites_of_one_name_are_refused(project: Path) -> None:
    write(project / "one.py", SUITE_FILE.format(name="orders"))
    write(project / "two.py", SUITE_FILE.format(name="orders"))
    with pytest.raises(SuiteError, match=r"^two suites are named 'orders' \(.*one\.py and .*two"):
        load_suites(["one.py", "two.py"])


def test_a_malformed_suites_setting_is_one_line(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(project / "pyproject.toml", '[tool.querybench]\nsuites = "bench.py"\n')
    line = error_line(capsys, ["scenarios"])
    assert line == (
        f"querybench: error: {project.resolve()}/pyproject.toml: [tool.querybench] suites must "
        "be a list of files or modules, got 'bench.py'"
    )


def test_scenarios_off_a_terminal_are_tab_separated_and_never_cut(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["scenarios"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split("\t") == ["suite", "scenario", "variants", "N is", "description"]
    rows = [line.split("\t") for line in lines[1:]]
    assert all(len(row) == 5 for row in rows)
    assert [
        "payments",
        "UserRepository.get_user_by_email_with_payments",
        "naive, eager, joined, selectin, subquery",
        "payments of one user",
        "one user by email with every payment",
    ] in rows


def test_scenarios_json_names_variants_and_the_reference(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["scenarios", "--format", "json"]) == 0
    records = {r["scenario"]: r for r in json.loads(capsys.readouterr().out)}
    assert records["QueryHelper.get_by_id"] == {
        "suite": "payments",
        "scenario": "QueryHelper.get_by_id",
        "variants": ["naive", "eager"],
        "reference": "naive",
        "size_meaning": "always 1: a single-row lookup",
        "sizes": [1],
        "writes": False,
        "description": records["QueryHelper.get_by_id"]["description"],
    }


def test_scenarios_in_a_narrow_terminal_never_cut_names(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    monkeypatch.setenv("COLUMNS", "60")
    assert main(["scenarios"]) == 0
    out = capsys.readouterr().out
    assert "UserRepository.get_active_users_with_payments" in out
    assert "…" not in out
