// call-qa web app: seek the call audio from the timeline, transcript and evidence.
// Served from this server only (no third-party code), so the page's CSP can forbid
// everything else.
(function () {
  "use strict";
  function player() { return document.getElementById("player"); }

  function seek(t) {
    var audio = player();
    if (!audio || !isFinite(t)) { return; }
    audio.currentTime = Math.max(0, t);
    var playing = audio.play();
    if (playing && playing.catch) { playing.catch(function () { /* autoplay refused: position is set */ }); }
  }

  document.addEventListener("click", function (event) {
    var target = event.target.closest ? event.target.closest("[data-t]") : null;
    if (target) {
      event.preventDefault();
      seek(parseFloat(target.getAttribute("data-t")));
      return;
    }
    var svg = event.target.closest ? event.target.closest("svg#timeline") : null;
    if (svg) {
      // A click on the empty timeline seeks to the time under the pointer.
      var point = svg.createSVGPoint();
      point.x = event.clientX; point.y = event.clientY;
      var x = point.matrixTransform(svg.getScreenCTM().inverse()).x;
      var left = parseFloat(svg.dataset.left), right = parseFloat(svg.dataset.width);
      var duration = parseFloat(svg.dataset.duration);
      if (x >= left) { seek((x - left) / (right - left) * duration); }
    }
  });

  function follow() {
    var audio = player(), svg = document.getElementById("timeline"), cursor = document.getElementById("cursor");
    if (!audio || !svg || !cursor) { return; }
    var left = parseFloat(svg.dataset.left), right = parseFloat(svg.dataset.width);
    var duration = parseFloat(svg.dataset.duration);
    audio.addEventListener("timeupdate", function () {
      var x = left + (right - left) * Math.min(1, audio.currentTime / duration);
      cursor.setAttribute("x1", x); cursor.setAttribute("x2", x);
    });
  }
  document.addEventListener("DOMContentLoaded", follow);
})();
