import * as der from './der.ts';
import { frame, oids, unframe } from './gss.ts';

/** SPNEGO (RFC 4178) as HTTP Negotiate (RFC 4559) uses it: one round trip, optimistic token. */
export interface NegTokenInit {
  readonly mechTypes: readonly string[];
  readonly mechToken: Buffer | undefined;
}

/** Parses the body of an SPNEGO InitialContextToken: `[0] NegTokenInit`. */
export function parseNegTokenInit(body: Buffer): NegTokenInit {
  const outer = der.decode(body, 'SPNEGO token');
  if (outer.idBlock.tagClass !== 3 || outer.idBlock.tagNumber !== 0 || !outer.idBlock.isConstructed) {
    throw der.malformed('the SPNEGO token is not a NegTokenInit');
  }
  const inner = (outer.valueBlock as { value?: der.Node[] }).value;
  if (!inner || inner.length !== 1 || !inner[0]) throw der.malformed('bad NegTokenInit');
  const f = der.fields(inner[0], 'NegTokenInit');
  const mechTypes = der
    .sequenceOf(der.required(f, 0, 'NegTokenInit mechTypes'), 'mechTypes')
    .map((n) => der.oid(n, 'mechType'));
  if (mechTypes.length === 0 || mechTypes.length > 16) throw der.malformed('bad mechTypes');
  const token = f.get(2);
  return { mechTypes, mechToken: token ? der.octets(token, 'mechToken') : undefined };
}

/** Whether a GSS token is SPNEGO-wrapped; answers the unframed pieces either way. */
export function unwrapNegotiate(
  token: Buffer,
): { spnego: NegTokenInit } | { raw: { mech: string; body: Buffer } } {
  const { mech, body } = unframe(token);
  if (mech === oids.spnego) return { spnego: parseNegTokenInit(body) };
  return { raw: { mech, body } };
}

export const negState = { acceptCompleted: 0, acceptIncomplete: 1, reject: 2, requestMic: 3 } as const;

/** `[1] NegTokenResp`: the acceptor's answer, with the mechanism's reply token if there is one. */
export function encodeNegTokenResp(resp: {
  state: number;
  mech?: string;
  responseToken?: Uint8Array;
}): Buffer {
  const seq = der.sequence([
    der.enumerated(resp.state),
    resp.mech ? der.objectId(resp.mech) : undefined,
    resp.responseToken ? der.octetString(resp.responseToken) : undefined,
  ]);
  return der.encode(der.tagged(1, seq));
}

/** An SPNEGO InitialContextToken around one optimistic mech token (the initiator's side; for tests). */
export function encodeNegTokenInit(mechTypes: readonly string[], mechToken: Uint8Array): Buffer {
  const seq = der.sequence([
    der.sequenceOfValues(mechTypes.map((m) => der.objectId(m))),
    undefined,
    der.octetString(mechToken),
  ]);
  return frame(oids.spnego, der.encode(der.tagged(0, seq)));
}
