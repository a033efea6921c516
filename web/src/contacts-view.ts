/**
 * A list of people: the contact list (in the user's groups), and conversations with people who are
 * not contacts. Keyboard: Tab reaches the list once; arrow keys, Home and End move between people;
 * Enter opens a conversation; each person's "More" button shows moving to a group and removing.
 */
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
  /** `''`: not in a group. */
  readonly group: string;
}

export interface ContactsViewOptions {
  readonly open: (sipUri: string) => void;
  /** Contact lists offer moving and removing; the list of other conversations offers adding. */
  readonly kind: 'contacts' | 'others';
  readonly remove?: (sipUri: string) => void;
  readonly add?: (sipUri: string) => void;
  readonly move?: (sipUri: string, group: string) => void;
  readonly renameGroup?: (from: string, to: string) => void;
  readonly empty?: HTMLElement;
  readonly heading?: HTMLElement;
}

/** The heading of contacts in no group. */
export const ungroupedLabel = 'Other contacts';

interface Item {
  readonly li: HTMLLIElement;
  readonly open: HTMLButtonElement;
  readonly dot: HTMLSpanElement;
  readonly name: HTMLSpanElement;
  readonly availability: HTMLSpanElement;
  readonly note: HTMLSpanElement;
  readonly unread: HTMLSpanElement;
  readonly more: HTMLButtonElement | undefined;
  readonly groupInput: HTMLInputElement | undefined;
  entry: PersonEntry | undefined;
}

const byName = (a: PersonEntry, b: PersonEntry): number =>
  a.displayName.localeCompare(b.displayName, undefined, { sensitivity: 'base' }) ||
  a.sipUri.localeCompare(b.sipUri);

let uniqueIds = 0;
const nextId = (prefix: string) => `${prefix}-${++uniqueIds}`;

/**
 * Keyed rendering: entries are updated in place and only moved when the order changes, so focus and
 * an open "More" panel survive presence updates.
 */
export class ContactsView {
  private readonly items = new Map<string, Item>();
  private readonly groups = new Map<
    string,
    { section: HTMLElement; list: HTMLUListElement; count: HTMLSpanElement; label: HTMLSpanElement }
  >();
  private readonly collapsed = new Set<string>();
  private readonly groupNames: HTMLDataListElement;
  private selected: string | undefined;
  /** The person whose button is the list's one Tab stop. */
  private tabStop: string | undefined;

  constructor(
    private readonly root: HTMLElement,
    private readonly options: ContactsViewOptions,
  ) {
    this.groupNames = h('datalist', { id: nextId('group-names') });
    root.after(this.groupNames);
    root.addEventListener('keydown', (event) => this.navigate(event));
    root.addEventListener('focusin', (event) => {
      const li =
        event.target instanceof Element ? event.target.closest<HTMLLIElement>('li[data-sip-uri]') : null;
      if (li?.dataset.sipUri) this.setTabStop(li.dataset.sipUri);
    });
  }

  /** Shows exactly these entries, grouped and sorted by name. */
  render(entries: readonly PersonEntry[]): void {
    const sorted = [...entries].sort(byName);
    const keep = new Set(sorted.map((e) => e.sipUri));
    for (const [sipUri, item] of this.items) {
      if (!keep.has(sipUri)) {
        item.li.remove();
        this.items.delete(sipUri);
      }
    }
    const grouped = this.options.kind === 'contacts';
    const groupOrder = [...new Set(sorted.map((e) => (grouped ? e.group : '')))].sort((a, b) =>
      a === '' ? 1 : b === '' ? -1 : a.localeCompare(b, undefined, { sensitivity: 'base' }),
    );
    for (const [name, group] of this.groups) {
      if (!groupOrder.includes(name)) {
        group.section.remove();
        this.groups.delete(name);
      }
    }
    groupOrder.forEach((name, index) => {
      const group = this.groups.get(name) ?? this.createGroup(name, grouped);
      if (this.root.children[index] !== group.section)
        this.root.insertBefore(group.section, this.root.children[index] ?? null);
      const members = sorted.filter((e) => (grouped ? e.group : '') === name);
      members.forEach((entry, i) => {
        const item = this.items.get(entry.sipUri) ?? this.create(entry.sipUri);
        this.fill(item, entry);
        if (group.list.children[i] !== item.li)
          group.list.insertBefore(item.li, group.list.children[i] ?? null);
      });
      const online = members.filter((m) => m.availability && m.availability !== 'offline').length;
      setText(group.label, name || (groupOrder.length > 1 ? ungroupedLabel : 'All contacts'));
      setText(group.count, `${online}/${members.length}`);
      group.count.setAttribute('aria-label', `${online} of ${members.length} online`);
    });
    this.groupNames.replaceChildren(...groupOrder.filter(Boolean).map((g) => h('option', { value: g })));
    if (!this.tabStop || !this.items.has(this.tabStop)) this.setTabStop(this.visibleOrder()[0]);
    const empty = sorted.length === 0;
    this.root.hidden = empty && !this.options.empty;
    if (this.options.empty) this.options.empty.hidden = !empty;
    if (this.options.heading) this.options.heading.hidden = empty;
  }

  /** Updates one entry if it is shown in the same group (else `render` is needed). */
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

  private createGroup(name: string, grouped: boolean) {
    const list = h('ul', { class: 'contacts', role: 'list' });
    const count = h('span', { class: 'group-count' });
    const labelSpan = h('span', { class: 'group-name' });
    const section = h('section', { class: 'group', 'data-group': name });
    if (grouped) {
      const label = name || ungroupedLabel;
      const headingId = nextId('group');
      const toggle = h(
        'button',
        { type: 'button', class: 'group-toggle', 'aria-expanded': String(!this.collapsed.has(name)) },
        h('span', { class: 'chevron', 'aria-hidden': 'true' }),
        labelSpan,
        ' ',
        count,
      );
      toggle.addEventListener('click', () => {
        const open = list.hidden;
        list.hidden = !open;
        toggle.setAttribute('aria-expanded', String(open));
        if (open) this.collapsed.delete(name);
        else this.collapsed.add(name);
        if (!this.visibleOrder().includes(this.tabStop ?? '')) this.setTabStop(this.visibleOrder()[0]);
      });
      list.hidden = this.collapsed.has(name);
      labelSpan.id = headingId;
      list.setAttribute('aria-labelledby', headingId);
      const heading = h('h3', { class: 'group-heading' }, toggle);
      if (name && this.options.renameGroup) heading.append(this.renameControl(name, label));
      section.append(heading, list);
    } else {
      section.append(list);
    }
    const group = { section, list, count, label: labelSpan };
    this.groups.set(name, group);
    return group;
  }

  /** Rename (or, with an empty name, ungroup) a group: an inline form behind a button. */
  private renameControl(name: string, label: string): HTMLElement {
    const button = h(
      'button',
      { type: 'button', class: 'link-button group-rename', 'aria-label': `Rename group ${label}` },
      'Rename',
    );
    const input = h('input', {
      type: 'text',
      value: name,
      maxlength: '64',
      'aria-label': `New name for group ${label} (empty: ungroup)`,
    });
    const form = h(
      'form',
      { class: 'inline-form', hidden: '' },
      input,
      h('button', { type: 'submit', class: 'button small' }, 'Save'),
    );
    button.addEventListener('click', () => {
      form.hidden = false;
      button.hidden = true;
      input.focus();
      input.select();
    });
    const close = () => {
      form.hidden = true;
      button.hidden = false;
    };
    input.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') {
        close();
        button.focus();
      }
    });
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      close();
      const to = input.value.trim();
      if (to !== name) this.options.renameGroup?.(name, to);
    });
    return h('span', { class: 'group-edit' }, button, form);
  }

  private create(sipUri: string): Item {
    const dot = h('span', { class: 'dot', 'aria-hidden': 'true' });
    const name = h('span', { class: 'name' });
    const availability = h('span', { class: 'availability' });
    const note = h('span', { class: 'note' });
    const unread = h('span', { class: 'unread', 'data-testid': 'unread' });
    const open = h(
      'button',
      { type: 'button', class: 'contact-open', tabindex: '-1' },
      dot,
      h('span', { class: 'contact-body' }, name, h('span', { class: 'status-line' }, availability, note)),
      unread,
    );
    open.addEventListener('click', () => this.options.open(sipUri));
    const li = h('li', { class: 'contact', 'data-sip-uri': sipUri }, open);
    let more: HTMLButtonElement | undefined;
    let groupInput: HTMLInputElement | undefined;
    if (this.options.kind === 'contacts') {
      const panelId = nextId('contact-actions');
      more = h(
        'button',
        {
          type: 'button',
          class: 'contact-more',
          'aria-expanded': 'false',
          'aria-controls': panelId,
          tabindex: '-1',
        },
        '⋯',
      );
      groupInput = h('input', {
        type: 'text',
        maxlength: '64',
        list: this.groupNames.id,
        class: 'group-input',
      });
      const moveForm = h(
        'form',
        { class: 'inline-form' },
        h('label', { class: 'field' }, 'Group', groupInput),
        h('button', { type: 'submit', class: 'button small' }, 'Move'),
      );
      const remove = h(
        'button',
        { type: 'button', class: 'button small secondary danger contact-remove' },
        'Remove from contacts',
      );
      const panel = h('div', { id: panelId, class: 'contact-actions', hidden: '' }, moveForm, remove);
      const moreButton = more;
      const input = groupInput;
      moreButton.addEventListener('click', () => {
        panel.hidden = !panel.hidden;
        moreButton.setAttribute('aria-expanded', String(!panel.hidden));
        if (!panel.hidden) input.focus();
      });
      panel.addEventListener('keydown', (event) => {
        if (event.key !== 'Escape') return;
        panel.hidden = true;
        moreButton.setAttribute('aria-expanded', 'false');
        moreButton.focus();
      });
      moveForm.addEventListener('submit', (event) => {
        event.preventDefault();
        panel.hidden = true;
        moreButton.setAttribute('aria-expanded', 'false');
        this.options.move?.(sipUri, input.value.trim());
      });
      remove.addEventListener('click', () => this.options.remove?.(sipUri));
      li.append(moreButton, panel);
    } else if (this.options.add) {
      const add = h('button', { type: 'button', class: 'contact-more add', tabindex: '-1' }, 'Add');
      add.addEventListener('click', () => this.options.add?.(sipUri));
      more = add;
      li.append(add);
    }
    const item: Item = {
      li,
      open,
      dot,
      name,
      availability,
      note,
      unread,
      more,
      groupInput,
      entry: undefined,
    };
    this.items.set(sipUri, item);
    if (sipUri === this.selected) li.setAttribute('aria-current', 'true');
    return item;
  }

  private fill(item: Item, entry: PersonEntry): void {
    const label = entry.availability ? availabilityLabel(entry.availability) : 'Not in your contacts';
    const tone = entry.availability ? availabilityTone(entry.availability) : 'none';
    item.entry = entry;
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
    const unread = entry.unread > 0 ? `, ${entry.unread} unread` : '';
    const note = entry.note ? `, ${entry.note}` : '';
    item.open.setAttribute('aria-label', `${entry.displayName}, ${label}${note}${unread}. Open conversation`);
    if (this.options.kind === 'contacts')
      item.more?.setAttribute('aria-label', `More for ${entry.displayName}`);
    else item.more?.setAttribute('aria-label', `Add ${entry.displayName} to contacts`);
    if (item.groupInput && document.activeElement !== item.groupInput) item.groupInput.value = entry.group;
  }

  /** People in the order arrow keys walk them: groups as shown, collapsed ones skipped. */
  private visibleOrder(): string[] {
    return [...this.root.querySelectorAll<HTMLLIElement>('ul:not([hidden]) > li[data-sip-uri]')].map(
      (li) => li.dataset.sipUri ?? '',
    );
  }

  private setTabStop(sipUri: string | undefined): void {
    this.tabStop = sipUri;
    for (const [key, item] of this.items) {
      const index = key === sipUri ? '0' : '-1';
      item.open.tabIndex = Number(index);
      if (item.more) item.more.tabIndex = Number(index);
    }
  }

  private navigate(event: KeyboardEvent): void {
    const target = event.target instanceof HTMLElement ? event.target : undefined;
    if (!target?.matches('.contact-open, .contact-more')) return;
    const order = this.visibleOrder();
    const current = target.closest<HTMLLIElement>('li[data-sip-uri]')?.dataset.sipUri ?? '';
    const at = order.indexOf(current);
    let next: string | undefined;
    if (event.key === 'ArrowDown') next = order[Math.min(order.length - 1, at + 1)];
    else if (event.key === 'ArrowUp') next = order[Math.max(0, at - 1)];
    else if (event.key === 'Home') next = order[0];
    else if (event.key === 'End') next = order[order.length - 1];
    else return;
    event.preventDefault();
    if (!next) return;
    this.setTabStop(next);
    this.items.get(next)?.open.focus();
  }
}
