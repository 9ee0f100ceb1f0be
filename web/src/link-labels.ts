/**
 * The owner's own labels for members ("Mum", "Jan from work"; docs/protocol.md "Link labels"): kept
 * by the pod for its owner only, never shared with other pods. A label wins over the name a member's
 * pod shares, wherever the app names members.
 */
import { ApiError, authHeaders, checkAuth, errorOf, readJson } from './api.js';
import { atBase } from './base.js';

/** As the pod checks it: 64 characters after trimming. */
export const MAX_LABEL_LENGTH = 64;

const labelsUrl = (serviceId: number, memberId?: string) =>
  atBase(
    `/api/v1/pod/link-labels/service-${serviceId}${memberId === undefined ? '' : `/${encodeURIComponent(memberId)}`}`,
  );

/** Member id -> the owner's label. */
export async function fetchLinkLabels(serviceId: number): Promise<Map<string, string>> {
  const response = await fetch(labelsUrl(serviceId), { headers: authHeaders() });
  const body = await readJson(response);
  checkAuth(response, body);
  if (!response.ok) throw errorOf(response, body);
  const labels = (body as { labels?: unknown } | undefined)?.labels;
  if (!Array.isArray(labels)) throw new ApiError('the pod did not answer with labels', response.status);
  const map = new Map<string, string>();
  for (const entry of labels as { member_id?: unknown; label?: unknown }[]) {
    if (typeof entry.member_id === 'string' && typeof entry.label === 'string') {
      map.set(entry.member_id, entry.label);
    }
  }
  return map;
}

/** Sets the label (the pod trims it); its answer is the label as stored. */
export async function saveLinkLabel(serviceId: number, memberId: string, label: string): Promise<string> {
  const response = await fetch(labelsUrl(serviceId, memberId), {
    method: 'PUT',
    headers: { ...authHeaders(), 'content-type': 'application/json' },
    body: JSON.stringify({ label }),
  });
  const body = await readJson(response);
  checkAuth(response, body);
  if (!response.ok) throw errorOf(response, body);
  return String((body as { label?: unknown }).label ?? label);
}

export async function removeLinkLabel(serviceId: number, memberId: string): Promise<void> {
  const response = await fetch(labelsUrl(serviceId, memberId), { method: 'DELETE', headers: authHeaders() });
  if (response.status === 204 || response.status === 404) return;
  const body = await readJson(response);
  checkAuth(response, body);
  throw errorOf(response, body);
}
