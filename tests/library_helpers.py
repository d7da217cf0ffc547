"""A small built library for the library and OPDS tests: three documents built with
`publish build` into one output folder, as a reader's archive would be.

- `carta`: Spanish, one author and a translator, two subjects, two footnotes; EPUB, PDF and KEPUB;
- `manifesto`: English, two authors, one footnote; EPUB only;
- `lettre`: French, one author; a PDF alone (no EPUB to read its metadata from).
"""

from __future__ import annotations

import textwrap
import zipfile
from pathlib import Path

from publish.cli import main

SOURCES = {
    "carta.md": """
        ---
        title: Carta a Muste
        subtitle: Sobre la represión
        author: León Trotsky
        translator: Ana Pérez
        date: 1936-02-12
        lang: es
        source: "Lettre à Muste, Œuvres, tome 8."
        description: "Una carta sobre la represión."
        subject: [URSS, represión]
        publisher: Ediciones Germinal
        rights: Dominio público.
        ---

        Estimado camarada[^1], le agradezco su carta[^2].

        [^1]: Muste.
        [^2]: Del 3 de febrero.
        """,
    "manifesto.md": """
        ---
        title: Manifesto of the Communist Party
        author: [Karl Marx, Friedrich Engels]
        date: 1888
        lang: en
        subject: [history, URSS]
        ---

        A spectre is haunting Europe[^1].

        [^1]: The English edition of 1888.
        """,
    "lettre.md": """
        ---
        title: Lettre sur la grève
        author: Rosa Luxemburg
        date: 1906-05-01
        lang: fr
        subject: [grève]
        ---

        Chers camarades, la grève générale.
        """,
}


def build_library(root: Path) -> Path:
    """Write the sources into a project at ROOT, build them, and return the output folder."""
    (root / "source").mkdir(parents=True)
    (root / "publish.toml").write_text("")
    for name, text in SOURCES.items():
        (root / "source" / name).write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    out = root / "build"
    source = root / "source"
    runs = [
        [source / "carta.md", "--format", "all"],
        [source / "carta.md", "--format", "kepub"],
        [source / "manifesto.md", "--format", "epub"],
        [source / "lettre.md", "--format", "pdf"],
    ]
    for args in runs:
        code = main(["build", *map(str, args), "--out", str(out), "--jobs", "1"])
        assert code == 0, args
    return out


def write_hostile_epubs(folder: Path) -> list[str]:
    """EPUBs an attacker could drop into a served folder; returns their file names."""
    container = (
        '<?xml version="1.0"?><container version="1.0" '
        'xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles>'
        '<rootfile full-path="content.opf" media-type="application/oebps-package+xml"/>'
        "</rootfiles></container>"
    )
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE package [<!ENTITY a "lol">'
        + "".join(
            f'<!ENTITY {c} "{("&" + p + ";") * 10}">'
            for p, c in zip("abcdefgh", "bcdefghi", strict=True)
        )
        + ']><package xmlns="http://www.idpf.org/2007/opf"><metadata '
        'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>&i;</dc:title></metadata></package>'
    )
    xxe = (
        '<?xml version="1.0"?><!DOCTYPE package [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        '<package xmlns="http://www.idpf.org/2007/opf"><metadata '
        'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>&x;</dc:title></metadata></package>'
    )
    files = {
        "laughs.epub": {"META-INF/container.xml": container, "content.opf": laughs},
        "xxe.epub": {"META-INF/container.xml": container, "content.opf": xxe},
        # The same laughs in UTF-16, where a search for "<!ENTITY" in the bytes finds nothing.
        "laughs16.epub": {
            "META-INF/container.xml": container,
            "content.opf": laughs.replace('"1.0"?>', '"1.0" encoding="UTF-16"?>', 1).encode(
                "utf-16"
            ),
        },
        # An OPF that inflates to 64 MiB from a few KiB: refused before it is read whole.
        "bomb.epub": {"META-INF/container.xml": container, "content.opf": " " * (64 << 20)},
    }
    for name, members in files.items():
        with zipfile.ZipFile(folder / name, "w", zipfile.ZIP_DEFLATED) as archive:
            for member, text in members.items():
                archive.writestr(member, text)
    (folder / "broken.epub").write_bytes(b"PK\x03\x04 not a zip at all")
    # Files of a gigabyte that are nothing (sparse: they take no room on the disk).
    for name, head in (("huge.epub", b"PK\x03\x04"), ("huge.pdf", b"%PDF-1.7\n")):
        with (folder / name).open("wb") as stream:
            stream.write(head)
            stream.truncate(1 << 30)
    (folder / "fake.pdf").write_bytes(b"<html>not a PDF</html>")
    return [*files, "broken.epub", "fake.pdf", "huge.epub", "huge.pdf"]
