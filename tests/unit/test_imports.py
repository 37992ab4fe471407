"""The package root is light: formats, locale and money never load the storage stack."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import globalcrm as gc

FORMATS = sorted(
    path.stem
    for path in (Path(gc.__file__).parent / "payments").glob("*.py")
    if not path.stem.startswith("_")
)


def _modules_after(code: str) -> dict[str, bool]:
    probe = (
        f"{code}\nimport json, sys\n"
        "print(json.dumps({m: m in sys.modules for m in ('sqlalchemy', 'alembic', 'psycopg')}))"
    )
    done = subprocess.run(  # noqa: S603 - our own interpreter, our own code
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    loaded: dict[str, bool] = json.loads(done.stdout.strip().splitlines()[-1])
    return loaded


@pytest.mark.parametrize(
    "code",
    [
        "import globalcrm",
        "import globalcrm.locale",
        "import globalcrm.money",
        "from globalcrm.locale import format_person_name",
        "import globalcrm as gc; gc.Customer; gc.PersonName; gc.locale.salutation",
        *(f"import globalcrm.payments.{name}" for name in FORMATS),
    ],
)
def test_light_imports_do_not_load_the_storage_stack(code: str) -> None:
    assert _modules_after(code) == {"sqlalchemy": False, "alembic": False, "psycopg": False}


def test_opening_a_store_loads_it() -> None:
    loaded = _modules_after("import globalcrm as gc; gc.open('sqlite://').close()")
    assert loaded["sqlalchemy"] and loaded["alembic"]


@pytest.mark.parametrize("name", ["locale", "payments", "privacy", "money", "errors"])
def test_subpackages_are_attributes_of_a_fresh_import(name: str) -> None:
    code = f"import globalcrm as gc; import types; assert isinstance(gc.{name}, types.ModuleType)"
    subprocess.run([sys.executable, "-c", code], check=True)  # noqa: S603


def test_an_unknown_attribute_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError):
        gc.no_such_thing  # noqa: B018
    assert "open" in dir(gc) and "locale" in dir(gc)


def test_the_layout_page_lists_every_module_as_it_is() -> None:
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(  # noqa: S603
        [sys.executable, str(root / "tools" / "build_layout_page.py"), "--check"],
        capture_output=True, text=True, check=False,
    )
    assert done.returncode == 0, done.stdout
    page = (root / "docs" / "architecture.md").read_text(encoding="utf-8")
    assert "| `customer_merge.py` |" in page and "### `globalcrm/storage/tables/`" in page
