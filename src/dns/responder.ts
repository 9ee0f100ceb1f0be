/**
 * From query bytes to reply bytes, without sockets: the DNS server's behaviour as one pure function of
 * (packet, zone, transport), so that every rule below is testable without the network.
 *
 * RFC 1035 (messages), RFC 2308 (negative answers carry the SOA), RFC 6891 (EDNS) and RFC 8482 (ANY)
 * decide the shape of each reply; the zone decides its content.
 */
import dnsPacket from 'dns-packet';
import type { Answer, OptAnswer } from 'dns-packet';
import { HEADER_LENGTH, parseQuery, readHeader } from './wire.js';
import type { Edns, ParsedQuery, QueryHeader, Question } from './wire.js';
import type { LookupResult, Zone, ZoneRecord } from './zone.js';

export type Transport = 'udp' | 'tcp';

/** What happened to a packet, for the server's log line. */
export type Outcome =
  'dropped' | 'formerr' | 'notimp' | 'badvers' | 'refused' | 'answer' | 'nodata' | 'nxdomain' | 'truncated';

export interface Reply {
  /** The bytes to send back; undefined when the packet is dropped. */
  readonly response: Buffer | undefined;
  readonly outcome: Outcome;
  /** Why a packet was dropped or refused, for debugging. */
  readonly detail?: string | undefined;
}

export interface ReplyContext {
  readonly transport: Transport;
  /** The largest UDP reply this server sends, whatever the client advertises (EDNS). */
  readonly maxUdpPayloadSize: number;
}

/** RFC 1035 §4.2.1: the UDP payload limit without EDNS. */
export const CLASSIC_UDP_LIMIT = 512;
/** DNS Flag Day 2020: 1232 bytes avoids IP fragmentation on practically every path. */
export const DEFAULT_MAX_UDP_PAYLOAD = 1232;
const TCP_LIMIT = 65535;

const RCODE = { NOERROR: 0, FORMERR: 1, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;
/** BADVERS is 16: its upper bits travel in the OPT record's extended RCODE field. */
const BADVERS_EXTENDED = 1;
const OPCODE_QUERY = 0;
const CLASS_IN = 1;
const CLASS_ANY = 255;
const TYPE_NAMES: Readonly<Record<number, string>> = {
  1: 'A',
  2: 'NS',
  6: 'SOA',
  28: 'AAAA',
  33: 'SRV',
  255: 'ANY',
};
/** Zone transfers (AXFR, IXFR) are not offered: the zone lists every pod of the network. */
const TRANSFER_TYPES = new Set([251, 252]);
const TYPE_OPT = 41;

interface Sections {
  readonly rcode: number;
  readonly authoritative: boolean;
  readonly answers?: readonly ZoneRecord[];
  readonly authorities?: readonly ZoneRecord[];
  readonly additionals?: readonly ZoneRecord[];
  /** Set for BADVERS, whose code does not fit the header's four bits. */
  readonly extendedRcode?: number;
}

/** The reply to one DNS message, or a drop. Never throws on bad input. */
export function replyTo(packet: Buffer, zone: Zone, context: ReplyContext): Reply {
  const header = readHeader(packet);
  // Too short to carry even an ID: there is no one to answer.
  if (!header) return { response: undefined, outcome: 'dropped', detail: 'shorter than a header' };
  // Answering a response could start a loop between two servers (or reflect an attack).
  if (header.isResponse) return { response: undefined, outcome: 'dropped', detail: 'a response' };
  const parsed = parseQuery(packet, header);
  if (header.opcode !== OPCODE_QUERY) return notImplemented(parsed, context);
  if (!parsed.ok) {
    return { response: headerOnly(header, RCODE.FORMERR), outcome: 'formerr', detail: parsed.reason };
  }
  return answerQuestion(parsed.header, parsed.question, parsed.edns, zone, context);
}

/** NOTIFY, UPDATE and the rest: not offered. The question and OPT are echoed when they can be read. */
function notImplemented(parsed: ParsedQuery, context: ReplyContext): Reply {
  const detail = `opcode ${parsed.header.opcode}`;
  if (!parsed.ok) return { response: headerOnly(parsed.header, RCODE.NOTIMP), outcome: 'notimp', detail };
  const opt = parsed.edns ? optRecord(0, context.maxUdpPayloadSize) : undefined;
  const response = encodeReply(parsed.header, parsed.question, opt, refusal(RCODE.NOTIMP), false);
  return { response, outcome: 'notimp', detail };
}

function answerQuestion(
  header: QueryHeader,
  question: Question,
  edns: Edns | undefined,
  zone: Zone,
  context: ReplyContext,
): Reply {
  const { sections, outcome, detail } = decide(question, edns, zone);
  // RFC 6891 §7: a query with an OPT record gets one back.
  const opt = edns ? optRecord(sections.extendedRcode ?? 0, context.maxUdpPayloadSize) : undefined;
  const full = encodeReply(header, question, opt, sections, false);
  if (full.length <= sizeLimit(context, edns)) return { response: full, outcome, detail };
  // RFC 2181 §9: set TC and send what fits; the client retries over TCP. An empty answer keeps it simple.
  return { response: encodeReply(header, question, opt, sections, true), outcome: 'truncated' };
}

interface Decision {
  readonly sections: Sections;
  readonly outcome: Outcome;
  readonly detail?: string;
}

/** The rules that apply before the zone is asked, then the zone's answer. */
function decide(question: Question, edns: Edns | undefined, zone: Zone): Decision {
  if (edns && edns.version > 0) {
    // RFC 6891 §6.1.3: only EDNS version 0 exists.
    const sections = { rcode: RCODE.NOERROR, authoritative: false, extendedRcode: BADVERS_EXTENDED };
    return { sections, outcome: 'badvers' };
  }
  if (question.type === TYPE_OPT) {
    return { sections: refusal(RCODE.FORMERR), outcome: 'formerr', detail: 'OPT as the question type' };
  }
  if (question.class !== CLASS_IN && question.class !== CLASS_ANY) {
    return { sections: refusal(RCODE.REFUSED), outcome: 'refused', detail: `class ${question.class}` };
  }
  if (TRANSFER_TYPES.has(question.type)) {
    return { sections: refusal(RCODE.REFUSED), outcome: 'refused', detail: 'zone transfer' };
  }
  const typeName = TYPE_NAMES[question.type] ?? `TYPE${question.type}`;
  return fromLookup(zone.lookup(question.name, typeName), question);
}

function fromLookup(result: LookupResult, question: Question): Decision {
  switch (result.status) {
    case 'outside':
      // Not authoritative and no recursion offered: RFC 1035's REFUSED, as authoritative-only servers do.
      return { sections: refusal(RCODE.REFUSED), outcome: 'refused', detail: 'outside the zone' };
    case 'nxdomain': {
      const sections = { rcode: RCODE.NXDOMAIN, authoritative: true, authorities: result.authority };
      return { sections, outcome: 'nxdomain' };
    }
    case 'nodata': {
      const sections = { rcode: RCODE.NOERROR, authoritative: true, authorities: result.authority };
      return { sections, outcome: 'nodata' };
    }
    case 'answer': {
      const answers = result.answers.map((record) => asAsked(record, question));
      const sections = {
        rcode: RCODE.NOERROR,
        authoritative: true,
        answers,
        additionals: result.additionals,
      };
      return { sections, outcome: 'answer' };
    }
  }
}

function refusal(rcode: number): Sections {
  return { rcode, authoritative: false };
}

/** Owner names in the answer keep the question's letter case, as resolvers using 0x20 randomness expect. */
function asAsked(record: ZoneRecord, question: Question): ZoneRecord {
  return record.name === question.name ? { ...record, name: question.askedName } : record;
}

function sizeLimit(context: ReplyContext, edns: Edns | undefined): number {
  if (context.transport === 'tcp') return TCP_LIMIT;
  if (!edns) return CLASSIC_UDP_LIMIT;
  // RFC 6891 §6.2.5: sizes below 512 are treated as 512.
  return Math.max(CLASSIC_UDP_LIMIT, Math.min(edns.udpPayloadSize, context.maxUdpPayloadSize));
}

/**
 * Encodes with dns-packet, then splices in the question exactly as it came (dns-packet writes no
 * compression pointers, so no offset in the rest of the message depends on the question's length).
 */
function encodeReply(
  header: QueryHeader,
  question: Question,
  opt: OptAnswer | undefined,
  sections: Sections,
  truncated: boolean,
): Buffer {
  const glue = truncated ? [] : (sections.additionals ?? []).map(toAnswer);
  const body = dnsPacket.encode({
    type: 'response',
    id: header.id,
    flags: replyFlags(header, sections.rcode, sections.authoritative, truncated),
    questions: [],
    answers: truncated ? [] : (sections.answers ?? []).map(toAnswer),
    authorities: truncated ? [] : (sections.authorities ?? []).map(toAnswer),
    additionals: opt ? [...glue, opt] : glue,
  });
  const reply = Buffer.concat([body.subarray(0, HEADER_LENGTH), question.raw, body.subarray(HEADER_LENGTH)]);
  reply.writeUInt16BE(1, 4);
  return reply;
}

/** A reply with no sections at all, for packets whose question could not be read or handled. */
function headerOnly(header: QueryHeader, rcode: number): Buffer {
  return dnsPacket.encode({
    type: 'response',
    id: header.id,
    flags: replyFlags(header, rcode, false, false),
    questions: [],
  });
}

function replyFlags(header: QueryHeader, rcode: number, authoritative: boolean, truncated: boolean): number {
  let flags = (header.opcode << 11) | (rcode & 0xf);
  if (authoritative) flags |= dnsPacket.AUTHORITATIVE_ANSWER;
  if (truncated) flags |= dnsPacket.TRUNCATED_RESPONSE;
  if (header.recursionDesired) flags |= dnsPacket.RECURSION_DESIRED;
  if (header.checkingDisabled) flags |= dnsPacket.CHECKING_DISABLED;
  return flags;
}

/** Our OPT record: EDNS version 0, advertising the largest UDP reply we send, no options. */
function optRecord(extendedRcode: number, udpPayloadSize: number): OptAnswer {
  return {
    type: 'OPT',
    name: '.',
    udpPayloadSize,
    extendedRcode,
    ednsVersion: 0,
    flags: 0,
    flag_do: false,
    options: [],
  };
}

function toAnswer(record: ZoneRecord): Answer {
  if (record.type === 'SOA') {
    return { type: 'SOA', name: record.name, ttl: record.ttl, class: 'IN', data: record.data };
  }
  if (record.type === 'SRV') {
    return { type: 'SRV', name: record.name, ttl: record.ttl, class: 'IN', data: { ...record.data } };
  }
  return { type: record.type, name: record.name, ttl: record.ttl, class: 'IN', data: record.data };
}
