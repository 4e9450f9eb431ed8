"""The contract every storage backend passes: memory, SQLite, PostgreSQL and yours.

The classes have no ``Test`` prefix so pytest collects them only through a subclass that
provides the ``storage`` fixture. Each capability's part lives in its own module;
:class:`StorageContract` combines them all.
"""

from __future__ import annotations

from crmkit.testing.contract._automation import AutomationContract
from crmkit.testing.contract._bad_input import BadInputContract
from crmkit.testing.contract._base import ContractBase
from crmkit.testing.contract._bought import BoughtSegmentContract
from crmkit.testing.contract._breakdown import BreakdownContract
from crmkit.testing.contract._bulk_records import BulkRecordsContract
from crmkit.testing.contract._campaign_counts import CampaignCountsContract
from crmkit.testing.contract._campaign_measure import CampaignMeasureContract
from crmkit.testing.contract._campaigns import CampaignsContract
from crmkit.testing.contract._card import CardContract
from crmkit.testing.contract._contacts import ContactsContract
from crmkit.testing.contract._coupons import CouponsContract
from crmkit.testing.contract._currencies import CurrenciesContract
from crmkit.testing.contract._customer_file import CustomerFileContract
from crmkit.testing.contract._erasure import ErasureContract
from crmkit.testing.contract._expiring import ExpiringContract
from crmkit.testing.contract._external_ids import ExternalIdContract
from crmkit.testing.contract._facade import FacadeContract
from crmkit.testing.contract._folded_text import FoldedTextContract
from crmkit.testing.contract._funnel import FunnelContract
from crmkit.testing.contract._importing import ImportContract
from crmkit.testing.contract._interactions import InteractionsContract
from crmkit.testing.contract._ledger import LedgerContract
from crmkit.testing.contract._lists import ListsContract
from crmkit.testing.contract._loyalty import LoyaltyContract, ReferralsContract
from crmkit.testing.contract._merge import MergeContract
from crmkit.testing.contract._pipeline_names import PipelineNamesContract
from crmkit.testing.contract._records import RecordsContract
from crmkit.testing.contract._referral_rewards import ReferralRewardsContract
from crmkit.testing.contract._reminders import RemindersContract
from crmkit.testing.contract._resolve import ResolveContract
from crmkit.testing.contract._retention import RetentionContract
from crmkit.testing.contract._revenue import RevenueContract
from crmkit.testing.contract._segment_sql import SegmentPushdownContract
from crmkit.testing.contract._segment_worlds import DEAL_AND_RFM_LEAVES, segment_tree
from crmkit.testing.contract._segments import SegmentsContract
from crmkit.testing.contract._service import ServiceContract
from crmkit.testing.contract._service_report import ServiceReportContract
from crmkit.testing.contract._service_routing import ServiceRoutingContract
from crmkit.testing.contract._tasks import TasksContract

__all__ = [
    "DEAL_AND_RFM_LEAVES",
    "AutomationContract",
    "BadInputContract",
    "BoughtSegmentContract",
    "BreakdownContract",
    "BulkRecordsContract",
    "CampaignCountsContract",
    "CampaignMeasureContract",
    "CampaignsContract",
    "CardContract",
    "ContactsContract",
    "ContractBase",
    "CouponsContract",
    "CurrenciesContract",
    "CustomerFileContract",
    "ErasureContract",
    "ExpiringContract",
    "ExternalIdContract",
    "FacadeContract",
    "FoldedTextContract",
    "FunnelContract",
    "ImportContract",
    "InteractionsContract",
    "LedgerContract",
    "ListsContract",
    "LoyaltyContract",
    "MergeContract",
    "PipelineNamesContract",
    "RecordsContract",
    "ReferralRewardsContract",
    "ReferralsContract",
    "RemindersContract",
    "ResolveContract",
    "RetentionContract",
    "RevenueContract",
    "SegmentPushdownContract",
    "SegmentsContract",
    "ServiceContract",
    "ServiceReportContract",
    "ServiceRoutingContract",
    "StorageContract",
    "TasksContract",
    "segment_tree",
]


class StorageContract(
    ContactsContract,
    InteractionsContract,
    LedgerContract,
    FunnelContract,
    PipelineNamesContract,
    TasksContract,
    AutomationContract,
    SegmentsContract,
    SegmentPushdownContract,
    BoughtSegmentContract,
    BreakdownContract,
    CurrenciesContract,
    FoldedTextContract,
    FacadeContract,
    MergeContract,
    ErasureContract,
    ListsContract,
    RecordsContract,
    BulkRecordsContract,
    CardContract,
    ServiceContract,
    ServiceReportContract,
    ServiceRoutingContract,
    CampaignsContract,
    CampaignMeasureContract,
    CampaignCountsContract,
    CouponsContract,
    LoyaltyContract,
    ReferralsContract,
    ReferralRewardsContract,
    CustomerFileContract,
    ExpiringContract,
    RevenueContract,
    RetentionContract,
    RemindersContract,
    ResolveContract,
    ExternalIdContract,
    ImportContract,
    BadInputContract,
):
    """Behaviour every backend must show. Override the ``storage`` fixture."""
