/**
 * The owner's scoped tokens on the web port (docs/protocol.md, "Scoped tokens"), behind the owner
 * token: `POST /api/v1/pod/tokens` grants one (`{service_id, classes, actions, expires_in_s?,
 * label?}`; the token is in this answer only), `GET /api/v1/pod/tokens` lists the active ones (never
 * the token), `DELETE /api/v1/pod/tokens/<token_id>` revokes one at once.
 */
import type { FastifyInstance, onRequestHookHandler } from 'fastify';
import { findClass } from '../../contract/index.js';
import type { Action } from '../../contract/index.js';
import { ByodaError } from '../../errors/index.js';
import {
  DEFAULT_SCOPED_TOKEN_SECONDS,
  MAX_SCOPED_TOKEN_SECONDS,
  SCOPED_TOKEN_ACTIONS,
} from '../auth/scoped-tokens.js';
import type { ScopedTokenRecord } from '../auth/scoped-tokens.js';
import type { PodContext } from '../context.js';

export const SCOPED_TOKEN_PATHS = {
  tokens: '/api/v1/pod/tokens',
  token: '/api/v1/pod/tokens/:tokenId',
} as const;

interface GrantBody {
  service_id: number;
  classes: string[];
  actions: Action[];
  expires_in_s?: number;
  label?: string;
}

const grantSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['service_id', 'classes', 'actions'],
  properties: {
    service_id: { type: 'integer', minimum: 0, maximum: 4294967295 },
    classes: {
      type: 'array',
      minItems: 1,
      maxItems: 64,
      uniqueItems: true,
      items: { type: 'string', pattern: '^[_A-Za-z][_0-9A-Za-z]{0,127}$' },
    },
    actions: { type: 'array', minItems: 1, uniqueItems: true, items: { enum: SCOPED_TOKEN_ACTIONS } },
    expires_in_s: { type: 'integer', minimum: 1, maximum: MAX_SCOPED_TOKEN_SECONDS },
    label: { type: 'string', maxLength: 100 },
  },
} as const;

const TOKEN_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function scopedTokenRoutes(
  app: FastifyInstance,
  pod: PodContext,
  ownerOnly: onRequestHookHandler,
): void {
  app.post<{ Body: GrantBody }>(
    SCOPED_TOKEN_PATHS.tokens,
    { onRequest: ownerOnly, schema: { body: grantSchema } },
    async (request, reply) => {
      const body = request.body;
      const membership = pod.memberships.get(body.service_id);
      if (!membership) {
        throw new ByodaError(
          'BYODA_ERR_NOT_FOUND',
          `service_id: the pod is no member of ${body.service_id}`,
          {
            path: 'body/service_id',
          },
        );
      }
      body.classes.forEach((name, i) => {
        const cls = findClass(membership.contract, name);
        if (!cls || cls.obsolete) {
          throw new ByodaError(
            'BYODA_ERR_BAD_REQUEST',
            `body/classes/${i}: the contract of service ${body.service_id} has no class ${name}`,
            { status: 400, path: `body/classes/${i}` },
          );
        }
      });
      const { token, record } = pod.scopedTokens.issue({
        serviceId: body.service_id,
        classes: body.classes,
        actions: body.actions,
        label: body.label ?? '',
        lifetimeSeconds: body.expires_in_s ?? DEFAULT_SCOPED_TOKEN_SECONDS,
      });
      pod.logger.info({ token_id: record.tokenId, service_id: record.serviceId }, 'scoped token granted');
      return reply.code(201).send({ ...tokenJson(record), token });
    },
  );

  app.get(SCOPED_TOKEN_PATHS.tokens, { onRequest: ownerOnly }, async () => ({
    tokens: pod.scopedTokens.list().map(tokenJson),
  }));

  app.delete<{ Params: { tokenId: string } }>(
    SCOPED_TOKEN_PATHS.token,
    { onRequest: ownerOnly },
    async (request, reply) => {
      const { tokenId } = request.params;
      if (!TOKEN_ID.test(tokenId)) {
        throw new ByodaError('BYODA_ERR_BAD_REQUEST', 'tokenId: must be a token id (a lowercase UUID)', {
          status: 400,
          path: 'params/tokenId',
        });
      }
      if (!pod.scopedTokens.revoke(tokenId)) {
        throw new ByodaError('BYODA_ERR_NOT_FOUND', `tokenId: no active scoped token ${tokenId}`, {
          path: 'params/tokenId',
        });
      }
      pod.logger.info({ token_id: tokenId }, 'scoped token revoked');
      return reply.code(204).send();
    },
  );
}

function tokenJson(record: ScopedTokenRecord) {
  return {
    token_id: record.tokenId,
    service_id: record.serviceId,
    classes: record.classes,
    actions: record.actions,
    label: record.label,
    created_at: new Date(record.createdAtMs).toISOString(),
    expires_at: new Date(record.expiresAtMs).toISOString(),
  };
}
