// Reads the example operations under `operations/` (Node only: used by the Vite build, which
// turns them into the page's list of examples, and by tests/validate-operations.mjs).
//
// File format (see README.md): a `.graphql` file holds the operations of one role and
// workflow. Its first comment block, up to the first blank line, is the group's title (first
// line) and notes. Each operation is named and preceded, with no blank line in between, by a
// comment block: a description, then optionally a line `# variables:` followed by the
// example variables as JSON, each line commented.

import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { parse } from 'graphql';

/** Order of the role folders in the page's list; other folders follow, alphabetically. */
export const FOLDER_ORDER = ['public', 'officer', 'reviewer', 'distributor', 'admin', 'subscriptions'];

function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...walk(path));
    else if (name.endsWith('.graphql')) out.push(path);
  }
  return out;
}

function folderRank(file) {
  const folder = file.split('/')[0];
  const i = FOLDER_ORDER.indexOf(folder);
  return i === -1 ? FOLDER_ORDER.length : i;
}

/** The leading comment block (lines starting with `#`) of `lines`, without the `#`. */
function stripHash(line) {
  return line.replace(/^\s*#\s?/, '');
}

/**
 * Parses one operations file. Returns `{ file, title, notes, operations, problems }`; each
 * operation is `{ name, type, description, text, variables, variablesText, line }` where `text`
 * is what the editor shows (description comments and the operation) and `variables` the parsed
 * example variables (or `{}`). `problems` lists what is wrong with the file's format (parse
 * errors, unnamed operations, bad JSON); validation against the schema is done elsewhere.
 */
export function parseOperationsFile(source, file) {
  const problems = [];
  const lines = source.split('\n');
  // Header: the first comment block, when a blank line ends it.
  let title = file;
  let notes = '';
  const header = [];
  for (const line of lines) {
    if (/^\s*#/.test(line)) header.push(stripHash(line));
    else break;
  }
  if (header.length > 0 && (lines[header.length] ?? '').trim() === '') {
    title = header[0].trim() || file;
    notes = header.slice(1).join('\n').trim();
  } else {
    problems.push(`${file}: start with a comment block (the group's title), then a blank line`);
  }

  let document;
  try {
    document = parse(source, { noLocation: false });
  } catch (e) {
    problems.push(`${file}: ${e.message}`);
    return { file, title, notes, operations: [], problems };
  }

  const operations = [];
  for (const def of document.definitions) {
    const startLine = def.loc.startToken.line; // 1-based
    if (def.kind !== 'OperationDefinition') {
      problems.push(`${file}:${startLine}: only operations belong here (inline fragments instead of named ones), found ${def.kind}`);
      continue;
    }
    if (!def.name) {
      problems.push(`${file}:${startLine}: every operation needs a name`);
      continue;
    }
    const name = def.name.value;
    // The comment block right above the operation.
    const block = [];
    for (let i = startLine - 2; i >= 0 && /^\s*#/.test(lines[i]); i--) block.unshift(lines[i]);
    const marker = block.findIndex((l) => /^\s*#\s*variables:\s*$/.test(l));
    const descriptionLines = marker === -1 ? block : block.slice(0, marker);
    const description = descriptionLines.map(stripHash).join('\n').trim();
    if (!description) problems.push(`${file}:${startLine}: describe ${name} in a comment right above it`);
    let variables = {};
    if (marker !== -1) {
      const json = block.slice(marker + 1).map(stripHash).join('\n');
      try {
        variables = JSON.parse(json);
        if (variables === null || typeof variables !== 'object' || Array.isArray(variables)) {
          problems.push(`${file}:${startLine}: the variables of ${name} must be a JSON object`);
          variables = {};
        }
      } catch (e) {
        problems.push(`${file}:${startLine}: the variables of ${name} are not valid JSON: ${e.message}`);
      }
    }
    const body = source.slice(def.loc.start, def.loc.end);
    const text = (descriptionLines.length ? descriptionLines.join('\n') + '\n' : '') + body + '\n';
    operations.push({
      name,
      type: def.operation,
      description,
      text,
      body,
      variables,
      variablesText: Object.keys(variables).length ? JSON.stringify(variables, null, 2) : '',
      line: startLine,
    });
  }
  if (operations.length === 0 && problems.length === 0) problems.push(`${file}: no operation`);
  return { file, title, notes, operations, problems };
}

/** Every operations file under `dir`, in the page's order. */
export function loadOperations(dir) {
  const files = walk(dir)
    .map((path) => relative(dir, path).split(sep).join('/'))
    .sort((a, b) => folderRank(a) - folderRank(b) || a.localeCompare(b));
  return files.map((file) => ({ path: join(dir, file), ...parseOperationsFile(readFileSync(join(dir, file), 'utf8'), file) }));
}

/** What the page needs: groups of `{ name, type, description, text, variablesText }`. */
export function pageManifest(dir) {
  return loadOperations(dir).map((g) => ({
    file: g.file,
    title: g.title,
    notes: g.notes,
    operations: g.operations.map(({ name, type, description, text, variablesText }) => ({
      name,
      type,
      description,
      text,
      variablesText,
    })),
  }));
}
