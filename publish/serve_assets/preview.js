// The live preview: shows the EPUB's pages in a sandboxed frame and the PDF's pages as
// images, and shows them again each time the server says the book was rebuilt.
"use strict";
(function () {
  const root = document.getElementById("preview");
  const name = root.dataset.name;
  const base = "/preview/" + encodeURIComponent(name);
  const frame = document.getElementById("epub");
  const choice = document.getElementById("epub-page");
  const pdf = document.getElementById("pdf");
  const count = document.getElementById("pdf-count");
  const problems = document.getElementById("problems");
  const state = document.getElementById("state");
  let shown = { epub: null, pdf: null, pages: null };

  function memberUrl(href, version) {
    return base + "/epub/" + href.split("/").map(encodeURIComponent).join("/") + "?v=" + version;
  }

  function showEpub(epub) {
    if (!epub) return;
    const hrefs = epub.pages.map((page) => page.href);
    if (shown.pages !== hrefs.join("\n")) {
      choice.replaceChildren(...epub.pages.map((page) => new Option(page.href, page.href)));
      shown.pages = hrefs.join("\n");
    }
    const wanted = decodeURIComponent(location.hash.slice(1));
    const href = hrefs.includes(wanted) ? wanted : (choice.value && hrefs.includes(choice.value) && shown.epub ? choice.value : (epub.start || hrefs[0]));
    if (!href) return;
    choice.value = href;
    if (shown.epub !== epub.version + href) {
      frame.src = memberUrl(href, epub.version);
      shown.epub = epub.version + href;
    }
  }

  function showPdf(info) {
    if (!info || shown.pdf === info.version) return;
    const images = [];
    for (let number = 1; number <= info.pages; number++) {
      const image = new Image();
      image.alt = "PDF page " + number;
      image.loading = "lazy";  // a long book's pages are drawn as they are scrolled to
      image.src = base + "/pdf/" + number + ".png?v=" + info.version;
      images.push(image);
    }
    pdf.replaceChildren(...images);
    count.textContent = "(" + info.pages + " pages)";
    shown.pdf = info.version;
  }

  function showProblems(lines) {
    problems.replaceChildren(...lines.map((line) => {
      const item = document.createElement("li");
      const code = document.createElement("code");
      code.textContent = line;
      item.append(code);
      return item;
    }));
    problems.hidden = lines.length === 0;
  }

  async function refresh() {
    const answer = await fetch(base + "/status", { cache: "no-store" });
    if (!answer.ok) return;
    const status = await answer.json();
    showProblems(status.problems || []);
    showEpub(status.epub);
    showPdf(status.pdf);
  }

  choice.addEventListener("change", () => {
    location.hash = encodeURIComponent(choice.value);
    shown.epub = null;
    refresh();
  });

  const events = new EventSource("/events");
  events.addEventListener("open", () => {  // also after a reconnection: nothing missed
    state.textContent = "live";
    refresh();
  });
  events.addEventListener("message", (message) => {
    const event = JSON.parse(message.data);
    if (event.name !== name && event.name !== "*") return;
    if (event.what === "building" || event.what === "problems") {  // a round's start, its end
      state.textContent = event.what === "building" ? "building…" : "live";
      state.classList.toggle("building", event.what === "building");
    }
    if (event.what !== "building") refresh();
  });
  events.addEventListener("error", () => (state.textContent = "offline"));
  refresh();
})();
