"""Sales funnel: pipelines, deals and their history, reports, the board and the forecast."""

from crmkit.funnel.board import Board, ForecastMonth, forecast, pipeline_as_of, rotting_deals
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
from crmkit.funnel.pipeline import Pipeline, Stage
from crmkit.funnel.report import CohortStats, FunnelReport, StageStats, funnel_report

__all__ = [
    "Board",
    "CohortStats",
    "Deal",
    "DealStatus",
    "ForecastMonth",
    "FunnelReport",
    "Pipeline",
    "Stage",
    "StageChange",
    "StageStats",
    "forecast",
    "funnel_report",
    "lose",
    "move",
    "open_deal",
    "pipeline_as_of",
    "reopen",
    "rotting_deals",
    "win",
]
