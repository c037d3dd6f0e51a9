// A "Print" button: shown only where scripts run, since printing from the page needs one.
document.querySelectorAll("button[data-print]").forEach((button) => {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
});
