import type { Account } from '../api.js';
import { Link } from '../router.js';
import { ExportImport } from '../export-import.js';

/** The account (GET /api/v1/pod/account) and its memberships. */
export function AccountPage({ account }: { account: Account }) {
  return (
    <section>
      <h1>Your pod</h1>
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
      <h2>Memberships</h2>
      {account.memberships.length === 0 ? (
        <p>This pod has not joined a service yet.</p>
      ) : (
        <table>
          <caption>Services this pod is a member of</caption>
          <thead>
            <tr>
              <th scope="col">Service</th>
              <th scope="col">Member id</th>
              <th scope="col">Contract version</th>
              <th scope="col">Joined</th>
            </tr>
          </thead>
          <tbody>
            {account.memberships.map((m) => (
              <tr key={m.service_id}>
                <td>
                  <Link href={`/service/${m.service_id}/data`}>Service {m.service_id}</Link>
                </td>
                <td>
                  <code>{m.member_id}</code>
                </td>
                <td>{m.contract_version}</td>
                <td>{m.joined_at ? new Date(m.joined_at).toLocaleString() : ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <ExportImport />
    </section>
  );
}
