"""The API reference (pdoc, tools/api_reference.py) builds without a warning on every test
run, so a docstring or annotation pdoc cannot read fails here rather than in the pages; and
every part of the facade is reachable from the ``CRM`` page."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType

import pytest

from crmkit import CRM

TOOL = Path(__file__).parents[2] / "tools" / "api_reference.py"


def _tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("api_reference", TOOL)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("pdoc")
    output = tmp_path_factory.mktemp("api")
    problems = _tool().build(output, search=False)  # the index adds time, not checks
    assert problems == []
    return output


def test_the_reference_covers_the_public_modules_and_no_old_path() -> None:
    names = _tool().modules()
    assert {"crmkit", "crmkit.clv.plots", "crmkit.identity.plots", "crmkit.errors"} <= set(names)
    assert "crmkit.consent" not in names  # an old path is the new module under another name
    assert not [n for n in names if n.startswith("crmkit._") and not n.startswith("crmkit._api")]


def test_every_sub_api_of_the_facade_has_a_page_linked_from_crm(reference: Path) -> None:
    crm = CRM()
    page = (reference / "crmkit.html").read_text(encoding="utf-8")
    sub_apis = {
        name: type(value)
        for name, value in vars(crm).items()
        if not name.startswith("_") and type(value).__module__.startswith("crmkit._api.")
    }
    assert {"contacts", "tasks", "campaigns", "cases", "deals"} <= set(sub_apis)
    for name, cls in sub_apis.items():
        target = f"{cls.__module__.replace('.', '/')}.html"
        assert (reference / target).exists(), name
        attribute = re.search(rf'id="CRM\.{name}".*?</div>', page, re.DOTALL)
        assert attribute is not None, name
        assert f'{target.removeprefix("crmkit/")}#{cls.__name__}"' in attribute[0], name


def test_a_sub_api_page_shows_its_methods_and_their_docstrings(reference: Path) -> None:
    page = (reference / "crmkit" / "_api" / "contacts.html").read_text(encoding="utf-8")
    assert 'id="ContactsAPI.create"' in page
    assert "crmkit.errors" in page or "ValidationError" in page


def test_the_plot_modules_have_pages(reference: Path) -> None:
    for module, function in [
        ("clv/plots", "plot_period_transactions"),
        ("identity/plots", "plot_waterfall"),
        ("service/plots", "plot_sla_attainment"),
    ]:
        page = (reference / "crmkit" / f"{module}.html").read_text(encoding="utf-8")
        assert f'id="{function}"' in page
