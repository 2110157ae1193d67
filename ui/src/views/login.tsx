import { useState } from 'preact/hooks';
import { errorText, post } from '../api';
import { ErrorBox } from '../components';
import type { Me } from '../types';

export function Login({ onLogin }: { onLogin: (me: Me) => void }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  return (
    <main class="login">
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          setBusy(true);
          setError('');
          try {
            onLogin(await post<Me>('/auth/login', { username, password }));
          } catch (err) {
            setError(errorText(err));
          } finally {
            setBusy(false);
          }
        }}
      >
        <h1>weir</h1>
        <label>
          Username
          <input
            name="username"
            autocomplete="username"
            required
            autofocus
            value={username}
            onInput={(e) => setUsername(e.currentTarget.value)}
          />
        </label>
        <label>
          Password
          <input
            name="password"
            type="password"
            autocomplete="current-password"
            required
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
          />
        </label>
        <ErrorBox error={error} />
        <button class="primary" type="submit" disabled={busy}>
          Log in
        </button>
        <p class="muted small">
          <code>weir standalone</code> prints the admin's password on its first start; <code>weir users create</code> makes more users.
        </p>
      </form>
    </main>
  );
}
