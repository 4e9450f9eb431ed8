"""The customer file's records, each declared once on the generic record store.

Quotes, contracts and assets hang off a contact: merges move them, unmerges bring them
back and the export shows them, with no edit to that code
(:data:`crmkit._api._kinds.DEFAULT_RECORD_KINDS` lists them). On erasure, quotes and
contracts are commercial records a business must keep: a quote stays as it is (lines,
amounts, dates) and a contract loses its title, signer and termination reason
(:func:`crmkit.customer_file.contracts.anonymised`); both are detached from the person.
Assets are deleted: a serial number at an address is the person's, and without the person
the record tells nothing. Products belong to the workspace.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from crmkit.customer_file.assets import Asset
from crmkit.customer_file.contracts import Contract, ContractStatus, anonymised
from crmkit.customer_file.products import Product, category_key
from crmkit.customer_file.quotes import Quote
from crmkit.storage.codec import AttrsCodec
from crmkit.storage.kinds import RecordKind
from crmkit.storage.protocols import UnitOfWork
from crmkit.storage.typed import StoredKind

__all__ = ["ASSETS", "CONTRACTS", "CONTRACTS_KIND", "PRODUCTS", "QUOTES"]


def _product_keys(product: Product) -> Mapping[str, str | None]:
    category = None if product.category is None else category_key(product.category)
    return {"sku": product.key, "category": category}


def _contract_keys(contract: Contract) -> Mapping[str, str | None]:
    # Only signed contracts can be expiring; ISO dates sort as text, so expiring() is two
    # index ranges (on the end and on the last day for notice).
    signed = contract.status is ContractStatus.SIGNED
    return {
        "ends": contract.ends_on.isoformat() if signed else None,
        "notice": contract.notice_on.isoformat() if signed else None,
        "quote": contract.quote_id,
    }


def _kept(quote: Quote) -> Quote:
    return quote


PRODUCTS: StoredKind[Product] = StoredKind(
    "products", AttrsCodec(Product, keys=_product_keys, unique={"sku"}, contact=None)
)
QUOTES: StoredKind[Quote] = StoredKind(
    "quotes",
    AttrsCodec(Quote, keys=lambda q: {"status": q.status.value, "deal": q.deal_id}),
    on_erasure=_kept,
)
CONTRACTS: StoredKind[Contract] = StoredKind(
    "contracts", AttrsCodec(Contract, keys=_contract_keys), on_erasure=anonymised
)
ASSETS: StoredKind[Asset] = StoredKind(
    "assets",
    AttrsCodec(
        Asset, keys=lambda a: {"serial": a.key, "contract": a.contract_id}, unique={"serial"}
    ),
)


def _exported(contract: Contract) -> dict[str, Any]:
    # The notice period as whole days: a timedelta is not JSON.
    fields = {a.name: getattr(contract, a.name) for a in attrs.fields(Contract)}
    return fields | {"notice": contract.notice.days}


def _export_contracts(uow: UnitOfWork, contact_id: str) -> list[dict[str, Any]]:
    return [_exported(k) for k in CONTRACTS.on(uow).for_contact(contact_id)]


#: What merges, unmerges, erasures and exports do with contracts: the declaration of
#: :data:`CONTRACTS`, exporting the notice period in days.
CONTRACTS_KIND: RecordKind = attrs.evolve(CONTRACTS.kind, export=_export_contracts)
