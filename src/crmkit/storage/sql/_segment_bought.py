"""``Bought`` on SQL backends: who bought a product, or a product of a category.

The catalogue is read from the record store's keys (the products' folded SKU and category,
as ``crmkit._api.customer_file.kinds`` declares them). SKUs on ledger lines are compared
folded (case and outer spaces ignored), which SQL cannot do as Python does for every
alphabet, so the window's purchases are read and their lines tested in Python; the
condition handed back is the set of contacts found.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from crmkit.segments import Bought
from crmkit.storage.sql._segment_values import Frag, member_of

if TYPE_CHECKING:
    from crmkit.storage.sql._segment_sql import SQLScope

__all__ = ["bought"]

#: The record kind the catalogue is kept as (``crmkit._api.customer_file_kinds.PRODUCTS``).
PRODUCTS = "products"


def _wanted(node: Bought, scope: SQLScope) -> set[str]:
    if node.sku is not None:
        return {node.sku}
    rows = scope.db.fetchall(
        "SELECT s.value FROM record_keys s JOIN record_keys g ON g.workspace = s.workspace "
        "AND g.kind = s.kind AND g.record_id = s.record_id AND g.name = 'category' "
        "WHERE s.workspace = ? AND s.kind = ? AND s.name = 'sku' AND g.value = ?",
        (scope.workspace, PRODUCTS, node.category),
    )
    return {str(r[0]) for r in rows}


def bought(node: Bought, scope: SQLScope) -> Frag:
    wanted = _wanted(node, scope)
    if not wanted:
        return "(1 = 0)", []
    d = scope.db.dialect
    where, params = "x.occurred_at <= ?", [d.ts(scope.now)]
    if node.within_days is not None:
        where += " AND x.occurred_at >= ?"
        params.append(d.ts(scope.now - timedelta(days=node.within_days)))
    rows = scope.db.fetchall(
        "SELECT x.contact_id, x.lines FROM transactions x WHERE x.workspace = ? "
        f"AND x.kind = 'purchase' AND {where}",
        [scope.workspace, *params],
    )
    ids = {
        str(cid)
        for cid, lines in rows
        if any(
            (sku := line.get("sku")) and sku.strip().casefold() in wanted
            for line in d.json_out(lines)
        )
    }
    return member_of(scope.db, ("c.id", []), sorted(ids))
