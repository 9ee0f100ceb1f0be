import type { Account } from '../api.js';
import { serviceName } from '../api.js';
import { shortId } from '../records.js';
import { Link } from '../router.js';
import { ExportImport } from '../export-import.js';

/** The account (GET /api/v1/pod/account) and its memberships, by service name. */
export function AccountPage({ account }: { account: Account }) {
  return (
    <section>
      <h1>Your pod</h1>
      <h2>Your services</h2>
      {account.memberships.length === 0 ? (
        <p>This pod has not joined a service yet.</p>
      ) : (
        <ul class="cards" aria-label="Services this pod is a member of">
          {account.memberships.map((m) => (
            <li key={m.service_id} class="card">
              <h3>
                <Link href={`/service/${m.service_id}/data`}>{serviceName(m)}</Link>
              </h3>
              <dl class="facts">
                <dt>You are member</dt>
                <dd>
                  <code title={m.member_id}>{shortId(m.member_id)}</code>
                </dd>
                <dt>Joined</dt>
                <dd>{m.joined_at ? new Date(m.joined_at).toLocaleString() : 'unknown'}</dd>
                <dt>Service number</dt>
                <dd>{m.service_id}</dd>
                <dt>Contract version</dt>
                <dd>{m.contract_version}</dd>
              </dl>
            </li>
          ))}
        </ul>
      )}
      <details>
        <summary>About this pod</summary>
        <dl class="facts">
          <dt>Account id</dt>
          <dd>
            <code>{account.account_id}</code>
          </dd>
          <dt>Network</dt>
          <dd>{account.network}</dd>
          <dt>Name</dt>
          <dd>
            <code>{account.fqdn}</code>
          </dd>
        </dl>
      </details>
      <ExportImport />
    </section>
  );
}
