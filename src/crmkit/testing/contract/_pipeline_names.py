"""Pipeline names on this backend: one pipeline per name and workspace, found by name."""

from __future__ import annotations

import attrs
import pytest

from crmkit.crm import CRM
from crmkit.errors import DuplicateNameError, PipelineNotFoundError
from crmkit.storage.protocols import Storage
from crmkit.testing.contract._base import ContractBase

__all__ = ["PipelineNamesContract"]


class PipelineNamesContract(ContractBase):
    """Names are unique per workspace, ignoring case, runs of spaces and accent encoding."""

    @pytest.mark.parametrize("again", ["Sales Team", " sales   TEAM ", "SALES TEAM"])
    def test_a_second_pipeline_under_a_name_is_refused_naming_field_and_value(
        self, crm: CRM, again: str
    ) -> None:
        first = crm.pipelines.create("Sales Team", stages=["New"])
        with pytest.raises(DuplicateNameError) as info:
            crm.pipelines.create(again, stages=["Other"])
        assert (info.value.field, info.value.value) == ("name", " ".join(again.split()))
        assert info.value.existing_id == first.id
        assert crm.pipelines.all() == [first]

    def test_names_differing_only_in_accent_encoding_are_one_name(self, crm: CRM) -> None:
        crm.pipelines.create("Caf\u00e9", stages=["New"])
        with pytest.raises(DuplicateNameError):
            crm.pipelines.create("CAFE\u0301", stages=["New"])

    def test_a_pipeline_is_found_by_id_or_by_name(self, crm: CRM) -> None:
        sales = crm.pipelines.create("Sales", stages=["New"])
        renewals = crm.pipelines.create("Renewals", stages=["Due"])
        assert crm.pipelines.get(sales.id) == sales
        assert crm.pipelines.get("sales") == sales
        assert crm.pipelines.get("  RENEWALS ") == renewals
        with pytest.raises(PipelineNotFoundError):
            crm.pipelines.get("Sales 2")

    def test_each_workspace_has_its_own_names(self, crm: CRM, storage: Storage) -> None:
        ours = crm.pipelines.create("Sales", stages=["New"])
        other = CRM(storage=storage, workspace=self.workspace + "-other")
        theirs = other.pipelines.create("Sales", stages=["New"])
        assert crm.pipelines.get("Sales") == ours
        assert other.pipelines.get("Sales") == theirs

    def test_renaming_onto_a_taken_name_is_refused_and_onto_its_own_allowed(
        self, crm: CRM, storage: Storage
    ) -> None:
        crm.pipelines.create("Sales", stages=["New"])
        renewals = crm.pipelines.create("Renewals", stages=["Due"])
        with storage.unit_of_work(self.workspace) as uow:
            with pytest.raises(DuplicateNameError):
                uow.pipelines.update(attrs.evolve(renewals, name="SALES", version=2))
            uow.pipelines.update(attrs.evolve(renewals, name="RENEWALS", version=2))
            uow.commit()
        assert crm.pipelines.get("renewals").name == "RENEWALS"

    def test_the_repository_finds_by_name_or_answers_none(self, crm: CRM, storage: Storage) -> None:
        sales = crm.pipelines.create("Sales", stages=["New"])
        with storage.unit_of_work(self.workspace, read_only=True) as uow:
            assert uow.pipelines.find_by_name(" SALES") == sales
            assert uow.pipelines.find_by_name("Renewals") is None
