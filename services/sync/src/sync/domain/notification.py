"""The standard e-mail that tells a client their books were updated (manual sync option
"notify the client"). Pure: the entrypoint sends it."""

from dataclasses import dataclass
from datetime import date

SUBJECTS = {
    "nl": "Uw boekhouding is bijgewerkt",
    "fr": "Votre comptabilité a été mise à jour",
    "de": "Ihre Buchhaltung wurde aktualisiert",
    "en": "Your books have been updated",
}
UNTIL = {
    "nl": "De boekhouding van {name} is bijgewerkt tot {until}.",
    "fr": "La comptabilité de {name} est à jour jusqu'au {until}.",
    "de": "Die Buchhaltung von {name} ist aktualisiert bis {until}.",
    "en": "The books of {name} are up to date until {until}.",
}
UPDATED = {
    "nl": "De boekhouding van {name} is bijgewerkt.",
    "fr": "La comptabilité de {name} a été mise à jour.",
    "de": "Die Buchhaltung von {name} wurde aktualisiert.",
    "en": "The books of {name} have been updated.",
}
SEE = {
    "nl": "U vindt de cijfers in het klantenportaal: {url}",
    "fr": "Vous trouverez les chiffres dans le portail client : {url}",
    "de": "Die Zahlen finden Sie im Kundenportal: {url}",
    "en": "You find the figures in the client portal: {url}",
}


@dataclass(frozen=True)
class BooksUpdatedMail:
    subject: str
    body: str


def books_updated_mail(
    dossier_name: str, up_to_date_until: date | None, language: str, portal_url: str
) -> BooksUpdatedMail:
    """In the dossier's language (English for one without a text)."""
    lang = language if language in SUBJECTS else "en"
    if up_to_date_until is not None:
        first = UNTIL[lang].format(name=dossier_name, until=up_to_date_until.strftime("%d/%m/%Y"))
    else:
        first = UPDATED[lang].format(name=dossier_name)
    return BooksUpdatedMail(
        subject=f"{SUBJECTS[lang]}: {dossier_name}",
        body=f"{first}\n\n{SEE[lang].format(url=portal_url)}\n",
    )
