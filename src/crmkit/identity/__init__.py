"""Recognising one person across channels: normalisation, matching, merging."""

from crmkit.identity.blocking import block_keys, candidate_pairs
from crmkit.identity.compare import (
    compare_dates,
    compare_phones,
    edit_distance,
    jaro_winkler,
    slug,
    slug_similarity,
    token_set_similarity,
    within_edits,
)
from crmkit.identity.features import FEATURES, compare_records
from crmkit.identity.index import IdentityIndex
from crmkit.identity.matcher import DEDUPE_THRESHOLD, Cluster, Matcher, Progress, ScoredPair
from crmkit.identity.model import MatchModel
from crmkit.identity.normalize import (
    identity_key,
    normalize_channel,
    normalize_digits,
    normalize_email,
    normalize_external_id,
    normalize_handle,
    normalize_phone,
)
from crmkit.identity.prepare import PreparedRecord, prepare
from crmkit.identity.survivorship import plan_merge, survivorship

__all__ = [
    "DEDUPE_THRESHOLD",
    "FEATURES",
    "Cluster",
    "IdentityIndex",
    "MatchModel",
    "Matcher",
    "PreparedRecord",
    "Progress",
    "ScoredPair",
    "block_keys",
    "candidate_pairs",
    "compare_dates",
    "compare_phones",
    "compare_records",
    "edit_distance",
    "identity_key",
    "jaro_winkler",
    "normalize_channel",
    "normalize_digits",
    "normalize_email",
    "normalize_external_id",
    "normalize_handle",
    "normalize_phone",
    "plan_merge",
    "prepare",
    "slug",
    "slug_similarity",
    "survivorship",
    "token_set_similarity",
    "within_edits",
]
