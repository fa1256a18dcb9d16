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
