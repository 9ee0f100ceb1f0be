/**
 * Reading a DNS query off the wire (RFC 1035 §4.1), defensively: every byte comes from anyone who can
 * send a packet. Only what an authoritative server needs is read: the header, the one question (kept
 * as raw bytes so the reply echoes it exactly as asked) and the EDNS OPT record (RFC 6891). Responses
 * are encoded with dns-packet; its decoder is not used here because it joins labels with dots (a label
 * containing a dot would read as two) and re-encodes names lossily, and the question must round-trip.
 */

export const HEADER_LENGTH = 12;
const MAX_NAME_WIRE_LENGTH = 255;
const TYPE_OPT = 41;

/** The header fields a reply needs, readable from any packet of 12 bytes or more. */
export interface QueryHeader {
  readonly id: number;
  /** QR bit: set on responses, which a server must never answer (that would loop). */
  readonly isResponse: boolean;
  readonly opcode: number;
  /** RD bit, copied into the reply as RFC 1035 asks. */
  readonly recursionDesired: boolean;
  /** CD bit, copied too (RFC 4035 §3.1.6). */
  readonly checkingDisabled: boolean;
  readonly questionCount: number;
  readonly answerCount: number;
  readonly authorityCount: number;
  readonly additionalCount: number;
}

export interface Question {
  /** Canonical presentation form: lower-case, no trailing dot, odd bytes escaped as `\DDD`; `.` for the root. */
  readonly name: string;
  /** The same, case preserved: owner names in the reply match the question as asked. */
  readonly askedName: string;
  readonly type: number;
  readonly class: number;
  /** The question section's bytes, echoed verbatim in the reply. */
  readonly raw: Buffer;
}

export interface Edns {
  readonly udpPayloadSize: number;
  readonly version: number;
}

export type ParsedQuery =
  | { readonly ok: true; readonly header: QueryHeader; readonly question: Question; readonly edns?: Edns }
  | { readonly ok: false; readonly header: QueryHeader; readonly reason: string };

/** Thrown (and caught in this file only) when a packet ends early or breaks a format rule. */
class MalformedPacket extends Error {}

/** Reads the header, or undefined when the packet is too short to have one (such packets are dropped). */
export function readHeader(packet: Buffer): QueryHeader | undefined {
  if (packet.length < HEADER_LENGTH) return undefined;
  const flags = packet.readUInt16BE(2);
  return {
    id: packet.readUInt16BE(0),
    isResponse: (flags & 0x8000) !== 0,
    opcode: (flags >> 11) & 0xf,
    recursionDesired: (flags & 0x0100) !== 0,
    checkingDisabled: (flags & 0x0010) !== 0,
    questionCount: packet.readUInt16BE(4),
    answerCount: packet.readUInt16BE(6),
    authorityCount: packet.readUInt16BE(8),
    additionalCount: packet.readUInt16BE(10),
  };
}

/**
 * Parses a standard query whose header has been read. Never throws: a malformed body yields
 * `ok: false` with a reason, to be answered with FORMERR.
 */
export function parseQuery(packet: Buffer, header: QueryHeader): ParsedQuery {
  try {
    // Exactly one question: RFC 1035 allows more in theory, but no server answers them (RFC 9619).
    if (header.questionCount !== 1) return { ok: false, header, reason: `${header.questionCount} questions` };
    const { question, end } = readQuestion(packet, HEADER_LENGTH);
    const edns = readEdns(packet, end, header);
    return edns ? { ok: true, header, question, edns } : { ok: true, header, question };
  } catch (err) {
    if (err instanceof MalformedPacket) return { ok: false, header, reason: err.message };
    throw err;
  }
}

function readQuestion(packet: Buffer, offset: number): { question: Question; end: number } {
  const labels: Buffer[] = [];
  let position = offset;
  let wireLength = 1;
  for (;;) {
    const length = byteAt(packet, position);
    position += 1;
    if (length === 0) break;
    // The question is the first name in a packet, so a compression pointer could only point into the
    // header: not a name. Extended label types (0x40, 0x80) are obsolete (RFC 6891 §5).
    if (length > 63) throw new MalformedPacket('compressed or extended label in the question');
    wireLength += length + 1;
    if (wireLength > MAX_NAME_WIRE_LENGTH) throw new MalformedPacket('question name longer than 255 bytes');
    labels.push(slice(packet, position, length));
    position += length;
  }
  const type = uint16At(packet, position);
  const klass = uint16At(packet, position + 2);
  const end = position + 4;
  const askedName = labels.length === 0 ? '.' : labels.map(labelText).join('.');
  const question: Question = {
    name: askedName === '.' ? '.' : foldAscii(askedName),
    askedName,
    type,
    class: klass,
    raw: Buffer.from(packet.subarray(offset, end)),
  };
  return { question, end };
}

/**
 * Finds the OPT record in the additional section, skipping any answer and authority records a query
 * may (oddly) carry. RFC 6891 §6.1.1: more than one OPT, or an OPT not owned by the root, is FORMERR.
 */
function readEdns(packet: Buffer, offset: number, header: QueryHeader): Edns | undefined {
  let position = offset;
  const skipped = header.answerCount + header.authorityCount;
  for (let i = 0; i < skipped; i += 1) position = skipRecord(packet, position).end;
  let edns: Edns | undefined;
  for (let i = 0; i < header.additionalCount; i += 1) {
    const record = skipRecord(packet, position);
    if (record.type === TYPE_OPT) {
      if (edns) throw new MalformedPacket('more than one OPT record');
      if (record.ownerIsRoot === false) throw new MalformedPacket('OPT record not owned by the root');
      edns = {
        udpPayloadSize: uint16At(packet, record.fixed + 2),
        version: byteAt(packet, record.fixed + 5),
      };
    }
    position = record.end;
  }
  return edns;
}

/** Skips one resource record; `fixed` is the offset of its TYPE field. */
function skipRecord(
  packet: Buffer,
  offset: number,
): { type: number; fixed: number; end: number; ownerIsRoot: boolean } {
  const fixed = skipName(packet, offset);
  const type = uint16At(packet, fixed);
  const dataLength = uint16At(packet, fixed + 8);
  const end = fixed + 10 + dataLength;
  if (end > packet.length) throw new MalformedPacket('record data runs past the end of the packet');
  return { type, fixed, end, ownerIsRoot: fixed === offset + 1 };
}

/** Skips a possibly compressed name without following pointers (a pointer ends the name in place). */
function skipName(packet: Buffer, offset: number): number {
  let position = offset;
  for (;;) {
    const length = byteAt(packet, position);
    if (length === 0) return position + 1;
    if ((length & 0xc0) === 0xc0) {
      byteAt(packet, position + 1);
      return position + 2;
    }
    if (length > 63) throw new MalformedPacket('extended label type');
    position += length + 1;
    if (position - offset > MAX_NAME_WIRE_LENGTH) throw new MalformedPacket('name longer than 255 bytes');
  }
}

/**
 * One label in presentation form (RFC 4343 §2.1): letters, digits, `-` and `_` as they are, anything
 * else as `\DDD`, so that a label holding a dot or a control byte can never be mistaken for another
 * name (nor match one of the zone's names, which are all plain host names).
 */
function labelText(label: Buffer): string {
  let text = '';
  for (const byte of label) {
    const plain =
      (byte >= 0x30 && byte <= 0x39) || // 0-9
      (byte >= 0x41 && byte <= 0x5a) || // A-Z
      (byte >= 0x61 && byte <= 0x7a) || // a-z
      byte === 0x2d || // -
      byte === 0x5f; // _
    text += plain ? String.fromCharCode(byte) : `\\${byte.toString().padStart(3, '0')}`;
  }
  return text;
}

function foldAscii(text: string): string {
  return text.replace(/[A-Z]/g, (letter) => letter.toLowerCase());
}

function byteAt(packet: Buffer, offset: number): number {
  const value = packet[offset];
  if (value === undefined) throw new MalformedPacket('packet ends early');
  return value;
}

function uint16At(packet: Buffer, offset: number): number {
  if (offset + 2 > packet.length) throw new MalformedPacket('packet ends early');
  return packet.readUInt16BE(offset);
}

function slice(packet: Buffer, offset: number, length: number): Buffer {
  if (offset + length > packet.length) throw new MalformedPacket('packet ends early');
  return packet.subarray(offset, offset + length);
}
