"""`manage.py tools`: operators ingest and call tools; bad input is one clear line."""
from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command

from tests.fakes.mini_scholar import openapi_document
from tools.models import ToolVersion


def test_operators_ingest_an_openapi_file_activate_and_call(db, tmp_path, mini_scholar, capsys):
    document = tmp_path / "api.json"
    document.write_text(json.dumps(openapi_document(mini_scholar.base)))
    call_command("tools", "ingest-openapi", str(document))
    call_command("tools", "activate", "mini_scholar_api.get_paper", "1")
    call_command("tools", "call", "mini_scholar_api.get_paper", '{"paper_id": "P-17"}')
    out = capsys.readouterr().out
    assert "candidate mini_scholar_api.search_papers v1" in out and '"doi": "10.5555/mini.2022.17"' in out
    assert ToolVersion.objects.get(tool__name="mini_scholar_api.get_paper").status == "active"


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["call", "text.word_count", "not json"], "arguments must be a JSON object"),
        (["call", "text.word_count", '{"txt": 1}'], "'text' is a required property"),
        (["call", "no.such_tool", "{}"], "unknown tool 'no.such_tool'"),
        (["activate", "no.such_tool", "1"], "there is no version 1"),
        (["ingest-openapi", "/nonexistent.json"], "neither an http(s) URL nor a file"),
    ],
)
def test_bad_input_is_a_clear_command_error(db, arguments, message):
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(")", r"\)")):
        call_command("tools", *arguments)
