"""User-facing French strings that are not knowledge (interface wording)."""

SECURITY_LABELS = {"ssl": "SSL/TLS", "starttls": "STARTTLS", "none": "aucune (déconseillé)"}
ROLE_LABELS = {"imap": "Réception IMAP", "pop3": "Réception POP", "smtp": "Envoi SMTP"}

EMPTY = "Votre message est vide : écrivez votre question sur la configuration e-mail."
NOT_TEXT = "Je ne lis que du texte : écrivez votre question en quelques mots."
TOO_LONG = "Votre message est très long : je n'en ai lu que le début."

DECLINE_TITLE = "Je ne peux pas répondre à cette question"
DECLINE = (
    "Je réponds aux questions de configuration e-mail : serveurs et ports d'un fournisseur, "
    "ajout d'un compte sur un téléphone ou un logiciel, POP ou IMAP, mots de passe "
    "d'application, certificats, e-mails qui ne partent pas ou n'arrivent pas."
)
DECLINE_EXAMPLES = (
    "Exemples : « quel port SMTP pour Gmail ? », « erreur certificat dans Outlook », "
    "« je n'arrive pas à envoyer mes mails depuis mon iPhone avec Orange »."
)

ASK_PROVIDER = "Quel est votre fournisseur de messagerie (l'adresse après le @) ?"
ASK_DEVICE = "Sur quel appareil ou logiciel configurez-vous votre messagerie ?"
OTHER = "Autre"
ALTERNATIVES = "Ce n'est pas tout à fait votre question ? Choisissez ci-dessous."
OTHER_PROVIDER_NOTE = (
    "Je n'ai pas les réglages de votre fournisseur. Ne devinez pas les noms de serveurs : "
    "prenez-les sur la page d'aide de votre fournisseur, ou lancez un diagnostic de votre "
    "domaine avec /diag suivi de votre adresse ou de votre domaine."
)
UNKNOWN_DOMAIN_NOTE = (
    "Je ne connais pas les réglages de {domain} : je peux tester ce domaine pour découvrir "
    "ses serveurs (bouton ci-dessous), sans mot de passe."
)
TEST_DOMAIN = "Tester {domain}"

NEVER_SHARE_NOTICE = (
    "🔒 Je n'ai jamais besoin de votre mot de passe et je ne le conserve pas. S'il figure dans "
    "ce message, supprimez le message et changez ce mot de passe chez votre fournisseur."
)

ASSUMED = "Réponse pour {what} ; si ce n'est pas le cas, précisez-le."
ASSUMED_NOTHING = (
    "Réponse générale : précisez votre fournisseur ou votre appareil pour des réglages exacts."
)

CARD_TITLE = "Réglages {name}"
CARD_USERNAME = "Identifiant : {username}."
CARD_UNKNOWN = "Je ne connais pas ce fournisseur. Fournisseurs connus : {names}."
CARD_USAGE = "Usage : /config suivi du fournisseur, par exemple /config orange."
PORTS_TITLE = "Ports des serveurs de messagerie"

HELP_TITLE = "aidemail, l'assistant de configuration e-mail"
HELP = (
    "Posez votre question en quelques mots, comme à un technicien. Je réponds avec les réglages "
    "exacts et les étapes à suivre, et je vous demande votre fournisseur ou votre appareil si "
    "la réponse en dépend. Je ne demande jamais de mot de passe."
)
HELP_EXAMPLES = [
    "quel port smtp pour gmail ?",
    "j'arrive pas à envoyer mes mails depuis mon iphone avec orange",
    "erreur certificat dans outlook",
    "c'est quoi la différence entre POP et IMAP ?",
]
HELP_COMMANDS = [
    "/config orange : les réglages d'un fournisseur",
    "/ports : les ports à utiliser",
    "/diag exemple.fr : tester les serveurs d'un domaine ou d'une adresse",
]
DIAG_USAGE = (
    "Usage : /diag suivi d'une adresse, d'un domaine ou d'un serveur, par exemple "
    "/diag contact@exemple.fr, /diag exemple.fr ou /diag mail.exemple.fr:993."
)
