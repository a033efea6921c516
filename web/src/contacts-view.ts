/** A list of people: the contact list, and conversations with people who are not contacts. */
import { availabilityLabel, availabilityTone } from './availability.ts';
import { h, setText } from './dom.ts';
import type { SeenAvailability } from './protocol.ts';

export interface PersonEntry {
  readonly sipUri: string;
  readonly displayName: string;
  /** Unknown for someone who is not a contact (their presence is not watched). */
  readonly availability: SeenAvailability | undefined;
  readonly note: string;
  readonly unread: number;
}

export interface ContactsViewOptions {
  /** The button at the end of each entry, e.g. Remove. */
  readonly action: {
    readonly label: string;
    readonly className: string;
    readonly run: (sipUri: string) => void;
  };
  readonly open: (sipUri: string) => void;
  readonly empty?: HTMLElement;
  readonly heading?: HTMLElement;
}

interface Item {
  readonly li: HTMLLIElement;
  readonly dot: HTMLSpanElement;
  readonly name: HTMLSpanElement;
  readonly availability: HTMLSpanElement;
  readonly note: HTMLSpanElement;
  readonly unread: HTMLSpanElement;
  readonly actionButton: HTMLButtonElement;
}

const byName = (a: PersonEntry, b: PersonEntry): number =>
  a.displayName.localeCompare(b.displayName, undefined, { sensitivity: 'base' }) ||
  a.sipUri.localeCompare(b.sipUri);

/**
 * Keyed rendering: entries are updated in place and only moved when the order changes, so focus and
 * the selected entry survive presence updates.
 */
export class ContactsView {
  private readonly items = new Map<string, Item>();
  private selected: string | undefined;

  constructor(
    private readonly list: HTMLUListElement,
    private readonly options: ContactsViewOptions,
  ) {
    list.addEventListener('click', (event) => {
      const target = event.target instanceof Element ? event.target : undefined;
      const li = target?.closest<HTMLLIElement>('li[data-sip-uri]');
      if (!li?.dataset.sipUri || target?.closest('button')) return;
      options.open(li.dataset.sipUri);
    });
    list.addEventListener('keydown', (event) => {
      const li = event.target instanceof HTMLLIElement ? event.target : undefined;
      if (!li?.dataset.sipUri || (event.key !== 'Enter' && event.key !== ' ')) return;
      event.preventDefault();
      options.open(li.dataset.sipUri);
    });
  }

  /** Shows exactly these entries, sorted by name. */
  render(entries: readonly PersonEntry[]): void {
    const sorted = [...entries].sort(byName);
    const keep = new Set(sorted.map((e) => e.sipUri));
    for (const [sipUri, item] of this.items) {
      if (!keep.has(sipUri)) {
        item.li.remove();
        this.items.delete(sipUri);
      }
    }
    sorted.forEach((entry, index) => {
      const item = this.items.get(entry.sipUri) ?? this.create(entry.sipUri);
      this.fill(item, entry);
      if (this.list.children[index] !== item.li)
        this.list.insertBefore(item.li, this.list.children[index] ?? null);
    });
    const empty = sorted.length === 0;
    this.list.hidden = empty && !this.options.empty;
    if (this.options.empty) this.options.empty.hidden = !empty;
    if (this.options.heading) this.options.heading.hidden = empty;
  }

  /** Updates one entry if it is shown. */
  update(entry: PersonEntry): void {
    const item = this.items.get(entry.sipUri);
    if (item) this.fill(item, entry);
  }

  has(sipUri: string): boolean {
    return this.items.has(sipUri);
  }

  select(sipUri: string | undefined): void {
    this.selected = sipUri;
    for (const [key, item] of this.items) {
      if (key === sipUri) item.li.setAttribute('aria-current', 'true');
      else item.li.removeAttribute('aria-current');
    }
  }

  private create(sipUri: string): Item {
    const dot = h('span', { class: 'dot', 'aria-hidden': 'true' });
    const name = h('span', { class: 'name' });
    const availability = h('span', { class: 'availability' });
    const note = h('span', { class: 'note' });
    const unread = h('span', { class: 'unread', 'data-testid': 'unread' });
    const { label, className } = this.options.action;
    const actionButton = h('button', { type: 'button', class: `contact-action ${className}` }, label);
    actionButton.addEventListener('click', () => this.options.action.run(sipUri));
    const li = h(
      'li',
      { class: 'contact', tabindex: '0', 'data-sip-uri': sipUri },
      dot,
      h('span', { class: 'contact-body' }, name, h('span', { class: 'status-line' }, availability, note)),
      unread,
      actionButton,
    );
    const item = { li, dot, name, availability, note, unread, actionButton };
    this.items.set(sipUri, item);
    if (sipUri === this.selected) li.setAttribute('aria-current', 'true');
    return item;
  }

  private fill(item: Item, entry: PersonEntry): void {
    const label = entry.availability ? availabilityLabel(entry.availability) : 'Not in your contacts';
    const tone = entry.availability ? availabilityTone(entry.availability) : 'none';
    item.li.dataset.availability = entry.availability ?? 'unknown';
    item.li.title = entry.sipUri;
    item.dot.dataset.tone = tone;
    item.availability.dataset.tone = tone;
    setText(item.name, entry.displayName);
    setText(item.availability, label);
    setText(item.note, entry.note);
    item.note.hidden = entry.note === '';
    setText(item.unread, entry.unread > 0 ? String(entry.unread) : '');
    item.unread.hidden = entry.unread === 0;
    item.unread.setAttribute('aria-label', `${entry.unread} unread`);
    item.actionButton.setAttribute('aria-label', `${this.options.action.label} ${entry.displayName}`);
  }
}
