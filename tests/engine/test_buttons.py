import pytest

from bot.buttons import MAX_DATA_BYTES, AnswerChoice, DiagnoseChoice, decode


@pytest.mark.parametrize(
    "choice",
    [
        AnswerChoice("add_account", "orange", "iphone"),
        AnswerChoice("smtp_ports"),
        DiagnoseChoice("boulangerie-martin.fr"),
        DiagnoseChoice("mail.exemple.fr:993", fresh=True),
    ],
)
def test_choices_round_trip(choice):
    data = choice.encode()
    assert 1 <= len(data.encode()) <= MAX_DATA_BYTES
    assert decode(data) == choice


def test_over_long_data_is_refused():
    with pytest.raises(ValueError):
        DiagnoseChoice("a" * 60 + ".fr").encode()


@pytest.mark.parametrize("data", ["", "ans", "ans|", "zzz|a|b|c", "diag|", "ans|a|b"])
def test_foreign_data_decodes_to_none(data):
    assert decode(data) is None
