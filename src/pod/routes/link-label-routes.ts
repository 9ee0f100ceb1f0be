/**
 * The owner's labels for members on the web port (docs/protocol.md, "Link labels"), behind the owner
 * token: `GET /api/v1/pod/link-labels/service-<S>` lists them, `PUT .../service-<S>/<member_id>`
 * `{label}` sets one, `DELETE .../service-<S>/<member_id>` removes it. A label may name a member the
 * pod has no link to (yet): the owner may label before linking, and unlinking keeps the label.
 */
import type { FastifyInstance, onRequestHookHandler } from 'fastify';
import { ByodaError } from '../../errors/index.js';
import type { PodContext } from '../context.js';
import { normaliseLinkLabel } from '../lifecycle/link-label-ledger.js';
import type { LinkLabel } from '../lifecycle/link-label-ledger.js';
import { refuseUnknownFields } from './login-route.js';
import { parseServiceIdParam } from './route-params.js';

export const LINK_LABEL_PATHS = {
  linkLabels: '/api/v1/pod/link-labels/service-:serviceId',
  linkLabel: '/api/v1/pod/link-labels/service-:serviceId/:memberId',
} as const;

interface LabelParams {
  readonly serviceId: string;
  readonly memberId: string;
}

const MEMBER_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const onlyLabel = refuseUnknownFields({ label: true });

export function linkLabelRoutes(
  app: FastifyInstance,
  pod: PodContext,
  ownerOnly: onRequestHookHandler,
): void {
  const labels = pod.accounts.linkLabels();

  app.get<{ Params: { serviceId: string } }>(
    LINK_LABEL_PATHS.linkLabels,
    { onRequest: ownerOnly },
    async (request) => {
      const serviceId = memberService(pod, request.params.serviceId);
      return { labels: labels.list(serviceId).map(labelJson) };
    },
  );

  app.put<{ Params: LabelParams; Body: unknown }>(
    LINK_LABEL_PATHS.linkLabel,
    { onRequest: ownerOnly, preValidation: onlyLabel },
    async (request) => {
      const serviceId = memberService(pod, request.params.serviceId);
      const memberId = memberIdParam(request.params.memberId);
      const body = request.body;
      if (typeof body !== 'object' || body === null || Array.isArray(body)) {
        throw new ByodaError('BYODA_ERR_BAD_REQUEST', 'body: must be a JSON object {"label": "..."}', {
          path: 'body',
        });
      }
      const label = normaliseLinkLabel((body as { label?: unknown }).label, 'body/label');
      const stored = labels.put(serviceId, memberId, label);
      pod.logger.info({ service_id: serviceId, member_id: memberId }, 'link label set');
      return labelJson(stored);
    },
  );

  app.delete<{ Params: LabelParams }>(
    LINK_LABEL_PATHS.linkLabel,
    { onRequest: ownerOnly },
    async (request, reply) => {
      const serviceId = memberService(pod, request.params.serviceId);
      const memberId = memberIdParam(request.params.memberId);
      if (!labels.remove(serviceId, memberId)) {
        throw new ByodaError('BYODA_ERR_NOT_FOUND', `memberId: no label for ${memberId}`, {
          path: 'params/memberId',
        });
      }
      pod.logger.info({ service_id: serviceId, member_id: memberId }, 'link label removed');
      return reply.code(204).send();
    },
  );
}

/** The service id of the path, which must be a membership of this pod (404 otherwise). */
function memberService(pod: PodContext, text: string): number {
  const serviceId = parseServiceIdParam(text);
  if (!pod.memberships.get(serviceId)) {
    throw new ByodaError('BYODA_ERR_NOT_FOUND', `serviceId: the pod is no member of service ${serviceId}`, {
      path: 'params/serviceId',
    });
  }
  return serviceId;
}

function memberIdParam(text: string): string {
  if (!MEMBER_ID.test(text)) {
    throw new ByodaError('BYODA_ERR_BAD_REQUEST', 'memberId: must be a member id (a lowercase UUID)', {
      path: 'params/memberId',
    });
  }
  return text;
}

function labelJson(label: LinkLabel) {
  return { member_id: label.memberId, label: label.label, updated_at: label.updatedAt };
}
