import pytest

from bot.nlu.entities import contains_secret, without_secrets


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("mon mot de passe gmail est Soleil2024", "Soleil2024"),
        ("le mot de passe de ma boite orange est Tournesol", "Tournesol"),
        ("mdp: bonjour123", "bonjour123"),
        ("mot de passe d'application : abcd efgh ijkl mnop", "ijkl"),
        ("mon mot de passe actuel est « Chat-Noir »", "Chat-Noir"),
        ("my gmail password is Hunter22", "Hunter22"),
    ],
)
def test_a_typed_password_is_found_and_removed(text, value):
    assert contains_secret(text)
    assert value not in without_secrets(text)


@pytest.mark.parametrize(
    "text",
    [
        "le mot de passe est refusé sur mon iphone",
        "mon mot de passe que j'ai mis est faux",
        "le mdp ne marche pas, c'est pareil",
        "mot de passe oublié, c'est grave ?",
        "le mot de passe de l'application outlook est demandé sans arrêt",
        "le compass est ici",
        "il faut un mot de passe d'application : comment on le crée ?",
    ],
)
def test_talking_about_a_password_is_not_giving_one(text):
    assert not contains_secret(text)
    assert without_secrets(text) == text
