/** The signed-in user: name, SIP URI, and the availability and note they publish. */
import { availabilityLabel, availabilityTone } from './availability.ts';
import { byId, setText } from './dom.ts';
import { isAvailability, type Availability } from './protocol.ts';

export interface OwnPresenceChoice {
  readonly availability: Availability;
  readonly note: string;
}

export class MeView {
  private readonly dot = byId('me-dot', HTMLSpanElement);
  private readonly select = byId('availability', HTMLSelectElement);
  private readonly note = byId('note', HTMLInputElement);
  /** The presence the server last confirmed or was last sent, so unchanged values are not re-sent. */
  private current: OwnPresenceChoice = { availability: 'available', note: '' };

  constructor(
    identity: { readonly displayName: string; readonly sipUri: string },
    /** Publishes a choice; answers false when it could not be sent. */
    private readonly onChoose: (choice: OwnPresenceChoice) => boolean,
  ) {
    setText(byId('me-name', HTMLDivElement), identity.displayName);
    setText(byId('me-uri', HTMLDivElement), identity.sipUri);
    this.select.addEventListener('change', () => this.commit());
    this.note.addEventListener('change', () => this.commit());
    byId('presence-form', HTMLFormElement).addEventListener('submit', (event) => {
      event.preventDefault();
      this.commit();
    });
    this.show(this.current);
  }

  /** The presence last confirmed or sent. */
  get presence(): OwnPresenceChoice {
    return this.current;
  }

  /** What the server says the user's presence is (from `contacts.self` or a `presence` frame with `self`). */
  setPresence(choice: OwnPresenceChoice): void {
    this.current = choice;
    this.show(choice);
  }

  private show(choice: OwnPresenceChoice): void {
    this.select.value = choice.availability;
    // Someone typing a note keeps their text until they commit it.
    if (document.activeElement !== this.note || this.note.value === this.current.note) {
      this.note.value = choice.note;
    }
    this.dot.dataset.tone = availabilityTone(choice.availability);
    this.dot.title = availabilityLabel(choice.availability);
  }

  private commit(): void {
    const availability = this.select.value;
    if (!isAvailability(availability)) return;
    const choice = { availability, note: this.note.value.trim() };
    this.dot.dataset.tone = availabilityTone(availability);
    if (choice.availability === this.current.availability && choice.note === this.current.note) return;
    if (this.onChoose(choice)) this.current = choice;
    else this.show(this.current);
  }
}
