/**
 * One network link on the links page: who (the owner's label, else the name the member's pod shares,
 * else "Name not shared", with the short id), the relation and since when; the owner may give the
 * member a label of their own (kept by the pod for the owner only) or remove the link.
 */
import { useState } from 'preact/hooks';
import { MAX_LABEL_LENGTH } from '../link-labels.js';
import type { NetworkLink } from '../links.js';
import { shortId } from '../records.js';

interface LinkCardProps {
  readonly link: NetworkLink;
  /** The owner's label for the member, if any. */
  readonly label: string | undefined;
  /** The name the member's pod shares, if any. */
  readonly name: string | undefined;
  readonly busy: boolean;
  readonly onLabel: (memberId: string, label: string) => void;
  readonly onUnlabel: (memberId: string) => void;
  readonly onRemove: (link: NetworkLink) => void;
}

export function LinkCard({ link, label, name, busy, onLabel, onUnlabel, onRemove }: LinkCardProps) {
  const id = link.member_id ?? '';
  const shown = label ?? name;
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState('');
  const inputId = `label-${id}-${link.relation ?? ''}`;
  const save = (event: Event) => {
    event.preventDefault();
    onLabel(id, draft);
    setEditing(false);
  };
  return (
    <li class="card link-card">
      <div class="link-who">
        <strong>{shown ?? 'Name not shared'}</strong>{' '}
        <code class="member-id" title={id}>
          {shortId(id)}
        </code>
        {label !== undefined && name !== undefined && name !== label && (
          <small class="muted"> shares the name {name}</small>
        )}
      </div>
      <div class="link-what">
        <span class={`relation relation-${link.relation ?? ''}`}>{link.relation}</span>
        {link.created_timestamp && (
          <small class="muted"> since {new Date(link.created_timestamp).toLocaleDateString()}</small>
        )}
      </div>
      {editing ? (
        <form class="inline-form label-form" onSubmit={save}>
          <div class="field">
            <label for={inputId}>Your label for {shortId(id)}</label>
            <input
              id={inputId}
              required
              maxLength={MAX_LABEL_LENGTH}
              autocomplete="off"
              value={draft}
              onInput={(e) => setDraft(e.currentTarget.value)}
            />
          </div>
          <div class="actions">
            <button type="submit" disabled={busy || draft.trim() === ''}>
              Save label
            </button>
            {label !== undefined && (
              <button
                type="button"
                class="secondary"
                disabled={busy}
                onClick={() => {
                  onUnlabel(id);
                  setEditing(false);
                }}
              >
                Remove label
              </button>
            )}
            <button type="button" class="secondary" onClick={() => setEditing(false)}>
              Cancel
            </button>
          </div>
        </form>
      ) : (
        <div class="actions">
          <button
            type="button"
            class="secondary"
            disabled={busy}
            aria-label={`Label ${shown ?? id}`}
            onClick={() => {
              setDraft(label ?? name ?? '');
              setEditing(true);
            }}
          >
            Label
          </button>
          <button
            type="button"
            class="secondary"
            disabled={busy}
            aria-label={`Remove the ${link.relation ?? ''} link to ${shown ?? id}`}
            onClick={() => onRemove(link)}
          >
            Remove
          </button>
        </div>
      )}
    </li>
  );
}
