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
        "cover": "Cover",
        "dedication": "Dedication",
        "abstract": "Abstract",
        "landmarks": "Landmarks",
        "accessibility_summary": (
            "Reflowable text that follows the reader’s choice of font, size and colours, with "
            "a table of contents, headings in reading order, and notes linked to and from "
            "their calls."
        ),
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
        "cover": "Cubierta",
        "dedication": "Dedicatoria",
        "abstract": "Resumen",
        "landmarks": "Puntos de referencia",
        "accessibility_summary": (
            "Texto adaptable que respeta la letra, el tamaño y los colores que elija el "
            "lector, con índice, encabezados en orden de lectura y notas enlazadas con sus "
            "llamadas en ambos sentidos."
        ),
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
        "cover": "Couverture",
        "dedication": "Dédicace",
        "abstract": "Résumé",
        "landmarks": "Repères",
        "accessibility_summary": (
            "Texte recomposable qui respecte la police, la taille et les couleurs choisies "
            "par le lecteur, avec une table des matières, des titres dans l’ordre de lecture "
            "et des notes liées à leurs appels dans les deux sens."
        ),
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
        "cover": "Umschlag",
        "dedication": "Widmung",
        "abstract": "Zusammenfassung",
        "landmarks": "Orientierungspunkte",
        "accessibility_summary": (
            "Umbrechbarer Text, der Schrift, Größe und Farben der Leseeinstellungen "
            "übernimmt, mit Inhaltsverzeichnis, Überschriften in Lesereihenfolge und "
            "Anmerkungen, die mit ihren Verweisstellen in beide Richtungen verknüpft sind."
        ),
    },
}


def labels_for(lang: str) -> MappingProxyType[str, str]:
    """Labels for a BCP 47 tag (`es-MX` uses `es`); English where the language has none."""
    primary = lang.split("-")[0].lower()
    return MappingProxyType(_LABELS.get(primary, _LABELS["en"]))
