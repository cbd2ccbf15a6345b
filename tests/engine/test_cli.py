"""The command line: ask, --json, --batch (file or stdin), bad input, kb check."""

import json
import subprocess
import sys

import pytest


def run(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], input=stdin, capture_output=True, check=False,
        timeout=60,
    )  # fmt: skip


def test_ask_plain_and_json():
    plain = run("ask", "quel port smtp pour gmail ?")
    assert plain.returncode == 0 and b"smtp.gmail.com" in plain.stdout
    data = json.loads(run("ask", "quel port smtp pour gmail ?", "--json").stdout)
    assert data["matched"] is True and data["provider"] == "gmail"
    assert 0 <= data["confidence"] <= 100
    assert {"topic", "text", "html", "buttons"} <= set(data)


def test_empty_question_is_a_usage_error_without_traceback():
    result = run("ask", "   ")
    assert result.returncode == 2 and b"vide" in result.stderr and b"Traceback" not in result.stderr


def test_batch_keeps_order_and_ids_and_survives_bad_lines(tmp_path):
    lines = [
        json.dumps({"id": 7, "text": "Bonjour,\nquel port smtp pour gmail ?\nMerci"}).encode(),
        b"erreur certificat dans outlook",
        b"\xff\xfe not utf-8 \xc3\x28",
        b'{"id": "broken", "text": ',
        json.dumps({"id": "no-text"}).encode(),
        b"\x00\x01\x02\x03\x04\x05\x06",
        json.dumps({"id": "last", "text": "la recette des crepes"}).encode(),
    ]
    path = tmp_path / "questions.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n\n")
    result = run("ask", "--json", "--batch", str(path))
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert len(rows) == 7
    assert rows[0]["id"] == 7 and rows[0]["matched"] and rows[0]["provider"] == "gmail"
    assert rows[1]["matched"] and "id" not in rows[1]
    assert rows[2]["matched"] is False and "UTF-8" in rows[2]["error"]
    assert rows[3]["matched"] is False and "JSON" in rows[3]["error"]
    assert rows[4]["id"] == "no-text" and rows[4]["matched"] is False
    assert rows[5]["matched"] is False
    assert rows[6]["id"] == "last" and rows[6]["matched"] is False


def test_batch_from_stdin():
    result = run("ask", "--json", "--batch", "-", stdin=b"quel port smtp ?\nPOP ou IMAP ?\n")
    rows = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert [row["matched"] for row in rows] == [True, True]


@pytest.mark.parametrize("args", [("ask", "--batch", "/nonexistent/file"), ("nope",)])
def test_usage_errors_exit_2(args):
    result = run(*args)
    assert result.returncode == 2 and b"Traceback" not in result.stderr
