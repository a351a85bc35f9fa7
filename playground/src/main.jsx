import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { GraphiQL, GraphiQLInterface, GraphiQLProvider } from 'graphiql';
import '@graphiql/react/dist/style.css';
import 'graphiql/src/style.css';
import './style.css';
import { fetcher } from './fetcher.js';
import { Header } from './Header.jsx';

const DEFAULT_QUERY = `# Welcome to the officer registry's GraphQL playground.
#
# 1. Sign in above (a demo account, or any account): the token is sent as
#    "Authorization: Bearer …" over HTTP and in the WebSocket's connection_init.
# 2. Pick an example above, or write your own: Ctrl-Space completes, the
#    Docs button (left) browses the schema, Ctrl-Enter runs.
#
# راهنما: بالا وارد شوید، یک نمونه انتخاب کنید و اجرا کنید.

query Me {
  me {
    userCode
    role
    displayName
  }
}
`;

function App() {
  return (
    <GraphiQLProvider fetcher={fetcher} defaultQuery={DEFAULT_QUERY} shouldPersistHeaders={false}>
      <div className="pg-app">
        <Header />
        <main className="pg-graphiql">
          <GraphiQLInterface showPersistHeadersSettings={false} defaultEditorToolsVisibility>
            <GraphiQL.Logo>
              <span className="pg-logo">Officer registry</span>
            </GraphiQL.Logo>
          </GraphiQLInterface>
        </main>
      </div>
    </GraphiQLProvider>
  );
}

createRoot(document.getElementById('root')).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
