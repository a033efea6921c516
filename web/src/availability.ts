/** How availability reads to people: a label and a colour tone, never colour alone. */
import type { Availability, SeenAvailability } from './protocol.ts';

const labels: Record<Availability | 'offline', string> = {
  available: 'Available',
  busy: 'Busy',
  'do-not-disturb': 'Do not disturb',
  'be-right-back': 'Be right back',
  inactive: 'Inactive',
  away: 'Away',
  'appear-offline': 'Appear offline',
  offline: 'Offline',
};

export type Tone = 'available' | 'busy' | 'away' | 'offline';

const tones: Record<Availability | 'offline', Tone> = {
  available: 'available',
  busy: 'busy',
  'do-not-disturb': 'busy',
  'be-right-back': 'away',
  inactive: 'away',
  away: 'away',
  'appear-offline': 'offline',
  offline: 'offline',
};

export const availabilityLabel = (availability: Availability | SeenAvailability): string =>
  labels[availability];

/** The colour group, set as `data-tone` and styled in style.css. */
export const availabilityTone = (availability: Availability | SeenAvailability): Tone => tones[availability];
