"""French texts that only the Telegram front-end says (the engine's are in bot.texts)."""

UNKNOWN_COMMAND = "Je ne connais pas cette commande. Envoyez /aide pour voir ce que je sais faire."
ERROR = "Désolé, un problème technique m'a empêché de répondre. Réessayez dans un instant."
STALE_BUTTON = "Ce bouton n'est plus valable. Posez à nouveau votre question."

Q_USAGE = (
    "Répondez avec /q au message du client à analyser (ou mentionnez-moi dans cette réponse), "
    "ou écrivez la question après la commande : /q quel port SMTP pour Gmail ?"
)
Q_NOTHING = "Ce message ne contient pas de texte à analyser."

AUTO_PRIVATE = "La commande /auto sert dans les groupes de support."
AUTO_ADMINS_ONLY = "Seuls les administrateurs du groupe peuvent changer ce réglage."
AUTO_ON = (
    "Mode automatique activé : je réponds seul aux messages du groupe que je comprends avec "
    "certitude. Désactivez-le avec /auto off."
)
AUTO_OFF = (
    "Mode automatique désactivé : je ne réponds qu'aux commandes, aux mentions et aux réponses "
    "à mes messages."
)
AUTO_STATE = "Mode automatique : {state}. Changez-le avec /auto on ou /auto off."
AUTO_PRIVACY = (
    "Attention : le mode confidentialité du bot est actif, je ne vois donc pas les messages "
    "ordinaires du groupe. Désactivez-le chez @BotFather (/setprivacy) pour ce mode."
)
ON, OFF = "activé", "désactivé"

STATS_ADMINS_ONLY = "Cette commande est réservée aux administrateurs du bot."
STATS_TITLE = "Questions sans réponse, par sujet supposé"
STATS_EMPTY = "Aucune question sans réponse pour l'instant."
STATS_ROW = "{topic} : {count}"
STATS_NO_GUESS = "sans sujet reconnu"
STATS_SAMPLES = "Derniers exemples (conservés sur décision de l'exploitant) :"

DELETE_BUTTON = "🗑 Supprimer le message"
DELETE_DONE = "Message supprimé."
DELETE_FAILED = "Je n'ai pas pu supprimer ce message."
DELETE_FORBIDDEN = "Seuls son auteur et les administrateurs du groupe peuvent le supprimer."

DIAG_USAGE = (
    "Usage : /diag suivi d'une adresse, d'un domaine ou d'un serveur, par exemple "
    "/diag exemple.fr ou /diag mail.exemple.fr:993. Je teste les serveurs sans mot de passe."
)
DIAG_UNAVAILABLE = (
    "Le diagnostic en direct des serveurs n'est pas disponible sur ce bot. "
    "/config suivi de votre fournisseur donne ses réglages."
)
DIAG_STARTED = "🔎 Diagnostic de {target} en cours…"
DIAG_WAIT = "Un diagnostic vient d'être lancé : merci de patienter {seconds} s avant le suivant."
DIAG_FAILED = "Le diagnostic de {target} n'a pas pu aboutir. Réessayez plus tard."
RETRY = "🔄 Relancer"

COMMANDS_PRIVATE = [
    ("start", "Présentation et exemples"),
    ("aide", "Ce que je sais faire"),
    ("config", "Réglages d'un fournisseur : /config orange"),
    ("ports", "Les ports à utiliser"),
    ("diag", "Tester les serveurs : /diag exemple.fr"),
]
COMMANDS_GROUP = [
    ("q", "Analyser le message auquel vous répondez"),
    ("config", "Réglages d'un fournisseur : /config orange"),
    ("ports", "Les ports à utiliser"),
    ("diag", "Tester les serveurs : /diag exemple.fr"),
    ("auto", "Réponses automatiques : /auto on ou off (admins)"),
    ("aide", "Ce que je sais faire"),
]
