/**
 * The data of each class, with forms generated from the contract's types (spec §7): an object class is
 * read with `X`, saved with `mutate_X` and removed with `delete_X`; an array class is listed with
 * `X_connection` (with each record's data signature, spec §9), added to with `append_X` (signed by the
 * pod on request) and pruned with `delete_from_X`.
 */
import { getNamedType } from 'graphql';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { graphql, messageOf } from '../api.js';
import type { Capabilities, ClassCapabilities, Membership } from '../api.js';
import { InputForm } from '../input-form.js';
import type { FieldRules } from '../input-form.js';
import { label } from '../labels.js';
import { plainError } from '../plain-errors.js';
import { cellText, edgeSelection, RecordTable, SIGNATURE_COLUMN } from '../records.js';
import type { Edge, GraphRecord } from '../records.js';
import { Link } from '../router.js';
import { filterFor, selectionOf, toInputValue } from '../schema.js';
import type { DataClass, MembershipSchema } from '../schema.js';

interface DataPageProps {
  readonly membership: Membership;
  readonly schema: MembershipSchema;
  readonly capabilities: Capabilities;
  readonly className?: string | undefined;
}

/** What the owner may do with a class: from the pod's capabilities, narrowed by what the schema has. */
export interface OwnerRights {
  readonly update: boolean;
  readonly append: boolean;
  readonly delete: boolean;
  readonly managedByPod: boolean;
  /** Formats and enum values of the fields (enum values as text, as the form offers them). */
  readonly rules: FieldRules;
}

export function rightsOf(capabilities: Capabilities, name: string): OwnerRights {
  const cls: ClassCapabilities | undefined = capabilities.classes.find((c) => c.name === name);
  const managed = cls?.managed_by_pod ?? false;
  const may = (action: string) => !managed && (cls?.actions.includes(action) ?? false);
  return {
    update: may('update'),
    append: may('append'),
    delete: may('delete'),
    managedByPod: managed,
    rules: {
      formats: Object.fromEntries((cls?.formats ?? []).map((f) => [f.path, f.format])),
      enums: Object.fromEntries((cls?.enums ?? []).map((e) => [e.path, e.values.map(String)])),
    },
  };
}

function rightsNote(rights: OwnerRights, kind: 'object' | 'array'): string | undefined {
  if (rights.managedByPod) return 'filled by your pod';
  const write = kind === 'object' ? rights.update : rights.append;
  return write ? undefined : 'read only';
}

export function DataPage({ membership, schema, capabilities, className }: DataPageProps) {
  const selected = schema.classes.find((c) => c.name === className) ?? schema.classes[0];
  const base = `/service/${membership.service_id}/data`;
  return (
    <div class="data-page">
      <nav aria-label="Classes" class="classes">
        <h2>Classes</h2>
        <ul>
          {schema.classes.map((c) => {
            const note = rightsNote(rightsOf(capabilities, c.name), c.kind);
            return (
              <li key={c.name}>
                <Link href={`${base}/${c.name}`} current={c === selected}>
                  {label(c.name)}
                </Link>
                {note && <small class="muted"> ({note})</small>}
              </li>
            );
          })}
        </ul>
      </nav>
      <div class="class-view">
        {selected ? (
          selected.kind === 'object' ? (
            <ObjectClassView
              key={selected.name}
              serviceId={membership.service_id}
              dataClass={selected}
              rights={rightsOf(capabilities, selected.name)}
            />
          ) : (
            <ArrayClassView
              key={selected.name}
              serviceId={membership.service_id}
              dataClass={selected}
              rights={rightsOf(capabilities, selected.name)}
            />
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
  readonly rights: OwnerRights;
}

function ClassHeading({ dataClass, rights }: { dataClass: DataClass; rights: OwnerRights }) {
  const write = dataClass.kind === 'object' ? rights.update : rights.append;
  return (
    <>
      <h2 id={`class-${dataClass.name}`}>{label(dataClass.name)}</h2>
      {dataClass.description && <p class="hint">{dataClass.description}</p>}
      {rights.managedByPod && (
        <p class="note">
          Your pod fills this in itself; you can read it here but there is nothing to fill in.
        </p>
      )}
      {!rights.managedByPod && !write && (
        <p class="note">The service&apos;s contract lets you read this, not change it.</p>
      )}
    </>
  );
}

/** A record shown as read-only facts: for classes the owner may read but not write. */
function RecordFacts({ type, record }: { type: DataClass['type']; record: GraphRecord }) {
  return (
    <dl class="facts">
      {Object.values(type.getFields()).map((field) => {
        const value = record[field.name];
        // A date-time as people read it, in their time zone; the stored form is in the title.
        const dateTime = getNamedType(field.type).name === 'DateTime' && typeof value === 'string';
        return (
          <div key={field.name} class="fact">
            <dt>{label(field.name)}</dt>
            <dd title={dateTime ? value : undefined}>
              {dateTime ? new Date(value).toLocaleString() : cellText(value) || '—'}
            </dd>
          </div>
        );
      })}
    </dl>
  );
}

function ObjectClassView({ serviceId, dataClass, rights }: ClassViewProps) {
  const { name, type, input } = dataClass;
  const [record, setRecord] = useState<GraphRecord | null | undefined>();
  const [error, setError] = useState<string | undefined>();
  // A new key after a delete gives an empty form rather than the deleted record's text.
  const [formKey, setFormKey] = useState(0);

  useEffect(() => {
    graphql<Record<string, GraphRecord | null>>(serviceId, `{ ${name} { ${selectionOf(type)} } }`).then(
      (data) => setRecord(data[name] ?? null),
      (err: unknown) => setError(plainError(messageOf(err)).text),
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
    return `Saved ${label(name)}.`;
  };

  const remove = async (): Promise<string> => {
    const data = await graphql<Record<string, boolean>>(serviceId, `mutation { delete_${name} }`);
    setRecord(null);
    setFormKey((k) => k + 1);
    return data[`delete_${name}`]
      ? `Deleted ${label(name)}.`
      : `There was no ${label(name)} record to delete.`;
  };

  return (
    <section aria-labelledby={`class-${name}`}>
      <ClassHeading dataClass={dataClass} rights={rights} />
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      {record === undefined && !error && <p aria-busy="true">Loading…</p>}
      {record === null && (
        <p>
          {rights.update
            ? `There is no ${label(name)} record yet: fill in the form to create it.`
            : `There is no ${label(name)} record.`}
        </p>
      )}
      {record && !rights.update && <RecordFacts type={type} record={record} />}
      {record !== undefined && input && rights.update && (
        <InputForm
          key={formKey}
          type={input}
          initial={record ? toInputValue(input, record) : {}}
          submitLabel={`Save ${label(name)}`}
          idPrefix={`${name}`}
          rules={rights.rules}
          onSubmit={save}
        />
      )}
      {dataClass.canDelete && rights.delete && (
        <DeleteObject name={label(name)} exists={!!record} onDelete={remove} />
      )}
    </section>
  );
}

interface DeleteObjectProps {
  readonly name: string;
  /** Whether there is a record: the button shows only then, the outcome stays after. */
  readonly exists: boolean;
  readonly onDelete: () => Promise<string>;
}

/** `delete_X` behind a confirm step: the record and its signature are gone for good. */
function DeleteObject({ name, exists, onDelete }: DeleteObjectProps) {
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [status, setStatus] = useState<{ ok: boolean; text: string } | undefined>();

  const confirm = async () => {
    setBusy(true);
    setStatus(undefined);
    try {
      setStatus({ ok: true, text: await onDelete() });
      setConfirming(false);
    } catch (err) {
      setStatus({ ok: false, text: plainError(messageOf(err)).text });
    } finally {
      setBusy(false);
    }
  };

  // A record saved again after a delete: "Deleted X." no longer describes the page.
  useEffect(() => {
    if (exists) setStatus((s) => (s?.ok ? undefined : s));
  }, [exists]);

  if (!exists && !status) return null;
  return (
    <div class="delete-object" aria-busy={busy}>
      {exists && !confirming && (
        <button
          type="button"
          class="secondary"
          onClick={() => {
            setStatus(undefined);
            setConfirming(true);
          }}
        >
          Delete {name}
        </button>
      )}
      {exists && confirming && (
        <div role="group" aria-label={`Confirm deleting ${name}`} class="confirm">
          <p>Delete the {name} record from your pod? This cannot be undone.</p>
          <div class="actions">
            <button type="button" class="danger" disabled={busy} onClick={() => void confirm()}>
              Yes, delete {name}
            </button>
            <button type="button" class="secondary" disabled={busy} onClick={() => setConfirming(false)}>
              Cancel
            </button>
          </div>
        </div>
      )}
      {status?.ok && <p role="status">{status.text}</p>}
      {status && !status.ok && (
        <p role="alert" class="error">
          {status.text}
        </p>
      )}
    </div>
  );
}

function ArrayClassView({ serviceId, dataClass, rights }: ClassViewProps) {
  const { name, type, input, filter, signedEdges } = dataClass;
  const [edges, setEdges] = useState<Edge[] | undefined>();
  const [sign, setSign] = useState(false);
  const [total, setTotal] = useState(0);
  const [error, setError] = useState<string | undefined>();
  const [status, setStatus] = useState<string | undefined>();

  const reload = useCallback(async () => {
    try {
      const data = await graphql<Record<string, { total_count: number; edges: Edge[] }>>(
        serviceId,
        `{ ${name}_connection(first: 100) {
          total_count edges { origin ${edgeSelection(signedEdges)} node { ${selectionOf(type)} } }
        } }`,
      );
      const connection = data[`${name}_connection`];
      setEdges(connection?.edges ?? []);
      setTotal(connection?.total_count ?? 0);
      setError(undefined);
    } catch (err) {
      setError(plainError(messageOf(err)).text);
    }
  }, [serviceId, name, type, signedEdges]);

  useEffect(() => {
    void reload();
  }, [reload]);

  const append = async (value: Record<string, unknown>): Promise<string> => {
    if (!input) throw new Error('this class cannot be added to');
    // `sign` is sent only when asked for, so pods without signed data keep working.
    const signed = sign && dataClass.canSign;
    await graphql(
      serviceId,
      signed
        ? `mutation ($input: ${input.name}!) { append_${name}(input: $input, sign: true) { __typename } }`
        : `mutation ($input: ${input.name}!) { append_${name}(input: $input) { __typename } }`,
      { input: value },
    );
    await reload();
    return signed ? `Added to ${label(name)}, signed.` : `Added to ${label(name)}.`;
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
      setError(plainError(messageOf(err)).text);
    }
  };

  const canDelete = dataClass.canDelete && filter !== undefined && rights.delete;
  return (
    <section aria-labelledby={`class-${name}`}>
      <ClassHeading dataClass={dataClass} rights={rights} />
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
          lead={signedEdges ? [SIGNATURE_COLUMN] : []}
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
      {input && rights.append && (
        <>
          <h3>Add a record</h3>
          <InputForm
            type={input}
            submitLabel={`Add to ${label(name)}`}
            idPrefix={`${name}-new`}
            rules={rights.rules}
            onSubmit={append}
          >
            {dataClass.canSign && (
              <div class="field checkbox">
                <label>
                  <input
                    type="checkbox"
                    checked={sign}
                    aria-describedby={`${name}-new-sign-hint`}
                    onChange={(e) => setSign(e.currentTarget.checked)}
                  />{' '}
                  Sign with my membership
                </label>
                <small id={`${name}-new-sign-hint`} class="hint">
                  Your pod signs the record with your membership's data key, so readers can check that it is
                  yours and unchanged.
                </small>
              </div>
            )}
          </InputForm>
        </>
      )}
    </section>
  );
}
