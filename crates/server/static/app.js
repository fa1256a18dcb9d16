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
