// Progressive enhancement only: every page works without this file.
// The sort menu applies itself when changed (the Search button still works without it);
// print buttons print (the browser's own print command does the same).
document.documentElement.classList.add("js");
document.addEventListener("DOMContentLoaded", function () {
  var sort = document.getElementById("sort");
  if (sort && sort.form) {
    sort.addEventListener("change", function () { sort.form.submit(); });
  }
  // "Print or save as PDF" on guides: the print stylesheet gives a clean page.
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
});
