/** Small DOM helpers. Text always goes in through `textContent`, never as HTML. */

/** The element with this id in the page, of the expected kind; a missing one is a bug in index.html. */
export function byId<T extends HTMLElement>(id: string, kind: new () => T): T {
  const element = document.getElementById(id);
  if (!(element instanceof kind)) throw new Error(`#${id} is missing from the page or is not a ${kind.name}`);
  return element;
}

type Child = Node | string | undefined | false;

/** Creates an element with attributes (`class`, `data-*`, aria, …) and children (strings become text). */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  for (const child of children) {
    if (child === undefined || child === false) continue;
    element.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return element;
}

/** Sets text only when it changed, so screen readers and selections are not disturbed needlessly. */
export function setText(element: Element, text: string): void {
  if (element.textContent !== text) element.textContent = text;
}
