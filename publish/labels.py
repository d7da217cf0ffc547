"""The few words the books print around the text, per language (Babel has dates, not these)."""

from __future__ import annotations

from types import MappingProxyType

_LABELS: dict[str, dict[str, str]] = {
    "en": {
        "author": "Author",
        "translator": "Translated by",
        "editor": "Edited by",
        "date": "Date",
        "source": "Source",
        "publisher": "Publisher",
        "contact": "Contact",
        "rights": "Rights",
        "notes": "Notes",
        "note": "Note",
        "back": "Back to text",
        "contents": "Contents",
        "title_page": "Title page",
        "text": "Text",
    },
    "es": {
        "author": "Autor",
        "translator": "Traducción de",
        "editor": "Edición de",
        "date": "Fecha",
        "source": "Fuente",
        "publisher": "Editorial",
        "contact": "Contacto",
        "rights": "Derechos",
        "notes": "Notas",
        "note": "Nota",
        "back": "Volver al texto",
        "contents": "Índice",
        "title_page": "Portadilla",
        "text": "Texto",
    },
    "fr": {
        "author": "Auteur",
        "translator": "Traduit par",
        "editor": "Édité par",
        "date": "Date",
        "source": "Source",
        "publisher": "Éditeur",
        "contact": "Contact",
        "rights": "Droits",
        "notes": "Notes",
        "note": "Note",
        "back": "Retour au texte",
        "contents": "Table des matières",
        "title_page": "Page de titre",
        "text": "Texte",
    },
    "de": {
        "author": "Autor",
        "translator": "Übersetzt von",
        "editor": "Herausgegeben von",
        "date": "Datum",
        "source": "Quelle",
        "publisher": "Verlag",
        "contact": "Kontakt",
        "rights": "Rechte",
        "notes": "Anmerkungen",
        "note": "Anmerkung",
        "back": "Zurück zum Text",
        "contents": "Inhalt",
        "title_page": "Titelseite",
        "text": "Text",
    },
}


def labels_for(lang: str) -> MappingProxyType[str, str]:
    """Labels for a BCP 47 tag (`es-MX` uses `es`); English where the language has none."""
    primary = lang.split("-")[0].lower()
    return MappingProxyType(_LABELS.get(primary, _LABELS["en"]))
