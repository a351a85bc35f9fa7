// The bar above GraphiQL: examples, a file for uploads, and the sign-in helper.
import { useState, useSyncExternalStore } from 'react';
import { useEditorContext } from '@graphiql/react';
import { DEMO_ACCOUNTS } from './accounts.js';
import { groups, byKey } from './examples.js';
import { getNotice, getSession, signIn, signOut, subscribe } from './session.js';
import { getSocketState, getUploadFile, setUploadFile, subscribeSocket, subscribeUpload } from './fetcher.js';

const OTHER = '';

function Examples() {
  const editor = useEditorContext({ nonNull: true });
  const [selected, setSelected] = useState('');
  const load = (key) => {
    setSelected(key);
    const example = byKey.get(key);
    if (!example) return;
    editor.queryEditor?.setValue(example.text);
    editor.variableEditor?.setValue(example.variablesText);
  };
  return (
    <label className="pg-field" title="Load a named example operation, with its variables, into the editor">
      <span>Examples</span>
      <select id="pg-examples" value={selected} onChange={(e) => load(e.target.value)}>
        <option value="">— choose an operation —</option>
        {groups.map((g) => (
          <optgroup key={g.file} label={g.title}>
            {g.operations.map((op) => (
              <option key={op.name} value={`${g.file}#${op.name}`} title={op.description}>
                {op.type === 'query' ? '' : `${op.type} `}
                {op.name}
              </option>
            ))}
          </optgroup>
        ))}
      </select>
    </label>
  );
}

function UploadFile() {
  const file = useSyncExternalStore(subscribeUpload, getUploadFile);
  return (
    <span className="pg-field" title="Sent (GraphQL multipart request) as the Upload variable of the operation you run, e.g. $file of attachDocument">
      <label className="pg-file">
        <span>Upload file</span>
        <input id="pg-upload" type="file" accept=".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"
          onChange={(e) => setUploadFile(e.target.files?.[0] ?? null)} />
      </label>
      {file && (
        <button type="button" className="pg-link" onClick={() => { setUploadFile(null); document.getElementById('pg-upload').value = ''; }}>
          clear
        </button>
      )}
    </span>
  );
}

function SignIn() {
  const session = useSyncExternalStore(subscribe, getSession);
  const notice = useSyncExternalStore(subscribe, getNotice);
  const socket = useSyncExternalStore(subscribeSocket, getSocketState);
  const [account, setAccount] = useState(DEMO_ACCOUNTS[0].userCode);
  const [userCode, setUserCode] = useState(DEMO_ACCOUNTS[0].userCode);
  const [password, setPassword] = useState(DEMO_ACCOUNTS[0].password);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');

  const choose = (code) => {
    setAccount(code);
    const demo = DEMO_ACCOUNTS.find((a) => a.userCode === code);
    setUserCode(demo ? demo.userCode : '');
    setPassword(demo ? demo.password : '');
  };
  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      await signIn(userCode.trim(), password);
    } catch (err) {
      setError(err.message);
    } finally {
      setBusy(false);
    }
  };

  if (session) {
    const v = session.viewer;
    return (
      <div className="pg-signin">
        <span id="pg-who" className="pg-who" data-user-code={v.userCode} title={`token expires ${session.expiresAt}; refreshed automatically`}>
          <b>{v.userCode}</b> ({v.role}) <span dir="auto">{v.displayName}</span>
        </span>
        <span className={`pg-socket pg-socket-${socket}`} title="The subscriptions' WebSocket (graphql-transport-ws)">ws: {socket}</span>
        <button id="pg-sign-out" type="button" onClick={() => signOut()}>
          Sign out (خروج)
        </button>
      </div>
    );
  }
  return (
    <form className="pg-signin" onSubmit={submit}>
      <select id="pg-account" value={account} onChange={(e) => choose(e.target.value)} title="Demo accounts of serve --demo">
        {DEMO_ACCOUNTS.map((a) => (
          <option key={a.userCode} value={a.userCode}>
            {a.userCode}: {a.label}
          </option>
        ))}
        <option value={OTHER}>Another account…</option>
      </select>
      <input id="pg-user-code" placeholder="user code (کد کاربری)" autoComplete="username" value={userCode}
        onChange={(e) => { setUserCode(e.target.value); setAccount(OTHER); }} />
      <input id="pg-password" type="password" placeholder="password (رمز عبور)" autoComplete="current-password" value={password}
        onChange={(e) => { setPassword(e.target.value); setAccount(OTHER); }} />
      <button id="pg-sign-in" type="submit" disabled={busy || !userCode || !password}>
        {busy ? 'Signing in…' : 'Sign in (ورود)'}
      </button>
      {(error || notice) && (
        <span id="pg-status" className="pg-error" role="alert" dir="auto">
          {error || notice}
        </span>
      )}
    </form>
  );
}

export function Header() {
  return (
    <header className="pg-header">
      <div className="pg-title" lang="en" title="سامانه ثبت و احراز صلاحیت مسئولین فنی تجهیزات پزشکی: میز آزمایش API">
        <b>Officer registry</b> · GraphQL playground
      </div>
      <Examples />
      <UploadFile />
      <SignIn />
    </header>
  );
}
