/* The words the scripts show, in the person's language. Django renders each set in the page as
 * <template data-labels="NAME"> holding one element per string, keyed by data-key; scripts read
 * them only through here. */
export function labels(name) {
  const strings = {};
  const template = document.querySelector(`template[data-labels="${name}"]`);
  if (template) {
    template.content.querySelectorAll("[data-key]").forEach((node) => {
      strings[node.dataset.key] = node.textContent.trim();
    });
  }
  return strings;
}
