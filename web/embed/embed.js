// Sizes Standoff widgets to their content on any page: include it once after the iframes.
// Each widget tells its parent its height with postMessage in Pym.js's message format
// ("pym" xPYMx id xPYMx "height" xPYMx pixels), so a page that already runs Pym.js sizes it the
// same way; this listens for those messages from Standoff's own origin and sets the height of
// the iframe that sent each one.
(function () {
  'use strict';
  const origin = new URL(document.currentScript.src).origin;
  window.addEventListener('message', (event) => {
    if (event.origin !== origin || typeof event.data !== 'string') return;
    const parts = event.data.split('xPYMx');
    if (parts.length !== 4 || parts[0] !== 'pym' || parts[2] !== 'height') return;
    const height = Math.ceil(Number(parts[3]));
    if (!Number.isFinite(height) || height < 1 || height > 100000) return;
    for (const frame of document.querySelectorAll('iframe')) {
      if (frame.contentWindow === event.source) {
        frame.style.height = `${height}px`;
        frame.setAttribute('height', String(height));
      }
    }
  });
})();
