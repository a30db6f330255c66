"""The rule catalogue: consistent, documented, generated docs kept equal, mapped to clauses."""
from pathlib import Path

from click.testing import CliRunner

from auditor import rules, standards
from auditor.cli import main

DOCS = Path(__file__).resolve().parent.parent / "docs" / "rules.md"
TEXT_RULES = {"CONF001", "CONF002", "PII001", "PII002", "PII003", "PII004", "PII005", "PII006", "OFF001",
              "OFF002", "DIS001", "DIS002", "GRV001", "GRV002", "MIS001", "BND001", "BND002", "CND001",
              "CND002", "CND003", "CND008", "PRM001", "WRK004"}


def test_catalogue_is_consistent():
    assert rules.validate() == []
    assert TEXT_RULES <= {r.id for r in rules.all_rules()}


def test_docs_rules_md_is_generated_from_the_catalogue():
    assert DOCS.read_text(encoding="utf-8") == rules.as_markdown(), (
        "docs/rules.md is stale: regenerate with `.venv/bin/python -m auditor rules --markdown > docs/rules.md`")


def test_cli_prints_the_catalogue():
    r = CliRunner().invoke(main, ["rules"])
    assert r.exit_code == 0
    for rid in TEXT_RULES:
        assert rid in r.output
    r = CliRunner().invoke(main, ["rules", "--markdown"])
    assert r.output == rules.as_markdown()


def test_every_rule_maps_to_a_clause_in_every_shipped_standards_file():
    missing = [(r.id, e.file) for r in rules.all_rules() for e in standards.editions()
               if not e.clauses_for(r.id, r.category)]
    assert missing == []


def test_every_mapped_clause_has_a_title():
    for r in rules.all_rules():
        for e in standards.editions():
            for s in e.clauses_for(r.id, r.category):
                assert s.title.strip(), (e.file, s.clause)


def test_retired_rules_say_why_and_are_mapped_nowhere():
    assert rules.RETIRED["DIS003"].strip()
    ids = {r.id for r in rules.all_rules()}
    assert not set(rules.RETIRED) & ids
    for e in standards.editions():
        assert not set(rules.RETIRED) & set(e.rules), e.file
        assert set(e.rules) <= ids, (e.file, set(e.rules) - ids)
