from bot.nlu.normalize import Normalizer, fold, strip_controls


def test_fold_removes_case_accents_and_typographic_apostrophes():
    assert fold("J’ARRIVE PAS À Reçevoir mes e-mails, Hélène") == (
        "j'arrive pas a recevoir mes e-mails, helene"
    )


def test_controls_are_stripped_but_newlines_kept():
    assert strip_controls("a\x00b\x1bc\u200bd\ne\tf") == "abcd\ne\tf"


def test_sms_spellings_phrases_and_repeated_letters():
    normalizer = Normalizer({"mdp": "mot de passe", "pb": "probleme", "c koi": "c est quoi"}, set())
    assert normalizer.tokens("PB de MDP svp, c koi le serveurrrr ?") == [
        "probleme", "de", "mot", "de", "passe", "svp", "c", "est", "quoi", "le", "serveur",
    ]  # fmt: skip


def test_codes_keep_their_repeated_letters():
    assert Normalizer({}, set()).tokens("Erreur 0x800CCC0E") == ["erreur", "0x800ccc0e"]


def test_content_drops_stopwords_and_marks_what_a_negation_bears_on():
    normalizer = Normalizer({}, {"le", "de", "je", "a"})
    assert normalizer.content(["le", "port", "de", "pas"]) == ["port", "pas", "!port"]
    content = normalizer.content(
        ["je", "recois", "mais", "je", "n", "arrive", "pas", "a", "envoyer"]
    )
    assert "!envoyer" in content and "!arrive" in content and "!recois" not in content


def test_an_apostrophe_left_out_before_a_known_word_is_put_back():
    normalizer = Normalizer({}, set(), ["l'appli de l'ordi", "tout dans l'appli", "out", "ans"])
    assert normalizer.tokens("lappli sur lordi") == ["l", "appli", "sur", "l", "ordi"]
    # Words of their own stay whole, and unknown words are not cut.
    assert normalizer.tokens("tout dans lavabo") == ["tout", "dans", "lavabo"]


def test_arriver_a_before_a_verb_is_managing_to_not_arriving():
    normalizer = Normalizer({}, set())
    assert "reussir" in normalizer.tokens("je n'arrive plus à en envoyer")
    assert "reussir" in normalizer.tokens("je n'arrive pas à me connecter")
    assert "arrive" in normalizer.tokens("le mail n'arrive pas à destination")
    assert "arrive" in normalizer.tokens("ça n'arrive pas à votre adresse")


def test_plural_verbs_meet_their_singular():
    normalizer = Normalizer({}, set(), ["le mail arrive", "ça reste", "mon client"])
    assert normalizer.tokens("les mails arrivent et restent") == [
        "les", "mails", "arrive", "et", "reste"
    ]  # fmt: skip
    assert normalizer.tokens("mon client et mon parent") == ["mon", "client", "et", "mon", "parent"]
