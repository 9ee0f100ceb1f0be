import { useState } from 'preact/hooks';
import { ApiError, login, messageOf } from '../api.js';
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
      if (err instanceof ApiError && err.code === 'BYODA_ERR_TOTP_REQUIRED' && !needsCode) {
        setNeedsCode(true);
        setError('Give the code of your authenticator app (or a recovery code).');
      } else setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };

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
          <button type="submit" disabled={busy}>
            Log in
          </button>
        </div>
        {error && (
          <p role="alert" class="error">
            {error}
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
