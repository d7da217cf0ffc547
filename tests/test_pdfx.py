"""PDF/X that is PDF/X: `--pdf-variant pdf/x-1a|x-3|x-4` writes an OutputIntent with a CMYK
ICC profile and converts colours and images to CMYK; what cannot be made is refused; and
`publish check NAME.pdf` fails a file that claims PDF/X falsely."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PIL import Image, ImageCms
from pypdf import PdfReader
from pypdf.generic import ContentStream
from weasyprint import HTML

from publish.errors import OutputError, SourceLocation
from publish.preflight import pdfx_conformance
from publish.settings import Settings
from publish.writers.pdfx import SYSTEM_CMYK_PROFILES, output_profile

pytestmark = pytest.mark.skipif(
    not any(path.is_file() for path in SYSTEM_CMYK_PROFILES) and os.environ.get("CI") != "true",
    reason="no CMYK profile installed (Debian: libgs-common); .ci/run installs it",
)

GREEN = "#1a6b3c"
LETTER = """---
title: Colores
---

# En verde

Texto negro con una nota[^1].

![Rojo](rojo.png)

![Transparente](alfa.png)

[^1]: La nota.
"""


@pytest.fixture
def coloured(project: Path, write_source) -> Path:
    Image.new("RGB", (1800, 1200), (200, 30, 30)).save(project / "source" / "rojo.png")
    alpha = Image.new("RGBA", (1800, 1200), (30, 30, 200, 128))
    alpha.save(project / "source" / "alfa.png")
    (project / "styles").mkdir()
    (project / "styles" / "print.css").write_text(f"h1 {{ color: {GREEN} }}\n")
    write_source("colores.md", LETTER)
    return project


def build(run_cli, variant: str) -> Path:
    result = run_cli("build", "--format", "pdf", "--pdf-variant", variant, "--jobs", "1")
    assert result.code == 0, result.err
    return Path("build/colores.pdf")


def images(reader: PdfReader) -> list[dict]:
    found = []
    for page in reader.pages:
        for ref in page["/Resources"].get("/XObject", {}).values():
            xobject = ref.get_object()
            if xobject.get("/Subtype") == "/Image":
                found.append(xobject)
    return found


def operators(reader: PdfReader) -> list[tuple[list, bytes]]:
    return [
        (operands, operator)
        for page in reader.pages
        for operands, operator in ContentStream(page.get_contents(), reader).operations
    ]


@pytest.mark.parametrize("variant", ["pdf/x-1a", "pdf/x-3", "pdf/x-4"])
def test_pdfx_has_an_output_intent_with_a_cmyk_profile_and_no_rgb(
    variant: str, coloured: Path, run_cli
) -> None:
    reader = PdfReader(build(run_cli, variant))

    (intent,) = [i.get_object() for i in reader.trailer["/Root"]["/OutputIntents"]]
    assert intent["/S"] == "/GTS_PDFX"
    profile = intent["/DestOutputProfile"].get_object()
    assert profile["/N"] == 4
    assert profile.get_data()[16:20] == b"CMYK"
    assert {str(i["/ColorSpace"]) for i in images(reader)} == {"/DeviceCMYK"}
    used = operators(reader)
    assert not [op for _, op in used if op in (b"rg", b"RG")]
    # The heading's green is CMYK; black text is black ink only (grey 0).
    cmyk = {tuple(round(float(v), 2) for v in operands) for operands, op in used if op == b"k"}
    assert cmyk and all(len(c) == 4 and c[0] > 0.5 for c in cmyk), cmyk
    assert [float(operands[0]) for operands, op in used if op == b"g"] == [0.0] * len(
        [op for _, op in used if op == b"g"]
    )
    # Every page has its TrimBox and BleedBox; the file passes its own preflight.
    assert all("/TrimBox" in page and "/BleedBox" in page for page in reader.pages)
    finding = pdfx_conformance(Path("build/colores.pdf"))
    assert finding is not None and finding.ok, finding
    assert run_cli("check", "build/colores.pdf").code == 0


def test_x1a_and_x3_flatten_transparency_x4_keeps_it(coloured: Path, run_cli) -> None:
    strict = PdfReader(build(run_cli, "pdf/x-1a"))
    assert not [i for i in images(strict) if "/SMask" in i]
    for page in strict.pages:
        for state in page["/Resources"].get("/ExtGState", {}).values():
            assert state.get_object().get("/SMask", "/None") == "/None"

    loose = PdfReader(build(run_cli, "pdf/x-4"))
    assert [i for i in images(loose) if "/SMask" in i]


def test_a_false_claim_of_pdfx_fails_the_check(project: Path, run_cli) -> None:
    # WeasyPrint's own pdf/x-1a: the PDF/X keys, but no OutputIntent and an RGB image.
    Image.new("RGB", (600, 600), (200, 30, 30)).save(project / "rojo.png")
    html = '<p style="color: #1a6b3c">Verde</p><img src="rojo.png" style="width: 2in">'
    HTML(string=html, base_url=str(project)).write_pdf(
        project / "falso.pdf", pdf_variant="pdf/x-1a"
    )

    checked = run_cli("check", "falso.pdf")

    assert checked.code == 1
    text = " ".join(checked.out.split())
    assert "PDF/X-1a:2003 FAIL no PDF/X OutputIntent" in text
    assert "RGB colour on page 1" in text and "RGB image on page 1" in text


def test_a_pdf_asked_to_be_pdfx_that_claims_nothing_fails(
    project: Path, write_source, run_cli
) -> None:
    write_source("carta.md", "---\ntitle: T\n---\n\nText.\n")
    assert run_cli("build", "--format", "pdf").code == 0

    checked = run_cli("check", "build/carta.pdf", "--pdf-variant", "pdf/x-4")

    assert checked.code == 1
    assert "the PDF claims no PDF/X" in " ".join(checked.out.split())


def test_pdfx_5g_is_refused_and_nothing_is_written(project: Path, write_source, run_cli) -> None:
    write_source("carta.md", "---\ntitle: T\n---\n\nText.\n")

    result = run_cli("build", "--format", "pdf", "--pdf-variant", "pdf/x-5g", "--jobs", "1")

    assert result.code == 1
    assert "source/carta.md: pdf/x-5g needs the external graphics" in result.err
    assert "use pdf/x-4" in result.err
    assert not (project / "build" / "carta.pdf").exists()


def test_without_a_cmyk_profile_pdfx_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("publish.writers.pdfx.SYSTEM_CMYK_PROFILES", (Path("/nonexistent.icc"),))

    with pytest.raises(OutputError) as error:
        output_profile(Settings(pdf_variant="pdf/x-1a"), SourceLocation("source/carta.md"))

    assert str(error.value) == (
        "source/carta.md: pdf/x-1a needs a CMYK ICC profile for its OutputIntent, and none is "
        "installed (Debian: apt-get install libgs-common); without one publish writes no PDF/X"
    )


def test_the_printers_own_profile_is_the_output_intent(
    project: Path, write_source, run_cli
) -> None:
    (project / "styles").mkdir()
    (project / "styles" / "press.icc").write_bytes(
        (SYSTEM_CMYK_PROFILES[0].parent / "ps_cmyk.icc").read_bytes()
    )
    (project / "publish.toml").write_text('output-profile = "styles/press.icc"\n')
    write_source("carta.md", "---\ntitle: T\n---\n\nText.\n")

    result = run_cli("build", "--format", "pdf", "--pdf-variant", "pdf/x-4", "--jobs", "1")

    assert result.code == 0, result.err
    reader = PdfReader(project / "build" / "carta.pdf")
    (intent,) = [i.get_object() for i in reader.trailer["/Root"]["/OutputIntents"]]
    assert intent["/Info"] == "Artifex PS CMYK Profile"


def test_an_rgb_output_profile_is_refused(project: Path, write_source, run_cli) -> None:
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    (project / "screen.icc").write_bytes(srgb)
    (project / "publish.toml").write_text('output-profile = "screen.icc"\n')
    write_source("carta.md", "---\ntitle: T\n---\n\nText.\n")

    result = run_cli("build", "--format", "pdf", "--pdf-variant", "pdf/x-1a", "--jobs", "1")
    checked = run_cli("check")

    assert result.code == checked.code == 1
    message = "output profile 'screen.icc' is an RGB profile: PDF/X here needs a CMYK one"
    assert f"publish.toml:1: {message}" in result.err
    assert f"publish.toml:1: {message}" in checked.err
    assert not (project / "build" / "carta.pdf").exists()
    # Named in a front matter, it is told at the document.
    (project / "publish.toml").write_text("")
    write_source("carta.md", "---\ntitle: T\noutput-profile: screen.icc\n---\n\nText.\n")
    result = run_cli("build", "--format", "pdf", "--pdf-variant", "pdf/x-1a", "--jobs", "1")
    assert result.code == 1
    assert f"source/carta.md: {message}" in result.err


def test_an_output_profile_must_name_a_file_of_the_project(
    project: Path, write_source, run_cli
) -> None:
    (project / "publish.toml").write_text(
        'notes = "book"\noutput-profile = "https://x.org/p.icc"\n'
    )
    write_source("carta.md", "---\ntitle: T\n---\n\nText.\n")

    checked = run_cli("check")

    assert checked.code == 1
    assert (
        "publish.toml:2: setting 'output-profile' must be an ICC profile of the project"
        in checked.err
    )


def test_transparency_x1a_cannot_hold_is_refused_with_the_way_out(
    project: Path, write_source, run_cli
) -> None:
    (project / "styles").mkdir()
    (project / "styles" / "print.css").write_text("h1 { opacity: 0.5 }\n")
    write_source("carta.md", "---\ntitle: T\n---\n\n# Medio tono\n\nTexto.\n")

    strict = run_cli("build", "--format", "pdf", "--pdf-variant", "pdf/x-1a", "--jobs", "1")

    assert strict.code == 1
    assert "source/carta.md: pdf/x-1a cannot be made: transparency on page 1" in strict.err
    assert "use pdf/x-4, which allows it" in strict.err
    assert not (project / "build" / "carta.pdf").exists()
    loose = run_cli("build", "--format", "pdf", "--pdf-variant", "pdf/x-4", "--jobs", "1")
    assert loose.code == 0, loose.err
