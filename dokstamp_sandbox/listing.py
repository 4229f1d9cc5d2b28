"""List endpoints: query parameters, fast pages deep into large tables, and Laravel's envelope."""

from __future__ import annotations

import math
import re
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from dokstamp_sandbox.database import Database
from dokstamp_sandbox.options import SandboxOptions
from dokstamp_sandbox.resources import JsonObject, Resource, fetch_rows

DEFAULT_PER_PAGE = 15
# Page boundaries are remembered every CHECKPOINT_STEP rows, so a page never steps over more
# than this many index entries once its block's boundary is known.
CHECKPOINT_STEP = 1000
_WHERE_KEY = re.compile(r"^where\[([^\[\]]+)\]$")
_MISSING_ID = -1
_HUGE = 10**15

SortKey = tuple[Any, int]


@dataclass(frozen=True)
class ListQuery:
    """The list options of one request, already made lenient (bad values fall back to defaults)."""

    page: int = 1
    per_page: int = DEFAULT_PER_PAGE
    where: tuple[tuple[str, str], ...] = ()
    sort_column: str | None = None
    descending: bool = False


def _positive_int(text: str | None) -> int | None:
    if text is None:
        return None
    text = text.strip()
    if not text.isascii() or not text.isdigit():
        return None
    value = int(text) if len(text) <= 15 else _HUGE  # huge numbers are just "very large"
    return value if value >= 1 else None


def parse_list_query(
    params: Iterable[tuple[str, str]], *, resource: Resource, options: SandboxOptions
) -> ListQuery:
    """Read page, per_page, where[...] and sort[...] from query parameters.

    Unknown where keys and sort columns are ignored; a repeated parameter keeps its last value
    (as PHP does); per_page is capped at options.max_per_page.
    """
    values: dict[str, str] = {}
    where: dict[str, str] = {}
    for key, value in params:
        match = _WHERE_KEY.match(key)
        if match is not None:
            if match.group(1) in resource.filters:
                where[match.group(1)] = value
        else:
            values[key] = value
    page = _positive_int(values.get("page")) or 1
    per_page = min(_positive_int(values.get("per_page")) or DEFAULT_PER_PAGE, options.max_per_page)
    sort_column = values.get("sort[column]")
    if sort_column not in resource.sorts:
        sort_column = None
    descending = values.get("sort[order]", "asc").strip().lower() == "desc"
    return ListQuery(
        page=page,
        per_page=per_page,
        where=tuple(sorted(where.items())),
        sort_column=sort_column,
        descending=descending,
    )


def _conditions(
    connection: sqlite3.Connection, resource: Resource, tenant_id: int, query: ListQuery
) -> tuple[str, tuple[Any, ...]]:
    """SQL conditions and parameters for tenant, live rows and the where filters."""
    clauses = ["t.tenant_id = ?", "t.deleted_at IS NULL"]
    params: list[Any] = [tenant_id]
    for key, value in query.where:
        spec = resource.filters[key]
        # `null` (or empty, which Laravel turns into null) matches SQL NULL, as in the docs'
        # `where[used_at]=null`.
        if value in ("null", ""):
            clauses.append(f"t.{spec.column} IS NULL")
            continue
        if spec.reference is None:
            clauses.append(f"t.{spec.column} = ?")
            params.append(value)
            continue
        found = connection.execute(
            f"SELECT id FROM {spec.reference} WHERE uuid = ? AND tenant_id = ?",  # noqa: S608
            (value.strip().lower(), tenant_id),
        ).fetchone()
        clauses.append(f"t.{spec.column} = ?")
        params.append(found["id"] if found is not None else _MISSING_ID)
    return " AND ".join(clauses), tuple(params)


@dataclass(frozen=True)
class _Plan:
    table: str
    conditions: str
    params: tuple[Any, ...]
    sort_expression: str
    descending: bool

    def _order(self) -> str:
        direction = "DESC" if self.descending else "ASC"
        return f"{self.sort_expression} {direction}, t.id {direction}"

    def _select(
        self,
        connection: sqlite3.Connection,
        extra: str,
        params: tuple[Any, ...],
        limit: int,
        offset: int,
        *,
        ties_only: bool = False,
    ) -> list[SortKey]:
        # Within one tie the sort key is constant: ordering by id alone lets SQLite read the
        # index in order (with the key in ORDER BY it sorts every tie in a temp b-tree).
        order = f"t.id {'DESC' if self.descending else 'ASC'}" if ties_only else self._order()
        sql = (
            f"SELECT {self.sort_expression} AS k, t.id FROM {self.table} t"  # noqa: S608
            f" WHERE {self.conditions}{extra} ORDER BY {order} LIMIT ? OFFSET ?"
        )
        rows = connection.execute(sql, (*self.params, *params, limit, offset)).fetchall()
        return [(row[0], row[1]) for row in rows]

    def keys(
        self, connection: sqlite3.Connection, *, after: SortKey | None, limit: int, offset: int
    ) -> list[SortKey]:
        """(sort value, id) of up to `limit` rows, `offset` rows past the row keyed `after`.

        The rows after (v, i) are read as two index ranges, in order: the rest of v's ties
        (k = v, id beyond i) and then the rows with k beyond v. One combined condition would
        make SQLite walk every tie of v, and a sort key can have hundreds of thousands of ties
        (every NULL grade, every "completed").
        """
        if after is None:
            return self._select(connection, "", (), limit, offset)
        strict = "<" if self.descending else ">"
        k = self.sort_expression
        value, row_id = after
        ties = f" AND {k} = ? AND t.id {strict} ?"
        rows = self._select(connection, ties, (value, row_id), limit, offset, ties_only=True)
        if len(rows) == limit:
            return rows
        if rows:
            skip = 0
        else:
            # Every remaining tie was skipped by `offset`: skip the rest past them.
            sql = f"SELECT count(*) FROM {self.table} t WHERE {self.conditions}{ties}"  # noqa: S608
            tied = int(connection.execute(sql, (*self.params, value, row_id)).fetchone()[0])
            skip = offset - tied
        beyond = f" AND {k} {strict} ?"
        return rows + self._select(connection, beyond, (value,), limit - len(rows), skip)

    def count(self, connection: sqlite3.Connection) -> int:
        sql = f"SELECT count(*) FROM {self.table} t WHERE {self.conditions}"  # noqa: S608
        return int(connection.execute(sql, self.params).fetchone()[0])


def _page_keys(
    db: Database,
    connection: sqlite3.Connection,
    plan: _Plan,
    cache_key: tuple[Any, ...],
    *,
    offset: int,
    limit: int,
) -> list[SortKey]:
    """The keys of one page, seeking from the nearest remembered block boundary.

    Boundary k is the key of the row at position k*CHECKPOINT_STEP - 1; rows after it start
    block k. A deep page first computes its block's boundary from the nearest known one (one
    index walk, remembered), then reads at most CHECKPOINT_STEP + limit index entries.
    """
    block, residual = divmod(offset, CHECKPOINT_STEP)
    if block == 0:
        return plan.keys(connection, after=None, limit=limit, offset=offset)
    checkpoints: dict[int, SortKey] = db.cached(("checkpoints", *cache_key), dict)
    boundary = checkpoints.get(block)
    if boundary is None:
        known = [k for k in checkpoints if k < block]
        start = max(known) if known else 0
        found = plan.keys(
            connection,
            after=checkpoints[start] if start else None,
            limit=1,
            offset=(block - start) * CHECKPOINT_STEP - 1,
        )
        if not found:
            return []
        boundary = found[0]
        checkpoints[block] = boundary
    return plan.keys(connection, after=boundary, limit=limit, offset=residual)


def list_page(
    db: Database,
    resource: Resource,
    *,
    tenant_id: int,
    query: ListQuery,
    url: str,
    options: SandboxOptions,
) -> JsonObject:
    """One page of a resource in Laravel's paginated envelope (data, links, meta)."""
    # Read the version before the snapshot starts: a write bumps it only after committing, so
    # what is cached under this version is never older than the version says.
    version = db.version(tenant_id)
    with db.snapshot() as connection:
        conditions, params = _conditions(connection, resource, tenant_id, query)
        sort_expression = resource.sorts[query.sort_column] if query.sort_column else "t.id"
        plan = _Plan(resource.table, conditions, params, sort_expression, query.descending)
        cache_key = (
            tenant_id,
            version,
            resource.name,
            conditions,
            params,
            sort_expression,
            query.descending,
        )
        total = db.cached(("count", *cache_key), lambda: plan.count(connection))
        offset = (query.page - 1) * query.per_page
        keys: list[SortKey] = []
        if offset < total:
            keys = _page_keys(db, connection, plan, cache_key, offset=offset, limit=query.per_page)
        rows = fetch_rows(connection, resource, [row_id for _, row_id in keys])
    data = [resource.render(row, options) for row in rows]
    return envelope(data, query=query, total=total, url=url)


def _page_url_prefix(url: str, query: ListQuery) -> str:
    """Every page link up to its page number: `{url}?{where, sort, per_page}&page=`."""
    params: list[tuple[str, str | int]] = [(f"where[{k}]", v) for k, v in query.where]
    if query.sort_column is not None:
        params.append(("sort[column]", query.sort_column))
        params.append(("sort[order]", "desc" if query.descending else "asc"))
    params.append(("per_page", query.per_page))
    return f"{url}?{urlencode(params)}&page="


def envelope(data: Sequence[JsonObject], *, query: ListQuery, total: int, url: str) -> JsonObject:
    """Laravel's paginated resource body for one page of `data`."""
    last_page = max(1, math.ceil(total / query.per_page))
    first_index = (query.page - 1) * query.per_page + 1
    has_rows = len(data) > 0
    link = _page_url_prefix(url, query)  # encoded once for the four links
    return {
        "data": list(data),
        "links": {
            "first": f"{link}1",
            "last": f"{link}{last_page}",
            "prev": f"{link}{query.page - 1}" if query.page > 1 else None,
            "next": f"{link}{query.page + 1}" if query.page < last_page else None,
        },
        "meta": {
            "current_page": query.page,
            "from": first_index if has_rows else None,
            "last_page": last_page,
            "path": url,
            "per_page": query.per_page,
            "to": first_index + len(data) - 1 if has_rows else None,
            "total": total,
        },
    }
