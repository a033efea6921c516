/**
 * Adding a contact: type a name to search the directory, or a SIP address. An ARIA combobox: arrow
 * keys walk the results, Enter adds the highlighted person (or the typed SIP address), Escape closes.
 */
import { minimumSearchCharacters, searchDirectory, type DirectoryEntry } from './directory-api.ts';
import { byId, h, setText } from './dom.ts';

const searchDelayMs = 250;
const sipUriPattern = /^sip:[^\s@<>"]+@[^\s@<>"]+$/i;

/** Accepts `sip:alice@contoso.com` and, for convenience, `alice@contoso.com`. */
export function normaliseSipUri(input: string): string | undefined {
  const trimmed = input.trim();
  const uri = /^sip:/i.test(trimmed) ? trimmed : `sip:${trimmed}`;
  return sipUriPattern.test(uri) ? uri.toLowerCase() : undefined;
}

export interface AddContactOptions {
  readonly add: (sipUri: string) => void;
  readonly isContact: (sipUri: string) => boolean;
  readonly problem: (text: string) => void;
}

export class AddContactView {
  private readonly form = byId('add-contact-form', HTMLFormElement);
  readonly input = byId('add-contact', HTMLInputElement);
  private readonly listbox = byId('directory-results', HTMLUListElement);
  private readonly status = byId('directory-status', HTMLParagraphElement);
  private results: DirectoryEntry[] = [];
  private active = -1;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private inFlight: AbortController | undefined;

  constructor(private readonly options: AddContactOptions) {
    this.input.addEventListener('input', () => this.schedule());
    this.input.addEventListener('keydown', (event) => this.key(event));
    this.input.addEventListener('blur', () => setTimeout(() => this.close(), 150));
    this.listbox.addEventListener('mousedown', (event) => event.preventDefault());
    this.listbox.addEventListener('click', (event) => {
      const li =
        event.target instanceof Element ? event.target.closest<HTMLLIElement>('li[data-sip-uri]') : null;
      if (li?.dataset.sipUri) this.choose(li.dataset.sipUri);
    });
    this.form.addEventListener('submit', (event) => {
      event.preventDefault();
      const highlighted = this.results[this.active];
      if (highlighted) return this.choose(highlighted.sipUri);
      const sipUri = normaliseSipUri(this.input.value);
      if (sipUri) return this.choose(sipUri);
      if (this.results.length === 1 && this.results[0]) return this.choose(this.results[0].sipUri);
      this.options.problem(
        'Choose someone from the search results, or enter a SIP address such as sip:alice@contoso.com.',
      );
    });
  }

  /** Clears the field once the person asked for shows up in the contact list. */
  added(): void {
    this.input.value = '';
    this.close();
  }

  private choose(sipUri: string): void {
    this.close();
    this.options.add(sipUri);
  }

  private schedule(): void {
    clearTimeout(this.timer);
    const query = this.input.value.trim();
    if (query.length < minimumSearchCharacters || sipUriPattern.test(query)) {
      this.inFlight?.abort();
      this.close();
      return;
    }
    this.timer = setTimeout(() => void this.search(query), searchDelayMs);
  }

  private async search(query: string): Promise<void> {
    this.inFlight?.abort();
    const controller = new AbortController();
    this.inFlight = controller;
    try {
      const results = await searchDirectory(query, controller.signal);
      if (controller.signal.aborted || this.input.value.trim() !== query) return;
      this.show(results);
    } catch {
      if (!controller.signal.aborted) setText(this.status, 'The directory could not be searched just now.');
    }
  }

  private show(results: DirectoryEntry[]): void {
    this.results = results;
    this.active = -1;
    this.listbox.replaceChildren(
      ...results.map((r, i) =>
        h(
          'li',
          { id: `directory-option-${i}`, role: 'option', 'aria-selected': 'false', 'data-sip-uri': r.sipUri },
          h('span', { class: 'name' }, r.displayName),
          h('span', { class: 'muted uri' }, r.sipUri),
          this.options.isContact(r.sipUri)
            ? h('span', { class: 'muted already' }, ' · in your contacts')
            : false,
        ),
      ),
    );
    this.listbox.hidden = results.length === 0;
    this.input.setAttribute('aria-expanded', String(results.length > 0));
    this.input.removeAttribute('aria-activedescendant');
    setText(
      this.status,
      results.length === 0
        ? 'Nobody found.'
        : `${results.length} ${results.length === 1 ? 'person' : 'people'} found.`,
    );
  }

  private close(): void {
    this.results = [];
    this.active = -1;
    this.listbox.replaceChildren();
    this.listbox.hidden = true;
    this.input.setAttribute('aria-expanded', 'false');
    this.input.removeAttribute('aria-activedescendant');
    setText(this.status, '');
  }

  private key(event: KeyboardEvent): void {
    if (event.key === 'Escape') {
      this.close();
      return;
    }
    if (event.key !== 'ArrowDown' && event.key !== 'ArrowUp') return;
    if (this.results.length === 0) return;
    event.preventDefault();
    const step = event.key === 'ArrowDown' ? 1 : -1;
    this.active = (this.active + step + this.results.length) % this.results.length;
    [...this.listbox.children].forEach((li, i) =>
      li.setAttribute('aria-selected', String(i === this.active)),
    );
    this.input.setAttribute('aria-activedescendant', `directory-option-${this.active}`);
  }
}
