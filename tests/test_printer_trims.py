"""Trims with units and the print-on-demand presets: what the build lays out, what
`publish check` says of the settings, and what `publish check NAME.pdf` checks the PDF
against (the project's own settings, not A5)."""

from __future__ import annotations

import pytest
from pypdf import PdfReader

from publish.errors import SourceError, SourceLocation
from publish.settings import Settings, check_setting, resolve

PT = 72.0  # points per inch
MM = 72 / 25.4


@pytest.mark.parametrize(
    ("trim", "size"),
    [
        ("5x8in", ("5in", "8in")),
        ("6.14x9.21in", ("6.14in", "9.21in")),
        ("152x229mm", ("152mm", "229mm")),
        ("130mm x 200mm", ("130mm", "200mm")),
        ("6x9in", ("6in", "9in")),
        ("kdp-6x9", ("6in", "9in")),
        ("ingram-5.5x8.5", ("5.5in", "8.5in")),
        ("lulu-a5", ("148mm", "210mm")),
    ],
)
def test_a_trim_with_units_or_a_preset_is_read(trim: str, size: tuple[str, str]) -> None:
    checked = check_setting("trim", trim, SourceLocation("publish.toml", 1))

    assert Settings(trim=checked).page_size == size


def test_a_bare_pair_of_numbers_is_refused_naming_the_units() -> None:
    with pytest.raises(SourceError) as error:
        check_setting("trim", "6x9", SourceLocation("publish.toml", 1))

    assert str(error.value) == (
        "publish.toml:1: setting 'trim' '6x9' has no unit: write 6x9in or 6x9mm "
        "(units: mm, cm, in, pt), or name a preset such as kdp-6x9"
    )


@pytest.mark.parametrize("where", ["publish.toml", "front matter"])
def test_check_says_exactly_what_the_build_says_of_a_bad_trim(
    where: str, project, write_source, run_cli
) -> None:
    if where == "publish.toml":
        (project / "publish.toml").write_text('notes = "book"\ntrim = "6x9"\n')
        write_source("carta.md", "---\ntitle: T\n---\n\nText.\n")
    else:
        write_source("carta.md", "---\ntitle: T\ntrim: 6x9\n---\n\nText.\n")

    checked = run_cli("check")
    built = run_cli("build", "--format", "pdf")

    assert checked.code == built.code == 1
    line = [line for line in checked.err.splitlines() if "trim" in line]
    assert line == [line for line in built.err.splitlines() if "trim" in line]
    assert line[0].startswith(
        "publish.toml:2:" if where == "publish.toml" else "source/carta.md:3:"
    )
    assert "has no unit" in line[0]
    assert not (project / "build" / "carta.pdf").exists()


def test_a_preset_brings_its_printers_bleed_unless_a_layer_sets_one() -> None:
    assert resolve([{"trim": "kdp-6x9"}]).bleed == "0.125in"
    assert resolve([{"trim": "lulu-a5"}]).bleed == "0.125in"
    assert resolve([{"trim": "kdp-6x9"}, {"bleed": "0mm"}]).bleed == "0mm"
    assert resolve([{"bleed": "0mm"}, {"trim": "kdp-6x9"}]).bleed == "0mm"
    assert resolve([{"trim": "6x9in"}]).bleed == "0mm"


def boxes(pdf) -> list[tuple[float, float, float, float]]:
    """(media width, media height, bleed width, bleed height) of each page, in points."""
    pages = PdfReader(pdf).pages
    return [
        (
            round(float(p.mediabox.width), 2),
            round(float(p.mediabox.height), 2),
            round(float(p.bleedbox.width), 2),
            round(float(p.bleedbox.height), 2),
        )
        for p in pages
    ]


TWO_PAGES = "---\ntitle: T\n---\n\n" + "\n\n".join(["Texto de prueba. " * 40] * 6) + "\n"


def test_kdp_bleeds_on_top_bottom_and_outside_but_not_the_binding_side(
    project, write_source, run_cli
) -> None:
    (project / "publish.toml").write_text('trim = "kdp-6x9"\n')
    write_source("libro.md", TWO_PAGES)

    assert run_cli("build", "--format", "pdf").code == 0

    pages = boxes(project / "build" / "libro.pdf")
    assert len(pages) >= 2
    # KDP: a PDF 0.125 in wider and 0.25 in taller than the trim.
    assert set(pages) == {(6.125 * PT, 9.25 * PT, 6.125 * PT, 9.25 * PT)}
    recto, verso = PdfReader(project / "build" / "libro.pdf").pages[:2]
    assert float(recto.trimbox.left) == float(recto.mediabox.left)  # gutter on the left
    assert float(verso.trimbox.right) == float(verso.mediabox.right)  # gutter on the right


def test_lulu_bleeds_on_every_side(project, write_source, run_cli) -> None:
    (project / "publish.toml").write_text('trim = "lulu-6x9"\n')
    write_source("libro.md", TWO_PAGES)

    assert run_cli("build", "--format", "pdf").code == 0

    assert set(boxes(project / "build" / "libro.pdf")) == {
        (6.25 * PT, 9.25 * PT, 6.25 * PT, 9.25 * PT)
    }


def test_check_of_a_pdf_reads_the_projects_settings(project, write_source, run_cli) -> None:
    (project / "publish.toml").write_text('trim = "6x9in"\n')
    write_source("carta.md", "---\ntitle: T\n---\n\nText.\n")
    assert run_cli("build", "--format", "pdf").code == 0

    checked = run_cli("check", "build/carta.pdf")

    assert checked.code == 0, checked.out
    assert "settings from publish.toml, source/carta.md" in checked.out
    assert "trim 6x9in (432.0 × 648.0 pt)" in " ".join(checked.out.split())
    # The flags still win: the same PDF is not A5.
    assert run_cli("check", "build/carta.pdf", "--trim", "a5").code == 1


def test_check_of_a_pdf_reads_its_sources_front_matter(project, write_source, run_cli) -> None:
    write_source("carta.md", "---\ntitle: T\ntrim: 152x229mm\nbleed: 3mm\n---\n\nText.\n")
    assert run_cli("build", "--format", "pdf").code == 0
    out = project / "elsewhere"
    out.mkdir()
    (project / "build" / "carta.pdf").rename(out / "carta.pdf")

    checked = run_cli("check", "elsewhere/carta.pdf")

    assert checked.code == 0, checked.out
    assert "152x229mm" in checked.out
    width, height, *_ = boxes(out / "carta.pdf")[0]
    assert (round(width / MM), round(height / MM)) == (158, 235)
