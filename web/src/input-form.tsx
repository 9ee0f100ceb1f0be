/**
 * A form generated from a GraphQL input type (`T_input`, spec §7): one labelled control per field,
 * nested input objects as fieldsets, the contract's field descriptions as hints. The form keeps every
 * control's text in a flat draft keyed by the field's path and turns it into the input value only on
 * submit, so half-typed numbers never break the form.
 */
import { getNamedType, isEnumType, isInputObjectType, isListType, isNonNullType } from 'graphql';
import type { GraphQLInputField, GraphQLInputObjectType, GraphQLInputType } from 'graphql';
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { messageOf } from './api.js';

type Draft = Record<string, string>;

interface InputFormProps {
  readonly type: GraphQLInputObjectType;
  /** The current record (for an edit form); absent for a form that adds a record. */
  readonly initial?: Record<string, unknown> | undefined;
  readonly submitLabel: string;
  /** Prefix of the controls' ids, unique on the page. */
  readonly idPrefix: string;
  readonly onSubmit: (value: Record<string, unknown>) => Promise<string>;
  /** Controls of the write itself rather than of the record (e.g. "sign"), shown before the button. */
  readonly children?: ComponentChildren;
}

export function InputForm({ type, initial, submitLabel, idPrefix, onSubmit, children }: InputFormProps) {
  const [draft, setDraft] = useState<Draft>(() => draftOf(type, initial, '', initial === undefined));
  const [busy, setBusy] = useState(false);
  const [status, setStatus] = useState<{ ok: boolean; text: string } | undefined>();

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setStatus(undefined);
    try {
      const text = await onSubmit(valueOf(type, draft, ''));
      setStatus({ ok: true, text });
      if (initial === undefined) setDraft(draftOf(type, undefined, '', true));
    } catch (err) {
      setStatus({ ok: false, text: messageOf(err) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="input-form" onSubmit={submit} aria-busy={busy}>
      <Fields
        type={type}
        prefix=""
        idPrefix={idPrefix}
        draft={draft}
        onChange={(path, text) => setDraft((d) => ({ ...d, [path]: text }))}
      />
      {children}
      <div class="actions">
        <button type="submit" disabled={busy}>
          {submitLabel}
        </button>
        {status?.ok && (
          <span role="status" class="ok">
            {status.text}
          </span>
        )}
      </div>
      {status && !status.ok && (
        <p role="alert" class="error">
          {status.text}
        </p>
      )}
    </form>
  );
}

interface FieldsProps {
  readonly type: GraphQLInputObjectType;
  readonly prefix: string;
  readonly idPrefix: string;
  readonly draft: Draft;
  readonly onChange: (path: string, text: string) => void;
}

function Fields({ type, prefix, idPrefix, draft, onChange }: FieldsProps) {
  return (
    <>
      {Object.values(type.getFields()).map((field) => {
        const path = prefix + field.name;
        const named = getNamedType(field.type);
        if (isInputObjectType(named) && !isListType(unwrapNonNull(field.type))) {
          return (
            <fieldset key={path}>
              <legend>
                {field.name}
                {isNonNullType(field.type) && <Required />}
              </legend>
              {field.description && <p class="hint">{field.description}</p>}
              <Fields
                type={named}
                prefix={`${path}.`}
                idPrefix={idPrefix}
                draft={draft}
                onChange={onChange}
              />
            </fieldset>
          );
        }
        return (
          <FieldControl
            key={path}
            field={field}
            id={`${idPrefix}-${path.replace(/\./g, '-')}`}
            value={draft[path] ?? ''}
            onInput={(text) => onChange(path, text)}
          />
        );
      })}
    </>
  );
}

function Required() {
  return (
    <span class="required" title="required">
      {' '}
      (required)
    </span>
  );
}

interface FieldControlProps {
  readonly field: GraphQLInputField;
  readonly id: string;
  readonly value: string;
  readonly onInput: (text: string) => void;
}

function FieldControl({ field, id, value, onInput }: FieldControlProps) {
  const required = isNonNullType(field.type);
  const scalar = getNamedType(field.type).name;
  const hintId = field.description ? `${id}-hint` : undefined;
  const common = { id, name: field.name, 'aria-describedby': hintId };
  let control;
  if (isListType(unwrapNonNull(field.type))) {
    control = (
      <textarea
        {...common}
        rows={3}
        value={value}
        required={required}
        onInput={(e) => onInput(e.currentTarget.value)}
      />
    );
  } else if (scalar === 'Boolean') {
    control = (
      <select {...common} value={value} required={required} onChange={(e) => onInput(e.currentTarget.value)}>
        <option value="">(not set)</option>
        <option value="true">true</option>
        <option value="false">false</option>
      </select>
    );
  } else {
    control =
      scalar === 'Int' || scalar === 'Float' ? (
        <input
          {...common}
          type="number"
          step={scalar === 'Float' ? 'any' : '1'}
          value={value}
          required={required}
          onInput={(e) => onInput(e.currentTarget.value)}
        />
      ) : (
        <input
          {...common}
          type="text"
          placeholder={PLACEHOLDERS[scalar]}
          value={value}
          required={required}
          onInput={(e) => onInput(e.currentTarget.value)}
        />
      );
  }
  return (
    <div class="field">
      <label for={id}>
        {field.name}
        {required && <Required />}
      </label>
      {control}
      {field.description && (
        <small id={hintId} class="hint">
          {field.description}
          {isListType(unwrapNonNull(field.type)) ? ' One item per line.' : ''}
        </small>
      )}
    </div>
  );
}

const PLACEHOLDERS: Record<string, string> = {
  UUID: '00000000-0000-4000-8000-000000000000',
  DateTime: '2026-01-31T12:00:00Z',
};

function unwrapNonNull(type: GraphQLInputType): GraphQLInputType {
  return isNonNullType(type) ? type.ofType : type;
}

/** The draft of a record; a new record gets "now" in its required date-times. */
function draftOf(
  type: GraphQLInputObjectType,
  record: Record<string, unknown> | undefined,
  prefix: string,
  fresh: boolean,
): Draft {
  const draft: Draft = {};
  for (const field of Object.values(type.getFields())) {
    const path = prefix + field.name;
    const value = record?.[field.name];
    const named = getNamedType(field.type);
    const list = isListType(unwrapNonNull(field.type));
    if (isInputObjectType(named) && !list) {
      Object.assign(draft, draftOf(named, value as Record<string, unknown> | undefined, `${path}.`, fresh));
    } else if (Array.isArray(value)) {
      draft[path] = value
        .map((item) => (typeof item === 'object' ? JSON.stringify(item) : String(item)))
        .join('\n');
    } else if (value !== undefined && value !== null) {
      draft[path] = String(value);
    } else if (fresh && named.name === 'DateTime' && isNonNullType(field.type)) {
      draft[path] = new Date().toISOString();
    }
  }
  return draft;
}

/** The input value of a draft: empty optional fields are left out, text is converted per scalar. */
function valueOf(type: GraphQLInputObjectType, draft: Draft, prefix: string): Record<string, unknown> {
  const value: Record<string, unknown> = {};
  for (const field of Object.values(type.getFields())) {
    const path = prefix + field.name;
    const inner = unwrapNonNull(field.type);
    const named = getNamedType(field.type);
    if (isInputObjectType(named) && !isListType(inner)) {
      const nested = valueOf(named, draft, `${path}.`);
      if (Object.keys(nested).length > 0 || isNonNullType(field.type)) value[field.name] = nested;
      continue;
    }
    const text = (draft[path] ?? '').trim();
    if (text === '') continue;
    if (isListType(inner)) {
      const items = text
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => line !== '');
      value[field.name] = items.map((item) => scalarValue(named.name, item, path, isEnumType(named)));
    } else {
      value[field.name] = scalarValue(named.name, text, path, isEnumType(named));
    }
  }
  return value;
}

function scalarValue(scalar: string, text: string, path: string, isEnum: boolean): unknown {
  if (isEnum) return text;
  switch (scalar) {
    case 'Int':
    case 'Float': {
      const n = Number(text);
      if (!Number.isFinite(n) || (scalar === 'Int' && !Number.isInteger(n))) {
        throw new Error(`${path}: "${text}" is not ${scalar === 'Int' ? 'an integer' : 'a number'}`);
      }
      return n;
    }
    case 'Boolean':
      return text === 'true';
    default:
      return text;
  }
}
