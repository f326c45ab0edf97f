// Progressive enhancement: a page marked data-auto-refresh reloads itself after that many milliseconds.
const el = document.querySelector('[data-auto-refresh]');
if (el) setTimeout(() => window.location.reload(), Number(el.getAttribute('data-auto-refresh')) || 2000);
