/**
 * JSON schemas of the directory's request bodies and path parameters. They are strict (no extra
 * fields, no type coercion; see validator.ts) so that a client's mistake is a 400 naming the field
 * rather than something silently ignored.
 */

/** A PEM CSR of P-256 is under 1 KiB; this bounds what reaches the parser. */
const CSR = { type: 'string', minLength: 1, maxLength: 8192 } as const;
const PORT = { type: 'integer', minimum: 1, maximum: 65535 } as const;
/** Checked to be an IP address by the route (inputs.ts), which can say why it is not one. */
const ADDRESS = { type: 'string', minLength: 1, maxLength: 64 } as const;
/** A display name for the services list. */
const SERVICE_NAME = {
  type: 'string',
  minLength: 1,
  maxLength: 128,
  pattern: '^[^\\u0000-\\u001f]+$',
} as const;
const SERVICE_ID = { type: 'integer', minimum: 0, maximum: 4294967295 } as const;
const UUID_V4 = {
  type: 'string',
  pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$',
} as const;

function object<P extends Record<string, unknown>>(properties: P, required: (keyof P & string)[] = []) {
  return { type: 'object', additionalProperties: false, properties, required } as const;
}

export const accountCsrBody = object({ csr: CSR, address: ADDRESS, port: PORT }, ['csr']);
export const accountUpdateBody = object({ address: ADDRESS, port: PORT });
export const serviceCsrBody = object({ csr: CSR, name: SERVICE_NAME }, ['csr']);
export const serviceUpdateBody = object(
  { name: SERVICE_NAME, version: { type: 'integer', minimum: 0 }, address: ADDRESS, port: PORT },
  ['name', 'version', 'port'],
);
export const contractSignBody = object(
  { contract: { type: 'object' }, data_cert_chain: { type: 'string', minLength: 1, maxLength: 32768 } },
  ['contract', 'data_cert_chain'],
);
export const memberUpdateBody = object(
  { member_id: UUID_V4, service_id: SERVICE_ID, address: ADDRESS, port: PORT },
  ['member_id', 'service_id', 'port'],
);
export const appUpdateBody = object(
  { app_id: UUID_V4, service_id: SERVICE_ID, address: ADDRESS, port: PORT },
  ['app_id', 'service_id', 'port'],
);
/** `service-<id>`; the id's range is checked by the route (`serviceIdParam`). */
export const serviceParams = object(
  { service: { type: 'string', pattern: '^service-(0|[1-9][0-9]{0,9})$' } },
  ['service'],
);

/** `POST /api/v1/network/revocations`: one account, or one membership. */
export const revocationBody = {
  oneOf: [
    object({ kind: { const: 'account' }, account_id: UUID_V4 }, ['kind', 'account_id']),
    object({ kind: { const: 'member' }, member_id: UUID_V4, service_id: SERVICE_ID }, [
      'kind',
      'member_id',
      'service_id',
    ]),
  ],
} as const;
