"""Customer lifetime value: summaries, probabilistic models and simple formulas.

Pure Python; every ``fit`` returns a frozen result with ``params``, ``log_likelihood``,
``standard_errors`` and convergence information.
"""

from crmkit.clv.bgbb import BetaGeoBetaBinomFit, BetaGeoBetaBinomModel
from crmkit.clv.bgnbd import BetaGeoFit, BetaGeoModel
from crmkit.clv.gammagamma import GammaGammaFit, GammaGammaModel
from crmkit.clv.mbgnbd import ModifiedBetaGeoFit, ModifiedBetaGeoModel
from crmkit.clv.paretonbd import ParetoNBDFit, ParetoNBDModel
from crmkit.clv.sbg import ShiftedBetaGeoFit, ShiftedBetaGeoModel
from crmkit.clv.simple import formula_clv, historical_clv
from crmkit.clv.summary import RFMSummary, rfm_summary
from crmkit.clv.value import customer_lifetime_value

__all__ = [
    "BetaGeoBetaBinomFit",
    "BetaGeoBetaBinomModel",
    "BetaGeoFit",
    "BetaGeoModel",
    "GammaGammaFit",
    "GammaGammaModel",
    "ModifiedBetaGeoFit",
    "ModifiedBetaGeoModel",
    "ParetoNBDFit",
    "ParetoNBDModel",
    "RFMSummary",
    "ShiftedBetaGeoFit",
    "ShiftedBetaGeoModel",
    "customer_lifetime_value",
    "formula_clv",
    "historical_clv",
    "rfm_summary",
]
