// The e-bike desk (issue 15). The queue of uncertain matches is decided from the keyboard like
// the review desk: C confirms the match, X says "not this person", N or J shows the next one.
const matchPanel = document.getElementById("match-panel");
if (matchPanel) {
  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || event.repeat) return;
    if (event.target.closest("input, textarea, select")) return;
    const key = event.key.toLowerCase();
    const confirmForm = document.getElementById("match-confirm-form");
    const rejectForm = document.getElementById("match-reject-form");
    if (key === "c" && confirmForm) {
      event.preventDefault();
      confirmForm.requestSubmit();
    } else if (key === "x" && rejectForm) {
      event.preventDefault();
      rejectForm.requestSubmit();
    } else if (key === "n" || key === "j") {
      const next = document.getElementById("next-match");
      if (next) window.location.href = next.href;
    }
  });
}
// The library import shows how far the upload is; the page answers with the report.
const libraryForm = document.getElementById("library-form");
if (libraryForm) {
  libraryForm.addEventListener("submit", (event) => {
    const bar = document.getElementById("library-progress");
    if (!bar || !window.XMLHttpRequest) return;
    event.preventDefault();
    const xhr = new XMLHttpRequest();
    xhr.open("POST", libraryForm.action);
    bar.hidden = false;
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) bar.value = Math.round((e.loaded / e.total) * 100);
    };
    xhr.onload = () => {
      document.open();
      document.write(xhr.responseText);
      document.close();
    };
    xhr.onerror = () => libraryForm.submit();
    xhr.send(new FormData(libraryForm));
  });
}
