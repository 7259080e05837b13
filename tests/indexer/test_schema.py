from indexer import schema
from tests.conftest import ROOT


def test_docs_schema_md_is_generated_from_the_schema():
    assert (ROOT / "docs" / "schema.md").read_text(encoding="utf-8") == schema.markdown(), \
        "run `make docs`"


def test_empty_decision_needs_an_id():
    record = schema.empty_decision()
    assert any(e.startswith("id:") for e in schema.validation_errors(record))
    record.update(id="cn_samr_cfws:abc", source="cn_samr_cfws")
    assert schema.validation_errors(record) == []


def test_amounts_are_decimal_strings():
    record = dict(schema.empty_decision(), id="x:1", source="x", fine_amount=1000.5)
    assert any(e.startswith("fine_amount") for e in schema.validation_errors(record))
    record["fine_amount"] = "1000.5"
    assert schema.validation_errors(record) == []


def test_unknown_fields_are_rejected():
    record = dict(schema.empty_decision(), id="x:1", source="x", fine=1)
    assert schema.validation_errors(record)
