"""No secrets in output: a URL's password never reaches the terminal, a file, or an error.

PostgreSQL here trusts local TCP connections, so a URL carrying a password still connects: a
whole run is made with one, then every byte it printed or wrote is searched for the password.
"""

from __future__ import annotations

import json
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from reliability_checks import (
    PASSWORD,
    QUICK,
    Querybench,
    all_output,
    assert_one_error_line,
    missing_driver,
)
from sqlalchemy.engine import URL

from querybench.cli import main
from querybench.errors import BackendError
from querybench.runner.job import RunOptions, RunState, run_job
from querybench.runner.timing import TimingPolicy
from querybench.scenarios.registry import Registry, Scenario, Variant

UNUSABLE_URLS = {
    "postgres-unreachable": f"postgresql+psycopg://postgres:{PASSWORD}@127.0.0.1:1/nowhere",
    "mysql-unreachable": f"mysql+pymysql://root:{PASSWORD}@127.0.0.1:1/nowhere",
    "port-not-a-number": f"postgresql+psycopg://postgres:{PASSWORD}@127.0.0.1:port/nowhere",
    "unclosed-bracket": f"postgresql+psycopg://postgres:{PASSWORD}@[::1/nowhere",
    "not-a-url": f"postgres {PASSWORD} 127.0.0.1",
    "missing-driver": f"{missing_driver()}://root:{PASSWORD}@127.0.0.1/nowhere",
}


@pytest.fixture
def url_with_password(scratch_database: Callable[[str], URL]) -> str:
    """A PostgreSQL scratch database of this test, as URL text carrying ``PASSWORD``."""
    return scratch_database("postgres").set(password=PASSWORD).render_as_string(False)


def leaks(found: dict[str, bytes]) -> list[str]:
    return [name for name, data in found.items() if PASSWORD.encode() in data]


def test_a_whole_run_with_a_password_prints_and_writes_it_nowhere(
    url_with_password: str, tmp_path: Path, querybench: Querybench
) -> None:
    out = tmp_path / "out"
    run = querybench("run", "--db", url_with_password, *QUICK, "-k", "QueryHelper.count",
                     "--out", str(out))  # fmt: skip
    assert run.returncode == 0, run.stderr
    report = querybench("report", str(out / "results.json"), "-o", str(out / "again.html"),
                        "--markdown", str(out / "summary.md"))  # fmt: skip
    assert report.returncode == 0, report.stderr
    build = querybench("datasets", "tiny", "--db", url_with_password)
    assert build.returncode == 0, build.stderr

    found = all_output(run.stdout + report.stdout + build.stdout,
                       run.stderr + report.stderr + build.stderr, [out])  # fmt: skip
    assert {"results.json", "results.csv", "report.html", "again.html", "summary.md"} <= {
        Path(name).name for name in found
    }
    assert leaks(found) == []
    hidden = url_with_password.replace(PASSWORD, "***")
    backends = json.loads((out / "results.json").read_text())["environment"]["backends"]
    assert [backend["url"] for backend in backends] == [hidden]
    assert hidden in build.stdout


@pytest.mark.parametrize("url", UNUSABLE_URLS.values(), ids=UNUSABLE_URLS.keys())
def test_an_unusable_url_keeps_its_password_out_of_the_error_line(
    url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run", "--db", url, *QUICK, "--out", str(tmp_path / "out")]) == 2
    captured = capsys.readouterr()
    line = assert_one_error_line(captured.err)
    assert PASSWORD not in captured.out + captured.err
    assert "***" in line or "cannot parse the database URL" in line


@pytest.mark.parametrize("url", UNUSABLE_URLS.values(), ids=UNUSABLE_URLS.keys())
def test_debug_shows_a_traceback_without_the_password(
    url: str, tmp_path: Path, querybench: Querybench
) -> None:
    done = querybench("--debug", "run", "--db", url, *QUICK, "--out", str(tmp_path / "out"))
    assert done.returncode == 1  # an uncaught exception: Python's own status
    assert done.stderr.startswith("Traceback (most recent call last):")
    assert "querybench.errors.BackendError: " in done.stderr
    assert PASSWORD not in done.stderr + done.stdout


def chain(error: BaseException | None) -> Iterator[BaseException]:
    while error is not None:
        yield error
        error = error.__cause__ or error.__context__


@pytest.mark.parametrize("url", UNUSABLE_URLS.values(), ids=UNUSABLE_URLS.keys())
def test_no_exception_in_the_chain_carries_the_password(url: str, tmp_path: Path) -> None:
    with pytest.raises(BackendError) as caught:
        main(["--debug", "run", "--db", url, *QUICK, "--out", str(tmp_path / "out")])
    for error in chain(caught.value):
        assert PASSWORD not in str(error)
        assert PASSWORD not in repr(error)
    assert PASSWORD not in "".join(traceback.format_exception(caught.value))


def test_a_failed_cell_masks_a_password_its_error_echoes(
    url_with_password: str, tmp_path: Path
) -> None:
    def echo_the_url(session: object, size: int) -> object:
        raise RuntimeError(f"driver said: cannot use {url_with_password}\nsecond line")

    registry = Registry()
    registry.add(
        Scenario(
            name="Leaky.echo",
            description="a variant whose error message echoes the URL",
            size_meaning="nothing",
            prepare=lambda session, size: size,
            variants={
                "naive": Variant("naive", lambda session, size: size, "constant"),
                "eager": Variant("eager", echo_the_url, "constant"),
            },
            sizes=(1,),
        )
    )
    options = RunOptions(dataset="tiny", databases=(url_with_password,), out=tmp_path / "out",
                         policy=TimingPolicy(min_time=0, min_rounds=1))  # fmt: skip
    results = run_job(registry, options, RunState())

    failed = [cell for cell in results.cells if cell.status == "failed"]
    hidden = url_with_password.replace(PASSWORD, "***")
    assert [cell.error for cell in failed] == [f"RuntimeError: driver said: cannot use {hidden}"]
    assert leaks(all_output("", "", [tmp_path / "out"])) == []
