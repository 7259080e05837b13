// Progressive enhancement only: every page works without this file.
// The sort menu applies itself when changed (the Search button still works without it).
document.documentElement.classList.add("js");
document.addEventListener("DOMContentLoaded", function () {
  var sort = document.getElementById("sort");
  if (sort && sort.form) {
    sort.addEventListener("change", function () { sort.form.submit(); });
  }
});
