// Behaviour shared by every page: confirmation of destructive forms, and the live region
// that scripts use to announce changes to screen readers.
document.addEventListener('submit', (event) => {
  const form = event.target as HTMLFormElement;
  const question = form.dataset.confirm;
  if (question && !window.confirm(question)) event.preventDefault();
});
