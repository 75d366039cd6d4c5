// The knowledge-entry form (/console/knowledge/new): each citation row is checked against the
// statute library as the writer types (and when a field is left) once its law, article and
// keywords are all filled in, showing the article's text or why it cannot be cited (not in the
// library, no such article, a keyword not in its text, a superseded text).
(() => {
  "use strict";
  const form = document.getElementById("entry-form");
  if (!form) return;
  const url = form.dataset.checkUrl;
  const failed = form.dataset.checkFailed;

  for (const row of form.querySelectorAll(".citation-row")) {
    const out = row.querySelector(".citation-check");
    const field = (name) => row.querySelector(`[name="${name}"]`).value.trim();
    let timer = 0;
    let asked = 0;

    const check = async () => {
      window.clearTimeout(timer);
      const [law, article, keywords] = [field("law"), field("article"), field("keywords")];
      if (!law || !article || !keywords) {
        asked++; // an answer still on its way is no longer wanted
        out.textContent = "";
        delete out.dataset.state;
        return;
      }
      const mine = ++asked;
      try {
        const response = await fetch(`${url}?${new URLSearchParams({ law, article, keywords })}`, {
          credentials: "same-origin",
          headers: { Accept: "application/json" },
        });
        if (!response.ok) throw new Error(String(response.status));
        const result = await response.json();
        if (mine !== asked) return; // a later check answers instead
        out.dataset.state = result.ok ? "ok" : "problem";
        out.textContent = result.ok ? `${result.label}：${result.text}` : result.problems.join("；");
      } catch {
        if (mine !== asked) return;
        out.dataset.state = "problem";
        out.textContent = failed;
      }
    };

    for (const input of row.querySelectorAll("input")) {
      input.addEventListener("input", () => {
        window.clearTimeout(timer);
        timer = window.setTimeout(check, 400);
      });
      input.addEventListener("blur", check);
    }
    check(); // a form shown again after a refusal, or a draft being edited
  }
})();
