"""SQL fingerprints: one string per statement shape, whatever its literals, values or layout.

A fingerprint replaces every literal and bound parameter (``?``, ``%s``, ``%(name)s``,
``:name``, ``:1``, ``$1`` and SQLAlchemy's ``__[POSTCOMPILE_x]``) with ``?``, collapses
``IN (...)`` lists of any length and multi-row ``VALUES`` of identical rows, upper-cases keywords
and lays tokens out with canonical spacing. Tokenising uses sqlparse's lexer; results are cached
per distinct SQL text, and nothing here runs while statements are being recorded.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any, Literal

from sqlparse import lexer
from sqlparse import tokens as T

# sqlparse ships no annotations; this is the one entry point used.
_tokenize: Callable[[str], Iterable[tuple[Any, str]]] = lexer.tokenize
_POSTCOMPILE = re.compile(r"__\[POSTCOMPILE_[^\]]*\]")
# Prefixes glued to a string literal that make it a different literal type, not a name.
_LITERAL_PREFIXES = frozenset({"N", "X", "E", "B", "U&", "_UTF8MB4", "_BINARY"})
_BOOLEANS = frozenset({"TRUE", "FALSE"})
# Words upper-cased in fingerprints. sqlparse calls far more words keywords (BODY, NAME, DATA,
# TYPE, VALUE...), which are column names just as often; those keep the case they were written in.
_RESERVED = frozenset(
    """
    ADD ALL ALTER AND ANY AS ASC AT BEGIN BETWEEN BY CASE CAST CHECK COLLATE COLUMN COMMENT
    COMMIT CONFLICT CONSTRAINT CREATE CROSS CURRENT_DATE CURRENT_TIME CURRENT_TIMESTAMP DEFAULT
    DELETE DESC DISTINCT DO DROP DUPLICATE ELSE END ESCAPE EXCEPT EXISTS FALSE FETCH FIRST FOR
    FOREIGN FROM FULL GLOB GROUP HAVING IF IGNORE ILIKE IN INDEX INNER INSERT INTERSECT INTERVAL
    INTO IS JOIN KEY LAST LATERAL LEFT LIKE LIMIT MATCH NATURAL NEXT NOT NOTHING NULL NULLS OF
    OFFSET ON ONLY OR ORDER OUTER OVER PARTITION PRIMARY RECURSIVE REFERENCES REGEXP RELEASE
    RENAME REPLACE RETURNING RIGHT ROLLBACK ROW ROWS SAVEPOINT SELECT SET SOME START TABLE THEN
    TO TRANSACTION TRUE TRUNCATE UNION UNIQUE UPDATE USING VALUES VIEW WHEN WHERE WINDOW WITH
    """.split()  # noqa: SIM905 - a word list reads better than 120 quoted strings
)
_NO_SPACE_BEFORE = frozenset({",", ")", "]", ".", "...", ";"})
_NO_SPACE_AFTER = frozenset({"(", "[", ".", "...", "#"})  # "# " would start a comment
_SETTLE_PASSES = 3
_COLLAPSIBLE = frozenset({"?", ",", "(", ")", ".", "..."})

Kind = Literal["select", "insert", "update", "delete", "ddl", "transaction", "other"]
"""What a statement does, read from its SQL text."""

_DML: dict[str, Kind] = {
    "SELECT": "select",
    "INSERT": "insert",
    "REPLACE": "insert",
    "UPDATE": "update",
    "DELETE": "delete",
}
_DDL = frozenset({"CREATE", "CREATE OR REPLACE", "DROP", "ALTER", "TRUNCATE", "COMMENT", "RENAME"})
_TRANSACTION = frozenset({"BEGIN", "START", "COMMIT", "END", "ROLLBACK", "SAVEPOINT", "RELEASE"})
_TRANSACTION_PREFIXES = tuple(sorted(_TRANSACTION))


def _tokens(sql: str) -> list[str]:
    """The normalised token values of ``sql``: literals as ``?``, keywords upper-case, no spaces."""
    out: list[str] = []
    spaced = True  # was there whitespace (or nothing) before the current token?
    for ttype, value in _tokenize(_POSTCOMPILE.sub("?", sql)):
        if ttype in T.Whitespace or ttype in T.Newline or ttype in T.Comment:
            spaced = True
            continue
        if ttype in T.Literal and ttype not in T.String.Symbol:
            if out and not spaced and out[-1].upper() in _LITERAL_PREFIXES:
                out.pop()
            out.append("?")
        elif ttype in T.Name.Placeholder:
            out.append("?")
        elif ttype in T.Keyword or ttype in T.Name or ttype in T.Operator:
            word = " ".join(value.split())
            upper = word.upper()
            if upper in _BOOLEANS and not (out and out[-1] == "."):
                out.append("?")
            elif (out and out[-1] == ".") or not word[:1].isalpha():
                out.append(word)  # a member after "." is a name even when it spells a keyword
            elif _RESERVED.issuperset(upper.split()):
                out.append(upper)
            else:
                out.append(word)
        else:
            out.append(value)
        spaced = False
    while out and out[-1] == ";":
        out.pop()
    return out


def _group_end(tokens: list[str], start: int) -> int:
    """Index just past the parenthesised group opening at ``tokens[start]`` (or len if unclosed)."""
    depth = 0
    for index in range(start, len(tokens)):
        if tokens[index] == "(":
            depth += 1
        elif tokens[index] == ")":
            depth -= 1
            if depth == 0:
                return index + 1
    return len(tokens)


def _skip_cast(tokens: list[str], index: int) -> int:
    """Past a PostgreSQL cast of a bound value (``?::INTEGER``, ``?::VARCHAR(20)[]``)."""
    if tokens[index : index + 1] != ["::"] or index + 1 >= len(tokens):
        return index
    index += 2  # "::" and the type name
    if tokens[index : index + 1] == ["("]:
        index = _group_end(tokens, index)
    while tokens[index : index + 2] == ["[", "]"]:
        index += 2
    return index


def _collapse(tokens: list[str]) -> list[str]:
    """Fold ``IN (?, ?, ...)`` to ``IN (...)``, ``VALUES`` rows all alike to one row, and drop
    the casts psycopg's dialect puts on bound values (``?::INTEGER`` is ``?`` elsewhere)."""
    out: list[str] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        out.append(token)
        index += 1
        if token == "?":
            index = _skip_cast(tokens, index)
        if index >= len(tokens) or tokens[index] != "(":
            continue
        if token == "IN":
            end = _group_end(tokens, index)
            inner = tokens[index + 1 : end - 1]
            if end <= len(tokens) and inner and set(inner) <= _COLLAPSIBLE:
                out.extend(("(", "...", ")"))
                index = end
        elif token == "VALUES":
            end = _group_end(tokens, index)
            first = tokens[index:end]
            following = end
            while tokens[following : following + 1] == [","] and tokens[
                following + 1 : following + 2
            ] == ["("]:
                group_end = _group_end(tokens, following + 1)
                if tokens[following + 1 : group_end] != first:
                    break
                following = group_end
            out.extend(first)
            index = following
    return out


def _render(tokens: list[str]) -> str:
    parts: list[str] = []
    previous = ""
    for token in tokens:
        if parts and token not in _NO_SPACE_BEFORE and previous not in _NO_SPACE_AFTER:
            parts.append(" ")
        parts.append(token)
        previous = token
    return "".join(parts)


@lru_cache(maxsize=8192)
def fingerprint(sql: str) -> str:
    """The shape of ``sql``: literals and bound values as ``?``, IN-lists collapsed, case folded.

    >>> fingerprint("select * from t where id in (1, 2,  3) and name = 'x'")
    'SELECT * FROM t WHERE id IN (...) AND name = ?'
    """
    result = _render(_collapse(_tokens(sql)))
    # sqlparse's lexer reads a few odd sequences differently once they are re-spaced; settle
    # them, so that a fingerprint is always its own fingerprint
    for _ in range(_SETTLE_PASSES):
        again = _render(_collapse(_tokens(result)))
        if again == result:
            break
        result = again
    return result


@lru_cache(maxsize=8192)
def statement_kind(sql: str) -> Kind:
    """What ``sql`` does: select, insert, update, delete, ddl, transaction (control) or other."""
    tokens = _tokens(sql)
    first = next((token for token in tokens if token != "("), "")
    if first == "WITH":
        depth = 0
        for token in tokens:
            depth += (token == "(") - (token == ")")
            if depth == 0 and token in _DML:
                return _DML[token]
        return "select"
    if first in _DML:
        return _DML[first]
    if first in _DDL:
        return "ddl"
    if first in _TRANSACTION:
        return "transaction"
    return "other"


def transaction_action(sql: str) -> str:
    """For transaction-control SQL: begin, commit, rollback, savepoint, release_savepoint or
    rollback_to_savepoint."""
    tokens = _tokens(sql)
    first = tokens[0] if tokens else ""
    if first == "SAVEPOINT":
        return "savepoint"
    if first == "RELEASE":
        return "release_savepoint"
    if first == "ROLLBACK":
        return "rollback_to_savepoint" if "TO" in tokens else "rollback"
    return "commit" if first in {"COMMIT", "END"} else "begin"


def is_transaction_control(sql: str) -> bool:
    """Whether ``sql`` is BEGIN, COMMIT, ROLLBACK, SAVEPOINT or kin; cheap for any other text."""
    if not sql.lstrip()[:9].upper().startswith(_TRANSACTION_PREFIXES):
        return False
    return statement_kind(sql) == "transaction"
