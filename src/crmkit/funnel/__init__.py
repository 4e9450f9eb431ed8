"""Sales funnel and contact lifecycle: pipelines, deals and their history, reports, the board,
the weighted forecast and a win-probability model.

Everything here is pure: transition functions return the new value and the change record to
store, and reports are computed from values the caller passes in (the ``CRM`` facade loads them
from storage).
"""

from crmkit.funnel.board import Board, pipeline_as_of, rotting_deals
from crmkit.funnel.deal import (
    Deal,
    DealStatus,
    StageChange,
    lose,
    move,
    open_deal,
    reopen,
    win,
)
from crmkit.funnel.facts import CohortFacts, FunnelFacts, StageFacts, StayStats, deal_facts
from crmkit.funnel.forecast import Forecast, ForecastMonth, forecast
from crmkit.funnel.lifecycle import (
    LifecycleChange,
    LifecycleStages,
    change_lifecycle,
    lifecycle_facts,
)
from crmkit.funnel.model import CalibrationBin, ModelEvaluation, WinModel, fit_win_model
from crmkit.funnel.pipeline import Pipeline, Stage, pipeline_name_key
from crmkit.funnel.report import (
    CohortStats,
    FunnelReport,
    StageStats,
    assemble,
    funnel_report,
    lifecycle_report,
)

__all__ = [
    "Board",
    "CalibrationBin",
    "CohortFacts",
    "CohortStats",
    "Deal",
    "DealStatus",
    "Forecast",
    "ForecastMonth",
    "FunnelFacts",
    "FunnelReport",
    "LifecycleChange",
    "LifecycleStages",
    "ModelEvaluation",
    "Pipeline",
    "Stage",
    "StageChange",
    "StageFacts",
    "StageStats",
    "StayStats",
    "WinModel",
    "assemble",
    "change_lifecycle",
    "deal_facts",
    "fit_win_model",
    "forecast",
    "funnel_report",
    "lifecycle_facts",
    "lifecycle_report",
    "lose",
    "move",
    "open_deal",
    "pipeline_as_of",
    "pipeline_name_key",
    "reopen",
    "rotting_deals",
    "win",
]
