"""The data dictionary names every submission column and every warehouse column, and the copy in
docs/ is the current output (policy kept by a test, not by memory)."""

from __future__ import annotations

from teachflow.contract import DATASETS
from teachflow.dictionary import DEFAULT_PATH, render_data_dictionary, write_data_dictionary
from teachflow.vocabularies import VOCABULARIES
from teachflow.warehouse.schema import metadata


def test_every_dataset_column_is_described_with_its_chinese_header():
    text = render_data_dictionary()
    for dataset in DATASETS.values():
        assert f"### {dataset.name} — {dataset.title_zh}" in text
        for column in dataset.columns:
            mark = "*" if column.required else ""
            assert f"| `{column.name}`{mark} | {column.header_zh} | {column.kind} |" in text


def test_every_vocabulary_code_is_listed():
    text = render_data_dictionary()
    for vocab in VOCABULARIES.values():
        for term in vocab.terms:
            assert f"| {term.code} | {term.label_zh} |" in text


def test_every_warehouse_column_is_listed_with_its_comment():
    text = render_data_dictionary()
    for table in metadata.tables.values():
        assert f"### {table.name}\n\n{table.comment}" in text
        for column in table.columns:
            assert column.comment, f"{table.name}.{column.name} has no comment"
            assert f"| `{column.name}` | {column.type} |" in text
            assert column.comment.replace("|", "\\|") in text


def test_every_mart_view_has_its_grain_sources_columns_and_an_example():
    from teachflow.warehouse.mart import MART_VIEWS

    text = render_data_dictionary()
    for view in MART_VIEWS:
        section = text.split(f"### mart.{view.name}\n", 1)[1].split("\n### ", 1)[0]
        assert f"Grain: {view.grain}." in section
        for source in view.sources:
            assert f"`{source}`" in section
        for column, meaning in view.columns:
            assert meaning, f"mart.{view.name}.{column} has no meaning"
            escaped = meaning.replace("|", "\\|")
            assert f"| `{column}` | {escaped} |" in section
        assert f"```sql\n{view.example}\n```" in section
        assert f"mart.{view.name}" in view.example


def test_write_creates_the_file(tmp_path):
    path = write_data_dictionary(tmp_path / "dd.md")
    assert path.read_text(encoding="utf-8") == render_data_dictionary()


def test_docs_copy_is_current():
    assert DEFAULT_PATH.read_text(encoding="utf-8") == render_data_dictionary(), (
        "docs/data-dictionary.md is stale: run `.venv/bin/python -m teachflow.dictionary`"
    )
