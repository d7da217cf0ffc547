"""The few words the books print around the text, per language (Babel has dates, not these)."""

from __future__ import annotations

from types import MappingProxyType

_LABELS: dict[str, dict[str, str]] = {
    "en": {
        "half_title": "Half title",
        "copyright": "Copyright",
        "epigraph": "Epigraph",
        "published_by": "Published by",
        "printed_by": "Printed by",
        "isbn_print": "print",
        "isbn_ebook": "ebook",
        "afterword": "Afterword",
        "back_matter": "Back matter",
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
        "note_translator": "Trans.",
        "note_editor": "Ed.",
        "back": "Back to text",
        "contents": "Contents",
        "title_page": "Title page",
        "text": "Text",
        "cover": "Cover",
        "dedication": "Dedication",
        "abstract": "Abstract",
        "landmarks": "Landmarks",
        "bibliography": "Bibliography",
        "and": "and",  # between the last two authors of `@key`
        "accessibility_summary": (
            "Reflowable text that follows the reader’s choice of font, size and colours, with "
            "a table of contents, headings in reading order, and notes linked to and from "
            "their calls."
        ),
        "xref_note": "the note",
        "xref_figure": "the figure",
        "xref_table": "the table",
        "xref_other": "this passage",
        "page_abbreviation": "p.",
        "original_pages": "Pages of the original edition",
    },
    "es": {
        "half_title": "Portadilla",
        "copyright": "Créditos",
        "epigraph": "Epígrafe",
        "published_by": "Edita",
        "printed_by": "Impreso por",
        "isbn_print": "impreso",
        "isbn_ebook": "libro electrónico",
        "afterword": "Epílogo",
        "back_matter": "Apéndices",
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
        "note_translator": "N. del T.",
        "note_editor": "N. del E.",
        "back": "Volver al texto",
        "contents": "Índice",
        "title_page": "Portada",
        "text": "Texto",
        "cover": "Cubierta",
        "dedication": "Dedicatoria",
        "abstract": "Resumen",
        "landmarks": "Puntos de referencia",
        "bibliography": "Bibliografía",
        "and": "y",  # between the last two authors of `@key`
        "accessibility_summary": (
            "Texto adaptable que respeta la letra, el tamaño y los colores que elija el "
            "lector, con índice, encabezados en orden de lectura y notas enlazadas con sus "
            "llamadas en ambos sentidos."
        ),
        "xref_note": "la nota",
        "xref_figure": "la figura",
        "xref_table": "la tabla",
        "xref_other": "este pasaje",
        "page_abbreviation": "pág.",
        "original_pages": "Páginas de la edición original",
    },
    "fr": {
        "half_title": "Faux-titre",
        "copyright": "Mentions légales",
        "epigraph": "Épigraphe",
        "published_by": "Publié par",
        "printed_by": "Imprimé par",
        "isbn_print": "imprimé",
        "isbn_ebook": "numérique",
        "afterword": "Postface",
        "back_matter": "Annexes",
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
        "note_translator": "N.d.T.",
        "note_editor": "N.d.É.",
        "back": "Retour au texte",
        "contents": "Table des matières",
        "title_page": "Page de titre",
        "text": "Texte",
        "cover": "Couverture",
        "dedication": "Dédicace",
        "abstract": "Résumé",
        "landmarks": "Repères",
        "bibliography": "Bibliographie",
        "and": "et",  # between the last two authors of `@key`
        "accessibility_summary": (
            "Texte recomposable qui respecte la police, la taille et les couleurs choisies "
            "par le lecteur, avec une table des matières, des titres dans l’ordre de lecture "
            "et des notes liées à leurs appels dans les deux sens."
        ),
        "xref_note": "la note",
        "xref_figure": "la figure",
        "xref_table": "le tableau",
        "xref_other": "ce passage",
        "page_abbreviation": "p.",
        "original_pages": "Pages de l’édition originale",
    },
    "de": {
        "half_title": "Schmutztitel",
        "copyright": "Impressum",
        "epigraph": "Motto",
        "published_by": "Verlag:",
        "printed_by": "Druck:",
        "isbn_print": "Druckausgabe",
        "isbn_ebook": "E-Book",
        "afterword": "Nachwort",
        "back_matter": "Anhang",
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
        "note_translator": "Anm. d. Übers.",
        "note_editor": "Anm. d. Hrsg.",
        "back": "Zurück zum Text",
        "contents": "Inhalt",
        "title_page": "Titelseite",
        "text": "Text",
        "cover": "Umschlag",
        "dedication": "Widmung",
        "abstract": "Zusammenfassung",
        "landmarks": "Orientierungspunkte",
        "bibliography": "Literaturverzeichnis",
        "and": "und",  # between the last two authors of `@key`
        "accessibility_summary": (
            "Umbrechbarer Text, der Schrift, Größe und Farben der Leseeinstellungen "
            "übernimmt, mit Inhaltsverzeichnis, Überschriften in Lesereihenfolge und "
            "Anmerkungen, die mit ihren Verweisstellen in beide Richtungen verknüpft sind."
        ),
        "xref_note": "die Anmerkung",
        "xref_figure": "die Abbildung",
        "xref_table": "die Tabelle",
        "xref_other": "diese Stelle",
        "page_abbreviation": "S.",
        "original_pages": "Seiten der Originalausgabe",
    },
    # Languages with only some of the words: the others are English.
    "it": {
        "xref_note": "la nota",
        "xref_figure": "la figura",
        "xref_table": "la tabella",
        "xref_other": "questo passo",
        "page_abbreviation": "p.",
        "original_pages": "Pagine dell’edizione originale",
    },
    "pt": {
        "xref_note": "a nota",
        "xref_figure": "a figura",
        "xref_table": "a tabela",
        "xref_other": "este trecho",
        "page_abbreviation": "p.",
        "original_pages": "Páginas da edição original",
    },
}


def labels_for(lang: str) -> MappingProxyType[str, str]:
    """Labels for a BCP 47 tag (`es-MX` uses `es`); English where the language has none."""
    primary = lang.split("-")[0].lower()
    return MappingProxyType({**_LABELS["en"], **_LABELS.get(primary, {})})
