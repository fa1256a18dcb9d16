// Small progressive enhancements; every page works without this file.
document.addEventListener("click", (event) => {
  const confirmable = event.target.closest("[data-confirm]");
  if (confirmable && !window.confirm(confirmable.dataset.confirm)) {
    event.preventDefault();
  }
  const back = event.target.closest("[data-back]");
  if (back && window.history.length > 1) {
    event.preventDefault();
    window.history.back();
  }
});
// Keep the language switch on the same page and query.
document.querySelectorAll("[data-lang]").forEach((link) => {
  const url = new URL(window.location.href);
  url.searchParams.set("lang", link.dataset.lang);
  link.href = url.pathname + url.search;
});
// The review desk: decide a clear capture in one or two keystrokes. A approves; 1–5 rejects
// with that REV-03 reason; R moves to the reason list; N skips to the next capture.
const reviewPanel = document.getElementById("review-panel");
if (reviewPanel) {
  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || event.repeat) return;
    if (event.target.closest("input, textarea, select")) return;
    const key = event.key.toLowerCase();
    const approve = document.getElementById("approve-form");
    const reject = document.getElementById("reject-form");
    const reason = document.getElementById("reject-reason");
    if (key === "a" && approve) {
      event.preventDefault();
      approve.requestSubmit();
    } else if (/^[1-5]$/.test(key) && reject && reason) {
      const option = reason.querySelector(`option[data-key="${key}"]`);
      if (option) {
        event.preventDefault();
        reason.value = option.value;
        reject.requestSubmit();
      }
    } else if (key === "r" && reason) {
      event.preventDefault();
      reason.focus();
    } else if (key === "n" || key === "j") {
      const next = document.getElementById("next-capture");
      if (next) window.location.href = next.href;
    }
  });
}
// Undo on the review desk (issue 14): a decision is held in this tab for a few seconds before
// it is sent, and the next capture is shown at once, so the desk stays as fast as before. U (or
// the button) takes the decision back and reopens the capture. The held decision is sent when
// its time is up, when the next decision is made, or when the reviewer leaves the desk; if the
// tab is closed first it is never sent and the capture simply stays in the queue.
const undoBar = document.getElementById("undo-bar");
const HELD = "roadwarden.review.held";
let movingWithinDesk = false;
function heldDecision() {
  try {
    return JSON.parse(sessionStorage.getItem(HELD));
  } catch {
    return null;
  }
}
async function sendHeld(held, leaving) {
  sessionStorage.removeItem(HELD);
  try {
    const resp = await fetch(held.action, {
      method: "POST",
      body: new URLSearchParams(held.body),
      headers: { "x-form-errors": "inline" },
      credentials: "same-origin",
      keepalive: leaving,
    });
    const answer = (resp.headers.get("content-type") || "").startsWith("application/json") ? await resp.json() : {};
    if (!leaving && answer.error) showHeldFailure(held, answer.error.message);
  } catch (e) {
    if (!leaving) showHeldFailure(held, String(e));
  }
}
function showHeldFailure(held, message) {
  if (!undoBar) return;
  undoBar.hidden = false;
  undoBar.className = "flash error undo-bar";
  undoBar.querySelector(".undo-text").textContent = `${undoBar.dataset.failed} (${held.plate || "#" + held.id}): ${message}`;
  const button = document.getElementById("undo-button");
  button.textContent = undoBar.dataset.open;
  button.onclick = () => window.location.assign(`/review?id=${held.id}`);
}
function undoHeld() {
  const held = heldDecision();
  if (!held) return false;
  sessionStorage.removeItem(HELD);
  movingWithinDesk = true;
  window.location.assign(`/review?id=${held.id}`);
  return true;
}
if (undoBar) {
  const held = heldDecision();
  if (held) {
    const left = held.due - Date.now();
    if (left <= 0) {
      sendHeld(held, false);
    } else {
      undoBar.hidden = false;
      const text = undoBar.querySelector(".undo-text");
      const label = held.decision === "approve" ? undoBar.dataset.approved : undoBar.dataset.rejected;
      const tick = () => {
        const seconds = Math.max(0, Math.ceil((held.due - Date.now()) / 1000));
        text.textContent = `${label}: ${held.plate || "#" + held.id} · ${seconds} s`;
      };
      tick();
      const timer = setInterval(tick, 250);
      setTimeout(() => {
        clearInterval(timer);
        const still = heldDecision();
        if (still && still.id === held.id) {
          undoBar.hidden = true;
          sendHeld(still, false);
        }
      }, left);
    }
  }
  document.getElementById("undo-button").addEventListener("click", undoHeld);
  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || event.repeat) return;
    if (event.target.closest("input, textarea, select")) return;
    if (event.key.toLowerCase() === "u" && undoHeld()) event.preventDefault();
  });
  window.addEventListener("pagehide", () => {
    const held = heldDecision();
    if (held && !movingWithinDesk) sendHeld(held, true);
  });
  ["approve-form", "reject-form"].forEach((id) => {
    const form = document.getElementById(id);
    if (!form) return;
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const earlier = heldDecision();
      if (earlier) sendHeld(earlier, true);
      const data = new FormData(form);
      const held = {
        id: reviewPanel.dataset.capture,
        plate: reviewPanel.dataset.plate,
        action: new URL(form.getAttribute("action"), window.location.href).href,
        decision: data.get("decision"),
        body: [...data.entries()],
        due: Date.now() + Number(undoBar.dataset.seconds || 6) * 1000,
      };
      sessionStorage.setItem(HELD, JSON.stringify(held));
      movingWithinDesk = true;
      window.location.assign(`/review?holding=${held.id}`);
    });
  });
}
// Errors where the mistake is: a form is posted in the background, so a refusal is shown under
// the field it names, in the page's language, and what was typed stays. The server answers
// such a post (header x-form-errors: inline) with {"error": …} or {"redirect": "/where"}; a page
// or a download in answer is shown or saved as the browser would. It costs no extra request: a
// plain post is answered by a redirect the browser follows, this one by the address to go to.
// A form marked data-plain posts the ordinary way (sign-in, which shows its own refusal).
function clearFormErrors(form) {
  form.querySelectorAll(".field-error").forEach((e) => e.remove());
  form.querySelectorAll("[aria-invalid]").forEach((e) => e.removeAttribute("aria-invalid"));
}
function showFormError(form, error) {
  const name = error.field || "";
  const input = name
    ? [...form.elements].find((el) => el.name === name || el.name.endsWith("." + name) || el.name.endsWith("[" + name + "]"))
    : null;
  const note = document.createElement("p");
  note.className = "field-error";
  note.setAttribute("role", "alert");
  note.textContent = input || !error.label ? error.message : `${error.label}: ${error.message}`;
  if (input && input.type !== "hidden") {
    input.setAttribute("aria-invalid", "true");
    const holder = input.closest("label") || input;
    holder.insertAdjacentElement("afterend", note);
    input.focus();
  } else {
    form.prepend(note);
    note.scrollIntoView({ block: "center" });
  }
}
function savedName(resp) {
  const cd = resp.headers.get("content-disposition") || "";
  const star = cd.match(/filename\*=UTF-8''([^;]+)/i);
  if (star) return decodeURIComponent(star[1]);
  const plain = cd.match(/filename="?([^";]+)"?/i);
  return plain ? plain[1] : "download";
}
document.addEventListener("submit", async (event) => {
  const form = event.target;
  // Attributes, not properties: a field named "action" or "method" shadows form.action.
  const method = (form.getAttribute("method") || "get").toLowerCase();
  if (event.defaultPrevented || method !== "post") return;
  const target = form.getAttribute("target");
  if (form.hasAttribute("data-plain") || (target && target !== "_self")) return;
  event.preventDefault();
  clearFormErrors(form);
  const submitter = event.submitter;
  const action = new URL(
    (submitter && submitter.getAttribute("formaction")) || form.getAttribute("action") || window.location.href,
    window.location.href,
  ).href;
  const data = new FormData(form, submitter || undefined);
  const multipart = (form.getAttribute("enctype") || "").toLowerCase() === "multipart/form-data";
  const body = multipart ? data : new URLSearchParams(data);
  if (submitter) submitter.disabled = true;
  try {
    const resp = await fetch(action, {
      method: "POST",
      body,
      headers: { "x-form-errors": "inline" },
      credentials: "same-origin",
    });
    const type = resp.headers.get("content-type") || "";
    if (type.startsWith("application/json")) {
      const answer = await resp.json();
      if (answer.redirect) {
        window.location.assign(answer.redirect);
        return;
      }
      if (answer.error) {
        showFormError(form, answer.error);
        return;
      }
    }
    if (type.startsWith("text/html")) {
      const html = await resp.text();
      document.open();
      document.write(html);
      document.close();
      return;
    }
    const link = document.createElement("a");
    link.href = URL.createObjectURL(await resp.blob());
    link.download = savedName(resp);
    document.body.append(link);
    link.click();
    link.remove();
  } catch (e) {
    showFormError(form, { message: String(e) });
  } finally {
    if (submitter) submitter.disabled = false;
  }
});

// A recording this browser cannot decode (a codec it lacks) says so, instead of leaving a
// black strip where the picture should be.
document.querySelectorAll("video#player, audio#player").forEach((media) => {
  const note = document.getElementById("player-error");
  const show = () => {
    if (note) note.hidden = false;
    media.closest(".player")?.classList.add("unplayable");
  };
  if (media.error) show();
  media.addEventListener("error", show);
  media.addEventListener("loadedmetadata", () => {
    if (media.tagName === "VIDEO" && media.videoWidth === 0) show();
  });
});

// Pictures open large on the page (click again, or Esc, to close); a new tab still works with
// the middle button or a modified click.
document.addEventListener("click", (event) => {
  const link = event.target.closest("a[data-zoom]");
  if (!link || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) return;
  event.preventDefault();
  let dialog = document.getElementById("zoom-dialog");
  if (!dialog) {
    dialog = document.createElement("dialog");
    dialog.id = "zoom-dialog";
    dialog.className = "zoom";
    dialog.addEventListener("click", () => dialog.close());
    document.body.append(dialog);
  }
  const img = document.createElement("img");
  img.src = link.getAttribute("href");
  img.alt = link.querySelector("img")?.alt || "";
  dialog.replaceChildren(img);
  dialog.showModal();
});
// DAT-01: "More rows" on the correction form adds empty records in place (up to the rule's
// limit, `data-max`), so what was already typed stays; without this file the link reloads
// the form with more rows.
document.addEventListener("click", (event) => {
  const more = event.target.closest("#correction-more-rows");
  const form = document.getElementById("correction-form");
  if (!more || !form) return;
  const rows = form.querySelectorAll("fieldset.correction-row");
  if (!rows.length) return;
  event.preventDefault();
  const max = Number(more.dataset.max) || 50;
  const last = rows[rows.length - 1];
  let n = rows.length;
  for (let k = 0; k < 5 && n < max; k += 1, n += 1) {
    const row = last.cloneNode(true);
    row.id = "correction-row-" + n;
    const legend = row.querySelector("legend");
    if (legend) legend.textContent = legend.textContent.replace(/\d+\s*$/, String(n + 1));
    row.querySelectorAll("input").forEach((input) => {
      input.name = input.name.replace(/^records\[\d+\]/, "records[" + n + "]");
      input.value = "";
    });
    form.insertBefore(row, more.closest("p"));
  }
  if (n >= max) more.closest("p").hidden = true;
  const first = form.querySelector("#correction-row-" + rows.length + " input");
  if (first) first.focus();
});
