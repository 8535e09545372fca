// The run form (api/ui/runform.py): a refused submission answers 422 with the form and its
// errors; htmx swaps no error response by default, so this one is swapped in.
document.addEventListener("htmx:beforeSwap", function (event) {
  if (event.detail.xhr.status === 422 && event.detail.target.id === "run-form") {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});
