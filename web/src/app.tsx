/**
 * The owner's web app: log in, then the account's memberships and, per membership, its data, network
 * links, network queries, a picture of the network and a GraphQL explorer.
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { currentSession, fetchAccount, logout, messageOf, onSessionChange } from './api.js';
import type { Account, Session } from './api.js';
import { AccountPage } from './pages/account.js';
import { LoginPage } from './pages/login.js';
import { MembershipPage, parseMembershipPath } from './pages/membership.js';
import { Link, navigate, usePath } from './router.js';
import { keepRenewed } from './security/renewal.js';
import { SecurityPage } from './security/security-page.js';

export function App() {
  const path = usePath();
  const [session, setSession] = useState<Session | undefined>(currentSession);
  const [account, setAccount] = useState<Account | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [notice, setNotice] = useState<string | undefined>();

  useEffect(
    () =>
      onSessionChange((next) => {
        setSession(next);
        if (!next) {
          setAccount(undefined);
          setNotice('You are logged out.');
        }
      }),
    [],
  );

  // Each new token (login or renewal) schedules its own renewal.
  useEffect(() => (session ? keepRenewed(session) : undefined), [session?.token]);

  useEffect(() => {
    if (!session) return;
    setError(undefined);
    fetchAccount().then(setAccount, (err: unknown) => setError(messageOf(err)));
  }, [session?.token === undefined]);

  useEffect(() => {
    document.title = session ? `BYODA pod ${account?.username ?? ''}`.trim() : 'Log in - BYODA pod';
  }, [session, account]);

  if (!session) {
    return (
      <Shell>
        <LoginPage
          notice={notice}
          onLoggedIn={() => {
            setNotice(undefined);
            if (path === '/login') navigate('/');
          }}
        />
      </Shell>
    );
  }

  let page;
  if (error) {
    page = (
      <p role="alert" class="error">
        {error}
      </p>
    );
  } else if (!account) {
    page = <p aria-busy="true">Loading the account…</p>;
  } else {
    const where = parseMembershipPath(path);
    const membership = where && account.memberships.find((m) => m.service_id === where.serviceId);
    if (where && membership)
      page = <MembershipPage membership={membership} where={where} token={session.token} />;
    else if (where) page = <NotFound what={`You are not a member of service ${where.serviceId}.`} />;
    else if (path === '/security') page = <SecurityPage />;
    else if (path === '/' || path === '/login') page = <AccountPage account={account} />;
    else page = <NotFound what={`There is no page ${path}.`} />;
  }

  return <Shell account={account}>{page}</Shell>;
}

function Shell({ account, children }: { account?: Account | undefined; children: ComponentChildren }) {
  return (
    <>
      <header class="top">
        <Link href="/" class="brand">
          BYODA pod
        </Link>
        {account && (
          <span class="who">
            {account.username}
            <span class="wide-only">
              {' '}
              · <code>{account.fqdn}</code>
            </span>
          </span>
        )}
        {account && <Link href="/security">Security</Link>}
        {account && (
          <button type="button" class="secondary" onClick={() => void logout()}>
            Log out
          </button>
        )}
      </header>
      <main>{children}</main>
    </>
  );
}

function NotFound({ what }: { what: string }) {
  return (
    <section>
      <h1>Not found</h1>
      <p>{what}</p>
      <p>
        <Link href="/">Back to your memberships</Link>
      </p>
    </section>
  );
}
