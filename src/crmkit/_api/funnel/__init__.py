"""Pipelines, deals and contact lifecycle stages."""
