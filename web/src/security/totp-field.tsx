/** The one-time code field of the login form, once the pod asks for a second factor. */
export function TotpField({ value, onInput }: { value: string; onInput: (value: string) => void }) {
  return (
    <div class="field">
      <label for="login-totp">One-time code</label>
      <input
        id="login-totp"
        name="totp"
        autocomplete="one-time-code"
        inputMode="numeric"
        required
        autoFocus
        value={value}
        onInput={(e) => onInput(e.currentTarget.value.trim())}
      />
    </div>
  );
}
