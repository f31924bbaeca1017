"""Reading a mapping: tables in dependency order, foreign keys, relationships, inheritance.

Given a declarative ``Base`` the ORM's mapper registry is read, so that relationship
directions, ``secondary`` tables, self-referential relationships and joined and single-table
inheritance are known; given a bare ``MetaData`` only the tables and foreign keys are.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapper, RelationshipProperty
from sqlalchemy.sql.ddl import sort_tables_and_constraints

from querybench.errors import SpecError


@dataclass(frozen=True)
class ForeignKey:
    """One foreign key constraint: ``columns`` of ``table`` reference ``referred`` of ``parent``."""

    name: str
    table: str
    columns: tuple[str, ...]
    parent: str
    referred: tuple[str, ...]
    nullable: bool
    unique: bool
    # Part of a cycle between tables: inserted NULL, then set by UPDATE once all rows exist.
    deferred: bool = False

    @property
    def self_referential(self) -> bool:
        """Whether the key points into its own table."""
        return self.table == self.parent


@dataclass(frozen=True)
class Relationship:
    """A mapped relationship and the foreign key it travels over."""

    name: str
    direction: str
    collection: bool
    foreign_key: str
    # The side whose rows the probe keys name: the relationship's own class.
    parent_table: str
    parent_identities: frozenset[str] | None
    target_identities: frozenset[str] | None
    secondary: str | None = None
    # For many-to-many: whether this relationship starts from the secondary's first key.
    from_left: bool = True


@dataclass(frozen=True)
class Hierarchy:
    """An inheritance hierarchy over one base table, its discriminator and identities."""

    base_table: str
    discriminator: str | None
    identities: tuple[str, ...]
    # Joined subclass table -> the identities whose rows it holds.
    joined: dict[str, frozenset[str]]
    # Column of the base table -> the identities that map it (single-table subclass columns).
    single_columns: dict[str, frozenset[str]]


@dataclass
class SchemaModel:
    """The schema as the generator needs it."""

    metadata: sa.MetaData
    tables: list[sa.Table]
    foreign_keys: dict[str, ForeignKey]
    relationships: dict[str, Relationship] = field(default_factory=dict)
    hierarchies: dict[str, Hierarchy] = field(default_factory=dict)
    # Joined subclass table -> its base table.
    joined_parents: dict[str, str] = field(default_factory=dict)
    # Foreign keys that only express inheritance (a joined subclass's primary key).
    inheritance_keys: set[str] = field(default_factory=set)
    # Link tables (many-to-many secondaries, association objects): table -> (left, right) keys.
    links: dict[str, tuple[str, str]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def foreign_key_name(constraint: sa.ForeignKeyConstraint) -> str:
    """``table.column`` (``table.(a,b)`` for a composite key): how specs and probes name it."""
    columns = [column.name for column in constraint.columns]
    table = constraint.table.name
    return f"{table}.{columns[0]}" if len(columns) == 1 else f"{table}.({','.join(columns)})"


def read_mapping(models: Any) -> SchemaModel:
    """The schema of a declarative ``Base`` (or a mapped class of it) or a ``MetaData``."""
    found = models if isinstance(models, sa.MetaData) else getattr(models, "metadata", None)
    registry = None if isinstance(models, sa.MetaData) else getattr(models, "registry", None)
    if not isinstance(found, sa.MetaData):
        raise SpecError(f"{models!r}: expected a declarative Base or a MetaData")
    metadata: sa.MetaData = found
    model = _tables(metadata)
    if registry is not None:
        mappers = sorted(registry.mappers, key=lambda mapper: mapper.class_.__name__)
        _inheritance(model, [m for m in mappers if _table_name(m) in metadata.tables])
        for mapper in mappers:
            for rel in mapper.relationships:
                if rel.parent is mapper:
                    _relationship(model, rel)
    _links(model)
    return model


def _tables(metadata: sa.MetaData) -> SchemaModel:
    ordered = sort_tables_and_constraints(list(metadata.tables.values()))  # type: ignore[no-untyped-call]
    tables = [table for table, _ in ordered if table is not None]
    cyclic = {id(fkc) for table, fkcs in ordered if table is None for fkc in fkcs}
    keys: dict[str, ForeignKey] = {}
    for table in tables:
        uniques = [
            {c.name for c in constraint.columns}
            for constraint in table.constraints
            if isinstance(constraint, sa.UniqueConstraint | sa.PrimaryKeyConstraint)
        ] + [{c.name for c in index.columns} for index in table.indexes if index.unique]
        uniques += [{c.name} for c in table.columns if c.unique]
        for constraint in sorted(table.foreign_key_constraints, key=foreign_key_name):
            names = tuple(column.name for column in constraint.columns)
            key = ForeignKey(
                name=foreign_key_name(constraint),
                table=table.name,
                columns=names,
                parent=constraint.referred_table.name,
                referred=tuple(element.column.name for element in constraint.elements),
                nullable=all(column.nullable for column in constraint.columns),
                unique=any(unique and unique <= set(names) for unique in uniques),
                deferred=id(constraint) in cyclic,
            )
            if key.deferred and not key.nullable:
                raise SpecError(
                    f"foreign key {key.name}: part of a cycle between tables and NOT NULL;"
                    " make it nullable so rows can be inserted before it is set"
                )
            keys[key.name] = key
    return SchemaModel(metadata=metadata, tables=tables, foreign_keys=keys)


def _identities(mapper: Mapper[Any]) -> frozenset[str] | None:
    """The discriminator values a mapper's rows carry (itself and subclasses); None: any."""
    if mapper.polymorphic_on is None:
        return None
    found = {
        str(sub.polymorphic_identity)
        for sub in mapper.self_and_descendants
        if sub.polymorphic_identity is not None
    }
    return frozenset(found)


def _inheritance(model: SchemaModel, mappers: list[Mapper[Any]]) -> None:
    for mapper in mappers:
        if mapper.inherits is not None:
            continue
        subs = list(mapper.self_and_descendants)
        if len(subs) == 1:
            continue
        table = _table_name(mapper)
        on = mapper.polymorphic_on
        discriminator = on.name if isinstance(on, sa.Column) else None
        identities = tuple(
            sorted(str(s.polymorphic_identity) for s in subs if s.polymorphic_identity is not None)
        )
        if discriminator is None or not identities:
            model.notes.append(f"{table}: inheritance without a discriminator column: one class")
            continue
        joined: dict[str, frozenset[str]] = {}
        single: dict[str, set[str]] = {}
        for sub in subs:
            own = _identities(sub) or frozenset()
            local_table = sub.local_table
            if not isinstance(local_table, sa.Table):
                continue
            local = local_table.name
            if local != table and sub.inherits is not None:
                above = _table_name(sub.inherits)
                joined[local] = own
                model.joined_parents[local] = above
                primary = {c.name for c in local_table.primary_key.columns}
                for constraint in local_table.foreign_key_constraints:
                    referred = {c.name for c in constraint.columns}
                    if constraint.referred_table.name == above and referred <= primary:
                        model.inheritance_keys.add(foreign_key_name(constraint))
            for column in sub.columns:
                if getattr(column.table, "name", None) == table:
                    single.setdefault(column.name, set()).add(str(sub.polymorphic_identity))
        model.hierarchies[table] = Hierarchy(
            base_table=table,
            discriminator=discriminator,
            identities=identities,
            joined=joined,
            single_columns={name: frozenset(ids) for name, ids in single.items()},
        )


def _table_name(mapper: Mapper[Any]) -> str:
    table = mapper.local_table
    return table.name if isinstance(table, sa.Table) else str(table)


def _relationship(model: SchemaModel, rel: RelationshipProperty[Any]) -> None:
    name = f"{rel.parent.class_.__name__}.{rel.key}"
    secondary = rel.secondary if isinstance(rel.secondary, sa.Table) else None
    if rel.secondary is not None and secondary is None:
        model.notes.append(f"{name}: secondary is not a table: no probe planted")
        return
    # (parent column, foreign key column): for many-to-many the secondary's key to the parent.
    dest = {(d.table.name, d.name) for _, d in rel.synchronize_pairs if isinstance(d, sa.Column)}
    matches = [
        key
        for key in model.foreign_keys.values()
        if {(key.table, column) for column in key.columns} == dest
    ]
    if len(matches) != 1 or rel.viewonly:
        model.notes.append(f"{name}: custom or view-only join condition: no probe planted")
        return
    key = matches[0]
    from_left = True
    if secondary is not None:
        keys = sorted(k.name for k in model.foreign_keys.values() if k.table == secondary.name)
        if len(keys) != 2:
            model.notes.append(f"{name}: secondary without exactly two keys: no probe planted")
            return
        model.links[secondary.name] = (keys[0], keys[1])
        from_left = key.name == keys[0]
    model.relationships[name] = Relationship(
        name=name,
        direction=rel.direction.name,
        collection=bool(rel.uselist),
        foreign_key=key.name,
        parent_table=_table_name(rel.parent),
        parent_identities=_identities(rel.parent),
        target_identities=_identities(rel.mapper),
        secondary=secondary.name if secondary is not None else None,
        from_left=from_left,
    )


def _links(model: SchemaModel) -> None:
    """Tables whose key (or a unique constraint) is made of exactly two foreign keys."""
    by_table: dict[str, list[ForeignKey]] = {}
    for key in model.foreign_keys.values():
        by_table.setdefault(key.table, []).append(key)
    for table in model.tables:
        keys = [k for k in by_table.get(table.name, []) if k.name not in model.inheritance_keys]
        if len(keys) != 2:
            continue
        both = set(keys[0].columns) | set(keys[1].columns)
        primary = {c.name for c in table.primary_key.columns}
        uniques = [
            {c.name for c in constraint.columns}
            for constraint in table.constraints
            if isinstance(constraint, sa.UniqueConstraint)
        ]
        if primary == both or both in uniques:
            left, right = sorted(keys, key=lambda k: k.name)
            model.links[table.name] = (left.name, right.name)
