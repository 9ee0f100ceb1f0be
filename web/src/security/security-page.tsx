/**
 * The owner's security page: the second factor (enrol with a QR code of the otpauth URI, confirmed by
 * a first code, the recovery codes shown once; turn it off with a code) and the active sessions (end
 * any; ending the current one logs out here), and the scoped tokens of front ends (scoped-tokens-panel).
 */
import { useEffect, useState } from 'preact/hooks';
import QRCode from 'qrcode';
import { logout, messageOf } from '../api.js';
import { beginTotp, confirmTotp, disableTotp, endSession, listSessions, totpStatus } from './security-api.js';
import type { Enrolment, OwnerSession, TotpStatus } from './security-api.js';
import { ScopedTokensPanel } from './scoped-tokens-panel.js';

export function SecurityPage() {
  return (
    <section>
      <h1>Security</h1>
      <SecondFactorPanel />
      <SessionsPanel />
      <ScopedTokensPanel />
    </section>
  );
}

function SecondFactorPanel() {
  const [status, setStatus] = useState<TotpStatus | undefined>();
  const [enrolment, setEnrolment] = useState<Enrolment | undefined>();
  const [qr, setQr] = useState<string | undefined>();
  const [code, setCode] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [notice, setNotice] = useState<string | undefined>();

  const refresh = () => totpStatus().then(setStatus, (err: unknown) => setError(messageOf(err)));
  useEffect(() => void refresh(), []);

  const act = async (work: () => Promise<void>) => {
    setError(undefined);
    setNotice(undefined);
    try {
      await work();
    } catch (err) {
      setError(messageOf(err));
    }
  };
  const begin = () =>
    act(async () => {
      const next = await beginTotp(status?.enrolled ? code : undefined);
      setEnrolment(next);
      setQr(await QRCode.toDataURL(next.otpauth_uri, { margin: 1, width: 220 }));
      setCode('');
    });
  const confirm = () =>
    act(async () => {
      setStatus(await confirmTotp(code));
      setEnrolment(undefined);
      setQr(undefined);
      setCode('');
      setNotice('The second factor is on: logins now need a code.');
    });
  const disable = () =>
    act(async () => {
      setStatus(await disableTotp(code));
      setCode('');
      setNotice('The second factor is off.');
    });

  const codeField = (label: string) => (
    <div class="field">
      <label for="totp-code">{label}</label>
      <input
        id="totp-code"
        name="code"
        autocomplete="one-time-code"
        inputMode="numeric"
        value={code}
        onInput={(e) => setCode(e.currentTarget.value.trim())}
      />
    </div>
  );

  return (
    <div class="panel" aria-labelledby="second-factor">
      <h2 id="second-factor">One-time code</h2>
      {!status ? (
        <p aria-busy="true">Loading…</p>
      ) : enrolment ? (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void confirm();
          }}
        >
          <p>Scan this with your authenticator app, then give its first code.</p>
          {qr && <img src={qr} alt="QR code of the one-time code secret" width={220} height={220} />}
          <p>
            Or enter the key by hand: <code class="otpauth">{enrolment.otpauth_uri}</code>
          </p>
          <p>Recovery codes, each good once, shown only now: keep them somewhere safe.</p>
          <ul class="recovery-codes">
            {enrolment.recovery_codes.map((c) => (
              <li key={c}>
                <code>{c}</code>
              </li>
            ))}
          </ul>
          {codeField('First code from the app')}
          <div class="actions">
            <button type="submit">Turn on</button>
          </div>
        </form>
      ) : (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void (status.enrolled ? disable() : begin());
          }}
        >
          <p role="status">
            {status.enrolled
              ? `On. ${status.recovery_codes_left ?? 0} recovery codes left.`
              : 'Off: the password alone logs in.'}
          </p>
          {status.enrolled && codeField('Current code (or a recovery code)')}
          <div class="actions">
            <button type="submit">{status.enrolled ? 'Turn off' : 'Set up a one-time code'}</button>
            {status.enrolled && (
              <button type="button" class="secondary" onClick={() => void begin()}>
                Move to a new authenticator
              </button>
            )}
          </div>
        </form>
      )}
      {notice && <p role="status">{notice}</p>}
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
    </div>
  );
}

function SessionsPanel() {
  const [sessions, setSessions] = useState<OwnerSession[] | undefined>();
  const [error, setError] = useState<string | undefined>();
  const refresh = () => listSessions().then(setSessions, (err: unknown) => setError(messageOf(err)));
  useEffect(() => void refresh(), []);

  const end = async (session: OwnerSession) => {
    setError(undefined);
    try {
      if (session.current) return await logout();
      await endSession(session.session_id);
      await refresh();
    } catch (err) {
      setError(messageOf(err));
    }
  };

  return (
    <div class="panel" aria-labelledby="sessions">
      <h2 id="sessions">Sessions</h2>
      {!sessions ? (
        <p aria-busy="true">Loading…</p>
      ) : (
        <table>
          <caption>Where you are logged in</caption>
          <thead>
            <tr>
              <th scope="col">Browser or app</th>
              <th scope="col">Address</th>
              <th scope="col">Logged in</th>
              <th scope="col">Last renewed</th>
              <th scope="col">
                <span class="visually-hidden">End</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {sessions.map((s) => (
              <tr key={s.session_id} data-session={s.session_id}>
                <td>
                  {s.user_agent || 'unknown'} {s.current && <strong>(this one)</strong>}
                </td>
                <td>
                  <code>{s.client}</code>
                </td>
                <td>{new Date(s.created_at).toLocaleString()}</td>
                <td>{new Date(s.renewed_at).toLocaleString()}</td>
                <td>
                  <button type="button" class="secondary" onClick={() => void end(s)}>
                    {s.current ? 'Log out' : 'End session'}
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
