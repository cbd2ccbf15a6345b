"""Engine behaviour: clarifications, entities, several questions, safety, bad input."""

import pytest

from bot.buttons import AnswerChoice, DiagnoseChoice, decode
from bot.conversation import Conversation
from bot.engine import MAX_INPUT_CHARS, Engine
from bot.render import render_html, render_text
from bot.reply import ReplyKind


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine.load()


def hosts_of(engine: Engine, provider: str, protocol: str) -> set[str]:
    return {server.host for server in engine.kb.providers[provider].servers_for(protocol)}


def test_provider_question_without_provider_asks_with_buttons(engine):
    conversation = Conversation()
    reply = engine.answer("quels sont les parametres serveur a mettre ?", conversation)
    assert reply.kind is ReplyKind.CLARIFY and reply.asks == "provider"
    assert not reply.matched
    choices = [decode(button.data) for button in reply.buttons]
    assert AnswerChoice("provider_settings", "orange", "") in choices
    assert conversation.pending is not None
    answered = engine.answer("orange", conversation)
    assert answered.kind is ReplyKind.ANSWER and answered.provider == "orange"
    text = render_text(answered)
    assert all(host in text for host in hosts_of(engine, "orange", "smtp"))
    assert conversation.pending is None


def test_button_press_keeps_the_question_context(engine):
    conversation = Conversation()
    asked = engine.answer("comment ajouter mon adresse mail sur mon iphone", conversation)
    assert asked.kind is ReplyKind.CLARIFY and asked.asks == "provider"
    gmail = next(b for b in asked.buttons if decode(b.data).provider == "gmail")
    choice = decode(gmail.data)
    assert choice.device == "iphone" and choice.topic == "add_account"
    reply = engine.choose(choice, conversation)
    assert reply.matched and reply.provider == "gmail" and reply.device == "iphone"
    text = render_text(reply)
    assert all(host in text for host in hosts_of(engine, "gmail", "imap"))
    assert "iPhone" in text  # says what it assumed


def test_device_is_asked_after_the_provider(engine):
    reply = engine.answer("je voudrais configurer ma boite orange, comment faire ?")
    assert reply.kind is ReplyKind.CLARIFY and reply.asks == "device"
    assert all(decode(b.data).provider == "orange" for b in reply.buttons)


def test_provider_is_found_from_an_address_a_host_and_a_misspelling(engine):
    for text, provider in [
        ("quel port smtp pour jean.dupont@wanadoo.fr", "orange"),
        ("smtp.orange.fr refuse mes envois", "orange"),
        ("parametres serveur gmial svp", "gmail"),
        ("reglages imap hotmial", "outlook_com"),
    ]:
        reply = engine.answer(text)
        assert reply.matched and reply.provider == provider, (text, reply.provider)


def test_unknown_domain_gets_generic_guidance_and_a_diagnosis_button_not_guesses(engine):
    reply = engine.answer("je n'arrive pas a envoyer depuis contact@boulangerie-martin.fr")
    assert reply.matched and reply.provider is None
    assert DiagnoseChoice("boulangerie-martin.fr") in [decode(b.data) for b in reply.buttons]
    text = render_text(reply)
    for guess in ("smtp.boulangerie-martin.fr", "mail.boulangerie-martin.fr"):
        assert guess not in text


def test_other_provider_button_answers_generically(engine):
    reply = engine.choose(AnswerChoice("provider_settings", "other", ""))
    assert reply.matched and reply.provider is None
    assert "/diag" in render_text(reply)


def test_two_questions_are_both_answered(engine):
    reply = engine.answer(
        "Bonjour, quel port SMTP dois-je utiliser ? Et aussi, quelle est la différence entre "
        "POP et IMAP ?"
    )
    assert reply.matched and {"smtp_ports", "pop_vs_imap"} <= set(reply.topics)


def test_out_of_scope_is_declined_politely(engine):
    for text in ["quelle est la recette de la tarte aux pommes", "ma box wifi clignote rouge"]:
        reply = engine.answer(text)
        assert reply.kind is ReplyKind.DECLINE and not reply.matched
        assert "configuration e-mail" in render_text(reply)


def test_a_password_is_never_echoed(engine):
    reply = engine.answer("je n'arrive pas a envoyer avec gmail, mon mot de passe est Soleil2024!")
    assert reply.secret_detected and reply.matched
    assert "Soleil2024" not in render_text(reply) and "Soleil2024" not in render_html(reply)
    assert "jamais besoin de votre mot de passe" in render_text(reply)
    assert not engine.answer("le mot de passe est refusé sur mon iphone").secret_detected


def test_user_text_is_escaped_in_html(engine):
    reply = engine.answer("<b>quel port smtp</b> pour <script>x@<i>.fr")
    assert "<script>" not in render_html(reply)


def test_bad_input_gets_a_notice(engine):
    assert "vide" in render_text(engine.answer("   \x00\x07  "))
    junk = "".join(chr(code) for code in range(0x2500, 0x2600)) * 4
    assert engine.answer(junk).kind is ReplyKind.INFO
    huge = engine.answer("quel port smtp pour gmail ? " + "blabla " * 200_000)
    assert huge.matched and "début" in render_text(huge)
    assert len(render_text(huge)) < MAX_INPUT_CHARS


def test_provider_card_is_fuzzy_and_ports_card_lists_the_ports(engine):
    card = engine.provider_card("orang")
    assert card.provider == "orange"
    assert all(host in render_text(card) for host in hosts_of(engine, "orange", "imap"))
    assert engine.provider_card("fournisseur-inconnu").provider is None
    ports = render_text(engine.ports_card())
    assert all(str(port) in ports for port in (25, 465, 587, 2525, 993, 995))


@pytest.mark.parametrize(
    ("text", "provider"),
    [
        ("ma fac utilise Gmail et l'appli Mail refuse le compte", "google_workspace"),
        ("l'adresse gmail de l'entreprise ne marche pas sur l'iphone", "google_workspace"),
        ("mon gmail perso ne marche pas sur l'iphone", "gmail"),
        ("le boulot m'écrit sur prenom@gmail.com, je ne reçois rien", "gmail"),
    ],
)
def test_a_work_or_school_word_names_the_managed_form(engine, text, provider):
    assert engine.understand(text).entities.provider == provider


def test_an_app_named_after_a_provider_does_not_hide_the_mailbox_provider(engine):
    entities = engine.understand(
        "l'appli Gmail refuse le mot de passe de mon adresse Infomaniak"
    ).entities
    assert entities.provider == "infomaniak" and entities.device == "gmail_app"


def test_a_provider_named_like_a_client_is_not_the_client_when_another_is_named(engine):
    entities = engine.understand("my Outlook.com account in Thunderbird keeps failing").entities
    assert entities.provider == "outlook_com" and entities.device == "thunderbird"


def test_swapped_or_wrong_letters_in_short_words_are_read(engine):
    matcher = engine.matcher
    assert matcher.known("smpt") == matcher.known("smtp")
    assert matcher.known("paramatre") == matcher.known("parametre")
    assert matcher.known("lave") is None  # an unknown word is not forced onto another one
    assert engine.answer("c koi un serveur smpt ?").topic == "outgoing_server"


@pytest.mark.parametrize(
    ("text", "providers"),
    [
        ("une adresse qui n'est ni Gmail ni Hotmail, chez Infomaniak", ["infomaniak"]),
        ("je ne suis pas chez Orange mais chez Free", ["free"]),
        ("Gmail ne marche pas", ["gmail"]),
    ],
)
def test_a_provider_the_message_denies_is_not_its_provider(engine, text, providers):
    assert engine.understand(text).entities.providers == providers


@pytest.mark.parametrize(
    ("text", "mismatch"),
    [
        ("j'ai mis le port 587 avec SSL/TLS", True),
        ("port 993 en starttls", True),
        ("port 465 en SSL", False),
        ("port 587 avec STARTTLS", False),
        ("quel port pour le smtp ?", False),
    ],
)
def test_a_port_named_with_the_other_security_is_a_mismatch(engine, text, mismatch):
    assert engine.understand(text).entities.security_mismatch is mismatch


def test_a_security_mismatch_points_to_the_security_topic(engine):
    reply = engine.answer("jai mis port 993 avec starttls et ca tourne, delai depasse")
    assert reply.topic == "wrong_security"


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        ("j'ai une erreur 554.", ["554"]),
        ("code 550 5.7.1.", ["550 5.7.1"]),
        ("version 4.5.1 de l'appli", []),
        ("lignes 250, 354 ou 421. Comment les lire ?", ["421"]),
    ],
)
def test_smtp_codes_are_found_before_a_full_stop_but_not_in_versions(engine, text, codes):
    assert engine.understand(text).entities.smtp_codes == codes


def test_a_name_inside_an_address_is_not_a_device(engine):
    entities = engine.understand("je relève ma boîte prenom@outlook.fr avec un logiciel").entities
    assert entities.provider == "outlook_com" and entities.devices == []
    assert engine.understand("l'application Courrier de Windows").entities.device == "new_outlook"


def test_an_unsure_answer_offers_the_next_likeliest_topics(engine):
    unsure = engine.answer("mes mails ne marchent plus")
    assert unsure.kind is ReplyKind.ANSWER and unsure.confidence < 60
    choices = [decode(button.data) for button in unsure.buttons]
    assert choices and all(isinstance(choice, AnswerChoice) for choice in choices)
    assert unsure.topic not in {choice.topic for choice in choices}
    assert "pas tout à fait votre question" in render_text(unsure)
    picked = engine.choose(choices[0])
    assert picked.kind is ReplyKind.ANSWER and picked.topic == choices[0].topic
    sure = engine.answer("quel port smtp pour gmail ?")
    assert sure.confidence >= 60 and not sure.buttons


def test_a_typo_fix_never_adds_or_drops_a_prefix_that_changes_the_sense(engine):
    assert engine.matcher.known("possible") != engine.matcher.known("impossible")
    assert engine.matcher.known("jvoudrais") == engine.matcher.known("voudrais")
