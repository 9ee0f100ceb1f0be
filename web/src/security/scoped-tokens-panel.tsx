/**
 * Scoped tokens on the Security page (docs/protocol.md "Scoped tokens"): the owner grants a front end
 * a token for some classes and actions of one membership, with an expiry, sees the active ones and
 * revokes any. The token is shown once, when granted; the pod keeps only its hash.
 */
import { useEffect, useState } from 'preact/hooks';
import { fetchAccount, messageOf, serviceName } from '../api.js';
import type { Membership } from '../api.js';
import { grantScopedToken, listScopedTokens, revokeScopedToken } from './security-api.js';
import type { ScopedToken } from './security-api.js';

const ACTIONS = ['read', 'append', 'update', 'delete', 'subscribe'] as const;

export function ScopedTokensPanel() {
  const [tokens, setTokens] = useState<ScopedToken[] | undefined>();
  const [memberships, setMemberships] = useState<readonly Membership[]>([]);
  const [error, setError] = useState<string | undefined>();
  const [granted, setGranted] = useState<string | undefined>();
  const refresh = () => listScopedTokens().then(setTokens, (err: unknown) => setError(messageOf(err)));
  useEffect(() => {
    void refresh();
    fetchAccount().then(
      (account) => setMemberships(account.memberships),
      (err: unknown) => setError(messageOf(err)),
    );
  }, []);

  const grant = async (event: Event) => {
    event.preventDefault();
    setError(undefined);
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const label = String(form.get('label') ?? '').trim();
    try {
      const answer = await grantScopedToken({
        service_id: Number(form.get('service')),
        classes: String(form.get('classes') ?? '')
          .split(',')
          .map((name) => name.trim())
          .filter((name) => name !== ''),
        actions: ACTIONS.filter((action) => form.get(`action-${action}`) !== null),
        expires_in_s: Math.round(Number(form.get('hours')) * 3600),
        ...(label ? { label } : {}),
      });
      setGranted(answer.token);
      await refresh();
    } catch (err) {
      setError(messageOf(err));
    }
  };

  const revoke = async (token: ScopedToken) => {
    setError(undefined);
    try {
      await revokeScopedToken(token.token_id);
      await refresh();
    } catch (err) {
      setError(messageOf(err));
    }
  };

  return (
    <div class="panel" aria-labelledby="scoped-tokens">
      <h2 id="scoped-tokens">Tokens for apps</h2>
      <form onSubmit={(event) => void grant(event)}>
        <label>
          Service
          <select name="service" required>
            {memberships.map((m) => (
              <option key={m.service_id} value={m.service_id}>
                {serviceName(m)}
              </option>
            ))}
          </select>
        </label>
        <label>
          Classes (comma-separated)
          <input name="classes" required placeholder="public_assets" />
        </label>
        <fieldset>
          <legend>Actions</legend>
          {ACTIONS.map((action) => (
            <label key={action}>
              <input type="checkbox" name={`action-${action}`} defaultChecked={action === 'read'} /> {action}
            </label>
          ))}
        </fieldset>
        <label>
          Valid for (hours)
          <input name="hours" type="number" min="1" max="720" defaultValue="24" required />
        </label>
        <label>
          Label
          <input name="label" placeholder="photo frame" />
        </label>
        <button type="submit">Grant token</button>
      </form>
      {granted && (
        <p role="status">
          New token (shown only now): <code data-token>{granted}</code>
        </p>
      )}
      {!tokens ? (
        <p aria-busy="true">Loading…</p>
      ) : tokens.length === 0 ? (
        <p>No active tokens.</p>
      ) : (
        <table>
          <caption>Active tokens</caption>
          <thead>
            <tr>
              <th scope="col">Label</th>
              <th scope="col">Classes</th>
              <th scope="col">Actions</th>
              <th scope="col">Expires</th>
              <th scope="col">
                <span class="visually-hidden">Revoke</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {tokens.map((t) => (
              <tr key={t.token_id} data-token-id={t.token_id}>
                <td>{t.label ?? ''}</td>
                <td>{t.classes.join(', ')}</td>
                <td>{t.actions.join(', ')}</td>
                <td>{new Date(t.expires_at).toLocaleString()}</td>
                <td>
                  <button type="button" class="secondary" onClick={() => void revoke(t)}>
                    Revoke
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
    </div>
  );
}
