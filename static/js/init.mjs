import { initAll } from '../govuk/govuk-frontend.min.js';
initAll();
// Move focus to the error summary is done by the ErrorSummary component itself.
// Pages that poll for progress mark an element with data-poll-url.
for (const el of document.querySelectorAll('[data-poll-url]')) {
  const poll = async () => {
    try {
      const response = await fetch(el.dataset.pollUrl, { headers: { Accept: 'text/html' }, credentials: 'same-origin' });
      if (response.ok) {
        el.innerHTML = await response.text();
        if (el.querySelector('[data-poll-done]')) return;
      }
    } catch (e) { /* network blip: try again */ }
    setTimeout(poll, 1500);
  };
  setTimeout(poll, 1500);
}
