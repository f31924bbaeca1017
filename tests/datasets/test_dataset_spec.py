"""Dataset specs: the committed ones, finding a spec by name or path, and every refusal."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest

from querybench.datasets import available_specs, load_spec
from querybench.datasets.catalog import PACKAGED_SPECS
from querybench.errors import SpecError

VALID = """\
name = "unit"
seed = 1
users = 300
payments = 2000
active_ratio = 0.8
sizes = [1, 10, 100]

[payments_per_user]
skew = 1.0
without_payments = 0.1

[status_mix]
pending = 0.1
completed = 0.7
failed = 0.1
refunded = 0.1

[[plans]]
name = "free"
price = "0.00"
currency = "USD"
interval = "month"
share = 0.5

[[plans]]
name = "pro"
price = "29.00"
currency = "EUR"
interval = "year"
share = 0.25
"""
TOP_KEYS = "name, seed, users, payments, active_ratio, sizes, payments_per_user, status_mix, plans"


def replaced(old: str, new: str) -> Callable[[str], str]:
    """An edit of the valid spec that replaces one exact fragment."""

    def edit(text: str) -> str:
        assert old in text, old
        return text.replace(old, new, 1)

    return edit


def edits(*steps: Callable[[str], str]) -> Callable[[str], str]:
    """Several edits, applied in order."""

    def edit(text: str) -> str:
        for step in steps:
            text = step(text)
        return text

    return edit


def write_spec(folder: Path, text: str, name: str = "unit.toml") -> Path:
    path = folder / name
    path.write_text(text)
    return path


def test_the_valid_spec_reads_into_a_frozen_dataclass(tmp_path: Path) -> None:
    spec = load_spec(write_spec(tmp_path, VALID))
    assert (spec.name, spec.seed, spec.users, spec.payments) == ("unit", 1, 300, 2000)
    assert spec.sizes == (1, 10, 100)
    assert spec.active_ratio == 0.8
    assert spec.status_mix.completed == 0.7
    assert [(p.name, p.price, p.currency, p.interval) for p in spec.plans] == [
        ("free", Decimal("0.00"), "USD", "month"),
        ("pro", Decimal("29.00"), "EUR", "year"),
    ]
    with pytest.raises(AttributeError):
        spec.users = 3  # type: ignore[misc]


REFUSALS = [
    pytest.param(
        replaced("seed = 1", "seed = 1\ncolour = 'red'"),
        f"key 'colour': unknown key (expected one of: {TOP_KEYS})",
        id="unknown-key",
    ),
    pytest.param(replaced("seed = 1\n", ""), "key 'seed': missing", id="missing-key"),
    pytest.param(
        replaced("users = 300", "users = -3"),
        "key 'users': expected a positive integer, got -3",
        id="negative-count",
    ),
    pytest.param(
        replaced("users = 300", "users = 0"),
        "key 'users': expected a positive integer, got 0",
        id="zero-count",
    ),
    pytest.param(
        replaced("users = 300", 'users = "300"'),
        "key 'users': expected a positive integer, got '300'",
        id="count-as-string",
    ),
    pytest.param(
        replaced("users = 300", "users = true"),
        "key 'users': expected a positive integer, got True",
        id="count-as-bool",
    ),
    pytest.param(
        replaced("payments = 2000", "payments = 2.5"),
        "key 'payments': expected a positive integer, got 2.5",
        id="count-as-float",
    ),
    pytest.param(
        replaced("seed = 1", "seed = -1"),
        "key 'seed': expected a non-negative integer, got -1",
        id="negative-seed",
    ),
    pytest.param(
        replaced('name = "unit"', 'name = "a b"'),
        "key 'name': expected a name of letters, digits, '-' or '_', got 'a b'",
        id="name-with-space",
    ),
    pytest.param(
        replaced("active_ratio = 0.8", "active_ratio = 0"),
        "key 'active_ratio': expected a number in (0, 1], got 0",
        id="no-active-users",
    ),
    pytest.param(
        replaced("active_ratio = 0.8", "active_ratio = 1.5"),
        "key 'active_ratio': expected a number in (0, 1], got 1.5",
        id="ratio-above-one",
    ),
    pytest.param(
        replaced("sizes = [1, 10, 100]", "sizes = []"),
        "key 'sizes': expected a non-empty list of increasing positive integers, got []",
        id="no-sizes",
    ),
    pytest.param(
        replaced("sizes = [1, 10, 100]", "sizes = [10, 1]"),
        "key 'sizes': expected a non-empty list of increasing positive integers, got [10, 1]",
        id="sizes-out-of-order",
    ),
    pytest.param(
        replaced("sizes = [1, 10, 100]", "sizes = [1, 0]"),
        "key 'sizes': expected a positive integer, got 0",
        id="zero-size",
    ),
    pytest.param(
        replaced("sizes = [1, 10, 100]", "sizes = [1, 10, 500]"),
        "key 'sizes': size 500 needs users >= 503 (500 owners of the newest payments"
        " + 3 probe users), got 300",
        id="size-above-users",
    ),
    pytest.param(
        replaced("active_ratio = 0.8", "active_ratio = 0.3"),
        "key 'sizes': size 100 needs 100 active users, got 89"
        " (active_ratio 0.3 of 297 non-probe users)",
        id="size-above-active-users",
    ),
    pytest.param(
        replaced("payments = 2000", "payments = 310"),
        "key 'sizes': sizes need payments >= 311 (sum(sizes) 111 for the probe users"
        " + 2 x 100 for the newest and the active users), got 310",
        id="sizes-above-payments",
    ),
    pytest.param(
        replaced("completed = 0.7", "completed = 0.6"),
        "key 'status_mix': fractions must sum to 1, got 0.9"
        " (pending 0.1 + completed 0.6 + failed 0.1 + refunded 0.1)",
        id="fractions-below-one",
    ),
    pytest.param(
        replaced("refunded = 0.1", "refund = 0.1"),
        "key 'status_mix.refund': unknown key"
        " (expected one of: pending, completed, failed, refunded)",
        id="unknown-status",
    ),
    pytest.param(
        replaced("failed = 0.1", "failed = -0.1"),
        "key 'status_mix.failed': expected a number in [0, 1], got -0.1",
        id="negative-fraction",
    ),
    pytest.param(
        replaced("skew = 1.0", "skew = -1"),
        "key 'payments_per_user.skew': expected a number in [0, inf), got -1",
        id="negative-skew",
    ),
    pytest.param(
        replaced("without_payments = 0.1", "without_payments = 1"),
        "key 'payments_per_user.without_payments': expected a number in [0, 1), got 1",
        id="everyone-without-payments",
    ),
    pytest.param(
        edits(
            replaced("sizes = [1, 10, 100]", "sizes = [1, 10, 100]\npayments_per_user = 3"),
            replaced("[payments_per_user]\nskew = 1.0\nwithout_payments = 0.1\n", ""),
        ),
        "key 'payments_per_user': expected a table [payments_per_user], got 3",
        id="table-as-number",
    ),
    pytest.param(
        replaced('price = "29.00"', "price = 29.00"),
        "key 'plans[1].price': expected a decimal string with at most 2 places like \"9.99\","
        " got 29.0",
        id="price-as-float",
    ),
    pytest.param(
        replaced('price = "29.00"', 'price = "29.999"'),
        "key 'plans[1].price': expected a decimal string with at most 2 places like \"9.99\","
        " got '29.999'",
        id="price-with-3-places",
    ),
    pytest.param(
        replaced('price = "29.00"', 'price = "-1.00"'),
        "key 'plans[1].price': expected a price from 0 to 99999999.99, got '-1.00'",
        id="negative-price",
    ),
    pytest.param(
        replaced('currency = "USD"', 'currency = "usd"'),
        "key 'plans[0].currency': expected 3 capital letters like 'USD', got 'usd'",
        id="lowercase-currency",
    ),
    pytest.param(
        replaced('name = "pro"', 'name = "free"'),
        "key 'plans[1].name': duplicate plan name 'free'",
        id="duplicate-plan",
    ),
    pytest.param(
        replaced("share = 0.25", "share = 0.75"),
        "key 'plans': shares must sum to at most 1 (the rest have no plan), got 1.25",
        id="shares-above-one",
    ),
    pytest.param(
        replaced('interval = "month"', 'interval = "month"\ncolour = "x"'),
        "key 'plans[0].colour': unknown key"
        " (expected one of: name, price, currency, interval, share)",
        id="unknown-plan-key",
    ),
]


@pytest.mark.parametrize(("edit", "problem"), REFUSALS)
def test_a_malformed_spec_is_refused_in_one_line_naming_file_and_key(
    tmp_path: Path, edit: Callable[[str], str], problem: str
) -> None:
    path = write_spec(tmp_path, edit(VALID))
    with pytest.raises(SpecError) as caught:
        load_spec(path)
    assert str(caught.value) == f"{path}: {problem}"
    assert "\n" not in str(caught.value)


def test_invalid_toml_is_refused_with_the_parser_position(tmp_path: Path) -> None:
    path = write_spec(tmp_path, VALID.replace("users = 300", "users = = 300"))
    with pytest.raises(SpecError) as caught:
        load_spec(path)
    assert str(caught.value) == f"{path}: not valid TOML: Invalid value (at line 3, column 9)"


def test_a_missing_file_is_refused_in_one_line(tmp_path: Path) -> None:
    with pytest.raises(SpecError) as caught:
        load_spec(tmp_path / "absent.toml")
    assert (
        str(caught.value) == f"{tmp_path / 'absent.toml'}: cannot read: No such file or directory"
    )


def test_the_file_is_named_relative_to_the_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "fixtures").mkdir()
    write_spec(tmp_path / "fixtures", VALID.replace("users = 300", "users = -3"), "x.toml")
    with pytest.raises(SpecError) as caught:
        load_spec("x")
    assert str(caught.value) == "fixtures/x.toml: key 'users': expected a positive integer, got -3"


def test_a_name_is_looked_up_in_the_current_fixtures_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "fixtures").mkdir()
    write_spec(tmp_path / "fixtures", VALID.replace('"unit"', '"local-tiny"'), "tiny.toml")
    assert load_spec("tiny").name == "local-tiny"
    assert load_spec("small").path == PACKAGED_SPECS / "small.toml"


def test_a_name_falls_back_to_the_packaged_specs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    spec = load_spec("tiny")
    assert (spec.name, spec.path) == ("tiny", PACKAGED_SPECS / "tiny.toml")


def test_a_path_is_read_as_a_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    write_spec(tmp_path, VALID, "mine.toml")
    assert load_spec("mine.toml").name == "unit"
    assert load_spec(tmp_path / "mine.toml").name == "unit"
    assert load_spec(str(tmp_path / "mine.toml")).name == "unit"


def test_an_unknown_name_lists_the_known_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SpecError) as caught:
        load_spec("huge")
    assert str(caught.value) == (
        "unknown dataset 'huge': known datasets are large, medium, small, tiny"
        " (or give the path of a .toml spec)"
    )


def test_the_committed_specs_are_listed_smallest_first() -> None:
    specs = available_specs()
    assert [(s.name, s.users, s.payments, s.sizes) for s in specs] == [
        ("tiny", 200, 1_000, (1, 10, 100)),
        ("small", 5_000, 50_000, (1, 10, 100, 1000)),
        ("medium", 20_000, 250_000, (1, 10, 100, 1000)),
        ("large", 100_000, 1_000_000, (1, 10, 100, 1000, 10000)),
    ]


def test_the_spec_digest_covers_content_not_location(tmp_path: Path) -> None:
    here = load_spec(write_spec(tmp_path, VALID, "a.toml"))
    there = load_spec(write_spec(tmp_path, "# a comment\n" + VALID, "b.toml"))
    reseeded = load_spec(write_spec(tmp_path, VALID.replace("seed = 1", "seed = 2"), "c.toml"))
    assert here == there
    assert here.digest == there.digest
    assert len(here.digest) == 64
    assert reseeded.digest != here.digest
