import { useEffect, useState } from 'preact/hooks';
import { ApiError, login, LoginWait, messageOf } from '../api.js';
import { TotpField } from '../security/totp-field.js';

interface LoginPageProps {
  readonly notice?: string | undefined;
  readonly onLoggedIn: () => void;
}

/** spec §10: username and password for the owner's JWT; the pod's own error message on failure. */
export function LoginPage({ notice, onLoggedIn }: LoginPageProps) {
  const [username, setUsername] = useState('owner');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  /** Wrong passwords in a row in this tab: from the first, the owner is warned of the wait to come. */
  const [failures, setFailures] = useState(0);
  /** When the pod accepts a login again after too many wrong passwords (429 Retry-After). */
  const [waitUntil, setWaitUntil] = useState<number | undefined>();
  const [now, setNow] = useState(Date.now());

  useEffect(() => {
    if (waitUntil === undefined) return;
    const timer = setInterval(() => {
      setNow(Date.now());
      if (Date.now() >= waitUntil) setWaitUntil(undefined);
    }, 1000);
    return () => clearInterval(timer);
  }, [waitUntil]);
  // Shown once the pod says this account has a second factor (BYODA_ERR_TOTP_REQUIRED).
  const [needsCode, setNeedsCode] = useState(false);
  const [code, setCode] = useState('');

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await login(username, password, needsCode ? code : undefined);
      onLoggedIn();
    } catch (err) {
      if (err instanceof LoginWait) {
        setWaitUntil(Date.now() + err.seconds * 1000);
        setNow(Date.now());
      } else if (err instanceof ApiError && err.code === 'BYODA_ERR_TOTP_REQUIRED' && !needsCode) {
        setNeedsCode(true);
        setError('Give the code of your authenticator app (or a recovery code).');
      } else if (err instanceof ApiError && err.status === 401 && !needsCode) {
        setFailures((n) => n + 1);
        setError('Wrong username or password.');
      } else {
        setError(messageOf(err));
      }
    } finally {
      setBusy(false);
    }
  };
  const waitSeconds = waitUntil === undefined ? 0 : Math.max(1, Math.ceil((waitUntil - now) / 1000));

  return (
    <section class="login">
      <h1>Log in to your pod</h1>
      {notice && <p role="status">{notice}</p>}
      <form onSubmit={submit} aria-busy={busy}>
        <div class="field">
          <label for="login-username">Username</label>
          <input
            id="login-username"
            name="username"
            autocomplete="username"
            required
            value={username}
            onInput={(e) => setUsername(e.currentTarget.value)}
          />
        </div>
        <div class="field">
          <label for="login-password">Password</label>
          <input
            id="login-password"
            name="password"
            type="password"
            autocomplete="current-password"
            required
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
          />
        </div>
        {needsCode && <TotpField value={code} onInput={setCode} />}
        <div class="actions">
          <button type="submit" disabled={busy || waitUntil !== undefined}>
            Log in
          </button>
        </div>
        {error && waitUntil === undefined && (
          <p role="alert" class="error">
            {error}
          </p>
        )}
        {failures > 0 && waitUntil === undefined && (
          <p class="warning" id="login-warning">
            After a few wrong passwords in a row, your pod makes you wait before the next try, a little longer
            each time, to stop people guessing. Check the password file before you try again.
          </p>
        )}
        {waitUntil !== undefined && (
          <p role="alert" class="warning">
            Too many wrong passwords in a row. You can try again in <span aria-live="off">{waitSeconds}</span>{' '}
            second{waitSeconds === 1 ? '' : 's'}.
          </p>
        )}
      </form>
      <p class="hint">
        With <code>byoda up</code>, the owner is <code>owner</code> and the password is the first line of the
        pod&apos;s <code>password</code> file.
      </p>
    </section>
  );
}
