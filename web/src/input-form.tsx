/**
 * A form generated from a GraphQL input type (`T_input`, spec §7): one labelled control per field,
 * nested input objects as fieldsets, the contract's field descriptions as hints. Controls follow the
 * field's type: a UUID has a "New" button, a date-time a picker in the browser's time zone, a field
 * with a JSON Schema `enum` a select of its values, a string with a JSON Schema `format` a check of its
 * own (formats and enums from the pod's capabilities: the GraphQL schema types an enum field as its
 * scalar, so its values are not in the schema).
 * Mistakes show at their field in plain words, found by the page before sending or by the pod after
 * (plain-errors.ts). The draft is text keyed by field path, turned into the input value on submit.
 */
import { getNamedType, isEnumType, isInputObjectType, isListType, isNonNullType } from 'graphql';
import type { GraphQLInputField, GraphQLInputObjectType, GraphQLInputType } from 'graphql';
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { ApiError, messageOf } from './api.js';
import { formatProblem, fromLocalDateTime, scalarProblem, toLocalDateTime } from './field-checks.js';
import { label } from './labels.js';
import { plainErrors } from './plain-errors.js';

type Draft = Record<string, string>;
type FieldErrors = Record<string, string>;

interface InputFormProps {
  readonly type: GraphQLInputObjectType;
  /** The current record (for an edit form); absent for a form that adds a record. */
  readonly initial?: Record<string, unknown> | undefined;
  readonly submitLabel: string;
  /** Prefix of the controls' ids, unique on the page. */
  readonly idPrefix: string;
  readonly onSubmit: (value: Record<string, unknown>) => Promise<string>;
  /** What the contract says of the fields beyond their GraphQL types (none when absent). */
  readonly rules?: FieldRules;
  /** Controls of the write itself rather than of the record (e.g. "sign"), shown before the button. */
  readonly children?: ComponentChildren;
}

/**
 * What the pod's capabilities say of a class's fields beyond their GraphQL types, by dotted path: the
 * page offers and checks them, the pod checks them again.
 */
export interface FieldRules {
  /** JSON Schema formats of string fields (`email` -> `idn-email`). */
  readonly formats: Readonly<Record<string, string>>;
  /** Allowed values of fields with a JSON Schema `enum`. */
  readonly enums: Readonly<Record<string, readonly string[]>>;
}

const NO_RULES: FieldRules = { formats: {}, enums: {} };

export function InputForm(props: InputFormProps) {
  const { type, initial, submitLabel, idPrefix, onSubmit, rules = NO_RULES, children } = props;
  const [draft, setDraft] = useState<Draft>(() => draftOf(type, initial, '', initial === undefined));
  const [busy, setBusy] = useState(false);
  const [status, setStatus] = useState<string | undefined>();
  const [errors, setErrors] = useState<FieldErrors>({});
  const [formError, setFormError] = useState<string | undefined>();

  const submit = async (event: Event) => {
    event.preventDefault();
    setStatus(undefined);
    setFormError(undefined);
    const found = checkDraft(type, draft, '', rules);
    setErrors(found);
    if (Object.keys(found).length > 0) {
      setFormError(
        `Please correct the ${Object.keys(found).length === 1 ? 'field' : 'fields'} marked below.`,
      );
      focusFirst(idPrefix, found);
      return;
    }
    setBusy(true);
    try {
      const text = await onSubmit(valueOf(type, draft, ''));
      setStatus(text);
      if (initial === undefined) setDraft(draftOf(type, undefined, '', true));
    } catch (err) {
      const messages = err instanceof ApiError ? err.messages : [messageOf(err)];
      const placed: FieldErrors = {};
      const rest: string[] = [];
      for (const e of plainErrors(messages)) {
        if (e.field !== undefined && fieldAt(type, e.field)) placed[e.field] = e.text;
        else rest.push(e.field !== undefined ? `${e.field} ${e.text}` : e.text);
      }
      setErrors(placed);
      const count = Object.keys(placed).length;
      setFormError(
        [...rest, ...(count > 0 ? ['The pod did not save it: see the marked field below.'] : [])].join(' '),
      );
      focusFirst(idPrefix, placed);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="input-form" onSubmit={submit} aria-busy={busy} noValidate>
      {formError && (
        <p role="alert" class="error">
          {formError}
        </p>
      )}
      <Fields
        type={type}
        prefix=""
        idPrefix={idPrefix}
        draft={draft}
        errors={errors}
        rules={rules}
        onChange={(path, text) => {
          setDraft((d) => ({ ...d, [path]: text }));
          if (errors[path]) setErrors(({ [path]: _, ...others }) => others);
        }}
      />
      {children}
      <div class="actions">
        <button type="submit" disabled={busy}>
          {submitLabel}
        </button>
        {status && (
          <span role="status" class="ok">
            {status}
          </span>
        )}
      </div>
    </form>
  );
}

function controlId(idPrefix: string, path: string): string {
  return `${idPrefix}-${path.replace(/\./g, '-')}`;
}

function focusFirst(idPrefix: string, errors: FieldErrors): void {
  const first = Object.keys(errors)[0];
  if (first !== undefined) document.getElementById(controlId(idPrefix, first))?.focus();
}

/** Whether `path` names a field of the form (and so an error can be shown at it). */
function fieldAt(type: GraphQLInputObjectType, path: string): boolean {
  const [head, ...rest] = path.split('.');
  const field = head === undefined ? undefined : type.getFields()[head];
  if (!field) return false;
  if (rest.length === 0) return true;
  const named = getNamedType(field.type);
  return isInputObjectType(named) && fieldAt(named, rest.join('.'));
}

interface FieldsProps {
  readonly type: GraphQLInputObjectType;
  readonly prefix: string;
  readonly idPrefix: string;
  readonly draft: Draft;
  readonly errors: FieldErrors;
  readonly rules: FieldRules;
  readonly onChange: (path: string, text: string) => void;
}

function Fields({ type, prefix, idPrefix, draft, errors, rules, onChange }: FieldsProps) {
  return (
    <>
      {Object.values(type.getFields()).map((field) => {
        const path = prefix + field.name;
        const named = getNamedType(field.type);
        if (isInputObjectType(named) && !isListType(unwrapNonNull(field.type))) {
          return (
            <fieldset key={path}>
              <legend>
                {label(field.name)}
                {isNonNullType(field.type) && <Required />}
              </legend>
              {field.description && <p class="hint">{field.description}</p>}
              <Fields
                type={named}
                prefix={`${path}.`}
                idPrefix={idPrefix}
                draft={draft}
                errors={errors}
                rules={rules}
                onChange={onChange}
              />
            </fieldset>
          );
        }
        return (
          <FieldControl
            key={path}
            field={field}
            id={controlId(idPrefix, path)}
            value={draft[path] ?? ''}
            error={errors[path]}
            format={rules.formats[path]}
            allowed={rules.enums[path]}
            onInput={(text) => onChange(path, text)}
          />
        );
      })}
    </>
  );
}

function Required() {
  return <span class="required"> (required)</span>;
}

interface FieldControlProps {
  readonly field: GraphQLInputField;
  readonly id: string;
  readonly value: string;
  readonly error: string | undefined;
  readonly format: string | undefined;
  /** The values of a JSON Schema `enum`, when the field has one. */
  readonly allowed: readonly string[] | undefined;
  readonly onInput: (text: string) => void;
}

function FieldControl({ field, id, value, error, format, allowed, onInput }: FieldControlProps) {
  const required = isNonNullType(field.type);
  const named = getNamedType(field.type);
  const scalar = named.name;
  const list = isListType(unwrapNonNull(field.type));
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const hint = [field.description, list ? 'One item per line.' : '', hintFor(scalar, format, list)]
    .filter(Boolean)
    .join(' ');
  const describedBy = [hint ? hintId : '', error ? errorId : ''].filter(Boolean).join(' ') || undefined;
  const common = {
    id,
    name: field.name,
    'aria-describedby': describedBy,
    'aria-invalid': error ? ('true' as const) : undefined,
    'aria-required': required ? ('true' as const) : undefined,
  };
  const onText = (e: { currentTarget: { value: string } }) => onInput(e.currentTarget.value);
  let control;
  if (list) {
    control = <textarea {...common} rows={3} value={value} onInput={onText} />;
  } else if (allowed !== undefined || isEnumType(named) || scalar === 'Boolean') {
    const options =
      allowed !== undefined
        ? allowed.map((v) => [v, v])
        : isEnumType(named)
          ? named.getValues().map((v) => [v.name, v.name])
          : BOOLEAN_OPTIONS;
    control = (
      <select {...common} value={value} onChange={onText}>
        <option value="">{required ? '(choose one)' : '(not set)'}</option>
        {options.map(([v, text]) => (
          <option key={v} value={v}>
            {text}
          </option>
        ))}
      </select>
    );
  } else if (scalar === 'DateTime') {
    control = <input {...common} type="datetime-local" step={1} value={value} onInput={onText} />;
  } else if (scalar === 'UUID') {
    control = (
      <span class="with-button">
        <input {...common} type="text" spellcheck={false} autocomplete="off" value={value} onInput={onText} />
        <button
          type="button"
          class="secondary"
          aria-label={`New ${label(field.name)}`}
          onClick={() => onInput(crypto.randomUUID())}
        >
          New
        </button>
      </span>
    );
  } else if (scalar === 'Int' || scalar === 'Float') {
    control = (
      <input
        {...common}
        type="text"
        inputMode={scalar === 'Int' ? 'numeric' : 'decimal'}
        value={value}
        onInput={onText}
      />
    );
  } else {
    control = <input {...common} type="text" inputMode={inputMode(format)} value={value} onInput={onText} />;
  }
  return (
    <div class={`field${error ? ' invalid' : ''}`}>
      <label for={id}>
        {label(field.name)}
        {required && <Required />}
      </label>
      {control}
      {error && (
        <small id={errorId} class="field-error">
          {label(field.name)} {error}
        </small>
      )}
      {hint && (
        <small id={hintId} class="hint">
          {hint}
        </small>
      )}
    </div>
  );
}

const BOOLEAN_OPTIONS: readonly [string, string][] = [
  ['true', 'yes'],
  ['false', 'no'],
];

/**
 * The phone keyboard a format asks for. The input stays `type="text"`: `type="email"` refuses
 * international addresses (`idn-email`) and the page checks formats itself, with its own words.
 */
function inputMode(format: string | undefined): 'email' | 'url' | 'text' {
  if (format === 'email' || format === 'idn-email') return 'email';
  if (format === 'uri' || format === 'url') return 'url';
  return 'text';
}

function hintFor(scalar: string, format: string | undefined, list: boolean): string {
  if (list) return '';
  if (scalar === 'UUID') return 'A unique id: “New” makes one.';
  if (scalar === 'DateTime') return 'In your time zone.';
  if (format === 'email' || format === 'idn-email') return 'An email address, like name@example.org.';
  if (format === 'uri' || format === 'url') return 'A full web address, like https://example.org/page.';
  return '';
}

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
      draft[path] = named.name === 'DateTime' && !list ? toLocalDateTime(String(value)) : String(value);
    } else if (fresh && named.name === 'DateTime' && isNonNullType(field.type)) {
      draft[path] = toLocalDateTime(new Date().toISOString());
    }
  }
  return draft;
}

/** The page's own checks of a draft: required fields, scalar shapes, string formats, enum values. */
function checkDraft(
  type: GraphQLInputObjectType,
  draft: Draft,
  prefix: string,
  rules: FieldRules,
): FieldErrors {
  const errors: FieldErrors = {};
  for (const field of Object.values(type.getFields())) {
    const path = prefix + field.name;
    const inner = unwrapNonNull(field.type);
    const named = getNamedType(field.type);
    if (isInputObjectType(named) && !isListType(inner)) {
      Object.assign(errors, checkDraft(named, draft, `${path}.`, rules));
      continue;
    }
    const text = (draft[path] ?? '').trim();
    if (text === '') {
      if (isNonNullType(field.type)) errors[path] = 'is required';
      continue;
    }
    const items = isListType(inner) ? text.split('\n').filter((line) => line.trim() !== '') : [text];
    for (const item of items.map((line) => line.trim())) {
      const problem =
        scalarProblem(named.name, item) ??
        (rules.formats[path] !== undefined ? formatProblem(rules.formats[path], item) : undefined) ??
        (rules.enums[path] !== undefined && !rules.enums[path].includes(item)
          ? 'is not one of the allowed values'
          : undefined);
      if (problem) {
        errors[path] = items.length > 1 ? `${problem} (“${item}”)` : problem;
        break;
      }
    }
  }
  return errors;
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
      value[field.name] = items.map((item) => scalarValue(named.name, item, isEnumType(named)));
    } else {
      const converted = named.name === 'DateTime' ? fromLocalDateTime(text) : text;
      value[field.name] = scalarValue(named.name, converted, isEnumType(named));
    }
  }
  return value;
}

function scalarValue(scalar: string, text: string, isEnum: boolean): unknown {
  if (isEnum) return text;
  switch (scalar) {
    case 'Int':
    case 'Float':
      return Number(text);
    case 'Boolean':
      return text === 'true';
    default:
      return text;
  }
}
