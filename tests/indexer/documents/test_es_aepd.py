"""The AEPD's resolutions: the operative part imposes, the rest does not; European PDFs keep
their word spaces."""

from indexer.documents import es_aepd, extract_text

RESOLUTION = """Expediente N.º: EXP202304094
FUNDAMENTOS DE DERECHO
Las infracciones del artículo 83.5 del RGPD se sancionan con multas administrativas de
20.000.000 EUR como máximo. La propuesta de resolución fijaba una multa de 100.000 euros.
la Directora de la Agencia Española de Protección de Datos RESUELVE:
PRIMERO: IMPONER a EMPRESA DE EJEMPLO, S.L., con NIF B00000000, por una infracción del
artículo 5.1.f) del RGPD, tipificada en el artículo 83.5 del RGPD, una multa de 70.000 euros.
SEGUNDO: ORDENAR a EMPRESA DE EJEMPLO, S.L. que adopte las medidas necesarias.
TERCERO: NOTIFICAR la presente resolución a EMPRESA DE EJEMPLO, S.L.
De conformidad con el artículo 50 de la LOPDGDD, la presente Resolución se hará pública.
"""


def test_the_operative_part_names_party_fine_and_kinds():
    from indexer.normalize.amounts_intl import parse_fine

    parsed = es_aepd.parse(RESOLUTION)
    assert parsed["party_name"] == "EMPRESA DE EJEMPLO, S.L."
    assert parsed["penalty_kinds"] == ["fine", "order_to_rectify"]
    assert parsed["penalty_text"].startswith("PRIMERO: IMPONER")
    assert "NOTIFICAR" not in parsed["penalty_text"] and "máximo" not in parsed["penalty_text"]
    fine = parse_fine(parsed["penalty_text"], "ES")
    assert (fine["fine"], fine["currency"]) == (70000, "EUR")


def test_a_declaration_against_a_public_body_and_no_operative_part():
    parsed = es_aepd.parse("RESUELVE: PRIMERO: DECLARAR que AYUNTAMIENTO DE EJEMPLO, con NIF "
                           "P0000000A, ha infringido el artículo 32 del RGPD.")
    assert parsed["party_name"] == "AYUNTAMIENTO DE EJEMPLO" and parsed["penalty_kinds"] == []
    assert es_aepd.parse("no operative part here") == {}


def test_pdf_text_keeps_spaces_beside_accented_letters_and_across_line_breaks():
    import pytest

    pytest.importorskip("reportlab")
    from crawler.spiders.es_aepd import _pdf

    line = "la parte presentó reclamación según él; se impone una multa de "
    text = extract_text(_pdf([line * 2 + "70.000 euros."]), "pdf")
    assert "presentó reclamación según él" in text
    assert "multa de 70.000 euros." in text and "de70" not in text
