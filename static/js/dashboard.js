// The dashboard's program picker opens the chosen program's page (its value is the page's URL).
// Kept out of the template: the Content-Security-Policy allows no inline script or handler.
document.querySelectorAll("select[data-navigate]").forEach(function (select) {
  select.addEventListener("change", function () {
    window.location.href = select.value;
  });
});
