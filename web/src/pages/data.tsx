/**
 * The data of each class, with forms generated from the contract's types (spec §7): an object class is
 * read with `X` and saved with `mutate_X`; an array class is listed with `X_connection`, added to with
 * `append_X` and pruned with `delete_from_X`.
 */
import { useCallback, useEffect, useState } from 'preact/hooks';
import { graphql, messageOf } from '../api.js';
import type { Membership } from '../api.js';
import { InputForm } from '../input-form.js';
import { RecordTable } from '../records.js';
import type { Edge, GraphRecord } from '../records.js';
import { Link } from '../router.js';
import { filterFor, selectionOf, toInputValue } from '../schema.js';
import type { DataClass, MembershipSchema } from '../schema.js';

interface DataPageProps {
  readonly membership: Membership;
  readonly schema: MembershipSchema;
  readonly className?: string | undefined;
}

export function DataPage({ membership, schema, className }: DataPageProps) {
  const selected = schema.classes.find((c) => c.name === className) ?? schema.classes[0];
  const base = `/service/${membership.service_id}/data`;
  return (
    <div class="data-page">
      <nav aria-label="Classes" class="classes">
        <h2>Classes</h2>
        <ul>
          {schema.classes.map((c) => (
            <li key={c.name}>
              <Link href={`${base}/${c.name}`} current={c === selected}>
                {c.name}
              </Link>{' '}
              <small>({c.kind})</small>
            </li>
          ))}
        </ul>
      </nav>
      <div class="class-view">
        {selected ? (
          selected.kind === 'object' ? (
            <ObjectClassView key={selected.name} serviceId={membership.service_id} dataClass={selected} />
          ) : (
            <ArrayClassView key={selected.name} serviceId={membership.service_id} dataClass={selected} />
          )
        ) : (
          <p>This service has no data classes.</p>
        )}
      </div>
    </div>
  );
}

interface ClassViewProps {
  readonly serviceId: number;
  readonly dataClass: DataClass;
}

function ClassHeading({ dataClass }: { dataClass: DataClass }) {
  return (
    <>
      <h2 id={`class-${dataClass.name}`}>{dataClass.name}</h2>
      {dataClass.description && <p class="hint">{dataClass.description}</p>}
    </>
  );
}

function ObjectClassView({ serviceId, dataClass }: ClassViewProps) {
  const { name, type, input } = dataClass;
  const [record, setRecord] = useState<GraphRecord | null | undefined>();
  const [error, setError] = useState<string | undefined>();

  useEffect(() => {
    graphql<Record<string, GraphRecord | null>>(serviceId, `{ ${name} { ${selectionOf(type)} } }`).then(
      (data) => setRecord(data[name] ?? null),
      (err: unknown) => setError(messageOf(err)),
    );
  }, [serviceId, name, type]);

  const save = async (value: Record<string, unknown>): Promise<string> => {
    if (!input) throw new Error('this class cannot be written');
    const data = await graphql<Record<string, GraphRecord>>(
      serviceId,
      `mutation ($input: ${input.name}!) { mutate_${name}(input: $input) { ${selectionOf(type)} } }`,
      { input: value },
    );
    // The form keeps what was typed, which is what the pod stored.
    setRecord(data[`mutate_${name}`] ?? null);
    return `Saved ${name}.`;
  };

  return (
    <section aria-labelledby={`class-${name}`}>
      <ClassHeading dataClass={dataClass} />
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      {record === undefined && !error && <p aria-busy="true">Loading…</p>}
      {record === null && <p>There is no {name} record yet: fill in the form to create it.</p>}
      {record !== undefined && input && (
        <InputForm
          type={input}
          initial={record ? toInputValue(input, record) : {}}
          submitLabel={`Save ${name}`}
          idPrefix={`${name}`}
          onSubmit={save}
        />
      )}
    </section>
  );
}

function ArrayClassView({ serviceId, dataClass }: ClassViewProps) {
  const { name, type, input, filter } = dataClass;
  const [edges, setEdges] = useState<Edge[] | undefined>();
  const [total, setTotal] = useState(0);
  const [error, setError] = useState<string | undefined>();
  const [status, setStatus] = useState<string | undefined>();

  const reload = useCallback(async () => {
    try {
      const data = await graphql<Record<string, { total_count: number; edges: Edge[] }>>(
        serviceId,
        `{ ${name}_connection(first: 100) { total_count edges { origin node { ${selectionOf(type)} } } } }`,
      );
      const connection = data[`${name}_connection`];
      setEdges(connection?.edges ?? []);
      setTotal(connection?.total_count ?? 0);
      setError(undefined);
    } catch (err) {
      setError(messageOf(err));
    }
  }, [serviceId, name, type]);

  useEffect(() => {
    void reload();
  }, [reload]);

  const append = async (value: Record<string, unknown>): Promise<string> => {
    if (!input) throw new Error('this class cannot be added to');
    await graphql(
      serviceId,
      `mutation ($input: ${input.name}!) { append_${name}(input: $input) { __typename } }`,
      {
        input: value,
      },
    );
    await reload();
    return `Added to ${name}.`;
  };

  const remove = async (node: GraphRecord) => {
    if (!filter) return;
    setStatus(undefined);
    try {
      const data = await graphql<Record<string, number>>(
        serviceId,
        `mutation ($filter: ${filter.name}!) { delete_from_${name}(filter: $filter) }`,
        { filter: filterFor(filter, node) },
      );
      setStatus(`Deleted ${data[`delete_from_${name}`] ?? 0} record(s).`);
      await reload();
    } catch (err) {
      setError(messageOf(err));
    }
  };

  const canDelete = dataClass.canDelete && filter !== undefined;
  return (
    <section aria-labelledby={`class-${name}`}>
      <ClassHeading dataClass={dataClass} />
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      {status && <p role="status">{status}</p>}
      {edges === undefined && !error && <p aria-busy="true">Loading…</p>}
      {edges && edges.length === 0 && <p>No records yet.</p>}
      {edges && edges.length > 0 && (
        <RecordTable
          caption={`${total} record(s) of ${name}${total > edges.length ? `, the first ${edges.length} shown` : ''}`}
          type={type}
          edges={edges}
          tail={
            canDelete
              ? [
                  [
                    'Actions',
                    (edge, i) => (
                      <button
                        type="button"
                        class="secondary"
                        aria-label={`Delete record ${i + 1} of ${name}`}
                        onClick={() => edge.node && void remove(edge.node)}
                      >
                        Delete
                      </button>
                    ),
                  ],
                ]
              : []
          }
        />
      )}
      {input && (
        <>
          <h3>Add a record</h3>
          <InputForm type={input} submitLabel={`Add to ${name}`} idPrefix={`${name}-new`} onSubmit={append} />
        </>
      )}
    </section>
  );
}
