"""The schema-driven generator: same digest on every backend, valid keys, exact probes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import generated_models as models
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine
from sqlalchemy.orm import Session

from querybench.datasets import BuiltSource, build_source, content_digest, read_source_probes
from querybench.datasets.schema import SchemaSpec, faker, read_schema_spec, schema_source
from querybench.errors import SpecError

SPEC = SchemaSpec(
    name="blog",
    seed=11,
    sizes=(1, 5, 20),
    counts={
        "authors": 200,
        "posts": 1000,
        "categories": 100,
        "tags": 60,
        "comments": 2000,
        "employees": 300,
        "vehicles": 200,
    },
)


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> BuiltSource:
    """The blog dataset built into a SQLite file of its own."""
    folder = tmp_path_factory.mktemp("reference")
    # Module-scoped: the autouse private cache is not set yet, so name a cache of its own.
    source = schema_source(models.Base, SPEC)
    return build_source(source, f"sqlite:///{folder / 'blog.sqlite'}", cache_dir=folder)


@pytest.fixture
def built(empty_database: URL) -> BuiltSource:
    return build_source(schema_source(models.Base, SPEC), empty_database)


def test_the_same_spec_gives_the_same_digest_on_every_backend(
    built: BuiltSource, reference: BuiltSource, make_engine: Callable[[URL | str], Engine]
) -> None:
    assert built.digest == reference.digest
    assert built.row_counts == reference.row_counts
    assert built.probes == reference.probes
    assert content_digest(make_engine(built.url), models.Base.metadata) == built.digest


def test_another_seed_gives_other_rows(reference: BuiltSource, tmp_path: Path) -> None:
    reseeded = SchemaSpec(**{**SPEC.__dict__, "seed": 12})
    other = build_source(schema_source(models.Base, reseeded), f"sqlite:///{tmp_path / 'b.db'}")
    assert other.digest != reference.digest
    assert other.row_counts == reference.row_counts


def test_every_table_is_filled_with_the_counts_asked_for(reference: BuiltSource) -> None:
    assert reference.row_counts == {
        "authors": 200,
        "categories": 100,
        "comments": 2000,
        "employees": 300,
        # Joined subclasses hold their identity's share of employees: 300 / 3 identities.
        "engineers": 100,
        "managers": 100,
        # Three links per post (the default fan-out) and the planted ones, never a pair twice.
        "post_tags": 3000,
        "posts": 1000,
        "tags": 60,
        "vehicles": 200,
    }


def test_every_foreign_key_points_to_an_existing_row(
    built: BuiltSource, make_engine: Callable[[URL | str], Engine]
) -> None:
    engine = make_engine(built.url)
    with engine.connect() as conn:
        for table in models.Base.metadata.sorted_tables:
            for constraint in table.foreign_key_constraints:
                parent = constraint.referred_table.alias("parent")
                joined = sa.and_(
                    *(parent.c[el.column.name] == el.parent for el in constraint.elements)
                )
                dangling = conn.scalar(
                    sa.select(sa.func.count())
                    .select_from(table.outerjoin(parent, joined))
                    .where(*(c.is_not(None) for c in constraint.columns))
                    .where(*(parent.c[el.column.name].is_(None) for el in constraint.elements))
                )
                assert dangling == 0, f"{constraint.columns.keys()} of {table.name}"


def _relationship(name: str) -> tuple[type[Any], Any]:
    class_name, attribute = name.split(".")
    cls = getattr(models, class_name)
    return cls, sa.inspect(cls).relationships[attribute]


def test_every_relationship_has_an_exact_probe_for_every_size(
    built: BuiltSource, make_engine: Callable[[URL | str], Engine]
) -> None:
    probes = read_source_probes(make_engine(built.url))
    relationships = probes["relationships"]
    # Every relationship of the schema is probed, at every size.
    assert sorted(relationships) == sorted(
        f"{mapper.class_.__name__}.{rel.key}"
        for mapper in models.Base.registry.mappers
        for rel in mapper.relationships
        if rel.parent is mapper
    )
    with Session(make_engine(built.url)) as session:
        for name, probe in relationships.items():
            cls, rel = _relationship(name)
            if probe["kind"] == "collection":
                assert sorted(probe["parent"]) == sorted(str(n) for n in SPEC.sizes), name
                for size, key in probe["parent"].items():
                    assert len(getattr(session.get(cls, key), rel.key)) == int(size), name
                    assert _count_related(session, rel, key) == int(size), name
                parents = probe["parents"][: max(SPEC.sizes)]
                assert len(parents) == max(SPEC.sizes), name
                assert all(getattr(session.get(cls, key), rel.key) for key in parents), name
            else:
                rows = probe["rows"][: max(SPEC.sizes)]
                assert len(rows) == max(SPEC.sizes), name
                related = [getattr(session.get(cls, key), rel.key) for key in rows]
                assert None not in related, name
                assert len({id(obj) for obj in related}) == len(rows), name
            session.expunge_all()


def _count_related(session: Session, rel: Any, key: Any) -> int:
    """A COUNT over the relationship's foreign key (through the secondary when there is one)."""
    if rel.secondary is not None:
        ((_, fk_column),) = rel.synchronize_pairs
        return session.scalar(
            sa.select(sa.func.count()).select_from(rel.secondary).where(fk_column == key)
        )
    ((_, fk_column),) = rel.synchronize_pairs
    query = sa.select(sa.func.count()).select_from(fk_column.table).where(fk_column == key)
    target = rel.mapper
    if target.single and target.polymorphic_on is not None:
        query = query.where(
            target.polymorphic_on.in_(target._identity_class.__mapper__.polymorphic_map)
        )
    return session.scalar(query)


def test_readable_checks_enums_and_lengths_hold(
    reference: BuiltSource, make_engine: Callable[[URL | str], Engine]
) -> None:
    with make_engine(reference.url).connect() as conn:
        statuses = set(conn.scalars(sa.text("SELECT DISTINCT status FROM posts")))
        karma = conn.execute(sa.text("SELECT min(karma), max(karma) FROM authors")).one()
        negative = conn.scalar(sa.text("SELECT count(*) FROM posts WHERE score < 0"))
        roles = set(conn.scalars(sa.text("SELECT DISTINCT role FROM authors")))
        longest = conn.scalar(sa.text("SELECT max(length(plate)) FROM vehicles"))
        kinds = set(conn.scalars(sa.text("SELECT DISTINCT kind FROM vehicles")))
        truck_seats = conn.scalar(
            sa.text("SELECT count(*) FROM vehicles WHERE kind = 'truck' AND seats IS NOT NULL")
        )
    assert statuses == {"draft", "published"}
    assert 0 <= karma[0] <= karma[1] <= 1000
    assert negative == 0
    # Enum(Role) stores the members' names.
    assert roles == {"MEMBER", "ADMIN"}
    assert longest <= 12
    assert kinds == {"car", "truck", "vehicle"}
    # A column only Car maps stays NULL on trucks.
    assert truck_seats == 0


def test_a_spec_from_toml_builds_the_same_as_in_code(tmp_path: Path) -> None:
    path = tmp_path / "blog.toml"
    counts = "\n".join(f"{table} = {count}" for table, count in SPEC.counts.items())
    path.write_text(f'name = "blog"\nseed = 11\nsizes = [1, 5, 20]\n[counts]\n{counts}\n')
    read = read_schema_spec(path)
    assert (
        schema_source(models.Base, read).cache_key() == schema_source(models.Base, SPEC).cache_key()
    )


def test_an_override_sets_a_column(tmp_path: Path) -> None:
    spec = SchemaSpec(
        name="blog",
        seed=1,
        sizes=(1, 5),
        counts={**SPEC.counts},
        overrides={
            "authors": {"name": "Ada", "email": faker("email")},
            "tags": {"name": lambda index, rng: f"tag{index}"},
        },
    )
    built = build_source(schema_source(models.Base, spec), f"sqlite:///{tmp_path / 'o.db'}")
    engine = sa.create_engine(built.url)
    with engine.connect() as conn:
        assert set(conn.scalars(sa.text("SELECT DISTINCT name FROM authors"))) == {"Ada"}
        assert conn.scalar(sa.text("SELECT name FROM tags WHERE id = 3")) == "tag2"
        emails = list(conn.scalars(sa.text("SELECT email FROM authors")))
    engine.dispose()
    assert len(set(emails)) == len(emails)
    assert all("@" in email for email in emails)


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        (
            "[overrides.writers]\nname = 'x'\n",
            "overrides.writers: no table 'writers' (tables: authors, categories, comments,"
            " employees, engineers, managers, post_tags, posts, tags, vehicles)",
        ),
        (
            "[overrides.authors]\nemial = { faker = 'email' }\n",
            "overrides.authors.emial: table authors has no column 'emial'"
            " (columns: id, email, name, role, karma, joined)",
        ),
        (
            "[overrides.authors]\nname = { faker = 'nickname_of_the_day' }\n",
            "overrides.authors.name: Faker has no provider 'nickname_of_the_day'",
        ),
        ("[counts]\nwriters = 10\n", "counts.writers: no table 'writers'"),
        ("[fanouts]\n'Author.books' = 3\n", "fanouts.Author.books: no relationship"),
    ],
)
def test_a_spec_error_is_one_line_naming_the_file_and_key(
    tmp_path: Path, toml: str, message: str
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(f"name = 'bad'\n{toml}")
    with pytest.raises(SpecError) as caught:
        schema_source(models.Base, read_schema_spec(path))
    text = str(caught.value)
    assert "\n" not in text
    assert text.startswith(f"{path}: {message}")


def test_a_bare_metadata_generates_with_probes_per_foreign_key(tmp_path: Path) -> None:
    spec = SchemaSpec(name="tables", seed=3, sizes=(1, 5), counts={**SPEC.counts})
    built = build_source(
        schema_source(models.Base.metadata, spec), f"sqlite:///{tmp_path / 'm.db'}"
    )
    probe = built.probes["foreign_keys"]["comments.post_id"]
    engine = sa.create_engine(built.url)
    with engine.connect() as conn:
        for size, key in probe["parent"].items():
            count = conn.scalar(
                sa.text("SELECT count(*) FROM comments WHERE post_id = :k"), {"k": key}
            )
            assert count == int(size)
    engine.dispose()
    assert built.probes["relationships"] == {}
