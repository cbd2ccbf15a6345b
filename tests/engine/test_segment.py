"""Pasted e-mails are cut down to the customer's words."""

import pytest

from bot.kb import load_knowledge
from bot.nlu.segment import Segmenter


@pytest.fixture(scope="module")
def segmenter():
    lexicon = load_knowledge().lexicon
    return Segmenter(lexicon.greetings, lexicon.closings)


def test_greeting_signature_and_earlier_message_are_cut(segmenter):
    text = (
        "Bonjour Madame,\n\nJe n'arrive plus à envoyer depuis lundi.\n\nCordialement,\n"
        "Jean Martin\n06 12 34 56 78\n\n-----Message d'origine-----\nDe : support@example.org\n"
        "Objet : facture\nVotre facture est disponible."
    )
    assert segmenter.body(text) == "Je n'arrive plus à envoyer depuis lundi."


def test_a_forwarded_message_is_the_customers_text(segmenter):
    text = (
        "Bonjour, je vous transfère le message d'une cliente.\n\n"
        "---------- Message transféré ----------\nDe : Claire <claire@orange.fr>\n"
        "Date : 3 mars 2026\nÀ : support@example.org\nObjet : Outlook ne reçoit plus rien\n\n"
        "Depuis hier, erreur 0x800CCC0E.\n\nMerci,\nClaire"
    )
    body = segmenter.body(text)
    assert "0x800CCC0E" in body and "Outlook ne reçoit plus rien" in body
    assert "claire@orange.fr" in body  # its author's address names the provider
    assert "3 mars" not in body and "support@example.org" not in body


def test_a_reply_quote_is_skipped_but_text_after_it_is_kept(segmenter):
    text = (
        "Mon iPhone dit « Impossible de vérifier l'identité du serveur ».\n\n"
        "Le 14 nov. 2025 à 17:02, M. Garnier a écrit :\n> Redémarrez le téléphone.\n\n"
        "C'est toujours pareil."
    )
    body = segmenter.body(text)
    assert "Redémarrez" not in body
    assert "identité du serveur" in body and "toujours pareil" in body


def test_quoted_lines_introduced_as_the_customers_message_are_kept(segmenter):
    text = (
        "Voici ce que le client m'écrit :\n\n> Bonjour,\n> Mes mails partent dans les spams.\n"
        "> Cordialement,\n> Paul"
    )
    assert "partent dans les spams" in segmenter.body(text)
    assert "Paul" not in segmenter.body(text)


def test_a_sentence_announcing_another_question_is_marked(segmenter):
    sentences = segmenter.sentences(
        "Ma boîte est pleine. Comment la vider ? Autre chose : comment changer mon mot de passe ?"
    )
    assert [sentence.announced for sentence in sentences] == [False, False, True]
    several = segmenter.sentences("Deux questions. Le port SMTP ? Et le serveur IMAP ?")
    assert all(sentence.announced for sentence in several)


def test_a_plain_and_splits_a_clause_without_announcing_a_question(segmenter):
    plain = segmenter.sentences("Je lis mes mails sur l'iPhone et je les supprime sur le Mac")
    assert len(plain) == 2 and not any(sentence.announced for sentence in plain)
    strong = segmenter.sentences("Quel port pour l'envoi, et aussi quel serveur IMAP ?")
    assert [sentence.announced for sentence in strong] == [False, True]


def test_an_earlier_message_an_agent_passes_on_is_the_customers(segmenter):
    text = (
        "Salut, je te transfère le message du Dr Lambert.\n\n-----Message d'origine-----\n"
        "De : Dr Lambert\nObjet : iPad\n\nMon iPad dit « Impossible de vérifier l'identité ».\n"
    )
    assert "Impossible de vérifier" in segmenter.body(text)
    framed = "Le client m'écrit, je colle :\n---\nMes mails partent en spam.\n---"
    assert "partent en spam" in segmenter.body(framed)
