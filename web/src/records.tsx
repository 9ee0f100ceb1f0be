/** Tables of records: one column per field of the class's object type. */
import type { GraphQLObjectType } from 'graphql';
import type { ComponentChildren } from 'preact';

export type GraphRecord = Record<string, unknown>;

export interface Edge {
  readonly origin?: string | null;
  readonly node: GraphRecord | null;
}

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
    <div class="table-scroll">
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
                {c}
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
