/**
 * Tables of records: one column per field of the class's object type, and the edge's data signature
 * (spec §9) where the pod serves one.
 */
import type { GraphQLObjectType } from 'graphql';
import type { ComponentChildren } from 'preact';
import { label } from './labels.js';

export type GraphRecord = Record<string, unknown>;

/**
 * `T_edge.signature` as the app selects it (docs/protocol.md "Signed data"): what the signature claims
 * and whether this pod verified it against the record as it is now.
 */
export interface EdgeSignature {
  readonly verified: boolean;
  readonly signer_member_id: string | null;
  readonly signed_at: string | null;
  readonly reason: string | null;
}

export interface Edge {
  readonly origin?: string | null;
  readonly node: GraphRecord | null;
  /** Null when the record carries no signature; absent when the pod has no signed data. */
  readonly signature?: EdgeSignature | null;
}

/** The edge fields that go with `node`: `signature` only when the schema has it. */
export function edgeSelection(signedEdges: boolean): string {
  return signedEdges ? 'signature { verified signer_member_id signed_at reason }' : '';
}

/** Enough of a member id to tell members apart in a table; the full id is in the cell's title. */
export function shortMemberId(memberId: string): string {
  return memberId.slice(0, 8);
}

/** A UUID as people can read it on one line: its first group and an ellipsis. */
export function shortId(id: string): string {
  return id.length > 13 ? `${id.slice(0, 8)}…` : id;
}

/**
 * The signature cell: "✓ signed by <short id>" when this pod verified it, "✗ not verified: <reason>"
 * when not (a changed record, an unknown signer), empty without a signature.
 */
export function SignatureCell({ signature }: { signature: EdgeSignature | null | undefined }) {
  if (!signature) return null;
  const signer = signature.signer_member_id;
  const claim = [signer && `signed by ${signer}`, signature.signed_at && `at ${signature.signed_at}`]
    .filter(Boolean)
    .join(' ');
  if (signature.verified) {
    return (
      <span class="signature verified" title={claim || undefined}>
        ✓ signed{signer && ' by '}
        {signer && <code>{shortMemberId(signer)}</code>}
      </span>
    );
  }
  return (
    <span class="signature unverified" title={claim || undefined}>
      ✗ not verified: {signature.reason ?? 'no reason given'}
    </span>
  );
}

/** The "Signature" column for `RecordTable`'s `lead` or `tail`. */
export const SIGNATURE_COLUMN: [string, (edge: Edge) => ComponentChildren] = [
  'Signature',
  (edge) => <SignatureCell signature={edge.signature} />,
];

export function columnsOf(type: GraphQLObjectType): string[] {
  return Object.keys(type.getFields());
}

export function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) return value.map(cellText).join(', ');
  if (typeof value === 'object') {
    return Object.entries(value as GraphRecord)
      .filter(([, v]) => v !== null && v !== undefined)
      .map(([k, v]) => `${k}: ${cellText(v)}`)
      .join('; ');
  }
  return String(value);
}

interface RecordTableProps {
  readonly caption: string;
  readonly type: GraphQLObjectType;
  readonly edges: readonly Edge[];
  /** Columns before the fields (header, cell per edge). */
  readonly lead?: readonly [string, (edge: Edge, index: number) => ComponentChildren][];
  /** Columns after the fields. */
  readonly tail?: readonly [string, (edge: Edge, index: number) => ComponentChildren][];
}

export function RecordTable({ caption, type, edges, lead = [], tail = [] }: RecordTableProps) {
  const columns = columnsOf(type);
  return (
    // Focusable so that a keyboard can scroll a table wider than the screen.
    <div class="table-scroll" tabIndex={0} role="region" aria-label={caption}>
      <table>
        <caption>{caption}</caption>
        <thead>
          <tr>
            {lead.map(([header]) => (
              <th scope="col" key={header}>
                {header}
              </th>
            ))}
            {columns.map((c) => (
              <th scope="col" key={c}>
                {label(c)}
              </th>
            ))}
            {tail.map(([header]) => (
              <th scope="col" key={header}>
                {header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {edges.map((edge, i) => (
            <tr key={i}>
              {lead.map(([header, cell]) => (
                <td key={header}>{cell(edge, i)}</td>
              ))}
              {columns.map((c) => (
                <td key={c}>{cellText(edge.node?.[c])}</td>
              ))}
              {tail.map(([header, cell]) => (
                <td key={header}>{cell(edge, i)}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
